"""Signing in through an OpenID Connect provider, as use cases: begin (a redirect with state, nonce and a PKCE
verifier kept here), take the callback's login once, verify the provider's answer, sign in (Feide: as the school's
contact; others: as the accounts the identity is linked to, or wait for an e-mail-link sign-in to link it), link."""

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.adapters.oidc_client import ProviderClient
from portal.domain.accounts import Account
from portal.domain.identities import PendingLogin, Provider, SignInRefused, email_of, identity_of, school_of
from portal.domain.sessions import NewSession, Session, digest, looks_like_secret, new_secret
from portal.service_layer import sessions, trail
from portal.service_layer.unit_of_work import PortalUnit


@dataclass(frozen=True)
class SignedIn:
    """The provider's person is signed in: the session begun and where to go."""

    started: NewSession
    next_path: str


@dataclass(frozen=True)
class NotLinked:
    """The identity is linked to no account yet: it waits for an e-mail-link sign-in (PENDING_TTL)."""

    provider: str


async def begin_login(uow: PortalUnit, provider: Provider, *, next_path: str) -> tuple[str, PendingLogin]:
    """A redirect to the provider about to be made: its `state` (for the URL and the browser's cookie) and what
    its callback must match, kept under the state's hash."""
    state = new_secret()
    login = PendingLogin(state_hash=digest(state), provider=provider.name, nonce=new_secret(),
                         code_verifier=secrets.token_urlsafe(48), next_path=next_path, created_at=uow.now)  # fmt: skip
    await uow.oidc_logins.add(login)
    return state, login


async def take_login(uow: PortalUnit, provider: Provider, state: str | None, cookie: str | None) -> PendingLogin:
    """The login a callback answers, used up now. Its `state` must be the one this browser was sent with (the
    cookie), unused and recent (SignInRefused `state_mismatch`, `state_used`, `state_expired`)."""
    if not state or not cookie or not looks_like_secret(state) or not secrets.compare_digest(state, cookie):
        raise SignInRefused("state_mismatch")
    login = await uow.oidc_logins.get(digest(state), for_update=True)
    if login is None or login.provider != provider.name:
        raise SignInRefused("state_mismatch")
    if login.used_at is not None:
        raise SignInRefused("state_used")
    if not login.usable(uow.now) or not await uow.oidc_logins.use(login.state_hash, uow.now):
        raise SignInRefused("state_expired")
    return login


async def verify(client: ProviderClient, login: PendingLogin, code: str | None, *, redirect_uri: str,
                 now: datetime) -> dict[str, Any]:  # fmt: skip
    """The verified claims of the provider's ID token for this code (exchanged with the login's verifier)."""
    if not code or len(code) > 2048:
        raise SignInRefused("no_code")
    token = await client.exchange(code=code, code_verifier=login.code_verifier, redirect_uri=redirect_uri)
    return await client.verify_id_token(token, nonce=login.nonce, now=now)


async def sign_in(
    uow: PortalUnit, provider: Provider, login: PendingLogin, claims: dict[str, Any], *, key: bytes,
    client: str | None,
) -> SignedIn | NotLinked:  # fmt: skip
    """Sign in the person the verified claims name. Feide: as the contact of the school their organisation gives
    (made one through Feide if not yet), that school only. Others: as the accounts their identity is linked to;
    an identity linked to none waits, on the login, for an e-mail-link sign-in to link it."""
    identity = identity_of(provider, claims, key)
    how = f"oidc:{provider.name}"
    if provider.kind == "feide":
        orgnr, email = school_of(provider, claims), email_of(provider, claims)
        if not await uow.identities.school_contact(orgnr, email, by=how):
            raise SignInRefused("contact_removed")
        started = await sessions.start(uow, Account("school", orgnr), how=how, client=client, person=identity.person)
        return SignedIn(started, login.next_path)
    accounts = await uow.identities.accounts_of(identity)
    if not accounts:
        await uow.oidc_logins.hold(login.state_hash, identity)
        trail.record(uow, actor="anonymous", action="identity_not_linked", target=provider.name, from_address=client)
        return NotLinked(provider.name)
    started = await sessions.start(uow, accounts, how=how, client=client, person=identity.person)
    return SignedIn(started, login.next_path)


async def waiting(uow: PortalUnit, cookie: str | None) -> PendingLogin | None:
    """The login of this browser whose identity waits to be linked, if any."""
    if not cookie or not looks_like_secret(cookie):
        return None
    login = await uow.oidc_logins.get(digest(cookie))
    return login if login is not None and login.waiting_identity(uow.now) else None


async def link(uow: PortalUnit, session: Session, cookie: str | None, *, client: str | None) -> PendingLogin:
    """Link the identity waiting in this browser to the account the session acts as: only a session begun by an
    e-mail link after the provider's login, acting as a member or an organiser (SignInRefused `nothing_to_link`,
    `not_linkable`)."""
    login = await waiting(uow, cookie)
    identity = login.waiting_identity(uow.now) if login else None
    if login is None or identity is None or login.used_at is None:
        raise SignInRefused("nothing_to_link")
    account = session.account
    if account is None or account.role == "school" or session.how != "email_link" or session.created_at < login.used_at:
        raise SignInRefused("not_linkable")
    await uow.identities.link(identity, account, at=uow.now)
    await uow.oidc_logins.release(login.state_hash)
    trail.record(uow, actor=account.key, action="identity_linked", target=identity.provider, from_address=client)
    return login


def refused(uow: PortalUnit, provider: str, reason: str, *, client: str | None) -> None:
    """Audit a sign-in through a provider that failed (the reason is a short code; nothing personal)."""
    trail.record(uow, actor="anonymous", action="sign_in_failed", target=provider, from_address=client,
                  details={"how": f"oidc:{provider}", "reason": reason})  # fmt: skip
