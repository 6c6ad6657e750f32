"""Signing in by e-mail link: ask for a link (the same answer whether or not the address is known), follow it
once within 15 minutes, and the support links that go straight to one account. Audit records go through
`record` (portal.service_layer.trail).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from outreach_shared.contracts.common import Language
from outreach_shared.contracts.portal import SignInLinkRequested
from portal.domain.accounts import Account
from portal.domain.sessions import NewSession, digest, looks_like_secret, new_secret, person_of_address
from portal.domain.signin import LinkState, SignInLink
from portal.service_layer import sessions
from portal.service_layer.trail import record
from portal.service_layer.unit_of_work import PortalUnit

__all__ = ["Followed", "ask_for_link", "follow", "link_state", "record", "support_link"]

Asked = Literal["sent", "client_over_limit"]
"""`sent`: the neutral answer (a link went out if the address is known and under its limit)."""


def _bucket(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.strip().casefold().encode()).hexdigest()}"


async def ask_for_link(
    uow: PortalUnit, email: str, *, client: str | None, language: Language, next_path: str = "/"
) -> Asked:
    """Send a sign-in link to `email` if it holds an account (and neither it nor the client is over its hourly
    limit). Known and unknown addresses do the same database work: a link row is written for both (one that
    names no one for an unknown address), and only the mail differs."""
    config = uow.signin
    since = uow.now - config.limits.window
    from_client = await uow.signin_requests.note(_bucket("client", client or "unknown"), at=uow.now, since=since)
    if from_client > config.limits.per_client:
        record(uow, actor="anonymous", action="sign_in_failed", from_address=client,
               details={"reason": "client_over_limit"})  # fmt: skip
        return "client_over_limit"
    to_address = await uow.signin_requests.note(_bucket("address", email), at=uow.now, since=since)
    accounts = await uow.accounts.for_email(email)
    known = bool(accounts) and to_address <= config.limits.per_address
    secret = new_secret()
    link = SignInLink(digest(secret), uow.now + config.link_ttl, email=email if known else None, next_path=next_path)
    await uow.signin_links.add(link, created_at=uow.now)
    if known:
        url = link_url(config.public_url, secret)
        await uow.emit(SignInLinkRequested(email=email, link=url, expires_at=link.expires_at, language=language),
                       key=event_key(link))  # fmt: skip
    return "sent"


def event_key(link: SignInLink) -> str:
    """A key for the link's event that says nothing of its secret."""
    return hashlib.sha256(b"key:" + link.secret_hash).hexdigest()[:32]


def link_url(public_url: str, secret: str) -> str:
    """Where a link leads: the confirmation page."""
    return f"{public_url.rstrip('/')}/login/link/{secret}"


async def link_state(uow: PortalUnit, secret: str) -> LinkState:
    """What following the link would do now (nothing is used up by asking)."""
    if not looks_like_secret(secret):
        return "unknown"
    link = await uow.signin_links.get(digest(secret))
    if link is None or (link.email is None and link.account is None):
        return "unknown"
    return link.state(uow.now)


@dataclass(frozen=True)
class Followed:
    """A link used: the session it began and where to go."""

    started: NewSession
    next_path: str


async def follow(uow: PortalUnit, secret: str, *, client: str | None) -> Followed | LinkState:
    """Use the link (once, atomically) and start a session; else why not (`used`, `expired`, `unknown`)."""
    state = await link_state(uow, secret)
    link = await uow.signin_links.consume(digest(secret), uow.now) if state == "valid" else None
    accounts: list[Account] = []
    if link is not None:
        accounts = [link.account] if link.account else await uow.accounts.for_email(link.email or "")
    if link is None or not accounts:
        reason: LinkState = "unknown" if link is not None else ("used" if state == "valid" else state)
        record(uow, actor="anonymous", action="sign_in_failed", from_address=client, details={"reason": reason})
        return reason
    how = "support_link" if link.account else "email_link"
    person = person_of_address(link.email) if link.email else None
    started = await sessions.start(uow, accounts, how=how, client=client, person=person)
    return Followed(started, link.next_path)


async def support_link(uow: PortalUnit, account: Account, *, actor: str, client: str | None) -> tuple[str, datetime]:
    """A single-use link straight to `account` (for support and tests): its URL and when it expires."""
    secret = new_secret()
    link = SignInLink(digest(secret), uow.now + uow.signin.link_ttl, account=account)
    await uow.signin_links.add(link, created_at=uow.now)
    record(uow, actor=actor, action="sign_in_link_issued", target=account.key, from_address=client)
    return link_url(uow.signin.public_url, secret), link.expires_at
