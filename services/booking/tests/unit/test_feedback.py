"""Feedback links: the signed token's rules, and the use cases on a unit of work in memory (the link on completion,
the answer, the reminder)."""

from datetime import UTC, datetime, timedelta

import pytest
from booking_fakes import FakeContacts, FakeFeedbackReminders, FakeIgnoredEvents, FakeVisits

from booking.domain.feedback import FeedbackPolicy, LinkExpired, link_for, read
from booking.domain.model import Visit
from booking.domain.values import School, VisitDetails
from booking.service_layer import feedback, lifecycle
from booking.service_layer.unit_of_work import BookingUnit
from outreach_dev.testing.fakes import emitted, in_memory
from outreach_shared.auth import Principal
from outreach_shared.contracts.booking import (
    VisitCompleted,
    VisitFeedbackGiven,
    VisitFeedbackReminderDue,
    VisitFeedbackRequested,
)
from outreach_shared.contracts.common import TeamMember, TimeWindow
from outreach_shared.errors import Conflict, NotFound
from outreach_shared.timers import Timer

KEY = b"k" * 32
POLICY = FeedbackPolicy(KEY, timedelta(days=30), timedelta(days=7))
SLOT = TimeWindow(start=datetime(2027, 3, 15, 9, tzinfo=UTC), end=datetime(2027, 3, 15, 11, tzinfo=UTC))
DONE = SLOT.end + timedelta(hours=1)
TEAM = [TeamMember(member_id="m1", first_name="Kari", profession="nurse")]
NURSE = Principal(role="member", subject="m1", member_id="m1")


def confirmed(visit_id: str = "v1") -> Visit:
    details = VisitDetails("school_visit", "10. trinn", 60, ("nurse",), "nb", 1)
    visit = Visit.request(id=visit_id, school=School("974760673", "Byskolen", "0301", "Skolegata 1"),
                          details=details, windows=[SLOT], now=SLOT.start - timedelta(days=20))  # fmt: skip
    visit.confirm_team(SLOT, TEAM, SLOT.start - timedelta(days=10))
    visit.events.clear()
    visit.persisted_history = len(visit.history)
    return visit


def unit(*visits: Visit, now: datetime = DONE) -> BookingUnit:
    uow = in_memory(BookingUnit, now=now, visits=FakeVisits(*visits), contacts=FakeContacts(),
                    ignored_events=FakeIgnoredEvents(), feedback_reminders=FakeFeedbackReminders())  # fmt: skip
    uow.feedback = POLICY
    return uow


async def completed(uow: BookingUnit) -> str:
    """Complete v1 through the report; the token of its feedback link."""
    await lifecycle.report(uow, "v1", caller=NURSE, pupils_reached=50, notes=None)
    (requested,) = [e for e in emitted(uow) if isinstance(e, VisitFeedbackRequested)]
    uow.scope.emitted.clear()
    return requested.token


# --- the token ----------------------------------------------------------------------------------


def test_a_link_names_its_visit_and_expiry_and_reads_back() -> None:
    link = link_for("v1", DONE + timedelta(days=30), KEY)
    assert read(link.token, KEY, now=DONE) == link
    assert link_for("v1", DONE + timedelta(days=30), KEY).token == link.token, "the same link every time"


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-2] + ("AA" if t[-2:] != "AA" else "BB"),  # signature changed
    lambda t: link_for("v2", DONE + timedelta(days=30), KEY).token.split(".")[0] + "." + t.split(".")[1],  # other visit
    lambda t: link_for("v1", DONE + timedelta(days=300), KEY).token.split(".")[0] + "." + t.split(".")[1],  # extended
    lambda t: link_for("v1", DONE + timedelta(days=30), b"another key").token,  # signed with another key
    lambda t: "not-a-token",
    lambda t: "%%%.%%%",
])  # fmt: skip
def test_a_tampered_or_foreign_token_is_not_found(tamper) -> None:  # noqa: ANN001
    token = link_for("v1", DONE + timedelta(days=30), KEY).token
    with pytest.raises(NotFound):
        read(tamper(token), KEY, now=DONE)


