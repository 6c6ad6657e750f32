"""Organiser use cases: schedule, revise, publish, cancel and complete gatherings, and see them with counts."""

from dataclasses import replace
from typing import Any

from outreach_shared.errors import Forbidden
from outreach_shared.regions import NATIONAL, Region
from training.domain import notices
from training.domain.errors import GatheringNotFound
from training.domain.gathering import Counts, Gathering, GatheringStatus, GatheringView
from training.domain.registration import ACTIVE
from training.domain.schedule import Schedule
from training.service_layer import timer_keys
from training.service_layer.invitations import invite_everyone_eligible
from training.service_layer.places import check_places
from training.service_layer.unit_of_work import TrainingUnit

SCHEDULE_FIELDS = frozenset(Schedule.__dataclass_fields__)


async def organisers(uow: TrainingUnit, gathering_id: str, region: Region, *, lock: bool = False) -> Gathering:
    """The gathering if an organiser of `region` runs it; 404 otherwise, as for one that does not exist."""
    g = await uow.gatherings.get(gathering_id, lock=lock)
    if not g.within(region):
        raise GatheringNotFound(f"no gathering {gathering_id!r}")
    return g


async def create(uow: TrainingUnit, g: Gathering, *, region: Region = NATIONAL) -> GatheringView:
    """Save a new draft once its places and dates make sense (403 for one outside the organiser's region)."""
    if not g.within(region):
        raise Forbidden(f"the gathering's venue and counties are outside this organiser's region ({region.describe()})")
    check_places(g)
    g.check(now=uow.now, rules=uow.time_rules)
    await uow.gatherings.add(g)
    return GatheringView(g)


async def revise(
    uow: TrainingUnit, gathering_id: str, changes: dict[str, Any], *, region: Region = NATIONAL
) -> GatheringView:
    """Change a draft; the whole result is checked again (and stays in the organiser's region)."""
    g = await organisers(uow, gathering_id, region, lock=True)
    schedule = replace(g.schedule, **{k: v for k, v in changes.items() if k in SCHEDULE_FIELDS})
    others = {k: v for k, v in changes.items() if k not in SCHEDULE_FIELDS}
    revised = g.revise(schedule=schedule, **others)
    if not revised.within(region):
        raise Forbidden(f"the gathering would move outside this organiser's region ({region.describe()})")
    check_places(revised)
    revised.check(now=uow.now, rules=uow.time_rules)
    await uow.gatherings.save(revised)
    return await _view(uow, revised)


async def publish(uow: TrainingUnit, gathering_id: str, *, region: Region = NATIONAL) -> GatheringView:
    """Publish the draft, invite every eligible member and set the reminder."""
    g = (await organisers(uow, gathering_id, region, lock=True)).publish(now=uow.now)
    await uow.gatherings.save(g)
    await uow.emit(notices.published(g), key=g.id)
    await invite_everyone_eligible(uow, g)
    if g.reminder_due_at > uow.now:
        await uow.timers.schedule(timer_keys.INVITATION_REMINDER, timer_keys.reminder_key(g.id), g.reminder_due_at,
                                  {"gathering_id": g.id})  # fmt: skip
    return await _view(uow, g)


async def cancel(uow: TrainingUnit, gathering_id: str, reason: str, *, region: Region = NATIONAL) -> GatheringView:
    """Cancel the gathering; if it was published, every registered or waiting member is told."""
    g = await organisers(uow, gathering_id, region, lock=True)
    cancelled = g.cancel(reason)
    await uow.gatherings.save(cancelled)
    if g.status == GatheringStatus.PUBLISHED:
        member_ids = await uow.registrations.member_ids(g.id, ACTIVE)
        await uow.timers.cancel_matching(timer_keys.gathering_prefix(g.id))
        await uow.emit(notices.cancelled(cancelled, member_ids), key=g.id)
    return await _view(uow, cancelled)


async def complete(uow: TrainingUnit, gathering_id: str, *, region: Region = NATIONAL) -> GatheringView:
    """Complete the gathering: everyone checked in is trained this year and gets a proof of training."""
    g = (await organisers(uow, gathering_id, region, lock=True)).complete(now=uow.now)
    await uow.gatherings.save(g)
    trained = await uow.registrations.checked_in_ids(g.id)
    await uow.registrations.issue_certificates(g.id)
    await uow.timers.cancel_matching(timer_keys.gathering_prefix(g.id))
    await uow.emit(notices.completed(g, trained), key=g.id)
    return await _view(uow, g)


async def get(uow: TrainingUnit, gathering_id: str, *, region: Region = NATIONAL) -> GatheringView:
    """A gathering with its counts."""
    return await _view(uow, await organisers(uow, gathering_id, region))


async def list_all(
    uow: TrainingUnit, *, status: GatheringStatus | None = None, region: Region = NATIONAL
) -> list[GatheringView]:
    """Every gathering the organiser's region runs, with its counts, soonest first."""
    gatherings = [g for g in await uow.gatherings.list_all(status=status) if g.within(region)]
    counts = await uow.gatherings.counts([g.id for g in gatherings])
    return [GatheringView(g, counts[g.id]) if g.id in counts else GatheringView(g) for g in gatherings]


async def page(
    uow: TrainingUnit, *, status: GatheringStatus | None, region: Region, after: str | None, limit: int
) -> list[GatheringView]:
    """A page of the region's gatherings with their counts, newest first, after the gathering `after`."""
    gatherings = await uow.gatherings.page(status=status, region=region, after=after, limit=limit)
    gatherings = [g for g in gatherings if g.within(region)]
    counts = await uow.gatherings.counts([g.id for g in gatherings])
    return [GatheringView(g, counts.get(g.id, Counts())) for g in gatherings]


async def _view(uow: TrainingUnit, g: Gathering) -> GatheringView:
    """The gathering with its counts as they stand in this transaction."""
    counts = await uow.gatherings.counts([g.id])
    return GatheringView(g, counts[g.id]) if g.id in counts else GatheringView(g)
