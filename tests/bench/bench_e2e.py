"""3. End to end: visit request accepted (201) → team offered → every offer notice in the members' inbox.

All four services and the mail catcher run as processes. A roster of 300 members around Trondheim is registered
through the ambassadors API first. Visit requests go to booking at 20 req/s (windows on varied weekdays, so the
roster never runs out); a watcher polls every 20 ms how many offers ambassadors made per visit and how many
`visit_offered` items notify's inbox holds for it. Latency = from the request's scheduled send time until the
watcher sees every offered member's inbox item (so it includes up to 20 ms of polling).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import uvloop
from bench_booking import orgnrs
from profiling import read_profiles, under_pyinstrument
from stack import Stack, not_ready, services
from stats import BenchResult, summary_ms

from outreach_dev.devstack import launcher
from outreach_shared.signing import mint_token

ROSTER = 300
NEAR_TRONDHEIM = ("5001", "5028", "5029", "5031", "5035", "5059")
RATE, WARMUP_S, MEASURE_S, SETTLE_S = 20, 5, 30, 30
OSLO = ZoneInfo("Europe/Oslo")
SERVICES = ["booking", "ambassadors", "training", "notify"]


def member_body(i: int, rng: random.Random) -> dict[str, Any]:
    return {"name": f"Bench Medlem {i}", "profession": "nurse" if i % 2 else "health_worker",
            "kommunenummer": rng.choice(NEAR_TRONDHEIM), "email": f"e2e-{uuid.uuid4().hex[:10]}@bench.example",
            "phone": "+4791234567", "languages": ["nb"], "max_visits_per_month": 31, "travel_radius_km": 100,
            "weekdays": [1, 2, 3, 4, 5]}


async def seed_roster(stack: Stack, url: str, db: asyncpg.Pool) -> None:
    """Register the roster through the API (8 at a time) and wait until notify knows every member."""
    rng = random.Random(3)
    organiser = {"Authorization": f"Bearer {mint_token(stack.signing_key, 'organiser', ttl=timedelta(hours=1))}"}
    ids: list[str] = []
    async with aiohttp.ClientSession(headers=organiser) as session:
        async def add(i: int) -> None:
            async with session.post(f"{url}/v1/members", json=member_body(i, rng)) as r:
                r.raise_for_status()
                ids.append((await r.json())["id"])

        for start in range(0, ROSTER, 8):
            await asyncio.gather(*(add(i) for i in range(start, min(ROSTER, start + 8))))
    recipients = [f"member:{i}" for i in ids]
    for _ in range(600):  # up to 2 minutes
        if await db.fetchval("SELECT count(*) FROM notify.contacts WHERE recipient = ANY($1)", recipients) >= len(ids):
            return
        await asyncio.sleep(0.2)


def visit_body(orgnr: str, rng: random.Random) -> bytes:
    """A valid request whose two windows fall on random weekdays 2–10 weeks ahead."""
    body = launcher.booking_body()
    today = datetime.now(OSLO).date()
    days = []
    while len(days) < 2:
        day = today + timedelta(days=rng.randint(14, 70))
        if day.isoweekday() <= 5 and day not in days:
            days.append(day)
    hour = rng.randint(8, 13)
    body["windows"] = [{"start": datetime.combine(d, dtime(hour), OSLO).isoformat(),
                        "end": datetime.combine(d, dtime(hour + 2), OSLO).isoformat()} for d in sorted(days)]
    body["school"] = body["school"] | {"orgnr": orgnr, "name": f"Skole {orgnr}"}
    return json.dumps(body).encode()


OFFERS_SQL = "SELECT visit_id, count(*) FROM ambassadors.offers WHERE visit_id = ANY($1) GROUP BY 1"
INBOX_SQL = ("SELECT substr(n.subject, 7), count(*) FROM notify.inbox_items i JOIN notify.notices n "
             "ON n.id = i.notice_id WHERE n.notice_type = 'visit_offered' AND n.subject = ANY($1) GROUP BY 1")


async def watch(db: asyncpg.Pool, pending: dict[str, tuple[int, float]], done: dict[int, float],
                sending: asyncio.Task[None]) -> None:
    """Every 20 ms: visits whose every offer is in the inbox are done (latency by request index)."""
    settle_until = None
    while pending or not sending.done():
        if sending.done():
            settle_until = settle_until or time.monotonic() + SETTLE_S
            if time.monotonic() > settle_until:
                return
        ids = list(pending)
        if ids:
            offers = dict(await db.fetch(OFFERS_SQL, ids))
            seen = dict(await db.fetch(INBOX_SQL, [f"visit:{v}" for v in ids]))
            now = time.monotonic()
            for v in ids:
                if offers.get(v, 0) > 0 and seen.get(v, 0) >= offers[v]:
                    index, due = pending.pop(v)
                    done[index] = now - due
        await asyncio.sleep(0.02)


async def send(stack: Stack, url: str, count: int, pending: dict[str, tuple[int, float]],
               statuses: dict[int, int]) -> None:
    """POST visit requests at RATE; each accepted one becomes pending with its scheduled time. Schools of their
    own: the booking benchmark's schools may be at their limit of open requests by now."""
    rng, schools = random.Random(7), orgnrs(100, after=920_000_000)
    requests = [(schools[i % 100], visit_body(schools[i % 100], rng)) for i in range(count)]
    tokens = {o: mint_token(stack.signing_key, "school", o, ttl=timedelta(hours=1)) for o in schools}
    async with aiohttp.ClientSession() as session:
        began = time.monotonic() + 0.1

        async def one(i: int, orgnr: str, body: bytes) -> None:
            due = began + i / RATE
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            headers = {"Authorization": f"Bearer {tokens[orgnr]}", "Idempotency-Key": str(uuid.uuid4()),
                       "Content-Type": "application/json"}
            async with session.post(f"{url}/v1/visit-requests", data=body, headers=headers) as r:
                statuses[r.status] = statuses.get(r.status, 0) + 1
                if r.status == 201:
                    pending[(await r.json())["id"]] = (i, due)

        await asyncio.gather(*(one(i, o, b) for i, (o, b) in enumerate(requests)))


