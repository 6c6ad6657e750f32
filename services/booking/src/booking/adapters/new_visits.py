"""Creating new visits: each one's idempotency key, the visit, its first status, its contact and its events.

A visit is written in one statement, committed on its own: its key, the visit, its contact and its outbox rows
commit together or not at all. Visits that arrive together are written together (`add_new_visits`): one statement
and one commit for all of them, each with its own outcome. A visit alone keeps its one-row statement
(`add_new_visit`): the batch form costs PostgreSQL half again as much for a single row. `claim_visit_keys`
(migration 0003; `claim_visit_key` is it for one visit) claims the keys and holds each school to its open requests
under the school's lock.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

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

# Every visit's columns as arrays, row n of each array belonging to visit n; history rows and events name their visit
# by its n. Professions (a list per visit) travel as JSON text, since Postgres arrays cannot be ragged.
_INSERT_MANY = """
WITH claimed AS (
    SELECT c.n, c.outcome FROM claim_visit_keys($1::text[], $2::text[], $3::text[], $4::text[], $5) AS c
), visit AS (
    INSERT INTO visits (id, orgnr, school_name, school_address, kommunenummer, county_number, kind,
        audience_description, pupils, professions, language, team_size, notes, windows, status, visit_date,
        created_at)
    SELECT v.id, v.orgnr, v.school_name, v.school_address, v.kommunenummer, v.county_number, v.kind,
        v.audience, v.pupils, ARRAY(SELECT jsonb_array_elements_text(v.professions::jsonb)), v.language,
        v.team_size, v.notes, v.windows::jsonb, v.status, v.visit_date, v.created_at
    FROM unnest($6::text[], $1::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
        $13::int[], $14::text[], $15::text[], $16::int[], $17::text[], $18::text[], $19::text[],
        $20::timestamptz[], $21::timestamptz[]) WITH ORDINALITY
        AS v(id, orgnr, school_name, school_address, kommunenummer, county_number, kind, audience, pupils,
             professions, language, team_size, notes, windows, status, visit_date, created_at, n)
    JOIN claimed ON claimed.n = v.n AND claimed.outcome = 'created'
    ORDER BY v.n
    RETURNING id
), history AS (
    INSERT INTO visit_status_history (visit_id, status, at, note)
    SELECT h.visit_id, h.status, h.at, h.note
    FROM unnest($22::bigint[], $23::text[], $24::text[], $25::timestamptz[], $26::text[]) WITH ORDINALITY
        AS h(visit_n, visit_id, status, at, note, i)
    JOIN claimed ON claimed.n = h.visit_n AND claimed.outcome = 'created'
    ORDER BY h.i
), contact AS (
    INSERT INTO visit_contacts (visit_id, name, email, phone)
    SELECT c.visit_id, c.name, c.email, c.phone
    FROM unnest($6::text[], $27::text[], $28::text[], $29::text[]) WITH ORDINALITY AS c(visit_id, name, email, phone, n)
    JOIN claimed ON claimed.n = c.n AND claimed.outcome = 'created'
), events AS (  -- outbox_columns(events), each row after the visit number it belongs to
    INSERT INTO outbox (event_id, topic, key, envelope)
    SELECT e.event_id, e.topic, e.key, e.envelope::jsonb
    FROM unnest($30::bigint[], $31::uuid[], $32::text[], $33::text[], $34::text[]) WITH ORDINALITY
        AS e(visit_n, event_id, topic, key, envelope, i)
    JOIN claimed ON claimed.n = e.visit_n AND claimed.outcome = 'created'
    ORDER BY e.i
)
SELECT n, outcome FROM claimed
"""

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


async def add_new_visit(conn: asyncpg.Connection, new: NewVisit, *, max_open: int) -> Outcome:
    """Write one new visit with everything above (nothing when the key was used before or the school is at
    `max_open` open requests; 0: no limit)."""
    claim, visit, contact = new.claim, new.visit, new.contact
    d, s = visit.details, visit.school
    history = visit.history[visit.persisted_history :]
    try:
        claimed: bool = await conn.fetchval(
            _INSERT,
            claim.orgnr, claim.key, claim.request_hash, claim.response, max_open,
            visit.id, s.name, s.address, s.kommunenummer, new.county_number, d.kind, d.audience_description,
            d.pupils, list(d.professions), d.language, d.team_size, d.notes,
            [w.model_dump(mode="json") for w in visit.windows], visit.status, visit.visit_date, visit.created_at,
            [h.status for h in history], [h.at for h in history], [h.note for h in history],
            contact.name, contact.email, contact.phone,
            *outbox_columns(new.events),
        )  # fmt: skip
    except asyncpg.RaiseError as exc:
        if exc.message == "open-request-limit":
            return "limit"
        raise
    if claimed:
        visit.persisted_history = len(visit.history)
    return "created" if claimed else "used"


async def add_new_visits(conn: asyncpg.Connection, news: Sequence[NewVisit], *, max_open: int) -> list[Outcome]:
    """Write several new visits in one statement; each one's outcome, in the order given."""
    claims = [new.claim for new in news]
    visits = [new.visit for new in news]
    histories = [(n, v, h) for n, v in enumerate(visits, 1) for h in v.history[v.persisted_history :]]
    events = [(n, e) for n, new in enumerate(news, 1) for e in new.events]
    event_columns = outbox_columns([e for _, e in events])
    rows = await conn.fetch(
        _INSERT_MANY,
        [c.orgnr for c in claims], [c.key for c in claims], [c.request_hash for c in claims],
        [json.dumps(c.response) for c in claims], max_open,
        [v.id for v in visits], [v.school.name for v in visits], [v.school.address for v in visits],
        [v.school.kommunenummer for v in visits], [new.county_number for new in news],
        [v.details.kind for v in visits], [v.details.audience_description for v in visits],
        [v.details.pupils for v in visits], [json.dumps(list(v.details.professions)) for v in visits],
        [v.details.language for v in visits], [v.details.team_size for v in visits],
        [v.details.notes for v in visits],
        [json.dumps([w.model_dump(mode="json") for w in v.windows]) for v in visits],
        [v.status for v in visits], [v.visit_date for v in visits], [v.created_at for v in visits],
        [n for n, _, _ in histories], [v.id for _, v, _ in histories], [h.status for _, _, h in histories],
        [h.at for _, _, h in histories], [h.note for _, _, h in histories],
        [new.contact.name for new in news], [new.contact.email for new in news], [new.contact.phone for new in news],
        [n for n, _ in events], *event_columns,
    )  # fmt: skip
    outcomes: dict[int, Outcome] = {row["n"]: row["outcome"] for row in rows}
    for n, visit in enumerate(visits, 1):
        if outcomes[n] == "created":
            visit.persisted_history = len(visit.history)
    return [outcomes[n] for n in range(1, len(news) + 1)]
