"""The school's feedback link: in the thank-you when that is still to come (sent once the visit has ended), in a
mail of its own when the thank-you went out already, and again in the reminder; in the contact's language."""

from datetime import UTC, datetime, timedelta

from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts.booking import VisitFeedbackGiven, VisitFeedbackReminderDue, VisitFeedbackRequested

from .helpers import Publisher, confirmed, contact, member_id, uid, window
from .smtp import RecordingHandler

TOKEN = "ZmVlZGJhY2s6djE6MTgwMDAwMDAwMA.c2lnbmF0dXJlLW9mLTMyLWJ5dGVzLWJhc2U2NC11cmwtZW5j"
UNTIL = datetime(2027, 4, 15, 12, tzinfo=UTC)


def _subj(message) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(message["Subject"]).split())


def _text(message) -> str:  # type: ignore[no-untyped-def]
    return str(message.get_body(("plain",)).get_content())


async def _mail(smtp: RecordingHandler, address: str, subject: str):  # type: ignore[no-untyped-def]
    found = [m for m in smtp.to(address) if _subj(m).startswith(subject)]
    assert len(found) <= 1, f"{len(found)} mails '{subject}' to {address}"
    return found[0] if found else None


async def test_the_pending_thank_you_carries_the_link_and_goes_out_when_the_visit_has_ended(
    service: RunningService, publish: Publisher, smtp: RecordingHandler, db
) -> None:  # type: ignore[no-untyped-def]
    visit = uid("v")
    await publish.event(contact(visit, lang="nn"), key=visit)
    visit_confirmed = confirmed(visit, [(member_id(), "Kari")], timedelta(hours=-1.5, seconds=4))
    await publish.event(visit_confirmed, key=visit)
    address = f"contact-{visit}@school.example.org"
    await eventually(lambda: _mail(smtp, address, "Stadfesta"))
    requested = VisitFeedbackRequested(visit_id=visit, token=TOKEN, expires_at=UNTIL, school_name="Nordstrand skole",
                                       scheduled=visit_confirmed.scheduled)  # fmt: skip
    await publish.event(requested, key=visit)

    thanks = await eventually(lambda: _mail(smtp, address, "Takk for besøket"))
    assert f"http://localhost:8000/feedback/{TOKEN}" in _text(thanks)
    assert "torsdag 15. april 2027" in _text(thanks) and "einskilde elevar" in _text(thanks)
    assert await _mail(smtp, address, "Korleis gjekk besøket") is None, "one mail: the thank-you carries the link"
    statuses = await db.fetch("SELECT status FROM timers WHERE kind = 'visit-reminder' AND key LIKE $1",
                              f"visit:{visit}:school:after-%")  # fmt: skip
    assert [s["status"] for s in statuses] == ["done"]


async def test_a_school_thanked_already_gets_the_link_in_a_mail_of_its_own_and_the_reminder_carries_it_again(
    service: RunningService, publish: Publisher, smtp: RecordingHandler
) -> None:
    visit = uid("v")
    await publish.event(contact(visit, lang="en"), key=visit)
    scheduled = window(timedelta(days=-1))
    common = {"visit_id": visit, "token": TOKEN, "expires_at": UNTIL, "school_name": "Nordstrand skole",
              "scheduled": scheduled}  # fmt: skip
    await publish.event(VisitFeedbackRequested(**common), key=visit)
    address = f"contact-{visit}@school.example.org"
    request = await eventually(lambda: _mail(smtp, address, "How did the visit go?"))
    assert f"/feedback/{TOKEN}" in _text(request) and "Thursday 15 April 2027" in _text(request)

    await publish.event(VisitFeedbackGiven(visit_id=visit, rating=5, kommunenummer="0301"), key=visit)  # no mail
    await publish.event(VisitFeedbackReminderDue(**common), key=visit)
    reminder = await eventually(lambda: _mail(smtp, address, "Reminder: how did the visit on"))
    assert f"/feedback/{TOKEN}" in _text(reminder)
    assert len(smtp.to(address)) == 2
