"""The calendar as attendees receive it by mail: one UID with booking's calendar.ics, REQUEST to every attendee on
each confirmation, CANCEL to everyone who holds the event when it is withdrawn from them, SEQUENCE rising, and
instants that two independent parsers read alike at the clock changes. Mails parsed with the `email` package."""

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import TypeVar

import ics
from icalendar import Calendar

from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts.ambassadors import MemberReleased
from outreach_shared.contracts.booking import VisitCancelled, VisitRequested, VisitRescheduled, VisitUnfulfilled
from outreach_shared.contracts.common import TimeWindow, Venue
from outreach_shared.contracts.training import GatheringCancelled, RegistrationConfirmed, RegistrationWithdrawn

from .helpers import Publisher, confirmed, contact, member, uid, window
from .smtp import RecordingHandler

APP = "http://localhost:8000"  # the default NOTIFY_APP_BASE_URL: where `make up` serves the web app
Held = tuple[str, int]  # (METHOD, SEQUENCE)
T = TypeVar("T")


async def now(value: T) -> T:
    """A value already at hand, as the awaitable check `eventually` polls."""
    return value


def invitations(message: EmailMessage) -> list[Calendar]:
    return [
        Calendar.from_ical(part.get_content())
        for part in message.iter_attachments()
        if part.get_content_type() == "text/calendar"
    ]


def held(smtp: RecordingHandler, address: str, visit: str, kind: str = "visit") -> list[Held]:
    """Every calendar message mailed to `address`, in order, after checking it names the visit's one event."""
    out = []
    for message in smtp.to(address):
        for cal in invitations(message):
            (event,) = cal.events
            assert event["UID"] == f"{kind}-{visit}@outreach.jobbvinner.no"
            assert event["STATUS"] == ("CANCELLED" if cal["METHOD"] == "CANCEL" else "CONFIRMED")
            out.append((str(cal["METHOD"]), int(event["SEQUENCE"])))
    return out


def subjects(smtp: RecordingHandler, address: str) -> list[str]:
    return [" ".join(str(m["Subject"]).split()) for m in smtp.to(address)]


async def test_each_attendee_is_sent_the_latest_state_of_the_one_event(
    service: RunningService, publish: Publisher, smtp: RecordingHandler
) -> None:
    visit, kari, ola, per, eva = uid("v"), uid("m"), uid("m"), uid("m"), uid("m")
    school = f"contact-{visit}@school.example.org"
    for m in (kari, ola, per, eva):
        await publish.event(member(m), key=m)
    await publish.event(contact(visit), key=visit)
    first = confirmed(visit, [(kari, "Kari"), (ola, "Ola")], timedelta(days=10), sequence=1)
    slot = first.scheduled
    await publish.event(first, key=visit)
    for address in (school, f"{kari}@example.org", f"{ola}@example.org"):
        await eventually(lambda a=address: now(held(smtp, a, visit) == [("REQUEST", 1)]))

    # Ola is deactivated: he alone gets a CANCEL; Eva, who never held the event, gets none with her release.
    await publish.event(MemberReleased(visit_id=visit, member_id=ola, reason="inactive", window=slot), key=visit)
    await publish.event(MemberReleased(visit_id=visit, member_id=eva, reason="inactive", window=slot), key=visit)
    await eventually(lambda: now(held(smtp, f"{ola}@example.org", visit) == [("REQUEST", 1), ("CANCEL", 2)]))
    await eventually(lambda: now(len(smtp.to(f"{eva}@example.org")) == 1))
    assert held(smtp, f"{eva}@example.org", visit) == []

    # Per takes the seat (team.changed -> visit.confirmed, SEQUENCE 2): everyone on the team and the school.
    changed = confirmed(visit, [(kari, "Kari"), (per, "Per")], timedelta(days=10), sequence=2)
    await publish.event(changed.model_copy(update={"scheduled": slot}), key=visit)
    for address, expected in (
        (school, [("REQUEST", 1), ("REQUEST", 2)]),
        (f"{kari}@example.org", [("REQUEST", 1), ("REQUEST", 2)]),
        (f"{per}@example.org", [("REQUEST", 2)]),
    ):
        await eventually(lambda a=address, e=expected: now(held(smtp, a, visit) == e))

    # Rescheduled: the school is told by mail and its invitation withdrawn; the released team's are withdrawn too.
    later = window(timedelta(days=20), hours=5)
    requested = VisitRequested(
        visit_id=visit, orgnr="974760673", school_name="Nordstrand skole", school_address="Nordstrandveien 10",
        kommunenummer="0301", kind="school_visit", audience_description="10. trinn", pupils=30,
        professions=["nurse"], language="nb", windows=[later], team_size=2,
    )  # fmt: skip
    await publish.event(
        VisitRescheduled(visit_id=visit, windows=[later], released_member_ids=[kari, per], visit=requested,
                         scheduled=slot, calendar_sequence=3),
        key=visit,
    )  # fmt: skip
    for m in (kari, per):
        await publish.event(MemberReleased(visit_id=visit, member_id=m, reason="rescheduled", window=slot), key=visit)
    for address, expected in (
        (school, [("REQUEST", 1), ("REQUEST", 2), ("CANCEL", 3)]),
        (f"{kari}@example.org", [("REQUEST", 1), ("REQUEST", 2), ("CANCEL", 3)]),
        (f"{per}@example.org", [("REQUEST", 2), ("CANCEL", 3)]),
    ):
        await eventually(lambda a=address, e=expected: now(held(smtp, a, visit) == e))
    assert any(s.startswith("Nye tidspunkter: skolebesøk ved Nordstrand skole") for s in subjects(smtp, school))

    # Cancelled before a new confirmation: the school is told, but holds nothing more to withdraw.
    await publish.event(
        VisitCancelled(visit_id=visit, reason="Stengt", cancelled_by="school", was_confirmed=False, late=False,
                       calendar_sequence=3),
        key=visit,
    )  # fmt: skip
    await eventually(lambda: now(any(s.startswith("Avlyst") for s in subjects(smtp, school))))
    cancelled = next(m for m in smtp.to(school) if str(m["Subject"]).startswith("Avlyst"))
    assert "kalenderavtalen er trukket tilbake" not in cancelled.get_body(("plain",)).get_content()
    assert held(smtp, school, visit) == [("REQUEST", 1), ("REQUEST", 2), ("CANCEL", 3)]
    assert held(smtp, f"{ola}@example.org", visit) == [("REQUEST", 1), ("CANCEL", 2)]


