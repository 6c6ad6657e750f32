"""Past bugs put back on purpose (SOAK_REVERT=<name>), to show the checker can fail.

Each revert is a `sitecustomize` the services' processes load through PYTHONPATH (the fault stack's
FAULTS_SERVICE_PYTHONPATH): production code is untouched, and nothing changes unless SOAK_REVERT names one.
"""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).parent
REVERTS = {
    # The idempotent consumer's inbox dedup taken out, with the relay republishing each event once (as it does
    # after a crash between publishing and marking): every redelivered event is handled a second time.
    "inbox-dedup": HERE / "inbox_dedup",
    # A real past bug (fixed in 8c5b2af): a rescheduled confirmed visit was never confirmed again; its new team's
    # acceptance published team.changed, booking refused it and released them, and the visit stayed requested.
    "reschedule-reconfirm": HERE / "reschedule_reconfirm",
}


def revert_name() -> str | None:
    """The revert SOAK_REVERT names (None when unset); an unknown name is an error."""
    name = os.environ.get("SOAK_REVERT") or None
    if name is not None and name not in REVERTS:
        raise ValueError(f"SOAK_REVERT={name!r}: known reverts are {sorted(REVERTS)}")
    return name


def revert_pythonpath() -> str | None:
    """The PYTHONPATH that loads the named revert into every service, or None."""
    name = revert_name()
    return str(REVERTS[name]) if name else None
