"""Creating a visit request, idempotently per (school, Idempotency-Key)."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from booking.adapters.contacts import Contact, ContactRepository
from booking.adapters.idempotency import IdempotencyRepository
from booking.adapters.visits import VisitRepository
from booking.domain.model import Visit
from booking.domain.times import check_windows
from booking.domain.values import School, VisitDetails
from booking.service_layer.unit_of_work import EventSink, publish
from outreach_shared.auth import Principal
from outreach_shared.contracts.booking import VisitContactShared
from outreach_shared.contracts.common import TimeWindow
from outreach_shared.errors import Conflict, Invalid
from outreach_shared.municipalities import load_register


@dataclass(frozen=True)
class CreateVisitRequest:
    """A school asks for a visit (already shape-validated); `canonical` is the body that was sent."""

    school: School
    contact: Contact
    details: VisitDetails
    windows: list[TimeWindow]
    canonical: dict[str, Any]


@dataclass(frozen=True)
class Created:
    """The response to a create, first-time or replayed."""

    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def request_hash(canonical: dict[str, Any]) -> str:
    """A stable fingerprint of a request body."""
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()


async def create_visit_request(
    conn: asyncpg.Connection,
    cmd: CreateVisitRequest,
    *,
    caller: Principal,
    idempotency_key: str,
    visit_id: str,
    now: datetime,
    min_notice: timedelta,
    emit: EventSink,
    max_open: int = 0,
) -> Created:
    """Create the visit, or return the response already given to this key (422 if the body differs)."""
    if caller.orgnr != cmd.school.orgnr:
        raise Invalid("school.orgnr: must be the organisation number of your token", field="school.orgnr")
    try:
        municipality = load_register().get(cmd.school.kommunenummer)
    except Invalid as exc:
        raise Invalid(f"school.kommunenummer: {exc.detail}", field="school.kommunenummer") from None
    keys = IdempotencyRepository(conn)
    fingerprint = request_hash(cmd.canonical)
    if not await keys.claim(cmd.school.orgnr, idempotency_key, fingerprint):
        return await _replay(keys, cmd.school.orgnr, idempotency_key, fingerprint)
    check_windows(cmd.windows, now=now, min_notice=min_notice)
    await _check_open_requests(VisitRepository(conn), cmd.school.orgnr, max_open)
    visit = Visit.request(id=visit_id, school=cmd.school, details=cmd.details, windows=cmd.windows, now=now)
    await VisitRepository(conn).add(visit, county_number=municipality.county_number)
    await ContactRepository(conn).add(visit.id, cmd.contact)
    c = cmd.contact
    visit.events.append(
        VisitContactShared(visit_id=visit.id, name=c.name, email=c.email, phone=c.phone, language=cmd.details.language)
    )
    await publish(visit, emit)
    body = {"id": visit.id, "status": visit.status}
    await keys.complete(cmd.school.orgnr, idempotency_key, 201, body)
    return Created(201, body)


async def _check_open_requests(repo: VisitRepository, orgnr: str, max_open: int) -> None:
    """A school may have at most `max_open` visit requests waiting for a team (0: no limit)."""
    if max_open and await repo.count_open(orgnr) >= max_open:
        raise Conflict(
            f"this school already has {max_open} open visit requests (requested or offered), the most allowed; "
            "wait until some are confirmed, or cancel one, before asking for another"
        )


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
