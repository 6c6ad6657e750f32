"""The test session's signing key: what the portal would sign with, here in the tests' hands only.

Each process makes its own (`TEST_KEY`); the services a test starts trust its public half (`TEST_JWKS`) and nothing
else, so a token from any other key is refused.
"""

import json
from datetime import timedelta
from typing import Any

from outreach_shared.auth import Role
from outreach_shared.regions import NATIONAL, Region
from outreach_shared.signing import ACCESS_TOKEN_TTL, AUDIENCES, SigningKey, jwks, mint_token

TEST_KEY = SigningKey.generate()
TEST_JWKS = json.dumps(jwks([TEST_KEY.public_jwk()]))
"""The JWKS of TEST_KEY, as a service's `jwt_public_keys` (`<PREFIX>JWT_PUBLIC_KEYS`) takes it."""


def signed_token(
    role: Role,
    subject: str | None = None,
    *,
    audience: str | tuple[str, ...] = AUDIENCES,
    region: Region = NATIONAL,
    ttl: timedelta = ACCESS_TOKEN_TTL,
    **claims: Any,
) -> str:
    """A token signed with TEST_KEY (for every service unless `audience` names one)."""
    return mint_token(TEST_KEY, role, subject, audience=audience, region=region, ttl=ttl, claims=claims or None)


def signed_auth(role: Role, subject: str | None = None, **kwargs: Any) -> dict[str, str]:
    """An Authorization header with a `signed_token`."""
    return {"Authorization": f"Bearer {signed_token(role, subject, **kwargs)}"}
