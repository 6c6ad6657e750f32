"""Scenarios 2 and 3: the Kafka broker crashes with events in flight; PostgreSQL goes away for ten seconds."""

import asyncio
import time

import pytest
from faultkit.scenario import RecordProperty, run_scenario
from faultkit.stack import FaultStack
from faultkit.workload import Stream

OUTAGE_SECONDS = 10.0


async def test_postgres_stopped_for_ten_seconds_services_not_ready_then_recover_without_restart(
    fault_stack: FaultStack, record_property: RecordProperty
) -> None:
    seen_down: dict[str, set[int]] = {}
    pids_before: dict[str, int] = {}

    async def stop_postgres(stream: Stream) -> int:
        await asyncio.sleep(4)
        pids_before.update(fault_stack.pids())
        await asyncio.to_thread(fault_stack.postgres.stop)
        until = time.monotonic() + OUTAGE_SECONDS
        while time.monotonic() < until:
            for name, code in (await fault_stack.readiness()).items():
                seen_down.setdefault(name, set()).add(code)
            await asyncio.sleep(1.0)
        await asyncio.to_thread(fault_stack.postgres.start)
        return 1

    await run_scenario(fault_stack, "postgres-outage", "1103", stop_postgres, record_property, visits=8)
    assert all(503 in codes for codes in seen_down.values()) and len(seen_down) == 4, (
        f"/readyz during the outage: {seen_down}")
    assert fault_stack.pids() == pids_before, "a service was restarted (or died) to recover"
    assert set((await fault_stack.readiness()).values()) == {200}


async def test_kafka_broker_sigkilled_with_events_in_flight_and_restarted(
    fault_stack: FaultStack, record_property: RecordProperty
) -> None:
    kafka = fault_stack.kafka
    if kafka is None:
        pytest.skip("the session's Kafka is not a local runner (env or Docker): it cannot be SIGKILLed from here")

    async def kill_broker(stream: Stream) -> int:
        await asyncio.sleep(5)
        kafka.kill()
        await asyncio.sleep(3)
        await asyncio.to_thread(kafka.start)  # same data dir and ports
        return 1

    await run_scenario(fault_stack, "kafka-sigkill", "4601", kill_broker, record_property, visits=8)
