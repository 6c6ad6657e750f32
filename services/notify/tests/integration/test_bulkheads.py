"""One notice that cannot be rendered stops no other: it is set aside with its reason (delivery log, operations view,
metric) and every other delivery, before and after it, goes out. A service of its own (module-scoped), so that a bad
delivery left pending by a broken worker cannot spill into other modules' tests."""

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from notify.domain.notices import NoticeDraft, NoticeType, Recipient
from notify.service_layer import planning
from outreach_dev.testing.kafka import publish_raw
from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts import Topics, new_envelope
from outreach_shared.contracts.ambassadors import OfferMade
from outreach_shared.metrics import REGISTRY

from .helpers import Publisher, member, uid, unit_on, window
from .smtp import RecordingHandler

FAR = "9999-12-31T23:00:00+00:00"
"""The start that stopped all e-mail: in Oslo it is already year 10000 (OverflowError)."""
REASON = "set aside: OverflowError: date value out of range"


@pytest.fixture
async def planted(db: asyncpg.Pool) -> AsyncIterator[list[str]]:
    """Recipients of planted notices: removed after the test, so that a worker that cannot set them aside (today's
    code, before the fix) leaves nothing pending to stop the deliveries of the tests after these."""
    recipients: list[str] = []
    yield recipients
    await db.execute("DELETE FROM notices WHERE recipient = ANY($1::text[])", recipients)


def set_aside_count(loop: str) -> float:
    return REGISTRY.get_sample_value("outreach_set_aside_total", {"service": "notify", "loop": loop}) or 0.0


def offer_context(visit_id: str, start: str) -> dict[str, Any]:
    good = window(timedelta(days=12))
    return {
        "offer_id": uid("o"), "visit_id": visit_id, "school_name": "Bodø videregående skole", "kind": "school_visit",
        "start": start, "end": good.end.isoformat(), "expires_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
    }  # fmt: skip


async def registered(publish: Publisher, db: asyncpg.Pool, *member_ids: str) -> None:
    for member_id in member_ids:
        await publish.event(member(member_id), key=member_id)
    await eventually(lambda: _count(db, "SELECT count(*) FROM contacts WHERE recipient = ANY($1::text[])",
                                    [f"member:{m}" for m in member_ids], len(member_ids)))  # fmt: skip


async def test_a_notice_that_cannot_be_rendered_is_set_aside_and_every_other_goes_out(
    service: RunningService, publish: Publisher, smtp: RecordingHandler, db: asyncpg.Pool, planted: list[str]
) -> None:
    good = [uid("m") for _ in range(4)]
    bad = uid("m")
    planted.append(f"member:{bad}")
    await registered(publish, db, *good, bad)
    before = {loop: set_aside_count(loop) for loop in ("deliveries", "inbox")}
    drafts = [
        NoticeDraft.of(NoticeType.VISIT_OFFERED, Recipient.member(m), f"visit:{visit}", offer_context(visit, start))
        for m, visit, start in [
            *((m, uid("v"), window(timedelta(days=12)).start.isoformat()) for m in good[:2]),
            (bad, uid("v"), FAR),  # planted among the others, past the API (which refuses such a window)
            *((m, uid("v"), window(timedelta(days=12)).start.isoformat()) for m in good[2:]),
        ]
    ]
    async with db.acquire() as conn, conn.transaction():  # one plan: one claim of the send loop, one of the inbox's
        await planning.plan(unit_on(conn), drafts, event_id=uuid.uuid4(), correlation_id=uid("c"))

    for m in good:
        await eventually(lambda m=m: _mail(smtp, f"{m}@example.org"))
        await eventually(lambda m=m: _count(db, "SELECT count(*) FROM inbox_items WHERE member_id = $1", m, 1))
    log = await eventually(lambda: _set_aside_log(service, bad, 2))
    assert {(d["channel"], d["status"], d["last_error"], d["attempts"]) for d in log} == {
        ("email", "failed", REASON, 1),
        ("inbox", "failed", REASON, 1),
    }
    assert all(d["set_aside_at"] for d in log)
    assert smtp.to(f"{bad}@example.org") == []
    assert set_aside_count("deliveries") == before["deliveries"] + 1
    assert set_aside_count("inbox") == before["inbox"] + 1
    r = await service.client.get("/v1/operations/set-aside", headers=service.auth("organiser"))
    assert r.status_code == 200, r.text
    listed = {(i["loop"], i["kind"], i["reason"]) for i in r.json() if i["subject"] == f"member:{bad}"}
    assert listed == {("deliveries", "email", REASON), ("deliveries", "inbox", REASON)}

    later = NoticeDraft.of(NoticeType.VISIT_OFFERED, Recipient.member(bad), "visit:later",
                           offer_context(uid("v"), window(timedelta(days=20)).start.isoformat()))  # fmt: skip
    async with db.acquire() as conn, conn.transaction():
        await planning.plan(unit_on(conn), [later], event_id=uuid.uuid4(), correlation_id=uid("c"))
    await eventually(lambda: _mail(smtp, f"{bad}@example.org"))  # nothing stuck behind it, not even for its recipient


