"""The school's feedback link: in the thank-you mail when that is still to come, else in a mail of its own; and
the reminder booking asks for a week later."""

from notify.domain import feedback
from notify.domain import reminders as r
from notify.domain.notices import NoticeType
from notify.service_layer.planning import plan_with_the_batch as notify
from notify.service_layer.unit_of_work import NotifyUnit
from outreach_shared.contracts import booking as b


async def on_feedback_requested(uow: NotifyUnit, p: b.VisitFeedbackRequested) -> None:
    """The visit was reported: its pending thank-you carries the link and goes out when the visit has ended (not
    later: the report says it is over); a school thanked already gets the link in a mail of its own."""
    due = max(uow.now, p.scheduled.end)
    attached = await uow.timers.add_to_pending(
        r.VISIT_REMINDER, f"{r.visit_prefix(p.visit_id)}school:after-", NoticeType.VISIT_THANK_YOU.value,
        feedback.link_context(p), due,
    )  # fmt: skip
    if not attached:
        await notify(uow, feedback.feedback_request(p))


async def on_feedback_reminder_due(uow: NotifyUnit, p: b.VisitFeedbackReminderDue) -> None:
    """The school has not answered in a week: remind it, with the same link."""
    await notify(uow, feedback.feedback_reminder(p))
