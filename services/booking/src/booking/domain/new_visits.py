"""A new visit as it is handed to the writer: its idempotency key claim, the visit, its contact and its events."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from booking.domain.model import Visit
from booking.domain.values import Contact
from outreach_shared.contracts import Envelope

Outcome = Literal["created", "used", "limit"]
"""A new visit's outcome: written; not written, its key was used before (replay); not written, its school is at
its limit of open requests."""


@dataclass(frozen=True)
class KeyClaim:
    """An idempotency key to claim, the fingerprint of its request and the response it will replay."""

    orgnr: str
    key: str
    request_hash: str
    response: dict[str, Any]


@dataclass(frozen=True)
class NewVisit:
    """A visit to write (no team yet) with its key claim, the county it is in, its contact and its events."""

    claim: KeyClaim
    visit: Visit
    county_number: str
    contact: Contact
    events: Sequence[Envelope]


@dataclass(frozen=True)
class StoredResponse:
    """What an earlier request with the same key asked and got."""

    request_hash: str
    status_code: int | None
    body: dict[str, Any] | None
