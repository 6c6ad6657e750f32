"""Rotating the signing key: a successor published now that signs after the policy's lead; every older key stops
signing when it starts, and leaves the JWKS once the last token it signed has expired."""

from outreach_shared.signing import ACCESS_TOKEN_TTL
from portal.domain import keys
from portal.domain.keys import KeyRecord
from portal.domain.rotation import rotation_due
from portal.service_layer import trail
from portal.service_layer.keys import ensure_a_signer
from portal.service_layer.unit_of_work import PortalUnit


async def rotate(uow: PortalUnit, *, actor: str, from_address: str | None = None) -> KeyRecord:
    """Publish a successor key now; it signs from `now + publish_ahead` (one rotation at a time across instances)."""
    await ensure_a_signer(uow)
    await uow.keys.lock()
    successor = keys.next_key(uow.now, uow.key_policy.publish_ahead)
    for record in await uow.keys.all():
        if record.retired_at is None or record.retired_at > successor.signs_from:
            await uow.keys.save(keys.retire_after(record, successor.signs_from, ACCESS_TOKEN_TTL))
    await uow.keys.save(successor)
    trail.record(uow, actor=actor, action="key_rotated", target=successor.key.kid, from_address=from_address,
                 details={"signs_from": successor.signs_from.isoformat()})  # fmt: skip
    return successor


async def rotate_if_due(uow: PortalUnit) -> KeyRecord | None:
    """Rotate when the newest key began signing the policy's period ago; the new key, or None."""
    if not rotation_due(await uow.keys.all(), uow.now, uow.key_policy):
        return None
    await uow.keys.lock()
    if not rotation_due(await uow.keys.all(), uow.now, uow.key_policy):  # another instance just rotated
        return None
    return await rotate(uow, actor="portal")
