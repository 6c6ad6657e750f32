"""Schools' own systems' API clients (OAuth2 client credentials): ids, secrets and their salted hashes, names, and
which services a school's token may be for. Pure: no I/O."""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

CLIENT_ID = re.compile(r"^oc_[A-Za-z0-9_-]{20,64}$")
SCHOOL_SERVICES = ("booking",)
"""The services a school's system may get a token for (a school's API is booking's)."""
DEFAULT_AUDIENCE = "booking"
_N, _R, _P = 2**14, 8, 1
"""scrypt's cost: about 16 MiB and tens of milliseconds per check."""


@dataclass(frozen=True)
class ApiClient:
    """A school's API client as stored (its secret only as a hash)."""

    client_id: str
    orgnr: str
    name: str
    secret_hash: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        """Whether it gets no more tokens."""
        return self.revoked_at is not None


def new_client_id() -> str:
    """A random client id (`oc_` and 32 URL-safe characters)."""
    return "oc_" + secrets.token_urlsafe(24)


def new_secret() -> str:
    """A random secret (256 bits), shown once."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str, *, salt: bytes | None = None) -> str:
    """`scrypt$n$r$p$salt$hash` (hex) of the secret, with a fresh 16-byte salt unless one is given."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def secret_matches(secret: str, stored: str) -> bool:
    """Whether `secret` is the one `stored` hashes (compared in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except ValueError:
        return False
    return hmac.compare_digest(actual.hex(), digest)


DUMMY_HASH = hash_secret("no client has this secret", salt=b"\x00" * 16)
"""Checked against when the client is unknown, so an unknown id takes as long to refuse as a wrong secret."""


def audiences(requested: str | None) -> tuple[str, ...] | None:
    """The services a token request asks for (space-separated `scope` or `audience`; `booking` when none), or None
    when it names one a school's token may not be for."""
    names = tuple(dict.fromkeys((requested or DEFAULT_AUDIENCE).split()))
    if not names or any(name not in SCHOOL_SERVICES for name in names):
        return None
    return names
