"""The organisers' daily digest of dead letters and failed deliveries, driven by a durable timer."""

from datetime import date, datetime, time, timedelta
from uuid import NAMESPACE_URL, uuid5

from notify.domain.channels import OSLO
from notify.domain.notices import NoticeDraft, NoticeType, Recipient
from notify.domain.reminders import DIGEST
from notify.service_layer.planning import plan
from notify.service_layer.unit_of_work import NotifyUnit
from outreach_shared.timers import Timer


def next_digest_at(now: datetime, at: time) -> datetime:
    """The next time of day `at` (Europe/Oslo) after `now`."""
    local = now.astimezone(OSLO)
    candidate = datetime.combine(local.date(), at, tzinfo=OSLO)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=OSLO)
    return candidate


def _key(day: date) -> str:
    return f"digest:{day.isoformat()}"


async def ensure_scheduled(uow: NotifyUnit) -> None:
    """Make sure a digest is pending (idempotent: one timer per day, never moved once set)."""
    due = next_digest_at(uow.now, uow.config.digest_at)
    await uow.timers.ensure_digest(_key(due.date()), due)


async def send_digest(uow: NotifyUnit, timer: Timer) -> None:
    """List what went wrong since the last digest to every organiser, then set tomorrow's digest."""
    letters = await uow.dead_letters.take_for_digest()
    failed = await uow.deliveries.take_failed_for_digest()
    if letters or failed:
        day = timer.due_at.astimezone(OSLO).date().isoformat()
        ctx = {"day": day, "dead_letters": letters, "failed": failed}
        drafts = [
            NoticeDraft.of(NoticeType.ORGANISER_DIGEST, Recipient("organiser", o), "digest", ctx)
            for o in uow.config.organisers
        ]
        event_id = uuid5(NAMESPACE_URL, f"notify:{timer.kind}:{timer.key}")
        await plan(uow, drafts, event_id=event_id, correlation_id=f"timer:{timer.key}")
    following = next_digest_at(max(timer.due_at, uow.now), uow.config.digest_at)
    if _key(following.date()) == timer.key:  # fired ahead of its day (by hand): the next is the day after
        following = next_digest_at(following, uow.config.digest_at)
    await uow.timers.schedule(DIGEST, _key(following.date()), following)
