"""The rules of signing in by e-mail link: which addresses are worth looking up, which `next` pages are safe,
the language of the mail, and what a link is worth at a moment."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import EmailStr, TypeAdapter, ValidationError

from outreach_shared.contracts.common import Language
from portal.domain.accounts import Account

MAX_ADDRESS = 254
_ADDRESS = re.compile(r"[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]{1,252}\.[^@\s\x00-\x1f\x7f.]{2,63}")
_NEXT = re.compile(r"/[A-Za-z0-9/._~%!$&'()*+,;=:@?-]{0,499}")
LinkState = Literal["valid", "used", "expired", "unknown"]
_EMAIL = TypeAdapter(EmailStr)


def address_from(raw: str) -> str | None:
    """The address as typed, trimmed, if it can be an e-mail address (RFC 5321 lengths, no control characters, and
    one the mail contract takes)."""
    text = raw.strip()
    if len(text) > MAX_ADDRESS or not _ADDRESS.fullmatch(text):
        return None
    try:
        _EMAIL.validate_python(text)
    except ValidationError:
        return None
    return text


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site only (never `//host` or a scheme), else the home page."""
    if value and _NEXT.fullmatch(value) and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def language_of(accept_language: str | None) -> Language:
    """The mail's language from the browser's Accept-Language: the first of nb, nn, no, en it names; else nb."""
    for part in (accept_language or "")[:500].split(","):
        tag = part.split(";")[0].strip().lower()
        primary = tag.split("-")[0]
        if primary in ("nb", "no"):
            return "nb"
        if primary in ("nn", "en"):
            return primary  # type: ignore[return-value]
    return "nb"


@dataclass(frozen=True)
class RateLimits:
    """Sign-in links asked for in the last hour: per address (no more mail beyond) and per client (refused)."""

    per_address: int = 5
    per_client: int = 30
    window: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class SignInLink:
    """A single-use link: for an address (its accounts are looked up when it is followed) or straight to one
    account (a support link). Only its secret's hash is kept."""

    secret_hash: bytes
    expires_at: datetime
    email: str | None = None
    account: Account | None = None
    next_path: str = "/"
    used_at: datetime | None = None

    def state(self, now: datetime) -> LinkState:
        """`used`, `expired` or `valid` at `now`."""
        if self.used_at is not None:
            return "used"
        return "valid" if now < self.expires_at else "expired"
