"""Events published by the notify service."""

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
