"""Bearer tokens (JWT, HS256) with roles organiser, school (orgnr) and member (member id)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import uuid4

import jwt

from outreach_shared.errors import Unauthorized

Role = Literal["organiser", "school", "member"]
ALGORITHM = "HS256"
ISSUER = "outreach"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role and, for schools and members, whose data they may touch."""

    role: Role
    subject: str
    orgnr: str | None = None
    member_id: str | None = None


def mint_token(
    secret: str, role: Role, subject: str | None = None, *, ttl: timedelta = timedelta(days=30)
) -> str:
    """A signed token. `subject` is the orgnr for schools and the member id for members."""
    if role in ("school", "member") and not subject:
        raise ValueError(f"a {role} token needs a subject")
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
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(secret: str, token: str) -> Principal:
    """Verify signature (HS256 only; `alg: none` refused), expiry and issuer; raises Unauthorized."""
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
    return Principal(
        role=role, subject=claims["sub"], orgnr=claims.get("orgnr"), member_id=claims.get("member_id")
    )
