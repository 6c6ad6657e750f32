"""The visit aggregate: every status transition, the events it records and the events it refuses."""

from datetime import UTC, datetime, timedelta

import pytest

from booking.domain.model import EventNotApplicable, Visit
from booking.domain.values import School, VisitDetails
from outreach_shared.contracts.booking import (
    TeamReleaseRequested,
    VisitCancelled,
    VisitCompleted,
    VisitConfirmed,
    VisitFeedbackGiven,
    VisitRequested,
    VisitRescheduled,
    VisitUnfulfilled,
)
from outreach_shared.contracts.common import TeamMember, TimeWindow
from outreach_shared.errors import Conflict

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)
WINDOW = TimeWindow(start=NOW + 10 * DAY, end=NOW + 10 * DAY + timedelta(hours=8))
SLOT = TimeWindow(start=WINDOW.start + timedelta(hours=1), end=WINDOW.start + timedelta(hours=3))
TEAM = [TeamMember(member_id="m1", first_name="Kari", profession="nurse"),
        TeamMember(member_id="m2", first_name="Ola", profession="health_worker")]  # fmt: skip


def new_visit() -> Visit:
    visit = Visit.request(
        id="v1",
        school=School("974760673", "Byskolen", "0301", "Skolegata 1"),
        details=VisitDetails("school_visit", "10. trinn", 60, ("nurse", "health_worker"), "nb", 2),
        windows=[WINDOW],
        now=NOW,
    )
    return visit


def confirmed_visit() -> Visit:
    visit = new_visit()
    visit.confirm_team(SLOT, TEAM, NOW)
    visit.events.clear()
    return visit


def test_a_new_request_is_requested_and_records_visit_requested() -> None:
    visit = new_visit()
    assert visit.status == "requested"
    assert [h.status for h in visit.history] == ["requested"]
    (event,) = visit.events
    assert isinstance(event, VisitRequested) and event.windows == [WINDOW] and event.team_size == 2


def test_an_offer_moves_a_requested_visit_to_offered_once() -> None:
    visit = new_visit()
    visit.mark_offered(SLOT, NOW)
    visit.mark_offered(SLOT, NOW)
    assert visit.status == "offered"
    assert [h.status for h in visit.history] == ["requested", "offered"]


def test_team_confirmed_schedules_the_visit_and_raises_the_sequence() -> None:
    visit = new_visit()
    visit.mark_offered(SLOT, NOW)
    visit.confirm_team(SLOT, TEAM, NOW)
    assert (visit.status, visit.scheduled, visit.team, visit.calendar_sequence) == ("confirmed", SLOT, TEAM, 1)
    confirmed = visit.events[-1]
    assert isinstance(confirmed, VisitConfirmed) and confirmed.calendar_sequence == 1
    assert confirmed.team == [TeamMember(member_id=m.member_id, profession=m.profession) for m in TEAM]  # no names


def test_a_repeated_identical_team_confirmed_changes_nothing() -> None:
    visit = confirmed_visit()
    visit.confirm_team(SLOT, TEAM, NOW)
    assert visit.events == [] and visit.calendar_sequence == 1


def test_team_changed_replaces_the_team_and_confirms_again_with_a_higher_sequence() -> None:
    visit = confirmed_visit()
    new_team = [TEAM[0], TeamMember(member_id="m3", first_name="Per", profession="health_worker")]
    visit.change_team(SLOT, new_team, NOW)
    assert visit.team == new_team and visit.calendar_sequence == 2 and visit.status == "confirmed"
    (event,) = visit.events
    assert isinstance(event, VisitConfirmed) and event.calendar_sequence == 2


def test_no_team_available_makes_the_visit_unfulfilled() -> None:
    visit = new_visit()
    visit.mark_unfulfilled("nobody nearby", NOW)
    assert visit.status == "unfulfilled"
    assert isinstance(visit.events[-1], VisitUnfulfilled) and visit.events[-1].reason == "nobody nearby"


def test_an_unfulfilled_visit_can_still_be_confirmed_when_a_team_is_found() -> None:
    visit = new_visit()
    visit.mark_unfulfilled("nobody nearby", NOW)
    visit.confirm_team(SLOT, TEAM, NOW)
    assert visit.status == "confirmed"


