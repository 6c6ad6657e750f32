"""Bearer tokens (JWT, HS256) with roles organiser (a region, national by default), school (orgnr) and member
(member id)."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import uuid4

import jwt

from outreach_shared.errors import Unauthorized
from outreach_shared.regions import NATIONAL, Region

Role = Literal["organiser", "school", "member"]
ALGORITHM = "HS256"
ISSUER = "outreach"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role and, for schools and members, whose data they may touch; for organisers, where."""

    role: Role
    subject: str
    orgnr: str | None = None
    member_id: str | None = None
    region: Region = NATIONAL


def mint_token(
    secret: str,
    role: Role,
    subject: str | None = None,
    *,
    ttl: timedelta = timedelta(days=30),
    region: Region = NATIONAL,
) -> str:
    """A signed token. `subject` is the orgnr for schools and the member id for members; `region` limits an
    organiser (national when left out)."""
    if role in ("school", "member") and not subject:
        raise ValueError(f"a {role} token needs a subject")
    if role != "organiser" and not region.national:
        raise ValueError("only an organiser token carries a region")
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": ISSUER,
        "sub": subject or "organiser",
        "role": role,
        "iat": now,
        "exp": now + ttl,
        "jti": str(uuid4()),
    }
    if role == "school":
        claims["orgnr"] = subject
    if role == "member":
        claims["member_id"] = subject
    if (region_claim := region.claim()) is not None:
        claims["region"] = region_claim
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


class VerifiedTokens:
    """Tokens whose signature, issuer and claims were already checked, with their expiry: a bounded LRU.

    Only valid tokens get in (so junk cannot fill it), keyed by secret and token string (a tampered or re-signed
    token is another key and is verified afresh), and an entry past its `exp` is never answered from here.
    """

    def __init__(self, size: int = 4096, clock: Callable[[], float] = time.time) -> None:
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, secret: str, token: str) -> Principal | None:
        """The principal of a verified token, None when it must be verified; Unauthorized once it expired."""
        key = (secret, token)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if self._clock() >= entry[1]:  # the same rule as PyJWT's: expired from `exp` on
                del self._entries[key]
                raise Unauthorized("the token has expired")
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, secret: str, token: str, principal: Principal, expires: float) -> None:
        """Remember a token that was just verified."""
        with self._lock:
            self._entries[(secret, token)] = (principal, expires)
            self._entries.move_to_end((secret, token))
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)


_verified = VerifiedTokens()


def decode_token(secret: str, token: str, *, cache: VerifiedTokens | None = None) -> Principal:
    """Verify signature (HS256 only; `alg: none` refused), expiry and issuer; raises Unauthorized.

    A token already verified is answered from `cache` (by default the process's) until it expires.
    """
    cache = _verified if cache is None else cache
    if (known := cache.get(secret, token)) is not None:
        return known
    principal, expires = _verify(secret, token)
    cache.put(secret, token, principal, expires)
    return principal


def _verify(secret: str, token: str) -> tuple[Principal, float]:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "role"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the token has expired") from None
    except jwt.PyJWTError:
        raise Unauthorized("the token is not valid") from None
    role = claims.get("role")
    if role not in ("organiser", "school", "member"):
        raise Unauthorized("the token has no known role")
    try:
        region = Region.from_claim(claims.get("region"))
    except ValueError:
        raise Unauthorized("the token's region is not valid") from None
    if role != "organiser" and not region.national:
        raise Unauthorized("only an organiser token carries a region")
    principal = Principal(
        role=role, subject=claims["sub"], orgnr=claims.get("orgnr"), member_id=claims.get("member_id"), region=region
    )
    return principal, float(claims["exp"])
