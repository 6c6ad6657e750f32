"""Planning a batch of drafts at once: erased recipients skipped, repeats made once, channels as preferred."""

from datetime import datetime
from uuid import uuid4

import asyncpg

from notify.adapters.templates import Renderer
from notify.domain.notices import NoticeDraft, NoticeType, Recipient
from notify.domain.preferences import Channel, Preferences
from notify.domain.recipients import Contact
from notify.service_layer import erasure, planning
from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.calendar import CalendarEvent

from .helpers import uid, unit_on

SERVICE_OVERRIDES = {"delivery_worker_enabled": False}
CONTEXT = {  # complete: other modules' workers may render these deliveries
    "gathering_id": "g-plan",
    "title": "Årssamling",
    "starts_at": "2026-03-10T10:00:00+01:00",
    "ends_at": "2026-03-11T15:00:00+01:00",
    "venue": "Scandic Lerkendal, Trondheim",
    "registration_closes": "2026-02-01T23:59:00+01:00",
}
SCHOOL_CONTEXT = {
    "visit_id": "v-plan",
    "school_name": "Nordstrand skole",
    "school_address": "Nordstrandveien 10, 1163 Oslo",
    "kind": "school_visit",
    "start": "2025-10-14T09:00:00+02:00",
    "end": "2025-10-14T10:30:00+02:00",
    "team": ["Kari", "Ola"],
}


def invitation(recipient: Recipient) -> NoticeDraft:
    return NoticeDraft.of(NoticeType.GATHERING_INVITATION, recipient, "gathering:g-plan", CONTEXT)


async def _channels(db: asyncpg.Pool, recipient: Recipient) -> list[str]:
    rows = await db.fetch("SELECT channel FROM deliveries WHERE recipient = $1 ORDER BY channel", recipient.key)
    return [row["channel"] for row in rows]


async def test_a_batch_skips_erased_recipients_and_makes_repeats_once(
    service: RunningService, db: asyncpg.Pool
) -> None:
    kept, erased, sms_only = (Recipient.member(uid("m")) for _ in range(3))
    async with db.acquire() as conn, conn.transaction():
        await erasure.erase(unit_on(conn), erased)
        await unit_on(conn).read_models.save_preferences(
            sms_only.ref, Preferences(channels={NoticeType.GATHERING_INVITATION: [Channel.SMS]})
        )
    drafts = [invitation(kept), invitation(erased), invitation(sms_only), invitation(kept)]
    event_id = uuid4()
    async with db.acquire() as conn, conn.transaction():
        made = await planning.plan(unit_on(conn), drafts, event_id=event_id, correlation_id="c-plan")
    assert made == 4
    assert await _channels(db, kept) == ["email", "inbox"]
    assert await _channels(db, sms_only) == ["inbox", "sms"]
    assert await _channels(db, erased) == []
    notices = await db.fetch("SELECT * FROM notices WHERE event_id = $1 ORDER BY recipient", event_id)
    assert sorted(n["recipient"] for n in notices) == sorted([kept.key, sms_only.key])
    assert all(n["context"] == CONTEXT and n["correlation_id"] == "c-plan" for n in notices)


async def test_planning_the_same_event_again_makes_nothing_more(service: RunningService, db: asyncpg.Pool) -> None:
    first, second = Recipient.member(uid("m")), Recipient.school(uid("v"))
    calendar = CalendarEvent(uid="u-plan", sequence=1, start=datetime.fromisoformat("2026-03-10T10:00:00+01:00"),
                             end=datetime.fromisoformat("2026-03-10T12:00:00+01:00"), summary="Besøk", location="Oslo")
    confirmation = NoticeDraft.of(NoticeType.VISIT_CONFIRMED_SCHOOL, second, "visit:v", SCHOOL_CONTEXT, calendar)
    drafts = [invitation(first), confirmation]
    event_id = uuid4()
    for expected in (3, 0):
        async with db.acquire() as conn, conn.transaction():
            assert await planning.plan(unit_on(conn), drafts, event_id=event_id, correlation_id="c") == expected
    assert await _channels(db, second) == ["email"]
    ics = await db.fetchval("SELECT calendar FROM notices WHERE recipient = $1", second.key)
    assert "BEGIN:VCALENDAR" in ics and "UID:u-plan" in ics
    assert await db.fetchval("SELECT count(*) FROM deliveries WHERE event_id = $1", event_id) == 3