STAGES_SQL = """
WITH requested AS (
    SELECT key AS visit_id, created_at AS t0, published_at AS t1
    FROM booking.outbox WHERE envelope->>'type' = 'visit.requested' AND created_at >= $1),
staffed AS (
    SELECT o.key AS visit_id, min(i.handled_at) AS t2
    FROM ambassadors.inbox i JOIN booking.outbox o ON o.event_id = i.event_id
    WHERE i.event_type = 'visit.requested' AND o.created_at >= $1 GROUP BY 1),
offered AS (
    SELECT key AS visit_id, max(published_at) AS t3
    FROM ambassadors.outbox WHERE envelope->>'type' = 'offer.made' AND created_at >= $1 GROUP BY 1),
planned AS (
    SELECT o.key AS visit_id, max(i.handled_at) AS t4
    FROM notify.inbox i JOIN ambassadors.outbox o ON o.event_id = i.event_id
    WHERE i.event_type = 'offer.made' AND o.created_at >= $1 GROUP BY 1),
shown AS (
    SELECT substr(n.subject, 7) AS visit_id, max(i.created_at) AS t5
    FROM notify.inbox_items i JOIN notify.notices n ON n.id = i.notice_id
    WHERE n.notice_type = 'visit_offered' AND n.created_at >= $1 GROUP BY 1)
SELECT stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95
FROM requested JOIN staffed USING (visit_id) JOIN offered USING (visit_id) JOIN planned USING (visit_id)
     JOIN shown USING (visit_id),
     LATERAL (VALUES (1, 'booking commit → relayed to Kafka', t1 - t0),
                     (2, 'relayed → ambassadors handling (Kafka, consumer)', t2 - t1),
                     (3, 'ambassadors handling → offers relayed (matching, commit, relay)', t3 - t2),
                     (4, 'offers relayed → notify handling (Kafka, consumer)', t4 - t3),
                     (5, 'notify handling → inbox item (planning and inbox item, one commit)', t5 - t4))
         AS s(n, stage, span),
     LATERAL (SELECT extract(epoch FROM span) * 1000 AS ms) AS m
GROUP BY n, stage ORDER BY n
"""
"""Where the time goes, per hop, from the timestamps the services write (transaction start times, so a hop's
figure includes waiting for a batch that was already being handled)."""


