"""The mixed-fault soak: `make soak MINUTES=N` runs it for N minutes; `make test` runs three minutes of it.

SOAK_SEED replays a printed schedule; SOAK_REVERT=<name> puts a past bug back, and the soak must then fail.
"""

import os

import pytest
from faultkit.stack import FaultStack
from soakkit.reverts import revert_name
from soakkit.run import QUIET_SECONDS, soak
from soakkit.schedule import seed_from_env

MINUTES = float(os.environ.get("SOAK_MINUTES", "3"))
SETTING_UP_AND_CHECKING = 420
"""Seconds beyond the traffic and the quiet period: starting the cluster and the instances, the roster set up, the
checker's reads (on a loaded two-core machine beside the flows lane). The session's 300-second default cut CI's
three-minute run short."""


@pytest.mark.timeout(int(MINUTES * 60 + QUIET_SECONDS + SETTING_UP_AND_CHECKING))
async def test_mixed_faults_leave_every_request_once_and_nothing_pending(soak_stack: FaultStack) -> None:
    verdict = await soak(soak_stack, seed=seed_from_env(), seconds=MINUTES * 60)
    if revert_name():
        assert not verdict.passed, f"the checker passed with {revert_name()} reverted:\n{verdict.report()}"
    else:
        assert verdict.passed, verdict.report()
