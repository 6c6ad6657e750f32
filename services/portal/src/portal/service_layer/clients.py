"""Schools' API clients: creating (the secret returned once), listing, revoking, and exchanging credentials for
an access token (OAuth2 client credentials, RFC 6749 §4.4)."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from outreach_shared.errors import NotFound
from outreach_shared.signing import ACCESS_TOKEN_TTL
from portal.domain import clients as domain
from portal.domain.accounts import Account
from portal.domain.clients import ApiClient
from portal.service_layer import tokens, trail
from portal.service_layer.unit_of_work import PortalUnit

FAILURES_PER_MINUTE = 10
Refusal = Literal["invalid_client", "invalid_scope", "too_many_attempts"]


@dataclass(frozen=True)
class Created:
    """A new client and its secret (returned this once, stored only hashed)."""

    client: ApiClient
    secret: str


@dataclass(frozen=True)
class Issued:
    """An access token for a client's school."""

    access_token: str
    expires_in: int
    scope: str


async def create(uow: PortalUnit, orgnr: str, name: str, *, actor: str, client: str | None) -> Created:
    """A new client for the school `orgnr`, made by `actor` (an account key)."""
    secret = domain.new_secret()
    made = ApiClient(client_id=domain.new_client_id(), orgnr=orgnr, name=name, secret_hash=domain.hash_secret(secret),
                     created_by=actor, created_at=uow.now)  # fmt: skip
    await uow.clients.add(made)
    trail.record(uow, actor=actor, action="client_created", target=made.client_id, from_address=client,
                 details={"orgnr": orgnr})  # fmt: skip
    return Created(made, secret)


async def of_school(uow: PortalUnit, orgnr: str) -> list[ApiClient]:
    """The school's clients, revoked ones too."""
    return await uow.clients.of_school(orgnr)


async def revoke(uow: PortalUnit, orgnr: str, client_id: str, *, actor: str, client: str | None) -> None:
    """Revoke the school's client at once (404 if the school has no such client; revoking twice is fine)."""
    revoked = await uow.clients.revoke(orgnr, client_id, at=uow.now)
    if revoked is None:
        raise NotFound("the school has no client with this id", field="client_id")
    if revoked:
        trail.record(uow, actor=actor, action="client_revoked", target=client_id, from_address=client,
                     details={"orgnr": orgnr})  # fmt: skip


def _key(client_id: str) -> str:
    return hashlib.sha256(client_id.encode()).hexdigest()


async def exchange(
    uow: PortalUnit, client_id: str, secret: str, requested: str | None, *, client: str | None
) -> Issued | Refusal:
    """A 15-minute token for the client's school, or why not. Failed attempts are counted per client id (at most
    FAILURES_PER_MINUTE a minute) and audited; the transaction commits either way."""
    key = _key(client_id)
    known = domain.CLIENT_ID.fullmatch(client_id) is not None
    if await uow.clients.failures_since(key, uow.now - timedelta(minutes=1)) >= FAILURES_PER_MINUTE:
        trail.record(uow, actor="anonymous", action="client_token_refused", target=client_id if known else None,
                     from_address=client, details={"reason": "too_many_attempts"})  # fmt: skip
        return "too_many_attempts"
    found = await uow.clients.get(client_id) if known else None
    matches = domain.secret_matches(secret, found.secret_hash if found else domain.DUMMY_HASH)
    reason: str | None = None
    if found is None:
        reason = "unknown_client"
    elif not matches:
        reason = "wrong_secret"
    elif found.revoked:
        reason = "revoked"
    names = domain.audiences(requested)
    if reason is None and names is None:
        reason = "invalid_scope"
    if reason is not None or found is None or names is None:
        await uow.clients.failed(key, at=uow.now)
        trail.record(uow, actor="anonymous", action="client_token_refused", target=client_id if known else None,
                     from_address=client, details={"reason": reason})  # fmt: skip
        return "invalid_scope" if reason == "invalid_scope" else "invalid_client"
    token = await tokens.issue(uow, Account("school", found.orgnr), names if len(names) > 1 else names[0],
                               claims={"client_id": found.client_id})  # fmt: skip
    await uow.clients.used(found.client_id, at=uow.now)
    return Issued(access_token=token, expires_in=int(ACCESS_TOKEN_TTL.total_seconds()), scope=" ".join(names))