async def stages(db: asyncpg.Pool, since: datetime) -> dict[str, dict[str, float]]:
    """p50/p95 ms per hop of the visits requested since `since`."""
    rows = await db.fetch(STAGES_SQL, since)
    return {r["stage"]: {"p50": round(r["p50"], 1), "p95": round(r["p95"], 1)} for r in rows}


async def notify_idle(db: asyncpg.Pool, timeout_s: float = 180) -> float:
    """Wait until notify has no e-mail, SMS or inbox delivery due; seconds waited.

    An earlier benchmark's fan-out (the fan-out bench cancels its gathering: 5,000 cancellation notices) would
    otherwise run during this one. Deliveries held for quiet hours are not due and are not waited for.
    """
    began = time.monotonic()
    while time.monotonic() - began < timeout_s:
        if not await db.fetchval("SELECT count(*) FROM notify.deliveries WHERE status = 'sending' "
                                  "OR (status = 'pending' AND next_attempt_at <= now())"):
            break
        await asyncio.sleep(0.5)
    return time.monotonic() - began


async def _no_reset(conn: asyncpg.Connection) -> None:
    return None


async def measure(stack: Stack, urls: dict[str, str]) -> dict[str, Any]:
    # Read-only polling that leaves no session state: no reset query on each release (the watcher's own CPU and its
    # PostgreSQL backend's are on the measured cores too).
    db = await asyncpg.create_pool(stack.admin_dsn, min_size=1, max_size=2, reset=_no_reset)
    try:
        await seed_roster(stack, urls["ambassadors"], db)
        waited = await notify_idle(db)
        since = await db.fetchval("SELECT now()")
        pending: dict[str, tuple[int, float]] = {}
        done: dict[int, float] = {}
        statuses: dict[int, int] = {}
        total = RATE * (WARMUP_S + MEASURE_S)
        sending = asyncio.create_task(send(stack, urls["booking"], total, pending, statuses))
        await watch(db, pending, done, sending)
        await sending
        hops = await stages(db, since)
    finally:
        await db.close()
    warm = RATE * WARMUP_S
    measured = [s for i, s in done.items() if i >= warm]
    return {"latency": summary_ms(measured), "requests": total - warm, "completed": len(measured),
            "incomplete": len([v for v in pending.values() if v[0] >= warm]), "samples": measured,
            "refused": {status: n for status, n in statuses.items() if status != 201},
            "waited_for_idle_notify_s": round(waited, 1), "stages_ms": hops}


def run(stack: Stack, profile: bool = False) -> BenchResult:
    """Benchmark 3."""
    result = BenchResult("e2e")
    if reason := not_ready(stack, SERVICES):
        result.skipped = reason
        return result
    with services(stack, SERVICES, mailcatcher=True) as urls:
        m = uvloop.run(measure(stack, urls))
    samples = m.pop("samples")
    result.details["measured"] = m
    lat = m["latency"]
    note = f"{m['completed']}/{m['requests']} visits had every offer notice in the inbox within {SETTLE_S} s"
    refused = f"booking refused requests: {m['refused']}" if m["refused"] else ""
    result.row(f"p50 request → offer notices in inbox at {RATE} req/s", lat["p50"], "ms", note=note)
    result.row(f"p95 request → offer notices in inbox at {RATE} req/s", lat["p95"], "ms", target="< 300 ms",
               met=bool(samples) and lat["p95"] < 300 and m["incomplete"] == 0 and not m["refused"], note=refused)
    result.row("visits without every offer notice (incomplete)", m["incomplete"], "visits", target="0",
               met=m["incomplete"] == 0)
    for hop, ms in m["stages_ms"].items():
        result.row(f"p95 hop: {hop}", ms["p95"], "ms", note=f"p50 {ms['p50']} ms")
    if profile or any(r.met is False for r in result.rows):
        result.details["profiles"] = profile_e2e(stack)
    return result


def profile_e2e(stack: Stack) -> dict[str, str]:
    """The same run with every service under pyinstrument."""
    out = stack.state / f"profile-e2e-{uuid.uuid4().hex[:6]}"
    with under_pyinstrument(out), services(stack, SERVICES, mailcatcher=True) as urls:
        uvloop.run(measure(stack, urls))
    return read_profiles(out)