@pytest.mark.parametrize("closing", ["cancel", "complete"])
def test_team_events_for_a_closed_visit_do_not_apply(closing: str) -> None:
    visit = confirmed_visit()
    if closing == "cancel":
        visit.cancel(reason="sick", by="school", now=NOW)
    else:
        visit.record_report(member_id="m1", pupils_reached=50, notes=None, now=SLOT.start)
    for apply in (
        lambda: visit.mark_offered(SLOT, NOW),
        lambda: visit.confirm_team(SLOT, TEAM, NOW),
        lambda: visit.change_team(SLOT, TEAM, NOW),
        lambda: visit.mark_unfulfilled("late", NOW),
    ):
        with pytest.raises(EventNotApplicable, match="already"):
            apply()


def test_team_confirmed_for_a_window_that_was_rescheduled_away_does_not_apply() -> None:
    visit = new_visit()
    later = TimeWindow(start=WINDOW.start + 20 * DAY, end=WINDOW.end + 20 * DAY)
    visit.reschedule([later], NOW)
    with pytest.raises(EventNotApplicable, match="rescheduled"):
        visit.confirm_team(SLOT, TEAM, NOW)
    assert visit.status == "requested"


def test_team_changed_for_a_visit_not_confirmed_does_not_apply() -> None:
    with pytest.raises(EventNotApplicable, match="not confirmed"):
        new_visit().change_team(SLOT, TEAM, NOW)


def test_no_team_available_for_a_confirmed_visit_with_its_full_team_does_not_apply() -> None:
    visit = confirmed_visit()
    with pytest.raises(EventNotApplicable, match="complete"):
        visit.mark_unfulfilled("late answer", NOW)
    assert visit.status == "confirmed" and visit.team == TEAM and visit.events == []


# --- a member leaves a confirmed team ---------------------------------------------------------------


def test_a_member_leaving_a_confirmed_team_is_taken_off_it_with_a_note() -> None:
    visit = confirmed_visit()
    visit.release_member("m1", NOW)
    assert visit.status == "confirmed" and visit.team == [TEAM[1]] and visit.scheduled == SLOT
    assert visit.history[-1].note == "a team member left; a replacement is sought"
    assert visit.recorded_anything and visit.events == [] and visit.calendar_sequence == 1


@pytest.mark.parametrize("state", ["requested", "offered", "cancelled", "rescheduled", "unfulfilled", "not on team"])
def test_a_member_released_that_booking_caused_or_that_is_not_on_the_team_changes_nothing(state: str) -> None:
    visit = confirmed_visit() if state in ("cancelled", "rescheduled", "not on team") else new_visit()
    if state == "offered":
        visit.mark_offered(SLOT, NOW)
    elif state == "cancelled":
        visit.cancel(reason="sick", by="school", now=NOW)
    elif state == "rescheduled":
        visit.reschedule([WINDOW], NOW)
    elif state == "unfulfilled":
        visit.mark_unfulfilled("nobody nearby", NOW)
    visit.events.clear()
    visit.persisted_history = len(visit.history)
    before = (visit.status, list(visit.team), visit.calendar_sequence)
    visit.release_member("m3" if state == "not on team" else "m1", NOW)
    visit.release_member("m3" if state == "not on team" else "m1", NOW)
    assert (visit.status, visit.team, visit.calendar_sequence) == before
    assert not visit.recorded_anything


def test_a_second_release_of_the_same_member_changes_nothing() -> None:
    visit = confirmed_visit()
    visit.release_member("m1", NOW)
    entries = len(visit.history)
    visit.release_member("m1", NOW)
    assert visit.team == [TEAM[1]] and len(visit.history) == entries


def test_no_replacement_for_a_member_who_left_makes_the_confirmed_visit_unfulfilled() -> None:
    visit = confirmed_visit()
    visit.release_member("m1", NOW)
    visit.mark_unfulfilled("no replacement found: 1 of 2 seat(s) open", NOW)
    assert visit.status == "unfulfilled" and visit.unfulfilled_reason == "no replacement found: 1 of 2 seat(s) open"
    assert visit.team == [] and visit.scheduled is None and visit.calendar_slot == SLOT
    assert visit.calendar_sequence == 2 and not visit.calendar_is_live
    unfulfilled, release = visit.events
    assert isinstance(unfulfilled, VisitUnfulfilled)
    assert (unfulfilled.scheduled, unfulfilled.calendar_sequence) == (SLOT, 2)
    assert isinstance(release, TeamReleaseRequested) and release.member_ids == ["m2"]
    assert release.reason == "no replacement found: 1 of 2 seat(s) open"


