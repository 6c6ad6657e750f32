"""The events a gathering publishes, carrying what notify needs to tell the member."""

from collections.abc import Iterable
from datetime import datetime

from outreach_shared.contracts import training as t
from training.domain.gathering import Gathering


def published(g: Gathering) -> t.GatheringPublished:
    """The gathering is open for invitations."""
    s = g.schedule
    return t.GatheringPublished(
        gathering_id=g.id,
        title=g.title,
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        venue=g.venue,
        region=list(g.region),
        audience=list(g.audience),
        capacity=g.capacity,
        registration_opens=s.registration_opens,
        registration_closes=s.registration_closes,
        withdrawal_deadline=s.withdrawal_deadline,
    )


def invitation(g: Gathering, member_id: str) -> t.InvitationIssued:
    """The member is invited."""
    s = g.schedule
    return t.InvitationIssued(
        gathering_id=g.id,
        member_id=member_id,
        title=g.title,
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        venue=g.venue,
        registration_closes=s.registration_closes,
    )


def reminder(g: Gathering, member_id: str) -> t.InvitationReminder:
    """The member has not answered and registration closes soon."""
    return t.InvitationReminder(
        gathering_id=g.id,
        member_id=member_id,
        title=g.title,
        registration_closes=g.schedule.registration_closes,
    )


def confirmed(g: Gathering, member_id: str) -> t.RegistrationConfirmed:
    """The member has a place."""
    s = g.schedule
    return t.RegistrationConfirmed(
        gathering_id=g.id,
        member_id=member_id,
        title=g.title,
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        venue=g.venue,
    )


def waitlisted(g: Gathering, member_id: str, position: int) -> t.RegistrationWaitlisted:
    """The member waits for a place."""
    return t.RegistrationWaitlisted(gathering_id=g.id, member_id=member_id, title=g.title, position=position)


def place_offered(g: Gathering, member_id: str, expires_at: datetime) -> t.PlaceOffered:
    """A freed place is offered to the member."""
    return t.PlaceOffered(gathering_id=g.id, member_id=member_id, title=g.title, expires_at=expires_at)


def cancelled(g: Gathering, member_ids: Iterable[str]) -> t.GatheringCancelled:
    """The gathering is cancelled; these members are told."""
    return t.GatheringCancelled(
        gathering_id=g.id, title=g.title, reason=g.cancel_reason or "", member_ids=sorted(member_ids)
    )


def completed(g: Gathering, member_ids: Iterable[str]) -> t.GatheringCompleted:
    """The members checked in are trained this year."""
    return t.GatheringCompleted(gathering_id=g.id, year=g.year, trained_member_ids=sorted(member_ids))
