"""What must hold after a fault: one effect per accepted request and per event, nobody double-booked, every notice
sent once, nothing stuck (outboxes drained, consumer lag zero, due timers fired, deliveries settled)."""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from faultkit.stack import SERVICES, FaultStack
from faultkit.workload import Ledger
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts import Topics

MESSAGE_ID_DOMAIN = "notify.jobbvinner.no"


@dataclass(frozen=True)
class Group:
    """A consumer group: its inbox consumer name, its topics and the event types it handles."""

    group_id: str
    service: str
    consumer: str
    topics: tuple[str, ...]
    handles: frozenset[str]


@cache
def consumer_groups() -> tuple[Group, ...]:
    """Every service's consumers, read from its bootstrap's registry (wired offline, never started)."""
    from outreach_dev.devstack.launcher import discover_services, settings_class
    from outreach_shared.contracts.catalogue import spec_for
    from outreach_shared.kafka import create_broker
    from outreach_shared.runtime import Runtime, consumers_of

    groups = []
    for service in discover_services():
        if service.name not in SERVICES or service.definition is None:
            continue
        runtime = Runtime(service.definition, settings_class(service.definition)())
        runtime.broker = create_broker("127.0.0.1:1", client_id=service.name)
        for consumer, handlers in consumers_of(service.definition.bootstrap(runtime), service.name):
            topics = tuple(sorted({spec_for(event_type).topic for event_type in handlers}))
            groups.append(Group(f"outreach-{consumer.name}", service.name, consumer.name, topics, frozenset(handlers)))
    groups.append(Group("outreach-notify-dead-letters", "notify", "", (Topics.DEAD_LETTERS,), frozenset()))
    return tuple(groups)


async def consumer_lag(bootstrap: str) -> dict[str, int]:
    """Per group: end offsets minus committed offsets, summed over its topics' partitions."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, request_timeout_ms=10_000)
    await admin.start()
    await consumer.start()
    try:
        lag: dict[str, int] = {}
        for group in consumer_groups():
            described = await admin.describe_topics(list(group.topics))
            partitions = [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]
            ends = await consumer.end_offsets(partitions)
            committed = await admin.list_consumer_group_offsets(group.group_id)
            lag[group.group_id] = sum(
                max(0, ends[tp] - (committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0))
                for tp in partitions
            )
        return lag
    finally:
        await consumer.stop()
        await admin.close()


STUCK_QUERIES = {
    **{f"{s}.outbox unpublished": f"SELECT count(*) FROM {s}.outbox WHERE published_at IS NULL" for s in SERVICES},
    **{
        f"{s}.timers overdue": f"SELECT count(*) FROM {s}.timers "
        "WHERE status = 'pending' AND due_at < now() - interval '3 s'"
        for s in SERVICES
    },
    "notify.deliveries unsettled": (
        "SELECT count(*) FROM notify.deliveries WHERE status = 'sending' OR (status = 'pending' "
        "AND waiting_for IS DISTINCT FROM 'contact' AND next_attempt_at < now() - interval '3 s')"
    ),
    "ambassadors.offers overdue": (
        "SELECT count(*) FROM ambassadors.offers WHERE status = 'offered' AND expires_at < now() - interval '3 s'"
    ),
}


async def stuck(stack: FaultStack) -> dict[str, int]:
    """Everything not yet settled: unpublished outbox rows, overdue timers and deliveries, consumer lag."""
    conn = await asyncpg.connect(stack.admin_dsn)
    try:
        found = {name: int(await conn.fetchval(sql)) for name, sql in STUCK_QUERIES.items()}
    finally:
        await conn.close()
    found |= {f"lag {g}": n for g, n in (await consumer_lag(stack.kafka_bootstrap)).items()}
    return {k: v for k, v in found.items() if v}


async def quiesce(stack: FaultStack, timeout: float = 90.0) -> None:
    """Wait until nothing is left to do (twice in a row); fail naming what is stuck."""
    calm = 0
    left: dict[str, int] = {}

    async def settled() -> bool:
        nonlocal calm, left
        with contextlib.suppress(OSError, asyncpg.PostgresError):
            left = await stuck(stack)
            calm = calm + 1 if not left else 0
        assert calm >= 2, f"still stuck: {left}"
        return True

    await eventually(settled, timeout=timeout, interval=1.0)


@dataclass
class Totals:
    """One run's numbers, printed and recorded as a test property."""

    scenario: str
    requests: int = 0
    events: int = 0
    faults: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)

    def line(self) -> str:
        """`faults: scenario=... requests=... events=... faults=... lost=0 duplicated=0`."""
        extra = "".join(f" {k}={v}" for k, v in self.extra.items())
        return (f"faults: scenario={self.scenario} requests={self.requests} events={self.events} faults={self.faults} "
                f"lost={len(self.lost)} duplicated={len(self.duplicated)}{extra}")


