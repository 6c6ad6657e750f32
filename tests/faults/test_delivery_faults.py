"""Scenarios 5 and 6: duplicate and out-of-order deliveries; poison messages, dead letters and replay."""

import asyncio
import json
import secrets
from datetime import UTC, datetime, timedelta

import asyncpg
from faultkit.invariants import Totals, quiesce
from faultkit.records import publish, read_all
from faultkit.scenario import RecordProperty, assert_exactly_once, prepare, settle_and_check
from faultkit.stack import FaultStack
from faultkit.workload import Stream

from outreach_dev.testing.waiting import eventually
from outreach_shared.cli.ops import replay_dead_letters
from outreach_shared.contracts import Topics, new_envelope
from outreach_shared.contracts.ambassadors import TeamConfirmed
from outreach_shared.contracts.booking import VisitRequested
from outreach_shared.contracts.common import TeamMember, TimeWindow
from outreach_shared.dead_letters import read_dead_letters

SCENARIO_TOPICS = (Topics.VISITS, Topics.OFFERS, Topics.GATHERINGS, Topics.MEMBERS, Topics.VISIT_CONTACTS)


async def _outbox_counts(stack: FaultStack) -> dict[str, int]:
    conn = await asyncpg.connect(stack.admin_dsn)
    try:
        return {s: await conn.fetchval(f"SELECT count(*) FROM {s}.outbox")
                for s in ("booking", "ambassadors", "training", "notify")}
    finally:
        await conn.close()


async def test_duplicates_and_a_confirmation_after_cancellation_have_exactly_one_effect(
    fault_stack: FaultStack, record_property: RecordProperty
) -> None:
    stream, since = await prepare(fault_stack, "4204", visits=6)
    ours = set()

    async def republish_everything_of_this_stream(s: Stream) -> int:
        await asyncio.sleep(8)  # visits booked, offered and partly answered
        ours.update(s.ledger.visits, s.ledger.members, s.ledger.gatherings)
        sent = 0
        for topic in SCENARIO_TOPICS:
            records = [(r.key, r.value) for r in await read_all(fault_stack.kafka_bootstrap, topic)
                       if r.key is not None and r.key.decode() in ours and r.value is not None]
            await publish(fault_stack.kafka_bootstrap, topic, records)
            sent += len(records)
        return sent

    duplicates = await stream.run_during(republish_everything_of_this_stream(stream))
    await stream.finish()
    await quiesce(fault_stack)
    # Every record of the stream once more, now that everything settled: nothing may change at all.
    before = await _outbox_counts(fault_stack)
    duplicates += await republish_everything_of_this_stream(stream)
    await quiesce(fault_stack)
    assert await _outbox_counts(fault_stack) == before, "a redelivered event had a second effect"

    released = await _confirmation_after_cancellation(fault_stack, stream)
    totals = Totals("duplicates-and-out-of-order", faults=duplicates + 2)
    totals.extra["out_of_order_released"] = released
    await settle_and_check(fault_stack, stream, totals, since, record_property)
    assert_exactly_once(totals)


async def _confirmation_after_cancellation(stack: FaultStack, stream: Stream) -> int:
    """A visit cancelled while offered, then a (late, twice delivered) team.confirmed: booking ignores and records
    it once, asks once to release the team, and nobody is told the visit is confirmed."""
    booked = await stream.book_visit()
    assert booked is not None
    conn = await asyncpg.connect(stack.admin_dsn)
    try:
        async def offered() -> list[asyncpg.Record]:
            rows = await conn.fetch("SELECT member_id, window_start, window_end FROM ambassadors.offers "
                                    "WHERE visit_id = $1 AND status = 'offered'", booked.visit_id)
            return rows if len(rows) == 2 else []

        offers = await eventually(offered, timeout=60)  # nobody answers: the responder has stopped
        await stream.cancel(booked.visit_id)
        await quiesce(stack)
        window = TimeWindow(start=offers[0]["window_start"], end=offers[0]["window_end"])
        team = [TeamMember(member_id=str(o["member_id"]), first_name="Sen", profession="nurse") for o in offers]
        late = new_envelope(TeamConfirmed(visit_id=booked.visit_id, window=window, members=team),
                            key=booked.visit_id, producer="ambassadors", correlation_id="faults-out-of-order")
        await publish(stack.kafka_bootstrap, Topics.OFFERS, [(late.key.encode(), late.to_bytes())] * 2)
        await quiesce(stack)
        status = await conn.fetchval("SELECT status FROM booking.visits WHERE id = $1", booked.visit_id)
        ignored = await conn.fetchval("SELECT count(*) FROM booking.ignored_events WHERE event_id = $1", late.event_id)
        releases = await conn.fetchval(
            "SELECT count(*) FROM booking.outbox WHERE key = $1 AND envelope->>'type' = 'visit.team-release-requested' "
            "AND envelope->>'causation_id' = $2", booked.visit_id, str(late.event_id))
        held = await conn.fetchval("SELECT count(*) FROM ambassadors.offers WHERE visit_id = $1 "
                                   "AND status IN ('offered', 'accepted')", booked.visit_id)
        told = await conn.fetchval("SELECT count(*) FROM notify.notices WHERE recipient = $1 "
                                   "AND notice_type = 'visit_confirmed_school'", f"school:{booked.visit_id}")
    finally:
        await conn.close()
    assert (status, ignored, releases, held, told) == ("cancelled", 1, 1, 0, 0), (
        f"status={status} ignored={ignored} release requests={releases} seats held={held} told confirmed={told}")
    return releases


