"""Which calendar message each change sends whom: CANCEL only to who holds a live invitation, SEQUENCE rising."""

from datetime import UTC, datetime, timedelta

from notify.domain import drafts as d
from notify.domain.calendars import Holding, renewed_sequence, withdrawal
from notify.domain.notices import Recipient
from outreach_shared.calendar import CalendarEvent
from outreach_shared.contracts.ambassadors import MemberReleased
from outreach_shared.contracts.booking import VisitConfirmed, VisitUnfulfilled
from outreach_shared.contracts.common import TeamMember, TimeWindow

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
START = datetime(2027, 3, 28, 1, tzinfo=UTC)
EVENT = CalendarEvent("visit-v-1@outreach.jobbvinner.no", 2, START, START + timedelta(hours=2), "Jobbvinner")


def holding(sequence: int = 2, cancelled: bool = False) -> Holding:
    event = EVENT.withdrawn(sequence) if cancelled else CalendarEvent(**{**EVENT.__dict__, "sequence": sequence})
    return Holding(Recipient.member("m-1"), event)


def test_only_a_live_invitation_is_withdrawn() -> None:
    assert withdrawal(None, 3) is None
    assert withdrawal(holding(cancelled=True), 3) is None
    cancel = withdrawal(holding(), 3)
    assert cancel is not None and cancel.cancelled and (cancel.sequence, cancel.start) == (3, START)


def test_a_withdrawal_is_above_what_the_attendee_holds_and_at_least_the_visits_sequence() -> None:
    assert withdrawal(holding(2), None).sequence == 3  # type: ignore[union-attr]
    assert withdrawal(holding(2), 5).sequence == 5  # type: ignore[union-attr]
    assert withdrawal(holding(4), 3).sequence == 5  # type: ignore[union-attr]


def test_an_invitation_sent_again_rises_above_a_withdrawal_held() -> None:
    assert (renewed_sequence(None), renewed_sequence(holding(2)), renewed_sequence(holding(3, True))) == (0, 2, 4)


def test_a_released_member_who_held_the_invitation_gets_a_cancel_and_is_told_so() -> None:
    released = MemberReleased(visit_id="v-1", member_id="m-1", reason="inactive")
    visit = d.VisitInfo("v-1", "Byskolen", sequence=2)
    (held,) = d.member_released(released, visit, NOW, holding(2))
    (never,) = d.member_released(released, visit, NOW, None)
    assert held.calendar is not None and held.calendar.cancelled and held.calendar.sequence == 3
    assert held.context["calendar_withdrawn"] and held.urgent
    assert never.calendar is None and not never.context["calendar_withdrawn"]


def test_a_member_taken_back_after_a_cancel_is_invited_above_it_and_everyone_else_with_bookings_sequence() -> None:
    confirmed = VisitConfirmed(
        visit_id="v-1", scheduled=TimeWindow(start=START, end=START + timedelta(hours=2)),
        team=[TeamMember(member_id="m-1", first_name="Ola", profession="nurse"),
              TeamMember(member_id="m-2", first_name="Kari", profession="nurse")],
        orgnr="974760673", school_name="Byskolen", school_address="Skolegata 1", kommunenummer="0301",
        kind="school_visit", language="nb", calendar_sequence=2,
    )  # fmt: skip
    drafts = d.visit_confirmed(confirmed, NOW, {Recipient.member("m-1"): holding(2, cancelled=True),
                                             Recipient.member("m-2"): holding(1)})
    sequences = {draft.recipient.key: draft.calendar.sequence for draft in drafts if draft.calendar}
    assert sequences == {"school:v-1": 2, "member:m-1": 3, "member:m-2": 2}
    assert all(draft.calendar and draft.calendar.uid == EVENT.uid for draft in drafts)


def test_an_unfulfilled_visit_that_was_confirmed_withdraws_the_schools_invitation() -> None:
    window = TimeWindow(start=START, end=START + timedelta(hours=2))
    unfulfilled = VisitUnfulfilled(
        visit_id="v-1", reason="no replacement found", school_name="Byskolen", kommunenummer="0301",
        scheduled=window, calendar_sequence=3,
    )  # fmt: skip
    school = Holding(Recipient.school("v-1"), CalendarEvent(**{**EVENT.__dict__, "sequence": 2}))
    (held,) = d.visit_unfulfilled(unfulfilled, d.VisitInfo("v-1", "Byskolen", sequence=2), school)
    assert held.recipient.key == "school:v-1" and held.calendar is not None and held.calendar.cancelled
    assert (held.calendar.sequence, held.calendar.start) == (3, START)
    assert held.context["calendar_withdrawn"] and held.context["was_confirmed"]
    (already,) = d.visit_unfulfilled(unfulfilled, None, Holding(Recipient.school("v-1"), EVENT.withdrawn(3)))
    assert already.calendar is None and not already.context["calendar_withdrawn"]


def test_an_unfulfilled_visit_that_was_never_confirmed_sends_no_calendar() -> None:
    unfulfilled = VisitUnfulfilled(visit_id="v-1", reason="nobody", school_name="Byskolen", kommunenummer="0301")
    (notice,) = d.visit_unfulfilled(unfulfilled, None)
    assert notice.calendar is None and not notice.context["was_confirmed"]
