"""The visit aggregate: its status, windows, team and calendar, and the rules for moving between them."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from booking.domain.values import (
    Cancellation,
    Contact,
    Rating,
    Report,
    School,
    Status,
    StatusChange,
    VisitDetails,
)
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
from outreach_shared.contracts.common import Payload, TeamMember, TimeWindow
from outreach_shared.errors import Conflict

LATE_CANCELLATION = timedelta(hours=48)
ERASED_FIRST_NAME = "(erased)"
"""Replaces an erased member's first name in stored teams."""


class EventNotApplicable(Exception):
    """An incoming team event does not apply to the visit in its current state; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Visit:
    """A school's visit request from request to completion; records the events its changes cause."""

    id: str
    school: School
    details: VisitDetails
    windows: list[TimeWindow]
    status: Status
    created_at: datetime
    history: list[StatusChange] = field(default_factory=list)
    scheduled: TimeWindow | None = None
    team: list[TeamMember] = field(default_factory=list)
    calendar_sequence: int = 0
    calendar_slot: TimeWindow | None = None
    """The time the visit's calendar event was last sent out for; kept when it is cancelled or rescheduled, so
    the calendar can still withdraw it."""
    ever_confirmed: bool = False
    cancellation: Cancellation | None = None
    unfulfilled_reason: str | None = None
    report: Report | None = None
    rating: Rating | None = None
    events: list[Payload] = field(default_factory=list, repr=False)
    persisted_history: int = 0

    @classmethod
    def request(
        cls, *, id: str, school: School, details: VisitDetails, windows: list[TimeWindow], now: datetime
    ) -> "Visit":
        """A new visit request (windows already checked)."""
        visit = cls(id=id, school=school, details=details, windows=windows, status="requested", created_at=now)
        visit._move("requested", now)
        visit.events.append(visit.requested_event())
        return visit

    @property
    def visit_date(self) -> datetime:
        """When the visit happens: the scheduled start, else the earliest preferred start."""
        return self.scheduled.start if self.scheduled else min(w.start for w in self.windows)

    @property
    def calendar_is_live(self) -> bool:
        """Whether the visit's calendar event stands (confirmed or done), rather than withdrawn or never sent."""
        return self.status in ("confirmed", "completed") and self.scheduled is not None

    @property
    def team_member_ids(self) -> list[str]:
        """The ids of the current team."""
        return [m.member_id for m in self.team]

    def requested_event(self) -> VisitRequested:
        """The request as an event (also embedded in VisitRescheduled)."""
        s, d = self.school, self.details
        return VisitRequested(
            visit_id=self.id,
            orgnr=s.orgnr,
            school_name=s.name,
            school_address=s.address,
            kommunenummer=s.kommunenummer,
            kind=d.kind,
            audience_description=d.audience_description,
            pupils=d.pupils,
            professions=list(d.professions),
            language=d.language,
            windows=list(self.windows),
            team_size=d.team_size,
        )

    # --- team events from the ambassadors service -------------------------------------------------

    @property
    def recorded_anything(self) -> bool:
        """Whether a status history entry or an event was recorded since the visit was loaded. The team events'
        commands below change a visit only so: each change moves it or notes a team change in its history."""
        return len(self.history) > self.persisted_history or bool(self.events)

    def mark_offered(self, window: TimeWindow, now: datetime) -> None:
        """An offer was made: a requested (or unfulfilled) visit is now being offered."""
        self._refuse_when_closed("offer.made")
        self._refuse_stale(window)
        if self.status in ("requested", "unfulfilled"):
            self._move("offered", now)

    def confirm_team(self, window: TimeWindow, members: list[TeamMember], now: datetime) -> None:
        """A full team accepted: the visit is confirmed in `window`."""
        self._refuse_when_closed("team.confirmed")
        self._refuse_stale(window)
        if self.status == "confirmed":
            if self.scheduled == window and self.team == members:
                return
            self.change_team(window, members, now)
            return
        self.scheduled, self.team, self.ever_confirmed = window, list(members), True
        self.calendar_sequence, self.calendar_slot = self.calendar_sequence + 1, window
        self._move("confirmed", now)
        self.events.append(self._confirmed_event())

    def change_team(self, window: TimeWindow, members: list[TeamMember], now: datetime) -> None:
        """The confirmed team changed: store it and tell everyone again with a raised SEQUENCE."""
        self._refuse_when_closed("team.changed")
        if self.status != "confirmed":
            raise EventNotApplicable(f"team.changed for a visit that is {self.status}, not confirmed")
        self._refuse_stale(window)
        self.scheduled, self.team = window, list(members)
        self.calendar_sequence, self.calendar_slot = self.calendar_sequence + 1, window
        self.history.append(StatusChange("confirmed", now, "team changed"))
        self.events.append(self._confirmed_event())

    def release_member(self, member_id: str, now: datetime) -> None:
        """A member left the confirmed team (deactivated, erased, released): take them off it while ambassadors
        seeks a replacement. Any other release (of a visit cancelled, rescheduled or never confirmed, or of
        somebody not on the team) is the echo of a change already made here and changes nothing."""
        if self.status != "confirmed" or member_id not in self.team_member_ids:
            return
        self.team = [m for m in self.team if m.member_id != member_id]
        self.history.append(StatusChange("confirmed", now, "a team member left; a replacement is sought"))

    def mark_unfulfilled(self, reason: str, now: datetime) -> None:
        """No team could be found for any window; for a confirmed visit, no replacement for a member who left:
        the calendar event is withdrawn (SEQUENCE raised) and the rest of the team is released."""
        self._refuse_when_closed("team.none-available")
        if self.status == "unfulfilled":
            return
        was_confirmed = self.status == "confirmed"
        if was_confirmed and len(self.team) >= self.details.team_size:
            raise EventNotApplicable("team.none-available for a confirmed visit whose team is complete")
        previous, remaining = self.scheduled, self.team_member_ids
        if was_confirmed:
            self.calendar_sequence += 1
            self.scheduled, self.team = None, []
        self.unfulfilled_reason = reason
        self._move("unfulfilled", now, reason)
        self.events.append(
            VisitUnfulfilled(
                visit_id=self.id,
                reason=reason,
                school_name=self.school.name,
                kommunenummer=self.school.kommunenummer,
                scheduled=previous if was_confirmed else None,
                calendar_sequence=self.calendar_sequence if was_confirmed and self.calendar_slot else None,
            )
        )
        if was_confirmed:  # also when nobody remains: ambassadors then stops staffing the visit
            self.events.append(TeamReleaseRequested(visit_id=self.id, member_ids=remaining, reason=reason))

    # --- the school's and organisers' commands ----------------------------------------------------

    def cancel(self, *, reason: str, by: str, now: datetime) -> None:
        """Cancel; a confirmed visit less than 48 h ahead is cancelled late (allowed, flagged)."""
        self._refuse_when_final("cancelled")
        self._refuse_when_started(now, "cancelled")
        was_confirmed = self.status == "confirmed"
        late = was_confirmed and self.scheduled is not None and self.scheduled.start - now < LATE_CANCELLATION
        if self.scheduled is not None:
            self.calendar_sequence += 1
        self.cancellation = Cancellation(reason=reason, by=by, at=now, late=late)
        self._move("cancelled", now, f"late: {reason}" if late else reason)
        self.events.append(
            VisitCancelled(
                visit_id=self.id,
                reason=reason,
                cancelled_by=by,
                was_confirmed=was_confirmed,
                late=late,
                scheduled=self.scheduled,
                team_member_ids=self.team_member_ids if was_confirmed else [],
                calendar_sequence=self.calendar_sequence if self.calendar_slot else None,
            )
        )

    def reschedule(self, windows: list[TimeWindow], now: datetime) -> None:
        """New preferred windows (already checked): release the team and start matching again."""
        self._refuse_when_final("rescheduled")
        self._refuse_when_started(now, "rescheduled")
        released = self.team_member_ids if self.status == "confirmed" else []
        previous = self.scheduled
        if self.scheduled is not None:
            self.calendar_sequence += 1
        self.windows, self.scheduled, self.team, self.unfulfilled_reason = list(windows), None, [], None
        self._move("requested", now, "rescheduled")
        self.events.append(
            VisitRescheduled(
                visit_id=self.id,
                windows=list(windows),
                released_member_ids=released,
                visit=self.requested_event(),
                scheduled=previous,
                calendar_sequence=self.calendar_sequence if self.calendar_slot else None,
            )
        )

    def record_report(self, *, member_id: str, pupils_reached: int, notes: str | None, now: datetime) -> None:
        """A team member reports the visit after it started: it is completed."""
        self._complete(Report(member_id=member_id, pupils_reached=pupils_reached, notes=notes, at=now), now)

    def complete_for_team(
        self, *, pupils_reached: int | None, notes: str | None, now: datetime, organiser: str | None = None
    ) -> None:
        """An organiser marks the visit completed on the team's behalf (pupils: as registered, unless given)."""
        reached = self.details.pupils if pupils_reached is None else pupils_reached
        report = Report(member_id="", pupils_reached=reached, notes=notes, at=now, by="organiser", organiser=organiser)
        self._complete(report, now, "completed by an organiser on the team's behalf")

    def _complete(self, report: Report, now: datetime, note: str | None = None) -> None:
        if self.status == "completed":
            raise Conflict("the visit has already been reported")
        if self.status != "confirmed" or self.scheduled is None:
            raise Conflict(f"only a confirmed visit can be reported; this one is {self.status}")
        if now < self.scheduled.start:
            raise Conflict("the visit has not started yet; report it afterwards")
        self.report = report
        self._move("completed", now, note)
        self.events.append(
            VisitCompleted(
                visit_id=self.id,
                pupils_reached=report.pupils_reached,
                rating=self.rating.score if self.rating else None,
                team_member_ids=self.team_member_ids,
                kommunenummer=self.school.kommunenummer,
                scheduled=self.scheduled,
                completed_by="organiser" if report.by == "organiser" else "team",
                by=report.organiser,
            )
        )

    def rate(self, *, score: int, comment: str | None, now: datetime) -> None:
        """The school rates a visit that took place (once)."""
        if self.rating is not None:
            raise Conflict("the visit has already been rated")
        if self.status not in ("confirmed", "completed") or self.scheduled is None:
            raise Conflict(f"only a visit that took place can be rated; this one is {self.status}")
        if now < self.scheduled.end:
            raise Conflict("the visit has not taken place yet; rate it afterwards")
        self.rating = Rating(score=score, comment=comment, at=now)
        self.events.append(VisitFeedbackGiven(visit_id=self.id, rating=score, kommunenummer=self.school.kommunenummer,
                                              with_comment=bool(comment)))  # fmt: skip

    # --- helpers ----------------------------------------------------------------------------------

    def _move(self, status: Status, now: datetime, note: str | None = None) -> None:
        self.status = status
        self.history.append(StatusChange(status, now, note))

    def _confirmed_event(self) -> VisitConfirmed:
        assert self.scheduled is not None
        s = self.school
        return VisitConfirmed(
            visit_id=self.id,
            scheduled=self.scheduled,
            team=[TeamMember(member_id=m.member_id, profession=m.profession) for m in self.team],  # ids, no names
            orgnr=s.orgnr,
            school_name=s.name,
            school_address=s.address,
            kommunenummer=s.kommunenummer,
            kind=self.details.kind,
            language=self.details.language,
            calendar_sequence=self.calendar_sequence,
        )

    def _refuse_when_closed(self, event_type: str) -> None:
        if self.status in ("cancelled", "completed"):
            raise EventNotApplicable(f"{event_type} for a visit that is already {self.status}")

    def _refuse_stale(self, window: TimeWindow) -> None:
        if not any(w.start <= window.start and window.end <= w.end for w in self.windows):
            raise EventNotApplicable("the window is not within the visit's current windows (rescheduled)")

    def _refuse_when_final(self, verb: str) -> None:
        if self.status in ("cancelled", "completed"):
            raise Conflict(f"a visit that is {self.status} cannot be {verb}")

    def _refuse_when_started(self, now: datetime, verb: str) -> None:
        if self.status == "confirmed" and self.scheduled is not None and self.scheduled.start <= now:
            raise Conflict(f"the visit has already started and cannot be {verb}")


@dataclass(frozen=True)
class ShownVisit:
    """A visit as one caller is shown it: with its contact person for its school and organisers, without for
    members (every answer that shows a visit shows it so)."""

    visit: Visit
    contact: Contact | None
