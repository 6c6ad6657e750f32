"""Visit notices end to end: event -> delivery rows -> SMTP and inbox, in each recipient's language."""

from datetime import timedelta

import asyncpg

from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts.ambassadors import MemberReleased
from outreach_shared.contracts.booking import VisitCancelled

from .conftest import ORGANISERS
from .helpers import Publisher, confirmed, contact, member, member_id, uid
from .smtp import RecordingHandler


async def test_confirmation_reaches_school_and_team_in_their_languages_with_invitation(
    service: RunningService, publish: Publisher, smtp: RecordingHandler
) -> None:
    visit, kari, john = uid("v"), uid("m"), uid("m")
    await publish.event(member(kari, lang="nb", first="Kari"), key=kari)
    await publish.event(member(john, lang="en", first="John"), key=john)
    await publish.event(contact(visit, lang="nn"), key=visit)
    for who in (kari, john):  # the members were on the roster long before their visit: names come from there
        await eventually(lambda who=who: service.runtime.pool.fetchval(
            "SELECT true FROM contacts WHERE recipient = $1", f"member:{who}"))  # fmt: skip
    await publish.event(confirmed(visit, [(kari, "Kari"), (john, "John")], timedelta(days=10)), key=visit)

    school = await eventually(lambda: _one(smtp, f"contact-{visit}@school.example.org"))
    to_kari = await eventually(lambda: _one(smtp, f"{kari}@example.org"))
    to_john = await eventually(lambda: _one(smtp, f"{john}@example.org"))

    assert _subj(school).startswith("Stadfesta: skulebesøk")
    assert "Kari og John kjem til Nordstrand skole" in _text(school)
    assert _subj(to_kari).startswith("Bekreftet: skolebesøk")
    assert _subj(to_john).startswith("Confirmed: school visit")
    for message in (school, to_kari, to_john):
        ics = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
        assert len(ics) == 1 and f"UID:visit-{visit}@outreach.jobbvinner.no" in ics[0].get_content()
        assert message.get_body(("html",)) is not None


async def test_member_inbox_lists_newest_first_and_marks_read(
    service: RunningService, publish: Publisher, smtp: RecordingHandler
) -> None:
    visit, kari, other = uid("v"), member_id(), member_id()
    await publish.event(member(kari), key=kari)
    await publish.event(confirmed(visit, [(kari, "Kari")], timedelta(days=10)), key=visit)
    await eventually(lambda: _one(smtp, f"{kari}@example.org"))
    await publish.event(MemberReleased(visit_id=visit, member_id=kari, reason="visit cancelled"), key=visit)
    auth = service.auth("member", kari)

    async def two_items() -> dict | None:
        body = (await service.client.get("/v1/me/notifications", headers=auth)).json()
        return body if len(body["items"]) == 2 else None

    inbox = await eventually(two_items)
    assert inbox["unread"] == 2
    assert [i["notice_type"] for i in inbox["items"]] == ["member_released", "visit_confirmed_member"]
    assert inbox["items"][0]["title"].startswith("Besøket hos Nordstrand skole er avlyst for deg")
    first = inbox["items"][0]["id"]
    r = await service.client.post(f"/v1/me/notifications/{first}/read", headers=auth)
    assert r.status_code == 200 and r.json()["read_at"]
    after = (await service.client.get("/v1/me/notifications", headers=auth)).json()
    assert after["unread"] == 1
    r = await service.client.post(f"/v1/me/notifications/{first}/read", headers=service.auth("member", other))
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_late_cancellation_tells_school_and_organisers_and_withdraws_reminders(
    service: RunningService, publish: Publisher, smtp: RecordingHandler, db: asyncpg.Pool
) -> None:
    visit, kari = uid("v"), member_id()
    await publish.event(member(kari), key=kari)
    await publish.event(contact(visit), key=visit)
    await publish.event(confirmed(visit, [(kari, "Kari")], timedelta(days=10)), key=visit)

    async def reminders() -> list[asyncpg.Record]:
        return await db.fetch(
            "SELECT key, status FROM timers WHERE starts_with(key, $1) ORDER BY key", f"visit:{visit}:"
        )

    scheduled = await eventually(reminders)
    assert sorted(r["key"].removeprefix(f"visit:{visit}:") for r in scheduled) == [
        f"member:{kari}:P1D",
        f"member:{kari}:P7D",
        "school:P2D",
        "school:after-PT7200S",
    ]
    listed = await service.client.get("/v1/reminders", params={"visit_id": visit}, headers=service.auth("organiser"))
    assert listed.status_code == 200
    assert {(r["notice_type"], r["status"]) for r in listed.json()} == {
        ("visit_reminder_member", "pending"), ("visit_reminder_school", "pending"), ("visit_thank_you", "pending")
    }
    as_member = service.auth("member", kari)
    refused = await service.client.get("/v1/reminders", params={"visit_id": visit}, headers=as_member)
    assert refused.status_code == 403
    await publish.event(
        VisitCancelled(
            visit_id=visit,
            reason="Skolen er stengt",
            cancelled_by="school",
            was_confirmed=True,
            late=True,
            scheduled=confirmed(visit, [], timedelta(days=10)).scheduled,
        ),
        key=visit,
    )
    cancelled = await eventually(lambda: _subject(smtp, f"contact-{visit}@school.example.org", "Avlyst"))
    assert "Skolen er stengt" in _text(cancelled)
    assert {p.get_content_type() for p in cancelled.iter_attachments()} == {"text/calendar"}
    for organiser in ORGANISERS:
        await eventually(lambda o=organiser: _subject(smtp, o, f"Sen avlysning: besøk {visit}"))
    assert {r["status"] for r in await reminders()} == {"cancelled"}
    listed = await service.client.get("/v1/reminders", params={"visit_id": visit}, headers=service.auth("organiser"))
    assert {r["status"] for r in listed.json()} == {"cancelled"}


async def _one(smtp: RecordingHandler, address: str):  # type: ignore[no-untyped-def]
    messages = smtp.to(address)
    assert len(messages) <= 1, f"{len(messages)} messages to {address}"
    return messages[0] if messages else None


async def _subject(smtp: RecordingHandler, address: str, prefix: str):  # type: ignore[no-untyped-def]
    found = [m for m in smtp.to(address) if _subj(m).startswith(prefix)]
    return found[0] if found else None


def _text(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_body(("plain",)).get_content()


def _subj(message) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(message["Subject"]).split())
