"""The lifecycle of the keys that sign access tokens: published before they sign, kept published after they
retire until every token they signed has expired, so a service that refetches the JWKS never meets an unknown key.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from outreach_shared.signing import Jwk, SigningKey


@dataclass(frozen=True)
class KeyRecord:
    """A signing key and its dates."""

    key: SigningKey
    published_at: datetime
    signs_from: datetime
    retired_at: datetime | None = None
    withdrawn_at: datetime | None = None

    def published(self, now: datetime) -> bool:
        """In the JWKS now."""
        return self.published_at <= now and (self.withdrawn_at is None or now < self.withdrawn_at)

    def signing(self, now: datetime) -> bool:
        """May sign now."""
        return self.signs_from <= now and (self.retired_at is None or now < self.retired_at)

    @property
    def public_jwk(self) -> Jwk:
        """The public half for the JWKS."""
        return self.key.public_jwk()


def signer(records: list[KeyRecord], now: datetime) -> KeyRecord | None:
    """The key that signs now: the newest of those allowed to."""
    signing = [r for r in records if r.signing(now)]
    return max(signing, key=lambda r: r.signs_from) if signing else None


def published(records: list[KeyRecord], now: datetime) -> list[Jwk]:
    """The public keys the JWKS lists now, newest first."""
    return [r.public_jwk for r in sorted(records, key=lambda r: r.signs_from, reverse=True) if r.published(now)]


def first_key(now: datetime) -> KeyRecord:
    """A service's first key: published and signing at once (no service can hold an older one)."""
    return KeyRecord(SigningKey.generate(), published_at=now, signs_from=now)


def next_key(now: datetime, publish_ahead: timedelta) -> KeyRecord:
    """A successor: published now, signing only after `publish_ahead` (longer than services cache the JWKS)."""
    return KeyRecord(SigningKey.generate(), published_at=now, signs_from=now + publish_ahead)


def retire_after(record: KeyRecord, successor_signs_from: datetime, token_ttl: timedelta) -> KeyRecord:
    """The old key stops signing when its successor starts, and leaves the JWKS once its last token expired."""
    return KeyRecord(record.key, record.published_at, record.signs_from, retired_at=successor_signs_from,
                     withdrawn_at=successor_signs_from + token_ttl + timedelta(minutes=1))  # fmt: skip
