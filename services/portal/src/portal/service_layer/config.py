"""What sign-in and sessions need to know from the settings, handed to the unit of work."""

from dataclasses import dataclass, field
from datetime import timedelta

from portal.domain.sessions import SessionPolicy
from portal.domain.signin import RateLimits


@dataclass(frozen=True)
class SignInConfig:
    """Link lifetime, rate limits, session timeouts and the address links point to."""

    public_url: str = "http://127.0.0.1:8000"
    link_ttl: timedelta = timedelta(minutes=15)
    limits: RateLimits = field(default_factory=RateLimits)
    sessions: SessionPolicy = field(default_factory=SessionPolicy)
