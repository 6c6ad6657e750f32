"""Access tokens the portal issues: signed with the current key, for one service (or several), 15 minutes."""

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from outreach_shared.signing import ACCESS_TOKEN_TTL, mint_token
from portal.domain.accounts import Account
from portal.service_layer import keys
from portal.service_layer.unit_of_work import PortalUnit


async def issue(
    uow: PortalUnit,
    account: Account,
    audience: str | Sequence[str],
    *,
    ttl: timedelta = ACCESS_TOKEN_TTL,
    claims: Mapping[str, Any] | None = None,
) -> str:
    """An access token acting as `account` for `audience`, signed by the key that signs now (at most 15 minutes:
    a longer `ttl` is cut to that)."""
    signer = await keys.current_signer(uow)
    return mint_token(signer, account.role, account.subject, audience=audience, ttl=min(ttl, ACCESS_TOKEN_TTL),
                      region=account.region, now=uow.now, claims=claims)  # fmt: skip
