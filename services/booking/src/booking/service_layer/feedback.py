"""Feedback without signing in: the link mailed when a visit is completed, what it shows, the school's answer, and
the reminder a week later when it has not answered."""

from booking.domain.feedback import FeedbackLink, FeedbackView
from booking.domain.model import Visit
from booking.service_layer.unit_of_work import BookingUnit, save
from outreach_shared.contracts.booking import VisitFeedbackReminderDue, VisitFeedbackRequested
from outreach_shared.errors import NotFound
from outreach_shared.logging import get_logger
from outreach_shared.timers import Timer

log = get_logger(__name__)


def link_of(uow: BookingUnit, visit: Visit) -> FeedbackLink:
    """The completed visit's feedback link (the same every time: signed from the visit and its completion)."""
    if visit.report is None:
        raise ValueError(f"visit {visit.id} is not completed")
    return uow.feedback.link(visit.id, visit.report.at)


async def request_feedback(uow: BookingUnit, visit: Visit) -> None:
    """The visit was completed: its school gets the link (in the thank-you mail), and a reminder is set; not for a
    visit the school rated already (signed in, once it had ended)."""
    if visit.rating is not None:
        return
    link = link_of(uow, visit)
    assert visit.scheduled is not None and visit.report is not None  # a completed visit has both
    event = VisitFeedbackRequested(visit_id=visit.id, token=link.token, expires_at=link.expires_at,
                                   school_name=visit.school.name, scheduled=visit.scheduled)  # fmt: skip
    await uow.emit(event, key=visit.id)
    await uow.feedback_reminders.schedule(visit.id, visit.report.at + uow.feedback.remind_after)


async def _visit_of(uow: BookingUnit, token: str, *, for_update: bool = False) -> FeedbackView:
    link = uow.feedback.read(token, now=uow.now)
    visit = await uow.visits.get(link.visit_id, for_update=for_update)
    if visit is None or visit.report is None or link_of(uow, visit).token != token:
        raise NotFound("no such feedback link (it may be mistyped or cut short)")
    return FeedbackView(visit, link)


async def open_link(uow: BookingUnit, token: str) -> FeedbackView:
    """What the link rates; 404 for a link that is not genuine, 410 once it expired."""
    return await _visit_of(uow, token)


async def answer(uow: BookingUnit, token: str, *, score: int, comment: str | None) -> FeedbackView:
    """The school's rating through the link: once (a second answer is a conflict); no reminder follows."""
    view = await _visit_of(uow, token, for_update=True)
    view.visit.rate(score=score, comment=comment, now=uow.now)
    await save(uow, view.visit)
    await uow.feedback_reminders.cancel(view.visit.id)
    return view


async def on_feedback_reminder(uow: BookingUnit, timer: Timer) -> None:
    """A week after completion: remind the school of the link, unless it answered or the link expired."""
    visit = await uow.visits.get(timer.key)
    if visit is None or visit.report is None or visit.rating is not None or visit.scheduled is None:
        log.info("feedback reminder not needed", visit_id=timer.key)
        return
    link = link_of(uow, visit)
    if uow.now >= link.expires_at:
        return
    event = VisitFeedbackReminderDue(visit_id=visit.id, token=link.token, expires_at=link.expires_at,
                                     school_name=visit.school.name, scheduled=visit.scheduled)  # fmt: skip
    await uow.emit(event, key=visit.id)
