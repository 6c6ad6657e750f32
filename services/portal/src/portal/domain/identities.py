"""Signing in through an OpenID Connect provider: who a verified ID token says the person is, and what that makes
them here.

- Feide (school staff): the person's organisation gives the school's orgnr; they act as that school's contact and
  no other (the orgnr comes from the provider's signed token, never from what the person typed).
- ID-porten, Ansattporten and any standard provider: the verified identity (issuer, subject) is linked to accounts
  once, by signing in with the e-mail link; after that it goes straight in. Only a keyed hash of the subject is
  kept (for ID-porten the national identity number, `pid`, which must never be stored).
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from outreach_shared.orgnr import is_valid_orgnr

ProviderKind = Literal["feide", "idporten", "ansattporten", "generic"]
LOGIN_TTL = timedelta(minutes=10)
"""How long the provider's login may take, from the redirect to the callback."""
PENDING_TTL = timedelta(minutes=30)
"""How long an unknown identity waits to be linked by an e-mail-link sign-in."""


class SignInRefused(Exception):
    """The provider's answer cannot sign anyone in; `reason` is a short code for the audit and the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Provider:
    """One configured provider (`PORTAL_OIDC_PROVIDERS`): how to reach it and which claims say what."""

    name: str
    kind: ProviderKind
    issuer: str
    client_id: str
    scopes: tuple[str, ...] = ("openid",)
    orgnr_claim: str = "orgnr"
    email_claim: str = "email"

    @property
    def subject_claim(self) -> str:
        """The claim naming the person: `pid` for ID-porten and Ansattporten (the same across their clients),
        else `sub`."""
        return "pid" if self.kind in ("idporten", "ansattporten") else "sub"


@dataclass(frozen=True)
class Identity:
    """A person as one issuer knows them: the issuer and a keyed hash of their subject."""

    provider: str
    issuer: str
    subject_hash: str

    @property
    def person(self) -> str:
        """The session's opaque name of who signed in."""
        return f"oidc:{self.provider}:{self.subject_hash[:32]}"


def identity_of(provider: Provider, claims: dict[str, Any], key: bytes) -> Identity:
    """The identity a verified ID token names (SignInRefused `no_subject` when the claim is missing)."""
    value = claims.get(provider.subject_claim)
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise SignInRefused("no_subject")
    message = f"{provider.issuer}\x00{value.strip()}".encode()
    return Identity(provider.name, provider.issuer, hmac.new(key, message, hashlib.sha256).hexdigest())


def orgnr_from(value: object) -> str | None:
    """The school's nine-digit orgnr in a claim (`974760673`, Feide's `NO974760673`), if its check digit holds."""
    if not isinstance(value, str):
        return None
    digits = value.strip().upper().removeprefix("NO")
    return digits if is_valid_orgnr(digits) else None


def school_of(provider: Provider, claims: dict[str, Any]) -> str:
    """The orgnr of a Feide person's school (SignInRefused `no_school` when the token names none that is valid)."""
    value = claims.get(provider.orgnr_claim)
    candidates = value if isinstance(value, list) else [value]
    found = {orgnr for orgnr in map(orgnr_from, candidates[:20]) if orgnr}
    if len(found) != 1:  # none, or several organisations: nothing says which school they act for
        raise SignInRefused("no_school")
    return found.pop()


def email_of(provider: Provider, claims: dict[str, Any]) -> str:
    """The person's address from the provider (SignInRefused `no_email` when missing or implausible)."""
    value = claims.get(provider.email_claim)
    if not isinstance(value, str) or not 3 <= len(value) <= 254 or value.count("@") != 1 or "\x00" in value:
        raise SignInRefused("no_email")
    return value.strip()


@dataclass(frozen=True)
class PendingLogin:
    """A redirect to the provider awaiting its callback: what the callback must match, and (after a callback
    with an identity not linked yet) that identity waiting for an e-mail-link sign-in."""

    state_hash: bytes
    provider: str
    nonce: str
    code_verifier: str
    next_path: str
    created_at: datetime
    used_at: datetime | None = None
    identity: Identity | None = None

    def usable(self, now: datetime) -> bool:
        """Its callback may still come: not used, and within LOGIN_TTL."""
        return self.used_at is None and now < self.created_at + LOGIN_TTL

    def waiting_identity(self, now: datetime) -> Identity | None:
        """The identity waiting to be linked, while it may."""
        if self.identity is None or self.used_at is None or now >= self.used_at + PENDING_TTL:
            return None
        return self.identity
