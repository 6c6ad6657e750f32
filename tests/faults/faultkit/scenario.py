"""One scenario run: a quiet start, a stream with a fault in the middle, a settled end, the invariants and totals."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from faultkit.invariants import Totals, check, quiesce
from faultkit.stack import FaultStack
from faultkit.workload import Stream

Fault = Callable[[Stream], Awaitable[int]]
"""Injects faults while the stream runs; returns how many it injected."""
RecordProperty = Callable[[str, Any], None]


async def prepare(stack: FaultStack, kommunenummer: str, **stream_options: Any) -> tuple[Stream, datetime]:
    """Every service up and idle, then a roster and a gathering for this scenario's municipality."""
    await stack.ensure_running()
    stack.smtp.switch()
    await quiesce(stack)
    since = datetime.now(UTC)
    stream = Stream(stack, kommunenummer=kommunenummer, **stream_options)
    await stream.setup()
    await quiesce(stack)  # training knows the roster, so publishing invites them
    await stream.publish_gathering()
    return stream, since


async def settle_and_check(stack: FaultStack, stream: Stream, totals: Totals, since: datetime,
                           record_property: RecordProperty) -> Totals:
    """Let the stream finish, wait until nothing is left to do, check every invariant and report the totals."""
    await stream.finish()
    await quiesce(stack)
    await check(stack, stream.ledger, totals, since)
    report(totals, record_property)
    return totals


def report(totals: Totals, record_property: RecordProperty) -> None:
    """Print the totals line and attach it (and the problems) to the test's report."""
    line = totals.line()
    print(f"\n{line}")
    record_property("faults", line)
    for problem in totals.lost[:20]:
        print(f"  lost: {problem}")
    for problem in totals.duplicated[:20]:
        print(f"  duplicated: {problem}")


def assert_exactly_once(totals: Totals) -> None:
    """Nothing lost, nothing duplicated."""
    assert not totals.lost and not totals.duplicated, (
        f"{totals.line()}\nlost: {totals.lost[:20]}\nduplicated: {totals.duplicated[:20]}"
    )


async def run_scenario(stack: FaultStack, name: str, kommunenummer: str, fault: Fault,
                       record_property: RecordProperty, **stream_options: Any) -> Totals:
    """The whole run: prepare, stream with the fault, settle, check, report; fails on any lost or duplicate."""
    began = time.monotonic()
    stream, since = await prepare(stack, kommunenummer, **stream_options)
    prepared = time.monotonic()
    faults = await stream.run_during(fault(stream))
    streamed = time.monotonic()
    totals = Totals(name, faults=faults)
    totals.extra["seconds"] = f"{prepared - began:.0f}+{streamed - prepared:.0f}+{{settle}}"
    await stream.finish()
    await quiesce(stack)
    totals.extra["seconds"] = str(totals.extra["seconds"]).format(settle=f"{time.monotonic() - streamed:.0f}")
    totals = await settle_and_check(stack, stream, totals, since, record_property)
    assert_exactly_once(totals)
    return totals