async def test_an_event_whose_notice_cannot_be_rendered_is_handled_and_its_neighbours_too(
    service: RunningService, publish: Publisher, smtp: RecordingHandler, db: asyncpg.Pool, kafka_bootstrap: str,
    planted: list[str],
) -> None:
    kari, ola = uid("m"), uid("m")
    planted.append(f"member:{kari}")
    await registered(publish, db, kari, ola)
    for m in (kari, ola):
        w, visit = window(timedelta(days=12)), uid("v")
        offer = OfferMade(offer_id=uid("o"), visit_id=visit, member_id=m, window=w, expires_at=w.start,
                          reason="nearest", kind="school_visit", school_name="Skolen", kommunenummer="1804",
                          language="nb")  # fmt: skip
        record = json.loads(new_envelope(offer, key=visit, producer="ambassadors", correlation_id=uid("c")).to_bytes())
        if m == kari:  # the bytes a producer that let the far window through wrote, past any check of ours
            record["payload"]["window"]["start"] = FAR
        await publish_raw(kafka_bootstrap, Topics.OFFERS, visit.encode(), json.dumps(record).encode())

    await eventually(lambda: _mail(smtp, f"{ola}@example.org"))
    log = await eventually(lambda: _set_aside_log(service, kari, 2))
    assert {(d["channel"], d["status"], d["last_error"]) for d in log} == {
        ("email", "failed", REASON),
        ("inbox", "failed", REASON),
    }


async def _set_aside_log(service: RunningService, member_id: str, count: int) -> list[dict[str, Any]] | None:
    r = await service.client.get(
        "/v1/notifications", params={"recipient": f"member:{member_id}"}, headers=service.auth("organiser")
    )
    assert r.status_code == 200, r.text
    failed = [d for d in r.json() if d["status"] == "failed"]
    return failed if len(failed) >= count else None


async def _count(db: asyncpg.Pool, query: str, arg: Any, expected: int) -> bool:
    return bool(await db.fetchval(query, arg) >= expected)


async def _mail(smtp: RecordingHandler, address: str) -> bool:
    return bool(smtp.to(address))


async def test_a_dead_letter_with_headers_the_database_cannot_take_stops_no_later_one(
    service: RunningService, db: asyncpg.Pool, kafka_bootstrap: str
) -> None:
    bad, good = uid("reason"), uid("reason")
    odd = [  # a reason repeating a NUL from the rejected record's event type, and a time that is not one
        ("x-dead-letter-reason", f"unknown event type '\x00{bad}'".encode()),
        ("x-dead-letter-consumer", b"ambassadors"),
        ("x-original-topic", b"outreach.visits"),
        ("x-dead-lettered-at", b"yesterday"),
    ]
    plain = [
        ("x-dead-letter-reason", good.encode()),
        ("x-dead-letter-consumer", b"booking"),
        ("x-original-topic", b"outreach.offers"),
        ("x-dead-lettered-at", b"2026-12-01T06:00:00+00:00"),
    ]
    await publish_raw(kafka_bootstrap, Topics.DEAD_LETTERS, b"k", b"{}", odd)
    await publish_raw(kafka_bootstrap, Topics.DEAD_LETTERS, b"k", b"{}", plain)

    row = await eventually(lambda: db.fetchrow("SELECT * FROM dead_letters WHERE reason = $1", good))
    assert row["dead_lettered_at"] == datetime(2026, 12, 1, 6, tzinfo=UTC)
    odd_row = await db.fetchrow("SELECT * FROM dead_letters WHERE reason = $1", f"unknown event type '{bad}'")
    assert (odd_row["consumer"], odd_row["dead_lettered_at"]) == ("ambassadors", None)


async def test_a_delivery_of_a_notice_type_since_retired_is_set_aside_and_its_batch_goes_out(
    service: RunningService, publish: Publisher, smtp: RecordingHandler, db: asyncpg.Pool, planted: list[str]
) -> None:
    good, old = [uid("m") for _ in range(2)], uid("m")
    planted.append(f"member:{old}")
    await registered(publish, db, *good, old)
    drafts = [
        NoticeDraft.of(NoticeType.VISIT_OFFERED, Recipient.member(m), f"visit:{v}", offer_context(v, start))
        for m, v in ((m, uid("v")) for m in good)
        for start in [window(timedelta(days=12)).start.isoformat()]
    ]
    notice_id = uuid.uuid4()
    async with db.acquire() as conn, conn.transaction():
        await planning.plan(unit_on(conn), drafts, event_id=uuid.uuid4(), correlation_id=uid("c"))
        await conn.execute(  # planted: a notice as an older version stored it, of a type no template renders now
            """INSERT INTO notices (id, event_id, correlation_id, notice_type, recipient, subject, urgent, context)
               VALUES ($1, $2, 'c', 'visit_retired_kind', $3, 'visit:old', false, '{}'::jsonb)""",
            notice_id, uuid.uuid4(), f"member:{old}",
        )  # fmt: skip
        await conn.execute(
            """INSERT INTO deliveries (id, notice_id, event_id, recipient, channel)
               SELECT gen_random_uuid(), id, event_id, recipient, c FROM notices, unnest(ARRAY['email', 'inbox']) c
               WHERE id = $1""",
            notice_id,
        )

    for m in good:
        await eventually(lambda m=m: _mail(smtp, f"{m}@example.org"))
    await eventually(lambda: _count(db, "SELECT count(*) FROM deliveries WHERE notice_id = $1 AND status = 'failed'",
                                    notice_id, 2))  # fmt: skip
    rows = await db.fetch(
        "SELECT channel, status, last_error FROM deliveries WHERE notice_id = $1 AND set_aside_at IS NOT NULL",
        notice_id,
    )
    reason = "set aside: ValueError: 'visit_retired_kind' is not a valid NoticeType"
    assert {(r["channel"], r["status"], r["last_error"]) for r in rows} == {
        ("email", "failed", reason),
        ("inbox", "failed", reason),
    }
