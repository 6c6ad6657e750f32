"""Sessions of people signed in: server-side, found by the hash of the cookie's secret, ended by an idle timeout,
an absolute timeout, signing out here or signing out everywhere."""

import hashlib
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from uuid import UUID

from portal.domain.accounts import Account

SECRET_BYTES = 32
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")


def new_secret() -> str:
    """A fresh secret for a cookie or a link: 256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def looks_like_secret(text: str) -> bool:
    """Whether `text` has the shape of a secret this service makes (anything else is refused unseen)."""
    return bool(_SECRET.fullmatch(text))


def digest(secret: str) -> bytes:
    """What is stored of a secret that is only ever compared: its SHA-256."""
    return hashlib.sha256(secret.encode()).digest()


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives: `idle` after its last use, `absolute` after it began, whichever ends first."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class Session:
    """One signed-in browser. `account` is None while a person with several accounts has not chosen one yet."""

    id: UUID
    person: str
    """Who signed in, opaque and without personal data (`email:<sha256>`, `oidc:<provider>:<sub>`, `account:<key>`)."""
    how: str
    """`email_link`, `support_link` or `oidc:<provider>`."""
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    account: Account | None = None
    choices: tuple[Account, ...] = field(default_factory=tuple)
    revoked_at: datetime | None = None

    def ends_at(self, policy: SessionPolicy) -> datetime:
        """When it ends unless used again: idle timeout or absolute timeout, whichever is first."""
        return min(self.last_seen_at + policy.idle, self.created_at + policy.absolute)

    def alive(self, now: datetime, policy: SessionPolicy) -> bool:
        """Not revoked, and neither timeout passed."""
        return self.revoked_at is None and now < self.ends_at(policy)

    def choice(self, key: str) -> Account:
        """The account of its choices named `key` (`school:974760673`); ValueError if none."""
        for account in self.choices:
            if account.key == key:
                return account
        raise ValueError("not one of this session's accounts")

    def acting_as(self, account: Account) -> "Session":
        """The session acting as `account`."""
        return replace(self, account=account)


@dataclass(frozen=True)
class NewSession:
    """A session just begun, with the cookie's secret (shown to the browser once, never stored)."""

    session: Session
    secret: str


def person_of_address(email: str) -> str:
    """The opaque id of the person behind an e-mail address (case and blanks do not matter)."""
    return "email:" + hashlib.sha256(email.strip().casefold().encode()).hexdigest()
