"""Erasure: a recipient's addresses, phone numbers and rendered bodies go; anonymous counts stay."""

from notify.domain.notices import Recipient
from notify.service_layer.unit_of_work import NotifyUnit


async def erase(uow: NotifyUnit, recipient: Recipient) -> None:
    """Fold the recipient's deliveries into anonymous counts, then delete everything that names them.

    Waits for notices being planned for the recipient in other transactions (they are deleted too) and holds new
    ones off until the erasure is committed (they then see the recipient as erased).
    """
    await uow.read_models.lock_recipients([recipient], exclusive=True)
    await uow.deliveries.erase(recipient)  # its notices, deliveries and inbox items
    await uow.holdings.erase(recipient)
    await uow.feeds.delete(recipient.key)  # a member's feed (a school's is the orgnr's, not its contact's)
    if recipient.kind == "member":
        await uow.timers.cancel_for(recipient)
    await uow.read_models.erase(recipient)


async def wake(uow: NotifyUnit, recipient: Recipient) -> None:
    """A recipient's contact arrived: deliveries held for it are due at once."""
    await uow.deliveries.wake_waiting(recipient)
