"""Unit tests of booking: the test modules import request_bodies (one valid request body for all of them)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
