"""Events published by the training service."""

from pydantic import AwareDatetime

from outreach_shared.contracts.common import Payload, Profession, Venue


class GatheringPublished(Payload):
    """An annual gathering is open for invitations."""

    gathering_id: str
    title: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    venue: Venue
    region: list[str]
    audience: list[Profession]
    capacity: int
    registration_opens: AwareDatetime
    registration_closes: AwareDatetime
    withdrawal_deadline: AwareDatetime


class GatheringCancelled(Payload):
    """A gathering was cancelled; every registered or waiting member is told."""

    gathering_id: str
    title: str
    reason: str
    member_ids: list[str]


class GatheringCompleted(Payload):
    """The gathering took place: the members checked in are trained this year."""

    gathering_id: str
    year: int
    trained_member_ids: list[str]


class InvitationIssued(Payload):
    """A member is invited to a gathering."""

    gathering_id: str
    member_id: str
    title: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    venue: Venue
    registration_closes: AwareDatetime


class InvitationReminder(Payload):
    """An invited member has not answered; registration closes soon."""

    gathering_id: str
    member_id: str
    title: str
    registration_closes: AwareDatetime


class RegistrationConfirmed(Payload):
    """A member has a place at the gathering."""

    gathering_id: str
    member_id: str
    title: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    venue: Venue


class RegistrationWaitlisted(Payload):
    """The gathering is full: the member is on the waiting list."""

    gathering_id: str
    member_id: str
    title: str
    position: int


class RegistrationWithdrawn(Payload):
    """A member withdrew their registration."""

    gathering_id: str
    member_id: str


class PlaceOffered(Payload):
    """A freed place is offered to the first on the waiting list until `expires_at`."""

    gathering_id: str
    member_id: str
    title: str
    expires_at: AwareDatetime


class PlaceOfferLapsed(Payload):
    """The waiting member did not accept the place in time."""

    gathering_id: str
    member_id: str


class AttendanceRecorded(Payload):
    """A member checked in at the gathering."""

    gathering_id: str
    member_id: str
