"""One soak run: a quiet start, the workload at its rate while the fault schedule plays, a quiet period, the check."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from faultkit.invariants import quiesce
from faultkit.stack import FaultStack

from soakkit.checker import Checker, Verdict
from soakkit.offsets import OffsetWatch
from soakkit.reverts import revert_name
from soakkit.schedule import Player, Topology, plan, printed
from soakkit.workload import Workload

QUIET_SECONDS = 120.0
"""After the last request: members answer what is open, then everything must settle within this."""


async def soak(stack: FaultStack, *, seed: int, seconds: float, rate: float = 1.0,
               topology: Topology | None = None) -> Verdict:
    """Run the soak for `seconds` of traffic and return the checker's verdict (printed as it goes)."""
    topology = topology or Topology.of(stack)
    faults = plan(seed, seconds, topology)
    revert = revert_name()
    print(f"\nsoak topology: {topology.brokers} broker(s), {topology.instances} instance(s) of each service")
    print(f"\nsoak schedule: {printed(seed, faults)}" + (f"\nsoak revert: {revert}" if revert else ""), flush=True)
    stack.smtp.switch()
    await quiesce(stack)
    since = datetime.now(UTC)
    workload = Workload(stack, seed=seed, rate=rate)
    await workload.setup()
    await quiesce(stack)  # training knows the roster before the first gathering invites it
    player = Player(stack, faults)
    watch = OffsetWatch(stack.kafka_bootstrap)
    watching = asyncio.create_task(watch.run())
    began = time.monotonic()
    injected, _ = await asyncio.gather(player.play(), workload.run(seconds))
    print(f"soak: traffic and faults done after {time.monotonic() - began:.0f}s; injected: {'; '.join(player.log)}",
          flush=True)
    await workload.finish()
    quiet_began = time.monotonic()
    try:
        await quiesce(stack, timeout=QUIET_SECONDS)
        print(f"soak: settled {time.monotonic() - quiet_began:.0f}s after the last request", flush=True)
    except AssertionError as still:  # the checker names what is left ("nothing left pending")
        print(f"soak: the quiet period ended unsettled: {still}", flush=True)
    watch.stop()
    await watching
    checking_began = time.monotonic()
    verdict = await Checker(stack, workload, faults=injected, since=since, offsets=watch).check()
    print(f"soak: checked in {time.monotonic() - checking_began:.0f}s", flush=True)
    print(verdict.report(), flush=True)
    return verdict