async def test_the_mailed_instants_agree_in_two_parsers_at_the_clock_changes(
    service: RunningService, publish: Publisher, smtp: RecordingHandler
) -> None:
    # 02:30 on the last Sunday of October 2027 happens twice in Oslo; the last Sunday of March skips 02:00-03:00.
    for start in (datetime(2027, 10, 31, 1, 30, tzinfo=UTC), datetime(2027, 3, 28, 0, 30, tzinfo=UTC)):
        visit, kari = uid("v"), uid("m")
        await publish.event(member(kari), key=kari)
        await publish.event(contact(visit), key=visit)
        slot = TimeWindow(start=start, end=start + timedelta(hours=2))
        event = confirmed(visit, [(kari, "Kari")], timedelta(days=10), sequence=1)
        await publish.event(event.model_copy(update={"scheduled": slot}), key=visit)
        for address in (f"contact-{visit}@school.example.org", f"{kari}@example.org"):
            (message,) = await eventually(lambda a=address: now(smtp.to(a)))  # type: ignore[misc]
            (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
            text = part.get_content()
            (by_icalendar,) = Calendar.from_ical(text).events
            (by_ics,) = ics.Calendar(text).events
            assert (by_icalendar.start.astimezone(UTC), by_icalendar.end.astimezone(UTC)) == (slot.start, slot.end)
            assert (by_ics.begin.to("UTC").datetime, by_ics.end.to("UTC").datetime) == (slot.start, slot.end)
            assert by_ics.uid == f"visit-{visit}@outreach.jobbvinner.no"
            assert [str(a) for a in Calendar.from_ical(text).events[0].attendees] == [f"mailto:{address}"]


async def test_mails_are_well_formed_automatic_and_link_to_the_configured_app(
    service: RunningService, publish: Publisher, smtp: RecordingHandler
) -> None:
    visit, kari = uid("v"), uid("m")
    await publish.event(member(kari, first="Kari"), key=kari)
    await publish.event(contact(visit), key=visit)
    hostile = confirmed(visit, [(kari, "Kari")], timedelta(days=10), sequence=1)
    await publish.event(hostile.model_copy(update={"school_name": 'Nord <b>strand</b> & "skole"'}), key=visit)
    await eventually(lambda: now(smtp.to(f"contact-{visit}@school.example.org") and smtp.to(f"{kari}@example.org")))
    school, to_kari = smtp.to(f"contact-{visit}@school.example.org")[0], smtp.to(f"{kari}@example.org")[0]
    for message, footer in ((school, "kontaktperson for et besøk"), (to_kari, "fordi du er med i Jobbvinner")):
        assert not [d for part in message.walk() for d in part.defects]
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["List-Unsubscribe"] == f"<{APP}/innstillinger/varsler>"
        assert message["List-Unsubscribe-Post"] is None  # there is no one-click endpoint
        (alternative,) = [p for p in message.walk() if p.get_content_type() == "multipart/alternative"]
        plain, html = alternative.iter_parts()
        assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
        assert plain.get_content_charset() == html.get_content_charset() == "utf-8"
        text, markup = plain.get_content(), html.get_content()
        links = re.findall(r"https?://[^\s<>\"']+", text) + re.findall(r'href="([^"]+)"', markup)
        assert links and all(link.startswith(f"{APP}/") for link in links), links
        assert footer in text and footer in markup
        assert 'Nord <b>strand</b> & "skole"' in text
        assert "<b>strand</b>" not in markup and "Nord &lt;b&gt;strand&lt;/b&gt; &amp; &#34;skole&#34;" in markup
    assert "fordi du er med i Jobbvinner" not in school.get_body(("plain",)).get_content()


async def test_a_gathering_place_comes_with_an_invitation_that_withdrawal_and_cancellation_withdraw(
    service: RunningService, publish: Publisher, smtp: RecordingHandler
) -> None:
    gathering, kari, waiting = uid("g"), uid("m"), uid("m")
    for m in (kari, waiting):
        await publish.event(member(m), key=m)
    starts = datetime(2027, 10, 30, 22, tzinfo=UTC)  # the night of the autumn change, in UTC
    place = RegistrationConfirmed(
        gathering_id=gathering, member_id=kari, title="Årssamling vest", starts_at=starts,
        ends_at=starts + timedelta(days=1), venue=Venue(name="Grand", address="Bergen", kommunenummer="4601"),
    )  # fmt: skip
    address = f"{kari}@example.org"
    await publish.event(place, key=gathering)
    await eventually(lambda: now(held(smtp, address, gathering, "gathering") == [("REQUEST", 0)]))
    (cal,) = invitations(smtp.to(address)[0])
    assert cal.events[0].start == starts and "Grand, Bergen" in str(cal.events[0]["LOCATION"])

    await publish.event(RegistrationWithdrawn(gathering_id=gathering, member_id=kari), key=gathering)
    await publish.event(RegistrationWithdrawn(gathering_id=gathering, member_id=waiting), key=gathering)
    await eventually(lambda: now(held(smtp, address, gathering, "gathering") == [("REQUEST", 0), ("CANCEL", 1)]))
    assert subjects(smtp, address)[-1] == "Du er meldt av: Årssamling vest"

    await publish.event(place, key=gathering)  # registered again: above the withdrawal she holds
    await publish.event(
        GatheringCancelled(gathering_id=gathering, title="Årssamling vest", reason="Storm", member_ids=[kari, waiting]),
        key=gathering,
    )
    expected = [("REQUEST", 0), ("CANCEL", 1), ("REQUEST", 2), ("CANCEL", 3)]
    await eventually(lambda: now(held(smtp, address, gathering, "gathering") == expected))
    await eventually(lambda: now(subjects(smtp, f"{waiting}@example.org") == ["Avlyst: Årssamling vest"]))
    assert held(smtp, f"{waiting}@example.org", gathering, "gathering") == []  # waiting: nothing to withdraw


async def test_a_confirmed_visit_given_up_for_want_of_a_replacement_withdraws_every_invitation_and_reminder(
    service: RunningService, publish: Publisher, smtp: RecordingHandler
) -> None:
    visit, kari, ola = uid("v"), uid("m"), uid("m")
    school = f"contact-{visit}@school.example.org"
    for m in (kari, ola):
        await publish.event(member(m), key=m)
    await publish.event(contact(visit), key=visit)
    first = confirmed(visit, [(kari, "Kari"), (ola, "Ola")], timedelta(days=10), sequence=1)
    slot = first.scheduled
    await publish.event(first, key=visit)
    for address in (school, f"{kari}@example.org", f"{ola}@example.org"):
        await eventually(lambda a=address: now(held(smtp, a, visit) == [("REQUEST", 1)]))

    # Ola leaves and nobody takes his seat: booking gives the visit up (SEQUENCE 2) and releases Kari.
    await publish.event(MemberReleased(visit_id=visit, member_id=ola, reason="inactive", window=slot), key=visit)
    reason = "no replacement found: 1 of 2 seat(s) open"
    await publish.event(
        VisitUnfulfilled(visit_id=visit, reason=reason, school_name="Nordstrand skole", kommunenummer="0301",
                         scheduled=slot, calendar_sequence=2),
        key=visit,
    )  # fmt: skip
    await publish.event(MemberReleased(visit_id=visit, member_id=kari, reason=reason, window=slot), key=visit)
    for address in (school, f"{kari}@example.org", f"{ola}@example.org"):
        await eventually(lambda a=address: now(held(smtp, a, visit) == [("REQUEST", 1), ("CANCEL", 2)]))
    told = next(m for m in smtp.to(school) if str(m["Subject"]).startswith("Vi fant dessverre ikke noe lag"))
    assert "kalenderavtalen er trukket tilbake" in told.get_body(("plain",)).get_content()

    async def no_reminders_left() -> bool:
        listed = await service.client.get(
            "/v1/reminders", params={"visit_id": visit}, headers=service.auth("organiser")
        )
        statuses = {r["status"] for r in listed.json()}
        assert statuses == {"cancelled"}, statuses
        return True

    await eventually(no_reminders_left)
