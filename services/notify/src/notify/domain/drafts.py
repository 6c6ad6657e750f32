"""What each incoming event means as notices: recipients, notice type, context and calendar."""

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, TypeAlias

from notify.domain.calendars import Holding, reinvitation, renewed_sequence, withdrawal
from notify.domain.channels import OSLO
from notify.domain.notices import NoticeDraft, NoticeType, Recipient
from outreach_shared.calendar import CalendarEvent, gathering_event, visit_event
from outreach_shared.contracts import ambassadors as a
from outreach_shared.contracts import booking as b
from outreach_shared.contracts import training as t
from outreach_shared.contracts.common import TimeWindow


@dataclass(frozen=True)
class VisitInfo:
    """What notify remembers of a visit (no personal data) to give notices their context."""

    visit_id: str
    school_name: str | None = None
    school_address: str | None = None
    kind: str | None = None
    language: str | None = None
    start: str | None = None
    end: str | None = None
    sequence: int = 0


def _visit_context(visit: VisitInfo | None, window: TimeWindow | None = None) -> dict[str, Any]:
    info = asdict(visit) if visit else {}
    ctx = {k: info.get(k) for k in ("school_name", "school_address", "kind", "start", "end")}
    if window is not None:
        ctx |= {"start": window.start.isoformat(), "end": window.end.isoformat()}
    return ctx


def _organisers(organisers: list[str]) -> list[Recipient]:
    return [Recipient("organiser", address) for address in organisers]


def _visit(visit_id: str) -> str:
    return f"visit:{visit_id}"


def _gathering(gathering_id: str) -> str:
    return f"gathering:{gathering_id}"


def is_same_day(start: datetime | None, now: datetime) -> bool:
    """True when a visit starts later the same day (Europe/Oslo)."""
    return start is not None and start.astimezone(OSLO).date() == now.astimezone(OSLO).date()


def offer_made(p: a.OfferMade) -> list[NoticeDraft]:
    """The member is offered a seat: how to answer and by when."""
    ctx = {
        "offer_id": p.offer_id,
        "visit_id": p.visit_id,
        "school_name": p.school_name,
        "kind": p.kind,
        "start": p.window.start.isoformat(),
        "end": p.window.end.isoformat(),
        "expires_at": p.expires_at.isoformat(),
    }
    return [NoticeDraft.of(NoticeType.VISIT_OFFERED, Recipient.member(p.member_id), _visit(p.visit_id), ctx)]


def offer_closed(
    p: a.OfferExpired | a.OfferWithdrawn, visit: VisitInfo | None, organisers: list[str] | None = None
) -> list[NoticeDraft]:
    """The member's open offer expired or was withdrawn. A member who withdrew from a seat hears through
    member_released (with the CANCEL); the organisers are told when they did so less than 48 hours ahead."""
    if isinstance(p, a.OfferWithdrawn) and p.by_member:
        return late_withdrawal(p, visit, organisers or []) if p.late else []
    expired = isinstance(p, a.OfferExpired)
    kind = NoticeType.OFFER_EXPIRED if expired else NoticeType.OFFER_WITHDRAWN
    ctx = _visit_context(visit) | {"offer_id": p.offer_id, "visit_id": p.visit_id}
    return [NoticeDraft.of(kind, Recipient.member(p.member_id), _visit(p.visit_id), ctx)]


def late_withdrawal(p: a.OfferWithdrawn, visit: VisitInfo | None, organisers: list[str]) -> list[NoticeDraft]:
    """The organisers hear that a member gave back their seat less than 48 hours before the visit (a replacement is
    being sought; the school hears only if none is found)."""
    ctx = _visit_context(visit, p.window) | {"visit_id": p.visit_id, "member_id": p.member_id, "reason": p.reason}
    subject = _visit(p.visit_id)
    return [
        NoticeDraft.of(NoticeType.ORGANISER_LATE_WITHDRAWAL, r, subject, ctx) for r in _organisers(organisers)
    ]


def member_released(
    p: a.MemberReleased, visit: VisitInfo | None, now: datetime, holding: Holding | None = None
) -> list[NoticeDraft]:
    """A member who had accepted is no longer on the visit; one who holds its invitation gets a CANCEL."""
    calendar = withdrawal(holding, visit.sequence if visit else None)
    ctx = _visit_context(visit, p.window) | {"visit_id": p.visit_id, "reason": p.reason}
    ctx |= {"same_day": is_same_day(p.window.start if p.window else None, now), "calendar_withdrawn": bool(calendar)}
    recipient = Recipient.member(p.member_id)
    return [NoticeDraft.of(NoticeType.MEMBER_RELEASED, recipient, _visit(p.visit_id), ctx, calendar)]


