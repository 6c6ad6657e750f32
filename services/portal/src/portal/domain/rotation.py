"""When the signing key is rotated, and how long a successor is published before it signs."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.domain.keys import KeyRecord


@dataclass(frozen=True)
class KeyPolicy:
    """How keys rotate: a successor every `every`, published `publish_ahead` before it signs (longer than any
    service keeps the JWKS it fetched, so none meets a token whose key it does not know)."""

    every: timedelta = timedelta(days=30)
    publish_ahead: timedelta = timedelta(minutes=10)


def rotation_due(records: list[KeyRecord], now: datetime, policy: KeyPolicy) -> bool:
    """True when the newest key (signing or waiting to) began signing `every` ago or more."""
    if not records:
        return False  # the first key is made on first need, not rotated in
    newest = max(r.signs_from for r in records)
    return now - newest >= policy.every
