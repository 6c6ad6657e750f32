"""Creating a visit request, idempotently per (school, Idempotency-Key)."""

import hashlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from booking.adapters.contacts import Contact
from booking.adapters.idempotency import IdempotencyRepository
from booking.adapters.new_visits import KeyClaim, NewVisit
from booking.adapters.visit_writer import NewVisitWriter
from booking.domain.model import Visit
from booking.domain.times import WindowPolicy, check_windows
from booking.domain.values import School, VisitDetails
from booking.service_layer.unit_of_work import EventWrapper
from outreach_shared.auth import Principal
from outreach_shared.contracts.booking import VisitContactShared
from outreach_shared.contracts.common import TimeWindow
from outreach_shared.errors import Conflict, Invalid
from outreach_shared.municipalities import load_register


@dataclass(frozen=True)
class CreateVisitRequest:
    """A school asks for a visit (already shape-validated); `canonical` is the body that was sent, as canonical JSON
    (the same for every way of writing the same body: field order, white space)."""

    school: School
    contact: Contact
    details: VisitDetails
    windows: list[TimeWindow]
    canonical: bytes


@dataclass(frozen=True)
class Created:
    """The response to a create, first-time or replayed."""

    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def request_hash(canonical: bytes) -> str:
    """A stable fingerprint of a request body in canonical JSON."""
    return hashlib.sha256(canonical).hexdigest()


Connect = Callable[[], AbstractAsyncContextManager[asyncpg.Connection]]
"""Lends a connection, not in a transaction, for reading a used key's stored response."""


async def create_visit_request(
    cmd: CreateVisitRequest,
    *,
    writer: NewVisitWriter,
    connect: Connect,
    caller: Principal,
    idempotency_key: str,
    visit_id: str,
    now: datetime,
    policy: WindowPolicy,
    wrap: EventWrapper,
) -> Created:
    """Create the visit, or return the response already given to this key (422 if the body differs).

    The visit and all that goes with it are written in one statement by `writer`, maybe together with others.
    """
    if caller.orgnr != cmd.school.orgnr:
        raise Invalid("school.orgnr: must be the organisation number of your token", field="school.orgnr")
    try:
        municipality = load_register().get(cmd.school.kommunenummer)
    except Invalid as exc:
        raise Invalid(f"school.kommunenummer: {exc.detail}", field="school.kommunenummer") from None
    fingerprint = request_hash(cmd.canonical)
    try:
        check_windows(cmd.windows, kind=cmd.details.kind, now=now, policy=policy)
    except Invalid as refused:
        async with connect() as conn:
            keys = IdempotencyRepository(conn)
            return await _replay_or_refuse(conn, keys, cmd.school.orgnr, idempotency_key, fingerprint, refused)
    visit = Visit.request(id=visit_id, school=cmd.school, details=cmd.details, windows=cmd.windows, now=now)
    c = cmd.contact
    visit.events.append(  # not validated again: the command's contact was (e-mail as EmailStr does, phone E.164)
        VisitContactShared.model_construct(
            visit_id=visit.id, name=c.name, email=c.email, phone=c.phone, language=cmd.details.language
        )
    )
    body = {"id": visit.id, "status": visit.status}
    claim = KeyClaim(cmd.school.orgnr, idempotency_key, fingerprint, body)
    events = [wrap(event, key=visit.id) for event in visit.events]
    outcome = await writer.add(NewVisit(claim, visit, municipality.county_number, c, events))
    if outcome == "limit":
        raise Conflict(
            f"this school already has {writer.max_open} open visit requests (requested or offered), the most "
            "allowed; wait until some are confirmed, or cancel one, before asking for another"
        )
    if outcome == "used":
        async with connect() as conn:
            return await _replay(IdempotencyRepository(conn), cmd.school.orgnr, idempotency_key, fingerprint)
    visit.events.clear()
    return Created(201, body)


async def _replay_or_refuse(
    conn: asyncpg.Connection, keys: IdempotencyRepository, orgnr: str, key: str, fingerprint: str, refused: Invalid
) -> Created:
    """Raise `refused` unless the key was used before: then its response is replayed (as before windows mattered)."""
    async with conn.transaction():
        if not await keys.claim(orgnr, key, fingerprint):
            return await _replay(keys, orgnr, key, fingerprint)
        raise refused  # and the claim is rolled back


async def _replay(keys: IdempotencyRepository, orgnr: str, key: str, fingerprint: str) -> Created:
    stored = await keys.get(orgnr, key)
    if stored is None or stored.status_code is None or stored.body is None:
        raise RuntimeError("an idempotency key was claimed but holds no response")
    if stored.request_hash != fingerprint:
        raise Invalid(
            "Idempotency-Key: this key was already used with a different request body; use a new key",
            field="Idempotency-Key",
        )
    return Created(stored.status_code, stored.body, replayed=True)