def no_team_available(p: a.NoTeamAvailable, visit: VisitInfo | None, organisers: list[str]) -> list[NoticeDraft]:
    """The organisers hear that no eligible members were found."""
    ctx = _visit_context(visit) | {"visit_id": p.visit_id, "reason": p.reason}
    return [NoticeDraft.of(NoticeType.ORGANISER_NO_TEAM, r, _visit(p.visit_id), ctx) for r in _organisers(organisers)]


def visit_requested(p: b.VisitRequested) -> list[NoticeDraft]:
    """The school hears that its request arrived."""
    ctx = {
        "visit_id": p.visit_id,
        "school_name": p.school_name,
        "kind": p.kind,
        "pupils": p.pupils,
        "audience": p.audience_description,
        "windows": [{"start": w.start.isoformat(), "end": w.end.isoformat()} for w in p.windows],
    }
    return [NoticeDraft.of(NoticeType.VISIT_REQUEST_RECEIVED, Recipient.school(p.visit_id), _visit(p.visit_id), ctx)]


def calendar_for(p: b.VisitConfirmed) -> CalendarEvent:
    """The calendar invitation of a confirmed visit (booking's calendar.ics describes the same event)."""
    return visit_event(
        visit_id=p.visit_id,
        sequence=p.calendar_sequence,
        window=p.scheduled,
        kind=p.kind,
        language=p.language,
        school_name=p.school_name,
        school_address=p.school_address,
        team=p.team,
    )


def confirmed_context(p: b.VisitConfirmed) -> dict[str, Any]:
    """The context shared by the school's and the team's confirmation."""
    return {
        "visit_id": p.visit_id,
        "school_name": p.school_name,
        "school_address": p.school_address,
        "kind": p.kind,
        "start": p.scheduled.start.isoformat(),
        "end": p.scheduled.end.isoformat(),
        "team": [m.first_name for m in p.team if m.first_name],
    }


def visit_confirmed(
    p: b.VisitConfirmed, now: datetime, holdings: dict[Recipient, Holding] | None = None
) -> list[NoticeDraft]:
    """The school (with the team's first names) and every team member get the invitation, with booking's SEQUENCE
    (raised above a CANCEL the recipient holds, which only a member released and taken back can)."""
    calendar, held = calendar_for(p), holdings or {}
    ctx = confirmed_context(p) | {"same_day": is_same_day(p.scheduled.start, now)}
    subject = _visit(p.visit_id)
    to_school, team = Recipient.school(p.visit_id), [Recipient.member(m.member_id) for m in p.team]
    drafts = [NoticeDraft.of(NoticeType.VISIT_CONFIRMED_SCHOOL, to_school, subject, ctx)]
    drafts += [NoticeDraft.of(NoticeType.VISIT_CONFIRMED_MEMBER, r, subject, ctx) for r in team]
    return [replace(draft, calendar=reinvitation(held.get(draft.recipient), calendar)) for draft in drafts]


def visit_cancelled(
    p: b.VisitCancelled,
    visit: VisitInfo | None,
    organisers: list[str],
    now: datetime,
    school_holding: Holding | None = None,
) -> list[NoticeDraft]:
    """The school is told (with a CANCEL if it holds the invitation); late cancellations also go to the
    organisers. The team's CANCELs travel with their member_released notices."""
    ctx = _visit_context(visit, p.scheduled) | {
        "visit_id": p.visit_id,
        "reason": p.reason,
        "cancelled_by": p.cancelled_by,
        "was_confirmed": p.was_confirmed,
        "same_day": is_same_day(p.scheduled.start if p.scheduled else None, now),
    }
    calendar = withdrawal(school_holding, p.calendar_sequence)
    ctx["calendar_withdrawn"] = calendar is not None
    subject = _visit(p.visit_id)
    drafts = [NoticeDraft.of(NoticeType.VISIT_CANCELLED_SCHOOL, Recipient.school(p.visit_id), subject, ctx, calendar)]
    if p.late:
        drafts += [
            NoticeDraft.of(NoticeType.ORGANISER_LATE_CANCELLATION, r, subject, ctx) for r in _organisers(organisers)
        ]
    return drafts


def visit_rescheduled(p: b.VisitRescheduled, school_holding: Holding | None = None) -> list[NoticeDraft]:
    """The school hears that the new windows are registered; the time it held is withdrawn (CANCEL)."""
    calendar = withdrawal(school_holding, p.calendar_sequence)
    r = p.visit
    ctx = {
        "visit_id": p.visit_id,
        "school_name": r.school_name,
        "kind": r.kind,
        "start": p.scheduled.start.isoformat() if p.scheduled else None,
        "end": p.scheduled.end.isoformat() if p.scheduled else None,
        "windows": [{"start": w.start.isoformat(), "end": w.end.isoformat()} for w in p.windows],
        "calendar_withdrawn": calendar is not None,
    }
    school = Recipient.school(p.visit_id)
    return [NoticeDraft.of(NoticeType.VISIT_RESCHEDULED_SCHOOL, school, _visit(p.visit_id), ctx, calendar)]


