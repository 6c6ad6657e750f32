"""Creating new visits: each one's idempotency key, the visit, its first status, its contact and its events.

Visits are written in one statement, committed on its own: each one's key, the visit, its contact and its outbox
rows commit together or not at all. Visits that arrive together are written together: one statement and one commit
for all of them, each with its own outcome; a visit alone is a batch of one (`add_new_visit`). `claim_visit_keys`
(migration 0003) claims the keys and holds each school to its open requests under the school's lock.

The statement takes each column as an array, element n of each belonging to visit n; history rows and events name
their visit by its n. The arrays are built from one typed record per row (`_VisitRow`, `_HistoryRow`; the events
as the outbox's columns).
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg

from booking.domain.new_visits import NewVisit, Outcome
from outreach_shared.db import named
from outreach_shared.outbox import outbox_columns

_INSERT = """
WITH claimed AS (
    SELECT c.n, c.outcome
    FROM claim_visit_keys(:orgnr::text[], :key::text[], :request_hash::text[], :response::text[], :max_open) AS c
), visit AS (
    INSERT INTO visits (id, orgnr, school_name, school_address, kommunenummer, county_number, kind,
        audience_description, pupils, professions, language, team_size, notes, windows, status, visit_date,
        created_at)
    SELECT v.id, v.orgnr, v.school_name, v.school_address, v.kommunenummer, v.county_number, v.kind,
        v.audience, v.pupils, ARRAY(SELECT jsonb_array_elements_text(v.professions::jsonb)), v.language,
        v.team_size, v.notes, v.windows::jsonb, v.status, v.visit_date, v.created_at
    FROM unnest(:id::text[], :orgnr::text[], :school_name::text[], :school_address::text[], :kommunenummer::text[],
        :county_number::text[], :kind::text[], :audience::text[], :pupils::int[], :professions::text[],
        :language::text[], :team_size::int[], :notes::text[], :windows::text[], :status::text[],
        :visit_date::timestamptz[], :created_at::timestamptz[]) WITH ORDINALITY
        AS v(id, orgnr, school_name, school_address, kommunenummer, county_number, kind, audience, pupils,
             professions, language, team_size, notes, windows, status, visit_date, created_at, n)
    JOIN claimed ON claimed.n = v.n AND claimed.outcome = 'created'
    ORDER BY v.n
    RETURNING id
), history AS (
    INSERT INTO visit_status_history (visit_id, status, at, note)
    SELECT h.visit_id, h.status, h.at, h.note
    FROM unnest(:history_visit_n::bigint[], :history_visit_id::text[], :history_status::text[],
        :history_at::timestamptz[], :history_note::text[]) WITH ORDINALITY AS h(visit_n, visit_id, status, at, note, i)
    JOIN claimed ON claimed.n = h.visit_n AND claimed.outcome = 'created'
    ORDER BY h.i
), contact AS (
    INSERT INTO visit_contacts (visit_id, name, email, phone)
    SELECT c.visit_id, c.name, c.email, c.phone
    FROM unnest(:id::text[], :contact_name::text[], :contact_email::text[], :contact_phone::text[]) WITH ORDINALITY
        AS c(visit_id, name, email, phone, n)
    JOIN claimed ON claimed.n = c.n AND claimed.outcome = 'created'
), events AS (
    INSERT INTO outbox (event_id, topic, key, envelope)
    SELECT e.event_id, e.topic, e.key, e.envelope::jsonb
    FROM unnest(:event_visit_n::bigint[], :event_id::uuid[], :event_topic::text[], :event_key::text[],
        :event_envelope::text[]) WITH ORDINALITY AS e(visit_n, event_id, topic, key, envelope, i)
    JOIN claimed ON claimed.n = e.visit_n AND claimed.outcome = 'created'
    ORDER BY e.i
)
SELECT n, outcome FROM claimed
"""


@dataclass(frozen=True)
class _VisitRow:
    """One new visit as the statement's parameters name its columns (professions and windows as JSON text:
    Postgres arrays cannot be ragged)."""

    orgnr: str
    key: str
    request_hash: str
    response: str
    id: str
    school_name: str
    school_address: str
    kommunenummer: str
    county_number: str
    kind: str
    audience: str
    pupils: int
    professions: str
    language: str
    team_size: int
    notes: str | None
    windows: str
    status: str
    visit_date: datetime
    created_at: datetime
    contact_name: str
    contact_email: str
    contact_phone: str

    @classmethod
    def of(cls, new: NewVisit) -> "_VisitRow":
        v, s, d, c = new.visit, new.visit.school, new.visit.details, new.contact
        return cls(
            orgnr=new.claim.orgnr, key=new.claim.key, request_hash=new.claim.request_hash,
            response=json.dumps(new.claim.response), id=v.id, school_name=s.name, school_address=s.address,
            kommunenummer=s.kommunenummer, county_number=new.county_number, kind=d.kind,
            audience=d.audience_description, pupils=d.pupils, professions=json.dumps(list(d.professions)),
            language=d.language, team_size=d.team_size, notes=d.notes,
            windows=json.dumps([w.model_dump(mode="json") for w in v.windows]), status=v.status,
            visit_date=v.visit_date, created_at=v.created_at, contact_name=c.name, contact_email=c.email,
            contact_phone=c.phone,
        )  # fmt: skip


@dataclass(frozen=True)
class _HistoryRow:
    history_visit_n: int
    history_visit_id: str
    history_status: str
    history_at: datetime
    history_note: str | None


def _columns(row_type: type, rows: Sequence[Any]) -> dict[str, list[Any]]:
    """The rows as one list per field, by field name (the statement's named array parameters)."""
    return {f.name: [getattr(row, f.name) for row in rows] for f in fields(row_type)}


async def add_new_visits(conn: asyncpg.Connection, news: Sequence[NewVisit], *, max_open: int) -> list[Outcome]:
    """Write new visits in one statement (nothing for one whose key was used before or whose school is at
    `max_open` open requests; 0: no limit); each one's outcome, in the order given."""
    visits = [new.visit for new in news]
    history = [_HistoryRow(n, v.id, h.status, h.at, h.note)
               for n, v in enumerate(visits, 1) for h in v.history[v.persisted_history :]]  # fmt: skip
    event_ids, topics, keys, envelopes = outbox_columns([e for new in news for e in new.events])
    events = {"event_visit_n": [n for n, new in enumerate(news, 1) for _ in new.events], "event_id": event_ids,
              "event_topic": topics, "event_key": keys, "event_envelope": envelopes}  # fmt: skip
    rows = await conn.fetch(*named(
        _INSERT, **_columns(_VisitRow, [_VisitRow.of(new) for new in news]), **_columns(_HistoryRow, history),
        **events, max_open=max_open,
    ))  # fmt: skip
    outcomes: dict[int, Outcome] = {row["n"]: row["outcome"] for row in rows}
    for n, visit in enumerate(visits, 1):
        if outcomes[n] == "created":
            visit.persisted_history = len(visit.history)
    return [outcomes[n] for n in range(1, len(news) + 1)]


async def add_new_visit(conn: asyncpg.Connection, new: NewVisit, *, max_open: int) -> Outcome:
    """Write one new visit: a batch of one."""
    (outcome,) = await add_new_visits(conn, [new], max_open=max_open)
    return outcome
