"""Delivery guarantees: once per event, waiting for contacts, retries, fall-back, quiet hours, erasure."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from notify.domain.notices import NoticeDraft, NoticeType, Recipient
from notify.service_layer import erasure, planning
from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts import new_envelope
from outreach_shared.contracts.ambassadors import MemberErased, OfferMade
from outreach_shared.contracts.common import Venue
from outreach_shared.contracts.training import PlaceOffered, RegistrationConfirmed, RegistrationWaitlisted

from .helpers import Publisher, confirmed, member, member_id, phone_of, uid, unit_on, window
from .smtp import RecordingHandler


def offer(member_id: str, visit_id: str) -> OfferMade:
    return OfferMade(
        offer_id=uid("o"),
        visit_id=visit_id,
        member_id=member_id,
        window=window(timedelta(days=12)),
        expires_at=datetime.now(UTC) + timedelta(days=2),
        reason="nearest",
        kind="education_fair",
        school_name="Bodø videregående skole",
        kommunenummer="1804",
        language="nb",
    )


async def _deliveries(db: asyncpg.Pool, recipient: str) -> list[asyncpg.Record]:
    return await db.fetch("SELECT * FROM deliveries WHERE recipient = $1 ORDER BY created_at, channel", recipient)


async def test_a_redelivered_event_is_sent_once(
    service: RunningService, publish: Publisher, smtp: RecordingHandler, db: asyncpg.Pool
) -> None:
    kari, visit = uid("m"), uid("v")
    await publish.event(member(kari), key=kari)
    envelope = new_envelope(offer(kari, visit), key=visit, producer="ambassadors", correlation_id=uid("c"))
    await publish.envelope(envelope)
    await publish.envelope(envelope)
    await eventually(lambda: _sent(db, f"member:{kari}", 2))
    await publish.envelope(envelope)  # and once more after it was sent
    sentinel = uid("m")  # same key, so handled after the redelivery
    await publish.event(offer(sentinel, visit), key=visit)
    await eventually(lambda: db.fetchval("SELECT true FROM notices WHERE recipient = $1", f"member:{sentinel}"))
    assert len(smtp.to(f"{kari}@example.org")) == 1
    assert [(d["channel"], d["status"]) for d in await _deliveries(db, f"member:{kari}")] == [
        ("email", "sent"),
        ("inbox", "sent"),
    ]


async def test_a_notice_waits_for_a_contact_that_arrives_later(
    service: RunningService, publish: Publisher, smtp: RecordingHandler, db: asyncpg.Pool
) -> None:
    kari, visit = uid("m"), uid("v")
    await publish.event(offer(kari, visit), key=visit)
    waiting = await eventually(lambda: _waiting(db, f"member:{kari}"))
    assert waiting["waiting_for"] == "contact" and waiting["attempts"] == 0
    await publish.event(member(kari, lang="en"), key=kari)
    message = await eventually(lambda: _first(smtp, f"{kari}@example.org"))
    assert "education fair at Bodø videregående skole" in str(message["Subject"])


async def test_a_contact_arriving_while_a_claim_holds_the_delivery_wakes_the_wait_that_claim_sets(
    service: RunningService, publish: Publisher, smtp: RecordingHandler, db: asyncpg.Pool
) -> None:
    """The race the model test found: a worker has locked a delivery in its claim and finds no contact; the contact
    arrives and its handler wakes waiting deliveries before the claim commits its wait. The wait must not last the
    whole contact wait (here an hour)."""
    kari, visit = uid("m"), uid("v")
    await publish.event(offer(kari, visit), key=visit)
    waiting = await eventually(lambda: _waiting(db, f"member:{kari}"))
    # As the claim found it: pending, not waiting yet (and not due, so no worker takes it meanwhile).
    await db.execute(
        "UPDATE deliveries SET waiting_for = NULL, next_attempt_at = now() + interval '1 hour' WHERE id = $1",
        waiting["id"],
    )
    async with db.acquire() as claim, claim.transaction():
        await claim.fetchrow("SELECT 1 FROM deliveries WHERE id = $1 FOR UPDATE", waiting["id"])
        await publish.event(member(kari, lang="en"), key=kari)

        async def handled_or_blocked() -> bool:
            contact = await db.fetchval("SELECT true FROM contacts WHERE recipient = $1", f"member:{kari}")
            blocked = await db.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE deliveries%'"
            )
            return bool(contact) or blocked > 0

        await eventually(handled_or_blocked)
        await claim.execute(
            "UPDATE deliveries SET status = 'pending', waiting_for = 'contact', "
            "next_attempt_at = now() + interval '1 hour' WHERE id = $1",
            waiting["id"],
        )
    message = await eventually(lambda: _first(smtp, f"{kari}@example.org"))
    assert "education fair at Bodø videregående skole" in str(message["Subject"])


async def test_an_urgent_notice_retries_then_fails_and_falls_back_to_sms(
    service: RunningService, publish: Publisher, smtp: RecordingHandler, db: asyncpg.Pool, sms_file: Path
) -> None:
    kari, gathering = uid("m"), uid("g")
    address = f"{kari}@example.org"
    smtp.answers[address] = ["451 4.2.0 Mailbox busy, try again later", "550 5.1.1 No such user"]
    await publish.event(member(kari), key=kari)
    await eventually(lambda: db.fetchval("SELECT true FROM contacts WHERE recipient = $1", f"member:{kari}"))
    await publish.event(
        PlaceOffered(
            gathering_id=gathering,
            member_id=kari,
            title="Årssamling nord",
            expires_at=datetime.now(UTC) + timedelta(days=1),
        ),
        key=gathering,
    )
    texts = await eventually(lambda: _sms_to(sms_file, kari))
    assert "Ledig plass på Årssamling nord" in texts[0]["text"]
    by_channel = {d["channel"]: d for d in await _deliveries(db, f"member:{kari}")}
    assert by_channel["email"]["status"] == "failed" and by_channel["email"]["attempts"] == 2
    assert by_channel["email"]["last_error"].startswith("SMTP 550")
    assert by_channel["sms"]["status"] == "sent" and by_channel["sms"]["fallback_of"] == by_channel["email"]["id"]
    assert smtp.to(address) == []
    r = await service.client.get(
        "/v1/notifications", params={"recipient": f"member:{kari}"}, headers=service.auth("organiser")
    )
    assert {(d["channel"], d["status"], d["attempts"]) for d in r.json()} == {
        ("email", "failed", 2),
        ("sms", "sent", 1),
        ("inbox", "sent", 1),
    }


async def test_quiet_hours_hold_non_urgent_sms_but_not_urgent_ones(
    service: RunningService, publish: Publisher, db: asyncpg.Pool, sms_file: Path
) -> None:
    kari, gathering = member_id(), uid("g")
    now = datetime.now(ZoneInfo("Europe/Oslo"))
    quiet = {"start": (now - timedelta(hours=1)).strftime("%H:%M"), "end": (now + timedelta(hours=1)).strftime("%H:%M")}
    prefs = {
        "channels": {"gathering_waitlisted": ["sms"], "gathering_place_offered": ["sms"]},
        "quiet_hours": quiet,
    }
    r = await service.client.put("/v1/me/preferences", json=prefs, headers=service.auth("member", kari))
    assert r.status_code == 200, r.text
    await publish.event(member(kari), key=kari)
    await eventually(lambda: db.fetchval("SELECT true FROM contacts WHERE recipient = $1", f"member:{kari}"))
    await publish.event(
        RegistrationWaitlisted(gathering_id=gathering, member_id=kari, title="Årssamling sør", position=2),
        key=gathering,
    )
    held = await eventually(lambda: _waiting(db, f"member:{kari}", "sms"))
    assert held["waiting_for"] == "quiet-hours"
    assert (
        abs((held["next_attempt_at"] - (now + timedelta(hours=1)).replace(second=0, microsecond=0)).total_seconds()) < 1
    )
    await publish.event(
        PlaceOffered(
            gathering_id=gathering,
            member_id=kari,
            title="Årssamling sør",
            expires_at=datetime.now(UTC) + timedelta(days=1),
        ),
        key=gathering,
    )
    texts = await eventually(lambda: _sms_to(sms_file, kari))
    assert len(texts) == 1 and "Ledig plass" in texts[0]["text"]

    async def sent_channels() -> set[str]:  # each channel is its own delivery: the SMS can land before the mail
        sent = {d["channel"] for d in await _deliveries(db, f"member:{kari}") if d["status"] == "sent"}
        assert sent == {"sms", "email", "inbox"}  # the urgent one also kept e-mail, which the member opted out of
        return sent

    await eventually(sent_channels)
    assert len(await _sms_to(sms_file, kari)) == 1  # the held one is still held


async def test_a_reminder_fires_before_the_visit_and_reaches_the_member(
    service: RunningService, publish: Publisher, smtp: RecordingHandler
) -> None:
    kari, visit = uid("m"), uid("v")
    await publish.event(member(kari), key=kari)
    await publish.event(confirmed(visit, [(kari, "Kari")], timedelta(days=1, seconds=3)), key=visit)
    reminder = await eventually(lambda: _subject(smtp, f"{kari}@example.org", "Påminnelse"), timeout=30)
    assert "Husk at du skal på skolebesøk hos Nordstrand skole" in reminder.get_body(("plain",)).get_content()


async def test_erasure_removes_personal_data_and_keeps_only_counts(
    service: RunningService, publish: Publisher, db: asyncpg.Pool
) -> None:
    kari, gathering = uid("m"), uid("g")
    await publish.event(member(kari), key=kari)
    await publish.event(
        RegistrationConfirmed(
            gathering_id=gathering,
            member_id=kari,
            title="Årssamling vest",
            starts_at=datetime.now(UTC) + timedelta(days=30),
            ends_at=datetime.now(UTC) + timedelta(days=31),
            venue=Venue(name="Grand", address="Bergen", kommunenummer="4601"),
        ),
        key=gathering,
    )
    await eventually(lambda: _sent(db, f"member:{kari}", 2))
    before = await db.fetchval("SELECT coalesce(sum(count), 0) FROM delivery_counts")
    await publish.event(MemberErased(member_id=kari), key=kari)
    await eventually(lambda: db.fetchval("SELECT true FROM erased_recipients WHERE recipient = $1", f"member:{kari}"))
    key = f"member:{kari}"
    assert await db.fetchval("SELECT count(*) FROM contacts WHERE recipient = $1", key) == 0
    assert await db.fetchval("SELECT count(*) FROM notices WHERE recipient = $1", key) == 0
    assert await db.fetchval("SELECT count(*) FROM deliveries WHERE recipient = $1", key) == 0
    assert await db.fetchval("SELECT count(*) FROM inbox_items WHERE member_id = $1", kari) == 0
    assert (
        await db.fetchval("SELECT count(*) FROM timers WHERE payload->>'recipient' = $1 AND status = 'pending'", key)
        == 0
    )
    assert await db.fetchval("SELECT sum(count) FROM delivery_counts") == before + 2


async def _sent(db: asyncpg.Pool, recipient: str, n: int) -> bool:
    rows = await _deliveries(db, recipient)
    return len(rows) == n and all(r["status"] == "sent" for r in rows)


async def _waiting(db: asyncpg.Pool, recipient: str, channel: str = "email") -> asyncpg.Record | None:
    return await db.fetchrow(
        "SELECT * FROM deliveries WHERE recipient = $1 AND channel = $2 AND waiting_for IS NOT NULL", recipient, channel
    )


async def _first(smtp: RecordingHandler, address: str):  # type: ignore[no-untyped-def]
    found = smtp.to(address)
    return found[0] if found else None


async def _subject(smtp: RecordingHandler, address: str, prefix: str):  # type: ignore[no-untyped-def]
    found = [m for m in smtp.to(address) if " ".join(str(m["Subject"]).split()).startswith(prefix)]
    return found[0] if found else None


async def _sms_to(sms_file: Path, member_id: str) -> list[dict]:
    return await asyncio.to_thread(_read_sms, sms_file, phone_of(member_id))


def _read_sms(sms_file: Path, phone: str) -> list[dict]:
    if not sms_file.exists():
        return []
    lines = [json.loads(line) for line in sms_file.read_text().splitlines()]
    return [m for m in lines if m["to"] == phone]


@pytest.mark.parametrize("first", ["plan", "erase"])
async def test_a_notice_planned_while_its_recipient_is_erased_is_erased_too(db: asyncpg.Pool, first: str) -> None:
    """Erasure and planning race on different topics: whichever commits first, no notice of the erased survives."""
    key = f"member:{uid('m')}"
    draft = NoticeDraft.of(NoticeType.MEMBER_RELEASED, Recipient.parse(key), "visit:v-race", {"first_name": "Siri"})

    async def plan(conn: asyncpg.Connection) -> None:
        await planning.plan(unit_on(conn), [draft], event_id=uuid4(), correlation_id="c-race")

    async def erase(conn: asyncpg.Connection) -> None:
        await erasure.erase(unit_on(conn), Recipient.parse(key))

    run_first, run_second = (plan, erase) if first == "plan" else (erase, plan)

    async def in_transaction(conn: asyncpg.Connection) -> None:
        async with conn.transaction():
            await run_second(conn)

    async with db.acquire() as one, db.acquire() as other:
        tx = one.transaction()
        await tx.start()
        await run_first(one)
        late = asyncio.create_task(in_transaction(other))
        await asyncio.sleep(0.3)
        assert not late.done(), "the second transaction should wait for the first"
        await tx.commit()
        await asyncio.wait_for(late, 10)
    assert await db.fetchval("SELECT count(*) FROM notices WHERE recipient = $1", key) == 0
    assert await db.fetchval("SELECT count(*) FROM deliveries WHERE recipient = $1", key) == 0


async def test_the_delivery_log_takes_a_bare_member_id_as_that_member(
    service: RunningService, publish: Publisher, db: asyncpg.Pool
) -> None:
    kari, visit = str(uuid4()), uid("v")
    await publish.event(member(kari), key=kari)
    await publish.event(offer(kari, visit), key=visit)
    await eventually(lambda: _sent(db, f"member:{kari}", 2))
    organiser = service.auth("organiser")
    by_key = await service.client.get("/v1/notifications", params={"recipient": f"member:{kari}"}, headers=organiser)
    by_id = await service.client.get("/v1/notifications", params={"recipient": kari}, headers=organiser)
    assert by_id.status_code == 200, by_id.text
    assert by_id.json() == by_key.json() and {d["channel"] for d in by_id.json()} == {"email", "inbox"}
    refused = await service.client.get("/v1/notifications", params={"recipient": "kari"}, headers=organiser)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"].endswith("recipient")


async def test_the_delivery_log_pages_a_long_history_newest_first_without_gaps_or_repeats(
    service: RunningService, publish: Publisher, db: asyncpg.Pool
) -> None:
    kari, visits = uid("m"), [uid("v") for _ in range(3)]
    await publish.event(member(kari), key=kari)
    for visit in visits:
        await publish.event(offer(kari, visit), key=visit)
    await eventually(lambda: _sent(db, f"member:{kari}", 6))
    organiser, query = service.auth("organiser"), {"recipient": f"member:{kari}"}
    whole = (await service.client.get("/v1/notifications", params=query, headers=organiser)).json()
    pages = [(await service.client.get("/v1/notifications", params={**query, "limit": 4, "offset": offset},
                                       headers=organiser)).json() for offset in (0, 4, 8)]
    assert [len(page) for page in pages] == [4, 2, 0]
    assert [d["id"] for page in pages for d in page] == [d["id"] for d in whole]
    assert len({d["id"] for d in whole}) == 6
    created = [d["created_at"] for d in whole]
    assert created == sorted(created, reverse=True)
    too_many = await service.client.get("/v1/notifications", params={**query, "limit": 1001}, headers=organiser)
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"].endswith("limit")


@pytest.mark.parametrize("path", ["/v1/notifications", "/v1/reminders"])
async def test_a_school_asking_for_the_organisers_logs_is_refused_before_its_parameters_are_checked(
    service: RunningService, path: str
) -> None:
    r = await service.client.get(path, headers=service.auth("school", "974760673"))
    assert r.status_code == 403, r.text
    assert r.headers["content-type"] == "application/problem+json"
