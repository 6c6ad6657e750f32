"""The mixed-fault soak: the fault stack's services as processes on the session's Kafka, a PostgreSQL of its own."""

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parent / "faults"), str(HERE.parent / "flows")]

from faultkit.stack import FaultStack  # noqa: E402
from soakkit.reverts import revert_pythonpath  # noqa: E402


@pytest.fixture(scope="session")
async def soak_stack(infrastructure, tmp_path_factory: pytest.TempPathFactory,  # noqa: ANN001
                     monkeypatch_session: pytest.MonkeyPatch) -> AsyncIterator[FaultStack]:
    """The four services, started once; with SOAK_REVERT set, each runs with that past bug put back."""
    if path := revert_pythonpath():
        monkeypatch_session.setenv("FAULTS_SERVICE_PYTHONPATH", path)
    stack = FaultStack(workdir=tmp_path_factory.mktemp("soak"), kafka_bootstrap=infrastructure.kafka_bootstrap,
                       kafka=infrastructure.kafka)
    await stack.start()
    try:
        yield stack
    finally:
        await stack.stop()
        print(f"\nsoak stack logs: {stack.workdir / 'logs'}")


@pytest.fixture(scope="session")
def monkeypatch_session() -> "pytest.MonkeyPatch":
    """A monkeypatch for the whole session (environment the stack's processes inherit)."""
    with pytest.MonkeyPatch.context() as patch:
        yield patch
