"""Fault injection against the whole system: services as processes, the session's Kafka, a PostgreSQL of its own."""

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parent / "flows")]

from faultkit.stack import FaultStack  # noqa: E402


@pytest.fixture(scope="session")
async def fault_stack(infrastructure, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FaultStack]:  # noqa: ANN001
    """The four services started once for every fault scenario (each scenario restarts what it broke)."""
    stack = FaultStack(workdir=tmp_path_factory.mktemp("faults"), kafka_bootstrap=infrastructure.kafka_bootstrap,
                       kafka=infrastructure.kafka)
    await stack.start()
    try:
        yield stack
    finally:
        await stack.stop()
        print(f"\nfault stack logs: {stack.workdir / 'logs'}")