def visit_unfulfilled(
    p: b.VisitUnfulfilled, visit: VisitInfo | None, school_holding: Holding | None = None
) -> list[NoticeDraft]:
    """The school hears that no team could be found; when the visit was confirmed (a member left and nobody
    replaced them), the time it held is withdrawn (CANCEL) if it holds the invitation."""
    calendar = withdrawal(school_holding, p.calendar_sequence)
    ctx = _visit_context(visit, p.scheduled) | {"visit_id": p.visit_id, "school_name": p.school_name}
    ctx |= {"reason": p.reason, "was_confirmed": p.scheduled is not None, "calendar_withdrawn": calendar is not None}
    school = Recipient.school(p.visit_id)
    return [NoticeDraft.of(NoticeType.VISIT_UNFULFILLED, school, _visit(p.visit_id), ctx, calendar)]


def _gathering_ctx(p: Any) -> dict[str, Any]:
    ctx = p.model_dump(mode="json", exclude={"member_id"})
    if "venue" in ctx:
        ctx["venue"] = f"{p.venue.name}, {p.venue.address}"
    return dict(ctx)


_GATHERING_TYPES: dict[type, NoticeType] = {
    t.InvitationIssued: NoticeType.GATHERING_INVITATION,
    t.InvitationReminder: NoticeType.GATHERING_INVITATION_REMINDER,
    t.RegistrationConfirmed: NoticeType.GATHERING_REGISTRATION_CONFIRMED,
    t.RegistrationWaitlisted: NoticeType.GATHERING_WAITLISTED,
    t.PlaceOffered: NoticeType.GATHERING_PLACE_OFFERED,
    t.PlaceOfferLapsed: NoticeType.GATHERING_PLACE_OFFER_LAPSED,
}

GatheringMemberEvent: TypeAlias = (
    t.InvitationIssued
    | t.InvitationReminder
    | t.RegistrationConfirmed
    | t.RegistrationWaitlisted
    | t.PlaceOffered
    | t.PlaceOfferLapsed
)


def gathering_notice(p: GatheringMemberEvent, title: str | None = None) -> list[NoticeDraft]:
    """A gathering event about one member becomes one notice for that member."""
    ctx = _gathering_ctx(p)
    ctx.setdefault("title", title)
    kind = _GATHERING_TYPES[type(p)]
    return [NoticeDraft.of(kind, Recipient.member(p.member_id), _gathering(p.gathering_id), ctx)]


def registration_confirmed(p: t.RegistrationConfirmed, holding: Holding | None = None) -> list[NoticeDraft]:
    """The member has a place: the confirmation carries the gathering's invitation (REQUEST)."""
    (draft,) = gathering_notice(p)
    calendar = gathering_event(
        gathering_id=p.gathering_id, sequence=renewed_sequence(holding), title=p.title, starts_at=p.starts_at,
        ends_at=p.ends_at, venue=f"{p.venue.name}, {p.venue.address}",
    )  # fmt: skip
    return [NoticeDraft.of(draft.notice_type, draft.recipient, draft.subject, draft.context, calendar)]


def registration_withdrawn(
    p: t.RegistrationWithdrawn, title: str | None, holding: Holding | None = None
) -> list[NoticeDraft]:
    """A member who withdraws from a place they hold is sent the invitation's withdrawal (nothing else is said to
    one who was only waiting)."""
    calendar = withdrawal(holding, None)
    if calendar is None:
        return []
    ctx = {"gathering_id": p.gathering_id, "title": title}
    recipient, subject = Recipient.member(p.member_id), _gathering(p.gathering_id)
    return [NoticeDraft.of(NoticeType.GATHERING_REGISTRATION_WITHDRAWN, recipient, subject, ctx, calendar)]


def gathering_cancelled(p: t.GatheringCancelled, holdings: dict[Recipient, Holding] | None = None) -> list[NoticeDraft]:
    """Every registered or waiting member hears that the gathering is cancelled; those holding its invitation get
    a CANCEL with it."""
    ctx = {"gathering_id": p.gathering_id, "title": p.title, "reason": p.reason}
    subject, held = _gathering(p.gathering_id), holdings or {}
    return [
        NoticeDraft.of(NoticeType.GATHERING_CANCELLED, r, subject, ctx, withdrawal(held.get(r), None))
        for r in (Recipient.member(m) for m in p.member_ids)
    ]
