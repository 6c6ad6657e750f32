"""The school's feedback link (booking signs it; notify only mails it): its context, the notices that carry it."""

from typing import Any, TypeAlias

from notify.domain.notices import NoticeDraft, NoticeType, Recipient
from outreach_shared.contracts import booking as b

FeedbackEvent: TypeAlias = b.VisitFeedbackRequested | b.VisitFeedbackReminderDue


def link_context(p: FeedbackEvent) -> dict[str, Any]:
    """What a template needs to show the link: `{app_url}/feedback/{feedback_token}`, valid until `feedback_until`."""
    return {"feedback_token": p.token, "feedback_until": p.expires_at.isoformat()}


def _context(p: FeedbackEvent) -> dict[str, Any]:
    window = {"start": p.scheduled.start.isoformat(), "end": p.scheduled.end.isoformat()}
    return {"visit_id": p.visit_id, "school_name": p.school_name, **window, **link_context(p)}


def feedback_request(p: b.VisitFeedbackRequested) -> list[NoticeDraft]:
    """The link, on its own: for a school whose thank-you went out before the visit was reported."""
    school = Recipient.school(p.visit_id)
    return [NoticeDraft.of(NoticeType.VISIT_FEEDBACK_REQUEST, school, f"visit:{p.visit_id}", _context(p))]


def feedback_reminder(p: b.VisitFeedbackReminderDue) -> list[NoticeDraft]:
    """A week later, unanswered: the same link again."""
    school = Recipient.school(p.visit_id)
    return [NoticeDraft.of(NoticeType.VISIT_FEEDBACK_REMINDER, school, f"visit:{p.visit_id}", _context(p))]