async def test_nothing_to_plan_touches_nothing(service: RunningService, db: asyncpg.Pool) -> None:
    async with db.acquire() as conn, conn.transaction():
        assert await planning.plan(unit_on(conn), [], event_id=uuid4(), correlation_id="c") == 0


async def test_with_a_renderer_inbox_items_are_written_with_their_notices_and_only_once(
    service: RunningService, db: asyncpg.Pool
) -> None:
    renderer = Renderer(app_url="https://app.example")
    known, english, unknown, erased = (Recipient.member(uid("m")) for _ in range(4))
    async with db.acquire() as conn, conn.transaction():
        await unit_on(conn).read_models.upsert_contact(
            Contact(known, "Kari Nordmann", "Kari", "kari@example.org", "", "nn"))
        await unit_on(conn).read_models.save_preferences(english.ref, Preferences(language="en"))
        await erasure.erase(unit_on(conn), erased)
    drafts = [invitation(known), invitation(english), invitation(unknown), invitation(erased)]
    event_id = uuid4()
    for expected in (6, 0):  # e-mail and inbox for three members, then nothing more for the same event
        async with db.acquire() as conn, conn.transaction():
            made = await planning.plan(unit_on(conn, renderer=renderer), drafts, event_id=event_id, correlation_id="c")
        assert made == expected
    items = {
        row["member_id"]: row
        for row in await db.fetch(
            "SELECT i.*, n.event_id FROM inbox_items i JOIN notices n ON n.id = i.notice_id WHERE n.event_id = $1",
            event_id,
        )
    }
    assert set(items) == {known.ref, english.ref, unknown.ref}
    for recipient, language, name in ((known, "nn", "Kari"), (english, "en", None), (unknown, "nb", None)):
        rendered = renderer.render(NoticeType.GATHERING_INVITATION, language, CONTEXT, name)
        item = items[recipient.ref]
        assert (item["title"], item["body"], item["notice_type"]) == (
            rendered.subject, rendered.text, "gathering_invitation")
    statuses = await db.fetch(
        "SELECT channel, status, attempts, sent_at IS NOT NULL AS stamped FROM deliveries WHERE event_id = $1",
        event_id,
    )
    assert sorted((r["channel"], r["status"], r["attempts"], r["stamped"]) for r in statuses) == [
        ("email", "pending", 0, False)] * 3 + [("inbox", "sent", 1, True)] * 3


async def test_a_plan_wakes_only_the_delivery_loops_with_work(service: RunningService, db: asyncpg.Pool) -> None:
    """The NOTIFY payload names the loop: `send` for pending e-mail and SMS, `inbox` for pending inbox items
    (none when the items were written with their notices), nothing when nothing is pending."""
    renderer = Renderer(app_url="https://app.example")
    inbox_only = Recipient.member(uid("m"))
    async with db.acquire() as conn, conn.transaction():
        await unit_on(conn).read_models.save_preferences(
            inbox_only.ref, Preferences(channels={NoticeType.GATHERING_INVITATION: [Channel.INBOX]})
        )
    heard: list[str] = []

    def hear(*args: object) -> None:
        heard.append(str(args[3]))

    async with db.acquire() as listener:
        channel = f"{await listener.fetchval('SELECT current_schema()')}_deliveries"
        await listener.add_listener(channel, hear)

        async def payloads_of(drafts: list[NoticeDraft], with_renderer: Renderer | None) -> set[str]:
            heard.clear()
            async with db.acquire() as conn, conn.transaction():
                await planning.plan(unit_on(conn, renderer=with_renderer), drafts, event_id=uuid4(), correlation_id="c")
            await db.execute("SELECT pg_notify($1, 'marker')", channel)  # delivered after the plan's
            await eventually(lambda: _async("marker" in heard))
            return set(heard) - {"marker"}

        member = Recipient.member(uid("m"))
        assert await payloads_of([invitation(member)], renderer) == {"send"}
        assert await payloads_of([invitation(Recipient.member(uid("m")))], None) == {"inbox", "send"}
        assert await payloads_of([invitation(inbox_only)], renderer) == set()
        assert await payloads_of([invitation(inbox_only)], None) == {"inbox"}
        await listener.remove_listener(channel, hear)


async def _async(value: bool) -> bool:
    return value
