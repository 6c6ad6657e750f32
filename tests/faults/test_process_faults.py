"""Scenarios 1 and 4: a service process crashes (SIGKILL) mid-stream; a second instance of a group dies."""

import asyncio

from faultkit.scenario import RecordProperty, run_scenario
from faultkit.stack import SERVICES, FaultStack
from faultkit.workload import Stream


async def test_sigkill_each_service_in_turn_while_it_handles_messages(
    fault_stack: FaultStack, record_property: RecordProperty
) -> None:
    async def kill_each_in_turn(stream: Stream) -> int:
        for name in SERVICES:
            await asyncio.sleep(2.5)
            instance = fault_stack.instance(name)
            fault_stack.kill(instance)
            await asyncio.sleep(0.5)
            await fault_stack.restart(instance)
        return len(SERVICES)

    await run_scenario(fault_stack, "sigkill-each-service", "5001", kill_each_in_turn, record_property, visits=10)


async def test_second_instance_in_the_consumer_group_killed_mid_stream(
    fault_stack: FaultStack, record_property: RecordProperty
) -> None:
    seconds = []

    async def kill_second_instances(stream: Stream) -> int:
        seconds.extend(fault_stack.spawn(name, index=1) for name in ("ambassadors", "notify"))
        await asyncio.gather(*(fault_stack.wait_ready(i) for i in seconds))
        await asyncio.sleep(8)  # both instances of each group share its partitions
        for instance in seconds:
            fault_stack.kill(instance)
        return len(seconds)

    await run_scenario(fault_stack, "rebalance-after-kill", "1804", kill_second_instances, record_property, visits=8)
    for instance in seconds:
        assert "event handled" in instance.log_path.read_text(), f"{instance.service}-1 never got a partition"
