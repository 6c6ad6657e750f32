"""What booking reaches outside its units of work for (the writer of new visits, the idempotency keys, the rate
limit), and the typed parts its bootstrap wires for the entry points (`Wiring.ports`)."""

from dataclasses import dataclass
from typing import Protocol

from booking.domain.new_visits import NewVisit, Outcome, StoredResponse
from booking.domain.times import WindowPolicy


class NewVisits(Protocol):
    """Writes a new visit with its key, contact and events in one statement of its own (adapters/visit_writer)."""

    max_open: int
    """The open requests a school may have (0: no limit)."""

    async def add(self, new: NewVisit) -> Outcome:
        """Write the visit; its outcome once committed."""
        ...


class IdempotencyKeys(Protocol):
    """Answers about keys already used (adapters/idempotency)."""

    async def was_used(self, orgnr: str, key: str, request_hash: str) -> bool:
        """Whether the key was used before; claims nothing."""
        ...

    async def get(self, orgnr: str, key: str) -> StoredResponse | None:
        """The stored request hash and response of a used key."""
        ...


class RateLimit(Protocol):
    """Counts requests per key (adapters/rate_limiter)."""

    def retry_after(self, key: str, now: float) -> int | None:
        """Count one request; the seconds to wait if it is over the limit, else None."""
        ...


@dataclass(frozen=True)
class BookingPorts:
    """Booking's parts, wired by its bootstrap (tests replace one with `dataclasses.replace`)."""

    new_visits: NewVisits
    keys: IdempotencyKeys
    window_policy: WindowPolicy
    rate_limiter: RateLimit | None = None
    """Schools' requests per minute; None: no limit."""
    survey_limiter: RateLimit | None = None
    """Pupils' survey requests per minute per address (kept in memory only, keyed by a salted hash); None: no limit."""
