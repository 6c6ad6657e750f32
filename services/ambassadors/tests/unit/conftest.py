"""Unit tests of the ambassadors service: the fakes module beside them is importable."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