def _poison(visit_id: str) -> list[tuple[str, bytes]]:
    """One record of every kind of poison, all keyed to a live visit."""
    now = datetime.now(UTC)
    window = TimeWindow(start=now + timedelta(days=20), end=now + timedelta(days=20, hours=2))
    impossible = VisitRequested(
        visit_id=f"faults-{secrets.token_hex(4)}", orgnr="974760673", school_name="Ingen skole", school_address="-",
        kommunenummer="9999", kind="school_visit", audience_description="-", pupils=10, professions=["nurse"],
        language="nb", windows=[window], team_size=1)
    valid = json.loads(new_envelope(impossible, key=visit_id, producer="booking", correlation_id="poison").to_bytes())
    return [
        ("not an event envelope", b"{this is not json"),
        ("unsupported schema version", json.dumps(valid | {"schema_version": 99}).encode()),
        ("unknown event type", json.dumps(valid | {"type": "visit.teleported"}).encode()),
        ("handler failed after", json.dumps(valid).encode()),  # valid, but no such municipality
    ]


async def test_poison_goes_to_dead_letters_the_partition_moves_on_and_replay_after_a_fix_works(
    fault_stack: FaultStack, record_property: RecordProperty
) -> None:
    stream, since = await prepare(fault_stack, "5501", visits=4)
    placed: dict[tuple[int, int], str] = {}

    async def poison_then_cancel(s: Stream) -> int:
        await asyncio.sleep(4)
        target = next(iter(s.ledger.visits))
        poison = _poison(target)
        offsets = await publish(fault_stack.kafka_bootstrap, Topics.VISITS,
                                [(target.encode(), value) for _, value in poison])
        placed.update(zip(offsets, (reason for reason, _ in poison), strict=True))
        await s.cancel(target)  # a good event on the same key, behind the poison
        return len(poison)

    faults = await stream.run_during(poison_then_cancel(stream))
    await stream.finish()
    await quiesce(fault_stack)
    letters = [d for d in await read_dead_letters(fault_stack.kafka_bootstrap)
               if d.original_topic == Topics.VISITS and d.headers.get("x-dead-letter-consumer") == "ambassadors"
               and (int(d.headers["x-original-partition"]), int(d.headers["x-original-offset"])) in placed]
    reasons = {placed[(int(d.headers["x-original-partition"]), int(d.headers["x-original-offset"]))]: d.reason
               for d in letters}
    assert len(letters) == len(placed), f"dead letters: {[d.reason for d in letters]}"
    for expected, reason in reasons.items():
        assert reason.startswith(expected), f"{expected!r}: {reason!r}"
    cancelled = next(v for v in stream.ledger.cancelled)
    conn = await asyncpg.connect(fault_stack.admin_dsn)
    try:
        assert await conn.fetchval("SELECT status FROM ambassadors.visits WHERE id = $1", cancelled) == "cancelled", (
            "the good event behind the poison was not handled")
        replayed = await _replay_after_fix(fault_stack, conn)
    finally:
        await conn.close()
    totals = Totals("poison-dead-letters-replay", faults=faults + 1)
    totals.extra |= {"dead_letters": len(letters), "replayed": replayed}
    await settle_and_check(fault_stack, stream, totals, since, record_property)
    assert_exactly_once(totals)


async def _replay_after_fix(stack: FaultStack, conn: asyncpg.Connection) -> int:
    """A good event the consumer cannot handle yet (a broken database object) is dead-lettered; once fixed, a
    replay handles it, and a second replay is absorbed."""
    visit_id = f"faults-replay-{secrets.token_hex(4)}"
    await conn.execute(f"""
        CREATE FUNCTION ambassadors.faults_broken() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'broken for the fault test'; END $$;
        CREATE TRIGGER faults_broken BEFORE INSERT ON ambassadors.visits FOR EACH ROW
            WHEN (NEW.id = '{visit_id}') EXECUTE FUNCTION ambassadors.faults_broken();""")
    try:
        now = datetime.now(UTC)
        window = TimeWindow(start=now + timedelta(days=21), end=now + timedelta(days=21, hours=2))
        event = VisitRequested(
            visit_id=visit_id, orgnr="974760673", school_name="Trysil skole", school_address="Skoleveien 1",
            kommunenummer="3421", kind="school_visit", audience_description="10. trinn", pupils=10,
            professions=["nurse"], language="nb", windows=[window], team_size=1)
        envelope = new_envelope(event, key=visit_id, producer="booking", correlation_id="faults-replay")
        [(partition, offset)] = await publish(stack.kafka_bootstrap, Topics.VISITS,
                                              [(visit_id.encode(), envelope.to_bytes())])
        await quiesce(stack)

        async def dead_letter() -> int | None:
            return next((d.offset for d in await read_dead_letters(stack.kafka_bootstrap)
                         if d.headers.get("x-original-offset") == str(offset)
                         and d.headers.get("x-original-partition") == str(partition)
                         and d.headers.get("x-dead-letter-consumer") == "ambassadors"), None)

        letter = await eventually(dead_letter, timeout=30)
        assert not await conn.fetchval("SELECT 1 FROM ambassadors.visits WHERE id = $1", visit_id)
    finally:
        await conn.execute("DROP TRIGGER IF EXISTS faults_broken ON ambassadors.visits; "
                           "DROP FUNCTION IF EXISTS ambassadors.faults_broken()")
    replayed = await replay_dead_letters(stack.kafka_bootstrap, [letter], False)
    replayed += await replay_dead_letters(stack.kafka_bootstrap, [letter], False)
    await quiesce(stack)
    handled = await conn.fetchval("SELECT count(*) FROM ambassadors.inbox WHERE event_id = $1", envelope.event_id)
    visits = await conn.fetchval("SELECT count(*) FROM ambassadors.visits WHERE id = $1", visit_id)
    assert (replayed, handled, visits) == (2, 1, 1), f"replayed={replayed} handled={handled} visits={visits}"
    return replayed
