"""Personal calendar feeds: their owners rotate and revoke them; calendar apps read them by their secret."""

import secrets

from notify.domain.feeds import CANCELLED_KEPT, Feed, FeedInfo, FeedOwner, changed_notice, feed, secret_hash
from notify.service_layer.planning import plan
from notify.service_layer.unit_of_work import NotifyUnit
from outreach_shared.contracts.notify import CalendarFeedRevoked, CalendarFeedRotated
from outreach_shared.errors import NotFound

SECRET_BYTES = 32
"""Random bytes in a secret (43 url-safe characters)."""


async def rotate(uow: NotifyUnit, owner: FeedOwner) -> tuple[str, FeedInfo]:
    """A new secret for the owner's feed (creating it); the old one stops working. The secret is returned only
    here, and stored only hashed."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    info = await uow.feeds.rotate(owner, secret_hash(secret), at=uow.now)
    rotated = await uow.emit(CalendarFeedRotated(owner=owner.key, rotated_at=uow.now), key=owner.key)
    await plan(uow, changed_notice(owner, revoked=False), event_id=rotated.event_id,
               correlation_id=uow.correlation_id)  # fmt: skip
    return secret, info


async def describe(uow: NotifyUnit, owner: FeedOwner) -> FeedInfo | None:
    """The owner's feed, if they have one (never its secret)."""
    return await uow.feeds.get(owner)


async def revoke(uow: NotifyUnit, owner: FeedOwner) -> None:
    """Revoke the owner's feed at once (nothing to do if they have none)."""
    if await uow.feeds.delete(owner.key):
        revoked = await uow.emit(CalendarFeedRevoked(owner=owner.key, revoked_at=uow.now), key=owner.key)
        await plan(uow, changed_notice(owner, revoked=True), event_id=revoked.event_id,
                   correlation_id=uow.correlation_id)  # fmt: skip


async def read(uow: NotifyUnit, secret: str) -> Feed:
    """The feed a secret opens (404 for an unknown or revoked one, the same answer for both)."""
    found = await uow.feeds.entries(secret_hash(secret), since=uow.now - 2 * CANCELLED_KEPT)
    if found is None:
        raise NotFound("no such calendar feed")
    created_at, entries = found
    return feed(created_at, entries, uow.now)
