"""The catalogue: every event type, its schema version, topic, producer and payload model."""

import builtins
from dataclasses import dataclass

from pydantic import BaseModel

from outreach_shared.contracts import ambassadors as a
from outreach_shared.contracts import booking as b
from outreach_shared.contracts import notify as n
from outreach_shared.contracts import portal as p
from outreach_shared.contracts import training as t
from outreach_shared.contracts.topics import Topics


@dataclass(frozen=True)
class EventSpec:
    """One event type as it appears on the wire."""

    type: str
    version: int
    topic: str
    producer: str
    model: builtins.type[BaseModel]

    @property
    def description(self) -> str:
        """The payload model's docstring."""
        return (self.model.__doc__ or "").strip()


def _spec(type_: str, topic: str, producer: str, model: type[BaseModel], version: int = 1) -> EventSpec:
    return EventSpec(type=type_, version=version, topic=topic, producer=producer, model=model)


_SPECS = (
    _spec("visit.requested", Topics.VISITS, "booking", b.VisitRequested),
    _spec("visit.cancelled", Topics.VISITS, "booking", b.VisitCancelled),
    _spec("visit.rescheduled", Topics.VISITS, "booking", b.VisitRescheduled),
    _spec("visit.confirmed", Topics.VISITS, "booking", b.VisitConfirmed),
    _spec("visit.unfulfilled", Topics.VISITS, "booking", b.VisitUnfulfilled),
    _spec("visit.completed", Topics.VISITS, "booking", b.VisitCompleted),
    _spec("visit.team-release-requested", Topics.VISITS, "booking", b.TeamReleaseRequested),
    _spec("visit.feedback-requested", Topics.VISITS, "booking", b.VisitFeedbackRequested),
    _spec("visit.feedback-reminder-due", Topics.VISITS, "booking", b.VisitFeedbackReminderDue),
    _spec("visit.feedback-given", Topics.VISITS, "booking", b.VisitFeedbackGiven),
    _spec("visit-contact.shared", Topics.VISIT_CONTACTS, "booking", b.VisitContactShared),
    _spec("visit-contact.erased", Topics.VISIT_CONTACTS, "booking", b.VisitContactErased),
    _spec("member.registered", Topics.MEMBERS, "ambassadors", a.MemberRegistered),
    _spec("member.updated", Topics.MEMBERS, "ambassadors", a.MemberUpdated),
    _spec("member.deactivated", Topics.MEMBERS, "ambassadors", a.MemberDeactivated),
    _spec("member.reactivated", Topics.MEMBERS, "ambassadors", a.MemberReactivated),
    _spec("member.erased", Topics.MEMBERS, "ambassadors", a.MemberErased),
    _spec("offer.made", Topics.OFFERS, "ambassadors", a.OfferMade),
    _spec("offer.accepted", Topics.OFFERS, "ambassadors", a.OfferAccepted),
    _spec("offer.declined", Topics.OFFERS, "ambassadors", a.OfferDeclined),
    _spec("offer.expired", Topics.OFFERS, "ambassadors", a.OfferExpired),
    _spec("offer.withdrawn", Topics.OFFERS, "ambassadors", a.OfferWithdrawn),
    _spec("team.confirmed", Topics.OFFERS, "ambassadors", a.TeamConfirmed),
    _spec("team.changed", Topics.OFFERS, "ambassadors", a.TeamChanged),
    _spec("team.none-available", Topics.OFFERS, "ambassadors", a.NoTeamAvailable),
    _spec("team.member-released", Topics.OFFERS, "ambassadors", a.MemberReleased),
    _spec("gathering.published", Topics.GATHERINGS, "training", t.GatheringPublished),
    _spec("gathering.cancelled", Topics.GATHERINGS, "training", t.GatheringCancelled),
    _spec("gathering.completed", Topics.GATHERINGS, "training", t.GatheringCompleted),
    _spec("gathering.invitation-issued", Topics.GATHERINGS, "training", t.InvitationIssued),
    _spec("gathering.invitation-reminder", Topics.GATHERINGS, "training", t.InvitationReminder),
    _spec("gathering.registration-confirmed", Topics.GATHERINGS, "training", t.RegistrationConfirmed),
    _spec("gathering.registration-waitlisted", Topics.GATHERINGS, "training", t.RegistrationWaitlisted),
    _spec("gathering.registration-withdrawn", Topics.GATHERINGS, "training", t.RegistrationWithdrawn),
    _spec("gathering.place-offered", Topics.GATHERINGS, "training", t.PlaceOffered),
    _spec("gathering.place-offer-lapsed", Topics.GATHERINGS, "training", t.PlaceOfferLapsed),
    _spec("gathering.attendance-recorded", Topics.GATHERINGS, "training", t.AttendanceRecorded),
    _spec("notification.delivered", Topics.NOTIFICATIONS, "notify", n.NotificationDelivered),
    _spec("notification.failed", Topics.NOTIFICATIONS, "notify", n.NotificationFailed),
    _spec("calendar-feed.rotated", Topics.NOTIFICATIONS, "notify", n.CalendarFeedRotated),
    _spec("calendar-feed.revoked", Topics.NOTIFICATIONS, "notify", n.CalendarFeedRevoked),
    _spec("sign-in.link-requested", Topics.SIGN_IN, "portal", p.SignInLinkRequested),
)

CATALOGUE: dict[str, EventSpec] = {spec.type: spec for spec in _SPECS}
_BY_MODEL: dict[type[BaseModel], EventSpec] = {spec.model: spec for spec in _SPECS}


class UnknownEventType(LookupError):
    """The event type is not in the catalogue."""


def spec_for(event_type: str) -> EventSpec:
    """The spec of an event type; raises UnknownEventType."""
    try:
        return CATALOGUE[event_type]
    except KeyError:
        raise UnknownEventType(f"unknown event type {event_type!r}") from None


def spec_for_model(model: type[BaseModel]) -> EventSpec:
    """The spec of a payload model; raises UnknownEventType."""
    try:
        return _BY_MODEL[model]
    except KeyError:
        raise UnknownEventType(f"{model.__name__} is not a catalogued event") from None