def test_a_token_for_another_purpose_is_not_found() -> None:
    import base64
    import hashlib
    import hmac

    body = b"calendar:v1:9999999999"
    sig = hmac.new(KEY, body, hashlib.sha256).digest()
    token = ".".join(base64.urlsafe_b64encode(x).rstrip(b"=").decode() for x in (body, sig))
    with pytest.raises(NotFound):
        read(token, KEY, now=DONE)


def test_a_genuine_token_past_its_expiry_is_gone() -> None:
    link = link_for("v1", DONE + timedelta(days=30), KEY)
    read(link.token, KEY, now=DONE + timedelta(days=30) - timedelta(seconds=1))
    with pytest.raises(LinkExpired) as raised:
        read(link.token, KEY, now=DONE + timedelta(days=30))
    assert raised.value.status == 410


# --- the use cases ------------------------------------------------------------------------------


async def test_completing_a_visit_sends_the_link_valid_30_days_and_sets_the_reminder_a_week_later() -> None:
    uow = unit(confirmed())
    await lifecycle.report(uow, "v1", caller=NURSE, pupils_reached=50, notes=None)
    completed_event, requested = emitted(uow)
    assert isinstance(completed_event, VisitCompleted) and isinstance(requested, VisitFeedbackRequested)
    assert requested.expires_at == DONE + timedelta(days=30) and requested.scheduled == SLOT
    assert POLICY.read(requested.token, now=DONE).visit_id == "v1"
    assert uow.feedback_reminders.pending == {"v1": DONE + timedelta(days=7)}  # type: ignore[attr-defined]


async def test_the_link_shows_the_visit_and_takes_one_answer_which_cancels_the_reminder() -> None:
    uow = unit(confirmed())
    token = await completed(uow)
    view = await feedback.open_link(uow, token)
    assert (view.visit.id, view.answered) == ("v1", False)

    answered = await feedback.answer(uow, token, score=4, comment="Engasjerte elever")
    assert answered.answered and answered.visit.rating is not None and answered.visit.rating.score == 4
    assert emitted(uow) == [VisitFeedbackGiven(visit_id="v1", rating=4, kommunenummer="0301", with_comment=True)]
    assert uow.feedback_reminders.cancelled == ["v1"]  # type: ignore[attr-defined]
    with pytest.raises(Conflict, match="already been rated"):
        await feedback.answer(uow, token, score=1, comment=None)
    assert (await feedback.open_link(uow, token)).visit.rating.score == 4  # type: ignore[union-attr]


async def test_a_link_past_30_days_is_gone_and_one_for_an_unknown_visit_not_found() -> None:
    uow = unit(confirmed())
    token = await completed(uow)
    uow.scope.now = DONE + timedelta(days=30)
    with pytest.raises(LinkExpired):
        await feedback.answer(uow, token, score=5, comment=None)
    stranger = POLICY.link("v-unknown", DONE).token
    with pytest.raises(NotFound):
        await feedback.open_link(unit(), stranger)


async def test_the_reminder_carries_the_same_link_unless_answered_or_expired() -> None:
    uow = unit(confirmed())
    token = await completed(uow)
    timer = Timer(id=1, kind="feedback-reminder", key="v1", due_at=DONE + timedelta(days=7), payload={})
    uow.scope.now = DONE + timedelta(days=7)
    await feedback.on_feedback_reminder(uow, timer)
    (reminder,) = emitted(uow)
    assert isinstance(reminder, VisitFeedbackReminderDue) and reminder.token == token
    uow.scope.emitted.clear()

    uow.scope.now = DONE + timedelta(days=31)
    await feedback.on_feedback_reminder(uow, timer)
    assert emitted(uow) == [], "an expired link is not reminded of"

    uow.scope.now = DONE + timedelta(days=8)
    await feedback.answer(uow, token, score=3, comment=None)
    uow.scope.emitted.clear()
    await feedback.on_feedback_reminder(uow, timer)
    assert emitted(uow) == [], "an answered link is not reminded of"


async def test_a_visit_rated_before_its_report_gets_no_link_and_no_reminder() -> None:
    visit = confirmed()
    visit.rate(score=5, comment=None, now=SLOT.end)
    visit.events.clear()
    uow = unit(visit)
    await lifecycle.report(uow, "v1", caller=NURSE, pupils_reached=50, notes=None)
    assert [type(e) for e in emitted(uow)] == [VisitCompleted]
    assert uow.feedback_reminders.pending == {}  # type: ignore[attr-defined]
