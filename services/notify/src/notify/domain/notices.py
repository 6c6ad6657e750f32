"""Notice types, recipients and the notice drafts that events turn into."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from outreach_shared.calendar import CalendarEvent

RecipientKind = Literal["member", "school", "organiser", "address"]


class NoticeType(StrEnum):
    """Every kind of notice notify sends; each has a template in every language."""

    VISIT_OFFERED = "visit_offered"
    OFFER_EXPIRED = "offer_expired"
    OFFER_WITHDRAWN = "offer_withdrawn"
    MEMBER_RELEASED = "member_released"
    VISIT_CONFIRMED_MEMBER = "visit_confirmed_member"
    VISIT_REMINDER_MEMBER = "visit_reminder_member"
    GATHERING_INVITATION = "gathering_invitation"
    GATHERING_INVITATION_REMINDER = "gathering_invitation_reminder"
    GATHERING_REGISTRATION_CONFIRMED = "gathering_registration_confirmed"
    GATHERING_WAITLISTED = "gathering_waitlisted"
    GATHERING_PLACE_OFFERED = "gathering_place_offered"
    GATHERING_PLACE_OFFER_LAPSED = "gathering_place_offer_lapsed"
    GATHERING_REMINDER = "gathering_reminder"
    GATHERING_CANCELLED = "gathering_cancelled"
    GATHERING_REGISTRATION_WITHDRAWN = "gathering_registration_withdrawn"
    VISIT_REQUEST_RECEIVED = "visit_request_received"
    VISIT_CONFIRMED_SCHOOL = "visit_confirmed_school"
    VISIT_UNFULFILLED = "visit_unfulfilled"
    VISIT_CANCELLED_SCHOOL = "visit_cancelled_school"
    VISIT_RESCHEDULED_SCHOOL = "visit_rescheduled_school"
    VISIT_REMINDER_SCHOOL = "visit_reminder_school"
    VISIT_THANK_YOU = "visit_thank_you"
    VISIT_FEEDBACK_REQUEST = "visit_feedback_request"
    VISIT_FEEDBACK_REMINDER = "visit_feedback_reminder"
    ORGANISER_NO_TEAM = "organiser_no_team"
    ORGANISER_LATE_CANCELLATION = "organiser_late_cancellation"
    ORGANISER_LATE_WITHDRAWAL = "organiser_late_withdrawal"
    ORGANISER_DIGEST = "organiser_digest"
    CALENDAR_FEED_CHANGED = "calendar_feed_changed"
    SIGN_IN_LINK = "sign_in_link"


URGENT = frozenset(
    {
        NoticeType.MEMBER_RELEASED,
        NoticeType.VISIT_CANCELLED_SCHOOL,
        NoticeType.GATHERING_PLACE_OFFERED,
        NoticeType.GATHERING_CANCELLED,
        NoticeType.ORGANISER_LATE_CANCELLATION,
        NoticeType.ORGANISER_LATE_WITHDRAWAL,
    }
)
"""Cancellations, same-day changes and time-limited offers: no quiet hours, SMS fall-back."""

SCHOOL_NOTICES = frozenset(
    {
        NoticeType.VISIT_REQUEST_RECEIVED,
        NoticeType.VISIT_CONFIRMED_SCHOOL,
        NoticeType.VISIT_UNFULFILLED,
        NoticeType.VISIT_CANCELLED_SCHOOL,
        NoticeType.VISIT_RESCHEDULED_SCHOOL,
        NoticeType.VISIT_REMINDER_SCHOOL,
        NoticeType.VISIT_THANK_YOU,
        NoticeType.VISIT_FEEDBACK_REQUEST,
        NoticeType.VISIT_FEEDBACK_REMINDER,
    }
)
ORGANISER_NOTICES = frozenset(
    {
        NoticeType.ORGANISER_NO_TEAM,
        NoticeType.ORGANISER_LATE_CANCELLATION,
        NoticeType.ORGANISER_LATE_WITHDRAWAL,
        NoticeType.ORGANISER_DIGEST,
    }
)


SECRET_NOTICES = frozenset({NoticeType.SIGN_IN_LINK})
"""Notices whose context holds a secret (a sign-in link): cleared once delivered or failed, never cached."""


def audience(notice_type: NoticeType) -> RecipientKind:
    """Who a notice type is written for (it decides the mail's footer)."""
    if notice_type is NoticeType.SIGN_IN_LINK:
        return "address"
    if notice_type in SCHOOL_NOTICES:
        return "school"
    return "organiser" if notice_type in ORGANISER_NOTICES else "member"


REMINDERS = frozenset(
    {
        NoticeType.VISIT_REMINDER_MEMBER,
        NoticeType.VISIT_REMINDER_SCHOOL,
        NoticeType.VISIT_THANK_YOU,
        NoticeType.GATHERING_REMINDER,
    }
)
"""Notices sent by durable timers; withdrawn when their visit or gathering is called off."""


@dataclass(frozen=True)
class Recipient:
    """Who a notice is for: a member, a visit's school contact, an organiser (by address), or an e-mail address
    as someone typed it (a sign-in link: notify knows nothing else of them)."""

    kind: RecipientKind
    ref: str

    @property
    def key(self) -> str:
        """The stable recipient key, e.g. `member:m-1`, `school:v-1`, `organiser:ola@ks.no`."""
        return f"{self.kind}:{self.ref}"

    @classmethod
    def parse(cls, key: str) -> "Recipient":
        """The recipient of a key; raises ValueError for an unknown kind."""
        kind, _, ref = key.partition(":")
        if kind not in ("member", "school", "organiser", "address") or not ref:
            raise ValueError(f"not a recipient key: {key!r}")
        return cls(kind, ref)  # type: ignore[arg-type]

    @classmethod
    def of_query(cls, value: str) -> "Recipient":
        """The recipient an organiser asks about: a key, or a member's bare id (a UUID) meaning that member."""
        try:
            return cls.member(str(UUID(value))) if ":" not in value else cls.parse(value)
        except ValueError:
            raise ValueError(f"not a recipient key or member id: {value!r}") from None

    @classmethod
    def member(cls, member_id: str) -> "Recipient":
        """A member of the roster."""
        return cls("member", member_id)

    @classmethod
    def address(cls, email: str) -> "Recipient":
        """Whoever reads this address (a sign-in link's)."""
        return cls("address", email)

    @classmethod
    def school(cls, visit_id: str) -> "Recipient":
        """The school contact person of a visit."""
        return cls("school", visit_id)


def is_urgent(notice_type: NoticeType, context: dict[str, Any] | None = None) -> bool:
    """Urgent by type, or by a change on the same day (`same_day` in the context)."""
    return notice_type in URGENT or bool((context or {}).get("same_day"))


@dataclass(frozen=True)
class NoticeDraft:
    """One notice for one recipient, before channels are chosen and before rendering."""

    notice_type: NoticeType
    recipient: Recipient
    context: dict[str, Any]
    subject: str
    """The visit or gathering it concerns (`visit:ID`, `gathering:ID`), so it can be withdrawn."""
    calendar: CalendarEvent | None = None
    """The invitation (REQUEST) or its withdrawal (CANCEL) to attach: the kit's calendar module writes it."""
    urgent: bool = field(default=False)

    @classmethod
    def of(
        cls,
        notice_type: NoticeType,
        recipient: Recipient,
        subject: str,
        context: dict[str, Any],
        calendar: CalendarEvent | None = None,
    ) -> "NoticeDraft":
        """A draft whose urgency follows from its type and context."""
        return cls(notice_type, recipient, context, subject, calendar, is_urgent(notice_type, context))
