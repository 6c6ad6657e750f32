"""Scenarios 1 and 4: a service process crashes (SIGKILL) mid-stream; a second instance of a group dies."""

import asyncio

from faultkit.invariants import Totals
from faultkit.scenario import RecordProperty, assert_exactly_once, prepare, run_scenario, settle_and_check
from faultkit.stack import SERVICES, FaultStack, Instance
from faultkit.workload import Stream


async def test_sigkill_each_service_in_turn_while_it_handles_messages(
    fault_stack: FaultStack, record_property: RecordProperty
) -> None:
    async def kill_each_in_turn(stream: Stream) -> int:
        restarting = []
        for name in SERVICES:  # each killed while the others (and the stream) keep going; restarts overlap
            await asyncio.sleep(3)
            instance = fault_stack.instance(name)
            fault_stack.kill(instance)
            restarting.append(asyncio.create_task(fault_stack.restart(instance)))
        await asyncio.gather(*restarting)
        return len(SERVICES)

    await run_scenario(fault_stack, "sigkill-each-service", "5001", kill_each_in_turn, record_property, visits=10)


async def test_second_instance_in_the_consumer_group_killed_mid_stream(
    fault_stack: FaultStack, record_property: RecordProperty
) -> None:
    stream, since = await prepare(fault_stack, "1804", visits=10)
    seconds = [fault_stack.spawn(name, index=1) for name in ("ambassadors", "notify")]
    await asyncio.gather(*(fault_stack.wait_ready(i) for i in seconds))

    def has_handled(instance: Instance) -> bool:  # consumers log each event (one by one) or each batch
        log = instance.log_path.read_text()
        return '"event handled"' in log or '"batch handled"' in log

    async def kill_second_instances(s: Stream) -> int:
        # Kill each second instance once it holds partitions of its group and has handled events (joining a group
        # under load can take several seconds), so the kill really happens mid-stream with work in its hands.
        deadline = asyncio.get_running_loop().time() + 45
        pending = list(seconds)
        while pending and asyncio.get_running_loop().time() < deadline:
            for instance in [i for i in pending if has_handled(i)]:
                fault_stack.kill(instance)
                pending.remove(instance)
            await asyncio.sleep(0.3)
        for instance in pending:
            fault_stack.kill(instance)
        return len(seconds)

    faults = await stream.run_during(kill_second_instances(stream))
    totals = await settle_and_check(fault_stack, stream, Totals("rebalance-after-kill", faults=faults), since,
                                    record_property)
    assert_exactly_once(totals)
    for instance in seconds:
        assert has_handled(instance), f"{instance.service}-1 never got a partition"