async def check(stack: FaultStack, ledger: Ledger, totals: Totals, since: datetime) -> Totals:
    """Every invariant, counted into `totals` (problems listed, not raised)."""
    conn = await asyncpg.connect(stack.admin_dsn)
    try:
        totals.requests = ledger.accepted
        totals.events = sum([int(await conn.fetchval(f"SELECT count(*) FROM {s}.outbox WHERE created_at >= $1", since))
                             for s in SERVICES])
        await _events_handled_once(conn, totals, since)
        await _requests_had_their_effect(conn, ledger, totals)
        await _nobody_double_booked(conn, totals)
        await _services_agree(conn, ledger, totals)
        await _notices_sent_once(conn, stack, ledger, totals)
    finally:
        await conn.close()
    return totals


async def _events_handled_once(conn: asyncpg.Connection, totals: Totals, since: datetime) -> None:
    """Every published event reached every consumer that handles it; no aggregate event published twice."""
    for group in consumer_groups():
        if not group.handles:
            continue
        for service in SERVICES:
            missing = await conn.fetch(
                f"SELECT o.event_id, o.envelope->>'type' AS type FROM {service}.outbox o "
                f"WHERE o.created_at >= $1 AND o.topic = ANY($2::text[]) AND o.envelope->>'type' = ANY($3::text[]) "
                f"AND NOT EXISTS (SELECT 1 FROM {group.service}.inbox i "
                f"WHERE i.consumer = $4 AND i.event_id = o.event_id)",
                since, list(group.topics), sorted(group.handles), group.consumer,
            )
            totals.lost += [f"{r['type']} {r['event_id']} never handled by {group.consumer}" for r in missing]
    logical = {  # one event per aggregate fact: (service, type) -> what identifies the fact
        ("booking", "visit.requested"): "key", ("booking", "visit.confirmed"): "key",
        ("booking", "visit.cancelled"): "key", ("ambassadors", "member.registered"): "key",
        **{("ambassadors", t): "envelope->'payload'->>'offer_id'"
           for t in ("offer.made", "offer.expired", "offer.accepted", "offer.declined")},
    }
    for (service, event_type), fact in logical.items():
        rows = await conn.fetch(
            f"SELECT {fact} AS k, count(*) AS n FROM {service}.outbox "
            f"WHERE created_at >= $1 AND envelope->>'type' = $2 GROUP BY 1 HAVING count(*) > 1",
            since, event_type,
        )
        totals.duplicated += [f"{event_type} {r['k']} published {r['n']} times" for r in rows]


async def _requests_had_their_effect(conn: asyncpg.Connection, ledger: Ledger, totals: Totals) -> None:
    """Each accepted request exists exactly once where it was accepted."""
    for booked in ledger.visits.values():
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM booking.visits WHERE orgnr = $1", booked.orgnr)]
        if booked.visit_id not in ids:
            totals.lost.append(f"visit request {booked.visit_id} missing in booking")
        if len(ids) > 1:
            totals.duplicated.append(f"school {booked.orgnr} has {len(ids)} visits for one request")
        if not await conn.fetchval("SELECT 1 FROM ambassadors.visits WHERE id = $1", booked.visit_id):
            totals.lost.append(f"visit {booked.visit_id} never reached ambassadors")
    for member_id in ledger.members:
        for table, column in (("ambassadors.members", "id::text"), ("training.members", "member_id")):
            if not await conn.fetchval(f"SELECT 1 FROM {table} WHERE {column} = $1", member_id):
                totals.lost.append(f"member {member_id} missing in {table}")
    for offer_id, verb in ledger.answers.items():
        status = await conn.fetchval("SELECT status FROM ambassadors.offers WHERE id = $1::uuid", offer_id)
        expected = {"accept": {"accepted", "released"}, "decline": {"declined"}}[verb]
        if status not in expected:
            totals.lost.append(f"offer {offer_id} answered {verb} but is {status}")
    for (gathering, member_id), _status in ledger.registrations.items():
        n = await conn.fetchval("SELECT count(*) FROM training.registrations WHERE gathering_id = $1 "
                                "AND member_id = $2", gathering, member_id)
        if n != 1:
            (totals.lost if n == 0 else totals.duplicated).append(f"registration {gathering}/{member_id}: {n} rows")


