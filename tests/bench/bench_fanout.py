"""5. Fan-out: a gathering published to 5,000 members → every invitation in the inbox and in the SMTP catcher.

training and notify run as processes with the mail catcher; the 5,000 members arrive as roster events
(`member.registered` on outreach.members, as ambassadors would publish them). The clock starts at the organiser's
POST .../publish and stops when the last invitation is in notify's inbox table / the last e-mail is in the catcher
(the catcher's own receive time). The inbox of a sample of members is then read through notify's API.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import uvloop
from aiokafka import AIOKafkaProducer
from profiling import read_profiles, under_pyinstrument
from stack import Stack, not_ready, services
from stats import BenchResult

from outreach_dev.testing.windows import school_day_start
from outreach_shared.contracts import Topics, new_envelope
from outreach_shared.contracts.ambassadors import MemberRegistered, MemberSnapshot
from outreach_shared.signing import mint_token

MEMBERS = 5_000
TIMEOUT = 120.0
DOMAIN = "fanout.bench.example"


def snapshot(i: int) -> MemberSnapshot:
    member_id = str(uuid.uuid4())
    return MemberSnapshot(member_id=member_id, name=f"Medlem {i} Nordmann", first_name=f"Medlem{i}",
                          profession="nurse" if i % 2 else "health_worker", kommunenummer="5001", fylke="50",
                          email=f"m{i}-{member_id[:8]}@{DOMAIN}", phone="+4791234567", languages=["nb"],
                          preferred_language="nb", active=True)


async def register(stack: Stack, members: list[MemberSnapshot]) -> None:
    """Publish the roster events, acknowledged."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        pending = [await producer.send(Topics.MEMBERS, new_envelope(
            MemberRegistered(member=m), key=m.member_id, producer="ambassadors", correlation_id="bench-fanout",
        ).to_bytes(), key=m.member_id.encode()) for m in members]
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def count_until(db: asyncpg.Pool, sql: str, args: list[Any], want: int, began: float) -> tuple[float, int]:
    """(seconds from `began`, count) once `sql` counts `want`, or at the timeout."""
    deadline = began + TIMEOUT
    while (n := await db.fetchval(sql, *args)) < want and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    return time.monotonic() - began, n


def gathering_body() -> dict[str, Any]:
    now = datetime.now(UTC)
    starts = school_day_start(60)  # 10:00 Oslo time: a gathering keeps the day's hours
    return {
        "title": "Bench-samling", "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(days=1)).isoformat(),
        "venue": {"name": "Bench hotell", "address": "Gata 1", "kommunenummer": "4601"}, "region": [],
        "audience": ["nurse", "health_worker"], "capacity": 10_000,
        "registration_opens": (now - timedelta(hours=1)).isoformat(),
        "registration_closes": (now + timedelta(days=30)).isoformat(),
        "withdrawal_deadline": (now + timedelta(days=40)).isoformat(),
    }


async def caught(mail_url: str, wall0: datetime) -> tuple[int, float | None]:
    """How many bench e-mails the catcher holds, and seconds from publish to the last one received."""
    async with httpx.AsyncClient(timeout=60) as client:
        messages = (await client.get(f"{mail_url}/api/messages")).json()["messages"]
    ours = [m for m in messages if any(t.endswith("@" + DOMAIN) for t in m["to"])]
    if not ours:
        return 0, None
    last = max(datetime.fromisoformat(m["received_at"]) for m in ours)
    return len(ours), (last - wall0).total_seconds()


async def sample_inboxes(stack: Stack, notify_url: str, members: list[MemberSnapshot]) -> int:
    """How many of 10 sampled members see the invitation through GET /v1/me/notifications."""
    seen = 0
    async with httpx.AsyncClient(base_url=notify_url, timeout=30) as client:
        for m in members[:: len(members) // 10][:10]:
            token = mint_token(stack.signing_key, "member", m.member_id, ttl=timedelta(hours=1))
            page = (await client.get("/v1/me/notifications", headers={"Authorization": f"Bearer {token}"})).json()
            seen += any(i.get("notice_type", i.get("type")) == "gathering_invitation" for i in page["items"])
    return seen


async def ready_roster(stack: Stack, db: asyncpg.Pool, members: list[MemberSnapshot]) -> None:
    """Publish the roster and wait until training and notify both hold every member."""
    ids = [m.member_id for m in members]
    began = time.monotonic()
    await register(stack, members)
    await count_until(db, "SELECT count(*) FROM training.members WHERE member_id = ANY($1)", [ids], len(ids), began)
    await count_until(db, "SELECT count(*) FROM notify.contacts WHERE recipient = ANY($1)",
                      [[f"member:{i}" for i in ids]], len(ids), began)


async def wait_until_notify_idle(db: asyncpg.Pool) -> None:
    """Until notify has no delivery due or in flight: the clock must not start on an earlier phase's backlog."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and await db.fetchval(  # noqa: ASYNC110
        "SELECT count(*) FROM notify.deliveries WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()"
    ):
        await asyncio.sleep(0.2)


async def cancellation_sent(db: asyncpg.Pool, since: datetime) -> None:
    """Until notify has handled the gathering's cancellation and sent what it planned for it (unmeasured): left
    behind, its notices were planned only when the next benchmark (e2e) started notify again, after e2e had found
    notify idle, and its e-mails went out during e2e's measurement (p95 5.4 s in `151332Z`, 86 ms alone)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and not await db.fetchval(  # noqa: ASYNC110
        "SELECT count(*) FROM notify.inbox WHERE event_type = 'gathering.cancelled' AND handled_at >= $1", since
    ):
        await asyncio.sleep(0.2)
    await wait_until_notify_idle(db)


