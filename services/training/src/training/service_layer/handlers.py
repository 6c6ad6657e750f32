"""Training's registry: the roster read model from the ambassadors' member events, and its two timers."""

from typing import TypeAlias

from outreach_shared.contracts import ambassadors as a
from outreach_shared.skeleton import Registry
from outreach_shared.timers import Timer
from training.service_layer import invitations, registrations, roster, timer_keys
from training.service_layer.unit_of_work import TrainingUnit

MemberChange: TypeAlias = a.MemberRegistered | a.MemberUpdated | a.MemberDeactivated | a.MemberReactivated


async def on_member_changed(uow: TrainingUnit, event: MemberChange) -> None:
    """Keep the member's roster entry as the ambassadors service says."""
    await roster.record_member(uow, roster.from_snapshot(event.member))


async def on_member_erased(uow: TrainingUnit, event: a.MemberErased) -> None:
    """Forget the member, freeing any place they held."""
    await roster.erase_member(uow, event.member_id)


async def on_reminder_due(uow: TrainingUnit, timer: Timer) -> None:
    """Remind the members who have not answered an invitation."""
    await invitations.remind_unanswered(uow, str(timer.payload["gathering_id"]))


async def on_offer_expired(uow: TrainingUnit, timer: Timer) -> None:
    """A place offered and not taken in time goes to the next on the waiting list."""
    await registrations.lapse_offer(uow, str(timer.payload["gathering_id"]), str(timer.payload["registration_id"]))


REGISTRY = Registry[TrainingUnit](
    events={
        a.MemberRegistered: on_member_changed,
        a.MemberUpdated: on_member_changed,
        a.MemberDeactivated: on_member_changed,
        a.MemberReactivated: on_member_changed,
        a.MemberErased: on_member_erased,
    },
    timers={timer_keys.INVITATION_REMINDER: on_reminder_due, timer_keys.PLACE_OFFER_EXPIRY: on_offer_expired},
)