async def _nobody_double_booked(conn: asyncpg.Connection, totals: Totals) -> None:
    """No member holds two overlapping seats (offered or accepted)."""
    rows = await conn.fetch(
        "SELECT a.member_id, a.id AS a, b.id AS b FROM ambassadors.offers a JOIN ambassadors.offers b "
        "ON a.member_id = b.member_id AND a.id < b.id AND a.busy && b.busy "
        "WHERE a.status IN ('offered', 'accepted') AND b.status IN ('offered', 'accepted')"
    )
    totals.duplicated += [f"member {r['member_id']} double-booked: offers {r['a']} and {r['b']}" for r in rows]


async def _services_agree(conn: asyncpg.Connection, ledger: Ledger, totals: Totals) -> None:
    """Booking's view of each visit matches the ambassadors service's offers."""
    for visit_id in ledger.visits:
        status = await conn.fetchval("SELECT status FROM booking.visits WHERE id = $1", visit_id)
        accepted = {str(r["member_id"]) for r in await conn.fetch(
            "SELECT member_id FROM ambassadors.offers WHERE visit_id = $1 AND status = 'accepted'", visit_id)}
        accepted = {str(m) for m in accepted}
        team = {r["member_id"] for r in await conn.fetch(
            "SELECT member_id FROM booking.visit_team_members WHERE visit_id = $1", visit_id)}
        if status == "requested":
            totals.lost.append(f"visit {visit_id} still 'requested': matching never answered")
        if status == "confirmed" and team != accepted:
            totals.lost.append(f"visit {visit_id}: booking's team {team} but accepted offers {accepted}")
        if len(accepted) >= 2 and status not in ("confirmed", "cancelled"):
            totals.lost.append(f"visit {visit_id}: a full team accepted but booking says {status}")


async def _notices_sent_once(conn: asyncpg.Connection, stack: FaultStack, ledger: Ledger, totals: Totals) -> None:
    """Each sent e-mail delivery arrived exactly once; no mail without a delivery; inbox deliveries in the inbox."""
    arrived = stack.smtp.message_ids()
    totals.duplicated += [f"mail {mid} arrived {n} times" for mid, n in arrived.items() if n > 1]
    sent = {f"{r['id']}@{MESSAGE_ID_DOMAIN}" for r in await conn.fetch(
        "SELECT id FROM notify.deliveries WHERE channel = 'email' AND status = 'sent'")}
    totals.lost += [f"delivery {mid} sent but never arrived" for mid in sorted(sent - set(arrived))]
    totals.duplicated += [f"mail {mid} arrived without a sent delivery" for mid in sorted(set(arrived) - sent)]
    unshown = await conn.fetchval(
        "SELECT count(*) FROM notify.deliveries d WHERE d.channel = 'inbox' AND d.status = 'sent' "
        "AND NOT EXISTS (SELECT 1 FROM notify.inbox_items i WHERE i.notice_id = d.notice_id)")
    if unshown:
        totals.lost.append(f"{unshown} inbox deliveries sent but not in the inbox")
    per_visit: Counter[tuple[str, str]] = Counter()
    for r in await conn.fetch("SELECT recipient, notice_type FROM notify.notices WHERE recipient = ANY($1::text[])",
                              [f"school:{v}" for v in ledger.visits]):
        per_visit[(r["recipient"], r["notice_type"])] += 1
    for visit_id in ledger.visits:
        if not per_visit[(f"school:{visit_id}", "visit_request_received")]:
            totals.lost.append(f"visit {visit_id}: the school was never told its request arrived")
    totals.duplicated += [f"{who} got {kind} {n} times" for (who, kind), n in per_visit.items() if n > 1]
