"""Creating a visit in one statement: its idempotency key, the visit, its first status, its contact and its events.

One round trip, committed on its own: the key, the visit, its contact and its outbox rows commit together or not
at all. `claim_visit_key` (migration 0002) claims the key and checks the school's open requests under its lock.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from booking.adapters.contacts import Contact
from booking.domain.model import Visit
from outreach_shared.contracts import Envelope
from outreach_shared.outbox import outbox_columns

_INSERT = """
WITH claimed AS (
    SELECT claim_visit_key($1, $2, $3, $4, $5) AS ok
), visit AS (
    INSERT INTO visits (id, orgnr, school_name, school_address, kommunenummer, county_number, kind,
        audience_description, pupils, professions, language, team_size, notes, windows, status, visit_date,
        created_at)
    SELECT $6, $1, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21 FROM claimed WHERE ok
    RETURNING id
), history AS (
    INSERT INTO visit_status_history (visit_id, status, at, note)
    SELECT visit.id, h.status, h.at, h.note
    FROM visit, unnest($22::text[], $23::timestamptz[], $24::text[]) WITH ORDINALITY AS h(status, at, note, n)
    ORDER BY h.n
), contact AS (
    INSERT INTO visit_contacts (visit_id, name, email, phone) SELECT visit.id, $25, $26, $27 FROM visit
), events AS (  -- outbox_columns(events)
    INSERT INTO outbox (event_id, topic, key, envelope)
    SELECT e.event_id, e.topic, e.key, e.envelope::jsonb
    FROM visit, unnest($28::uuid[], $29::text[], $30::text[], $31::text[]) WITH ORDINALITY
        AS e(event_id, topic, key, envelope, n)
    ORDER BY e.n
)
SELECT ok FROM claimed
"""


class OpenRequestLimit(Exception):
    """The school already has as many open visit requests as it may."""


@dataclass(frozen=True)
class KeyClaim:
    """An idempotency key to claim, the fingerprint of its request and the response it will replay."""

    orgnr: str
    key: str
    request_hash: str
    response: dict[str, Any]


async def add_new_visit(
    conn: asyncpg.Connection,
    *,
    claim: KeyClaim,
    visit: Visit,
    county_number: str,
    contact: Contact,
    events: Sequence[Envelope],
    max_open: int,
) -> bool:
    """Write a new visit (no team yet) with everything above; False when the key was used before (nothing written).

    Raises OpenRequestLimit when the school has `max_open` open requests (0: no limit).
    """
    d, s = visit.details, visit.school
    history = visit.history[visit.persisted_history :]
    try:
        claimed: bool = await conn.fetchval(
            _INSERT,
            claim.orgnr, claim.key, claim.request_hash, claim.response, max_open,
            visit.id, s.name, s.address, s.kommunenummer, county_number, d.kind, d.audience_description,
            d.pupils, list(d.professions), d.language, d.team_size, d.notes,
            [w.model_dump(mode="json") for w in visit.windows], visit.status, visit.visit_date, visit.created_at,
            [h.status for h in history], [h.at for h in history], [h.note for h in history],
            contact.name, contact.email, contact.phone,
            *outbox_columns(events),
        )  # fmt: skip
    except asyncpg.RaiseError as exc:
        if exc.message == "open-request-limit":
            raise OpenRequestLimit from None
        raise
    if claimed:
        visit.persisted_history = len(visit.history)
    return claimed
