"""Events published by the notify service."""

from datetime import datetime

from outreach_shared.contracts.common import Payload


class NotificationDelivered(Payload):
    """A notice reached its channel's provider."""

    notification_id: str
    notice_type: str
    channel: str
    attempts: int


class NotificationFailed(Payload):
    """A notice could not be delivered after its last attempt."""

    notification_id: str
    notice_type: str
    channel: str
    attempts: int
    reason: str


class CalendarFeedRotated(Payload):
    """An owner (`member:ID`, `school:ORGNR` or `organiser:SUBJECT`) gave their calendar feed a new secret (created
    it, or replaced the old one, which stopped working). The secret never travels."""

    owner: str
    rotated_at: datetime


class CalendarFeedRevoked(Payload):
    """An owner revoked their calendar feed: its secret stopped working."""

    owner: str
    revoked_at: datetime