def test_no_replacement_when_the_whole_team_left_still_asks_ambassadors_to_stop() -> None:
    visit = confirmed_visit()
    visit.release_member("m1", NOW)
    visit.release_member("m2", NOW)
    visit.mark_unfulfilled("no replacement found: 2 of 2 seat(s) open", NOW)
    _, release = visit.events
    assert isinstance(release, TeamReleaseRequested) and release.member_ids == []


def test_a_visit_that_was_never_confirmed_becomes_unfulfilled_without_calendar_or_release() -> None:
    visit = new_visit()
    visit.mark_offered(SLOT, NOW)
    visit.events.clear()
    visit.mark_unfulfilled("nobody nearby", NOW)
    (event,) = visit.events
    assert isinstance(event, VisitUnfulfilled) and event.scheduled is None and event.calendar_sequence is None
    assert visit.calendar_sequence == 0


def test_an_unfulfilled_visit_that_lost_its_team_is_confirmed_again_with_a_higher_sequence() -> None:
    visit = confirmed_visit()
    visit.release_member("m1", NOW)
    visit.mark_unfulfilled("no replacement found", NOW)
    visit.mark_offered(SLOT, NOW)
    new_team = [TeamMember(member_id="m3", first_name="Per", profession="nurse"), TEAM[1]]
    visit.confirm_team(SLOT, new_team, NOW)
    assert visit.status == "confirmed" and visit.team == new_team and visit.calendar_sequence == 3
    assert [h.status for h in visit.history][-3:] == ["unfulfilled", "offered", "confirmed"]


def test_cancelling_a_requested_visit_is_not_late_and_names_no_team() -> None:
    visit = new_visit()
    visit.cancel(reason="exam week", by="school", now=NOW)
    event = visit.events[-1]
    assert visit.status == "cancelled"
    assert isinstance(event, VisitCancelled)
    assert (event.late, event.was_confirmed, event.team_member_ids, event.scheduled) == (False, False, [], None)


def test_cancelling_a_confirmed_visit_more_than_48_hours_ahead_is_not_late() -> None:
    visit = confirmed_visit()
    visit.cancel(reason="exam week", by="school", now=SLOT.start - timedelta(hours=48))
    (event,) = visit.events
    assert isinstance(event, VisitCancelled) and not event.late and event.was_confirmed
    assert event.team_member_ids == ["m1", "m2"] and visit.calendar_sequence == 2


def test_cancelling_a_confirmed_visit_less_than_48_hours_ahead_is_allowed_but_late() -> None:
    visit = confirmed_visit()
    visit.cancel(reason="flu", by="school", now=SLOT.start - timedelta(hours=47, minutes=59))
    (event,) = visit.events
    assert isinstance(event, VisitCancelled) and event.late
    assert visit.cancellation is not None and visit.cancellation.late
    assert visit.history[-1].note == "late: flu"


def test_a_started_or_closed_visit_cannot_be_cancelled_or_rescheduled() -> None:
    visit = confirmed_visit()
    with pytest.raises(Conflict, match="started"):
        visit.cancel(reason="x", by="school", now=SLOT.start)
    with pytest.raises(Conflict, match="started"):
        visit.reschedule([WINDOW], SLOT.start)
    visit.cancel(reason="x", by="school", now=NOW)
    with pytest.raises(Conflict, match="cancelled"):
        visit.cancel(reason="again", by="school", now=NOW)
    with pytest.raises(Conflict, match="cancelled"):
        visit.reschedule([WINDOW], NOW)


def test_rescheduling_a_confirmed_visit_releases_the_team_and_starts_over() -> None:
    visit = confirmed_visit()
    later = TimeWindow(start=WINDOW.start + 20 * DAY, end=WINDOW.end + 20 * DAY)
    visit.reschedule([later], NOW)
    assert (visit.status, visit.scheduled, visit.team, visit.windows) == ("requested", None, [], [later])
    (event,) = visit.events
    assert isinstance(event, VisitRescheduled)
    assert event.released_member_ids == ["m1", "m2"] and event.visit.windows == [later]
    assert visit.calendar_sequence == 2