async def publish_and_wait(stack: Stack, urls: dict[str, str], db: asyncpg.Pool,
                           members: list[MemberSnapshot]) -> dict[str, Any]:
    """Create and publish a gathering; time until every invitation is recorded, in the inbox and e-mailed.

    Only this gathering's invitations count, and the gathering is cancelled at the end: left open, it invited every
    member registered in the next phase, whose deliveries then ran (and were counted) as that phase's.
    """
    organiser = {"Authorization": f"Bearer {mint_token(stack.signing_key, 'organiser', ttl=timedelta(hours=1))}"}
    await wait_until_notify_idle(db)
    async with httpx.AsyncClient(base_url=urls["training"], headers=organiser, timeout=120) as client:
        created = await client.post("/v1/gatherings", json=gathering_body())
        created.raise_for_status()
        gid = created.json()["id"]
        began, wall0 = time.monotonic(), datetime.now(UTC)
        (await client.post(f"/v1/gatherings/{gid}/publish")).raise_for_status()
        ids, n, subject = [m.member_id for m in members], len(members), f"gathering:{gid}"
        recipients = [f"member:{i}" for i in ids]
        invited, planned, inbox, emailed = await asyncio.gather(
            count_until(db, "SELECT count(*) FROM training.invitations WHERE gathering_id = $1 "
                        "AND member_id = ANY($2)", [gid, ids], n, began),
            count_until(db, "SELECT count(*) FROM notify.notices WHERE notice_type = 'gathering_invitation' "
                        "AND subject = $1 AND recipient = ANY($2)", [subject, recipients], n, began),
            count_until(db, "SELECT count(*) FROM notify.inbox_items i JOIN notify.notices x ON x.id = i.notice_id "
                        "WHERE x.notice_type = 'gathering_invitation' AND x.subject = $1 AND i.member_id = ANY($2)",
                        [subject, ids], n, began),
            count_until(db, "SELECT count(*) FROM notify.deliveries d JOIN notify.notices x ON x.id = d.notice_id "
                        "WHERE x.notice_type = 'gathering_invitation' AND x.subject = $1 AND d.channel = 'email' "
                        "AND d.status = 'sent' AND d.recipient = ANY($2)", [subject, recipients], n, began),
        )
        in_catcher, catcher_s = await caught(urls["mailcatcher"], wall0)
        before_cancel = await db.fetchval("SELECT now()")
        (await client.post(f"/v1/gatherings/{gid}/cancel", json={"reason": "bench"})).raise_for_status()
        await cancellation_sent(db, before_cancel)
    return {"invited": invited, "planned": planned, "inbox": inbox, "email_sent": emailed,
            "catcher": (catcher_s, in_catcher),
            "sampled_inboxes_seen": await sample_inboxes(stack, urls["notify"], members)}


async def empty_catcher(mail_url: str) -> None:
    """Delete what the catcher holds: it keeps every message on disk and parses them all again when it starts, so
    a full catcher made the next phase's start time out (and its counts include the earlier phases' mail)."""
    async with httpx.AsyncClient(timeout=120) as client:
        (await client.delete(f"{mail_url}/api/messages")).raise_for_status()


async def measure(stack: Stack, urls: dict[str, str], size: int) -> dict[str, Any]:
    members = [snapshot(i) for i in range(size)]
    db = await asyncpg.create_pool(stack.admin_dsn, min_size=1, max_size=3)
    try:
        await ready_roster(stack, db, members)
        return await publish_and_wait(stack, urls, db, members)
    finally:
        await db.close()
        await empty_catcher(urls["mailcatcher"])


def add_rows(result: BenchResult, m: dict[str, Any]) -> None:
    for label, key in (("invitations recorded (training)", "invited"), ("notices planned (notify)", "planned"),
                       ("all in inboxes (notify)", "inbox"),
                       ("all e-mails sent (notify deliveries)", "email_sent")):
        seconds, count = m[key]
        done = count >= MEMBERS
        result.row(f"{label}, {MEMBERS:,} members", seconds if done else None, "s", target="< 30 s",
                   met=done and seconds < 30, note="" if done else f"only {count:,} after {TIMEOUT:.0f} s")
        if not done:
            result.row(f"{label}: rate reached", count / seconds, "per s", note=f"{MEMBERS:,} would take "
                       f"{MEMBERS / max(count, 1) * seconds:,.0f} s at this rate")
    seconds, count = m["catcher"]
    done = count >= MEMBERS
    result.row(f"all e-mails in the SMTP catcher, {MEMBERS:,} members", seconds, "s", target="< 30 s",
               met=done and seconds is not None and seconds < 30, note="" if done else f"{count} caught")


def run(stack: Stack, profile: bool = False) -> BenchResult:
    """Benchmark 5."""
    result = BenchResult("fanout")
    if reason := not_ready(stack, ["training", "notify"]):
        result.skipped = reason
        return result
    with services(stack, ["training", "notify"], mailcatcher=True) as urls:
        uvloop.run(measure(stack, urls, 200))  # warm-up: connections, caches, JIT-less but hot paths
        m = uvloop.run(measure(stack, urls, MEMBERS))
    result.details["measured"] = m
    add_rows(result, m)
    if profile or any(r.met is False for r in result.rows):
        result.details["profiles"] = profile_fanout(stack)
    return result


def profile_fanout(stack: Stack) -> dict[str, str]:
    """A 1,000-member fan-out with training and notify under pyinstrument (bounded by TIMEOUT)."""
    out = stack.state / f"profile-fanout-{uuid.uuid4().hex[:6]}"
    with under_pyinstrument(out), services(stack, ["training", "notify"], mailcatcher=True) as urls:
        uvloop.run(measure(stack, urls, 1_000))
    return read_profiles(out)
