"""The mixed-fault soak: the fault stack's services as processes on the session's Kafka, a PostgreSQL of its own.

By default as production runs: a three-broker cluster (the session's Kafka, asked for through
OUTREACH_KAFKA_BROKERS before it starts) and two instances of every service behind a round-robin balancer.
SOAK_BROKERS=1 SOAK_INSTANCES=1 runs it on one broker and one instance each.
"""

import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parent / "faults"), str(HERE.parent / "flows")]

from faultkit.stack import FaultStack  # noqa: E402
from soakkit.reverts import revert_pythonpath  # noqa: E402
from soakkit.schedule import PAUSE_SECONDS  # noqa: E402

BROKERS = os.environ.get("SOAK_BROKERS", "3")
INSTANCES = int(os.environ.get("SOAK_INSTANCES", "2"))
os.environ["OUTREACH_KAFKA_BROKERS"] = BROKERS  # read when the session's infrastructure starts, after this
SEARCH_AGAIN = {"ambassadors": {"AMBASSADORS_SEARCH_RETRY_HOURS": "0.003"}}
"""A visit whose team is not whole is searched for again after ~11 s instead of a day, as in the model's runs:
with members leaving the roster, the quiet period then sees each visit staffed or given up, not waiting a day."""
LEASE_OUTLASTS_A_PAUSE = {"notify": {"NOTIFY_DELIVERY_LEASE_SECONDS": str(int(PAUSE_SECONDS + 14))}}
"""Notify's delivery lease outlasts the consumer pause (16 s) and an SMTP timeout (2 s) with room to spare, as
production's 120 s outlasts any pause a live process sees. The fault stack's 6 s lease (crashes recover within a
scenario's deadline) is shorter than the pause: an instance frozen with mails in flight lost its lease, the other
instance sent them again, and the checker rightly counted those (Message-ID twice). Sending and recording cannot be
one step, so a holder frozen past its lease sends twice by design (`notify.service_layer.worker`)."""


@pytest.fixture(scope="session")
async def soak_stack(infrastructure, tmp_path_factory: pytest.TempPathFactory,  # noqa: ANN001
                     monkeypatch_session: pytest.MonkeyPatch) -> AsyncIterator[FaultStack]:
    """The four services, started once; with SOAK_REVERT set, each runs with that past bug put back."""
    if path := revert_pythonpath():
        monkeypatch_session.setenv("FAULTS_SERVICE_PYTHONPATH", path)
    stack = FaultStack(workdir=tmp_path_factory.mktemp("soak"), kafka_bootstrap=infrastructure.kafka_bootstrap,
                       kafka=infrastructure.kafka, settings=SEARCH_AGAIN | LEASE_OUTLASTS_A_PAUSE)
    await stack.start()
    try:
        if INSTANCES > 1:
            await stack.spread(INSTANCES)
        yield stack
    finally:
        await stack.stop()
        print(f"\nsoak stack logs: {stack.workdir / 'logs'}")


@pytest.fixture(scope="session")
def monkeypatch_session() -> "pytest.MonkeyPatch":
    """A monkeypatch for the whole session (environment the stack's processes inherit)."""
    with pytest.MonkeyPatch.context() as patch:
        yield patch