def test_a_rescheduled_visit_is_confirmed_again_by_its_new_teams_team_confirmed() -> None:
    visit = confirmed_visit()
    later = TimeWindow(start=WINDOW.start + 20 * DAY, end=WINDOW.end + 20 * DAY)
    visit.reschedule([later], NOW)
    new_slot = TimeWindow(start=later.start, end=later.start + timedelta(hours=2))
    visit.mark_offered(new_slot, NOW)
    with pytest.raises(EventNotApplicable, match="offered, not confirmed"):  # the defect: booking refused this
        visit.change_team(new_slot, TEAM, NOW)
    visit.confirm_team(new_slot, TEAM, NOW)
    assert (visit.status, visit.scheduled, visit.calendar_sequence) == ("confirmed", new_slot, 3)


def test_a_report_after_the_start_completes_the_visit() -> None:
    visit = confirmed_visit()
    visit.record_report(member_id="m2", pupils_reached=48, notes="good questions", now=SLOT.start)
    assert visit.status == "completed"
    (event,) = visit.events
    assert isinstance(event, VisitCompleted)
    assert (event.pupils_reached, event.rating, event.team_member_ids) == (48, None, ["m1", "m2"])


def test_a_report_before_the_start_or_twice_is_a_conflict() -> None:
    visit = confirmed_visit()
    with pytest.raises(Conflict, match="not started"):
        visit.record_report(member_id="m1", pupils_reached=1, notes=None, now=SLOT.start - timedelta(seconds=1))
    visit.record_report(member_id="m1", pupils_reached=1, notes=None, now=SLOT.start)
    with pytest.raises(Conflict, match="already"):
        visit.record_report(member_id="m1", pupils_reached=1, notes=None, now=SLOT.end)


def test_a_report_of_an_unconfirmed_visit_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="only a confirmed visit"):
        new_visit().record_report(member_id="m1", pupils_reached=1, notes=None, now=SLOT.end)


def test_an_organiser_completes_a_started_visit_for_the_team_with_the_registered_pupils_by_default() -> None:
    visit = confirmed_visit()
    visit.complete_for_team(pupils_reached=None, notes=None, now=SLOT.start)
    assert visit.status == "completed" and visit.report is not None
    assert (visit.report.by, visit.report.member_id, visit.report.pupils_reached) == ("organiser", "", 60)
    assert visit.history[-1].note == "completed by an organiser on the team's behalf"
    (event,) = visit.events
    assert isinstance(event, VisitCompleted) and event.completed_by == "organiser"
    assert (event.pupils_reached, event.team_member_ids) == (60, ["m1", "m2"])


def test_an_organiser_cannot_complete_early_twice_or_an_unconfirmed_visit() -> None:
    visit = confirmed_visit()
    with pytest.raises(Conflict, match="not started"):
        visit.complete_for_team(pupils_reached=3, notes=None, now=SLOT.start - timedelta(seconds=1))
    visit.record_report(member_id="m1", pupils_reached=1, notes=None, now=SLOT.start)
    assert visit.events[-1].completed_by == "team"  # type: ignore[attr-defined]
    with pytest.raises(Conflict, match="already"):
        visit.complete_for_team(pupils_reached=3, notes=None, now=SLOT.end)
    with pytest.raises(Conflict, match="only a confirmed visit"):
        new_visit().complete_for_team(pupils_reached=3, notes=None, now=SLOT.end)


def test_a_rating_given_before_the_report_travels_with_visit_completed() -> None:
    visit = confirmed_visit()
    visit.rate(score=5, comment="great", now=SLOT.end)
    assert visit.status == "confirmed"
    (given,) = visit.events
    assert given == VisitFeedbackGiven(visit_id=visit.id, rating=5, kommunenummer="0301", with_comment=True)
    visit.events.clear()
    visit.record_report(member_id="m1", pupils_reached=30, notes=None, now=SLOT.end)
    (event,) = visit.events
    assert isinstance(event, VisitCompleted) and event.rating == 5


def test_a_rating_before_the_visit_ended_or_twice_is_a_conflict() -> None:
    visit = confirmed_visit()
    with pytest.raises(Conflict, match="not taken place"):
        visit.rate(score=4, comment=None, now=SLOT.end - timedelta(seconds=1))
    visit.rate(score=4, comment=None, now=SLOT.end)
    with pytest.raises(Conflict, match="already been rated"):
        visit.rate(score=3, comment=None, now=SLOT.end)


def test_a_visit_that_never_took_place_cannot_be_rated() -> None:
    visit = new_visit()
    visit.cancel(reason="x", by="school", now=NOW)
    with pytest.raises(Conflict, match="only a visit that took place"):
        visit.rate(score=1, comment=None, now=SLOT.end)
