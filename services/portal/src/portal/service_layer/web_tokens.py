"""Access tokens for the pages to call the other services as the signed-in person: minted from the session
(claim `sid`), kept per session and audience until a minute before they expire."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from outreach_shared.signing import ACCESS_TOKEN_TTL
from portal.domain.sessions import Session
from portal.service_layer import tokens
from portal.service_layer.unit_of_work import PortalUnit

RENEW_BEFORE = timedelta(minutes=1)


@dataclass
class TokenCache:
    """Tokens by (session, audience) with the moment they stop being handed out; bounded, oldest dropped first."""

    max_entries: int = 10_000
    _tokens: dict[tuple[UUID, str, str], tuple[str, datetime]] = field(default_factory=dict)

    def get(self, key: tuple[UUID, str, str], now: datetime) -> str | None:
        """A token still good for more than a minute."""
        found = self._tokens.get(key)
        return found[0] if found and now < found[1] else None

    def put(self, key: tuple[UUID, str, str], token: str, renew_at: datetime) -> None:
        """Keep a token until `renew_at`."""
        if len(self._tokens) >= self.max_entries:
            del self._tokens[next(iter(self._tokens))]
        self._tokens[key] = (token, renew_at)


CACHE = TokenCache()


def cached(session: Session, audience: str, now: datetime, *, cache: TokenCache = CACHE) -> str | None:
    """The session's token for `audience` while it has more than a minute left (no database needed), else None."""
    if session.account is None:
        return None
    return cache.get((session.id, session.account.key, audience), now)


async def access_token_for(uow: PortalUnit, session: Session, audience: str, *, cache: TokenCache = CACHE) -> str:
    """A token acting as the session's account for `audience` (15 minutes, claim `sid`), reused until a minute
    before it expires. The session must be current (`sessions.current`) and have an account."""
    if session.account is None:
        raise ValueError("the session has not chosen an account")
    key = (session.id, session.account.key, audience)
    if (token := cache.get(key, uow.now)) is not None:
        return token
    token = await tokens.issue(uow, session.account, audience, claims={"sid": str(session.id)})
    cache.put(key, token, uow.now + ACCESS_TOKEN_TTL - RENEW_BEFORE)
    return token
