"""The signing keys as a use case: the JWKS to publish, the key to sign with now (made on first need)."""

from outreach_shared.signing import Jwk, SigningKey
from portal.domain import keys
from portal.service_layer.unit_of_work import PortalUnit


async def published_jwks(uow: PortalUnit) -> list[Jwk]:
    """The public keys every service should trust now."""
    await ensure_a_signer(uow)
    return keys.published(await uow.keys.all(), uow.now)


async def current_signer(uow: PortalUnit) -> SigningKey:
    """The key that signs access tokens now (the first one is made on first need)."""
    record = await ensure_a_signer(uow)
    return record.key


async def ensure_a_signer(uow: PortalUnit) -> keys.KeyRecord:
    """The signing key now, making the first one if there is none."""
    record = keys.signer(await uow.keys.all(), uow.now)
    if record is not None:
        return record
    await uow.keys.lock()
    record = keys.signer(await uow.keys.all(), uow.now)  # another instance may have made it meanwhile
    if record is None:
        record = keys.first_key(uow.now)
        await uow.keys.save(record)
    return record
