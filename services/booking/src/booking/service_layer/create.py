"""Creating a visit request, idempotently per (school, Idempotency-Key)."""

import hashlib
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from booking.domain.model import Visit
from booking.domain.new_visits import KeyClaim, NewVisit
from booking.domain.times import check_windows
from booking.domain.values import Contact, School, VisitDetails
from booking.service_layer.unit_of_work import NewVisitUnit
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


async def create_visit_request(
    uow: NewVisitUnit, cmd: CreateVisitRequest, *, caller: Principal, idempotency_key: str, visit_id: str | None = None
) -> Created:
    """Create the visit, or return the response already given to this key (422 if the body differs).

    The visit and all that goes with it are written in one statement by `uow.new_visits`, maybe with others.
    """
    if caller.orgnr != cmd.school.orgnr:
        raise Invalid("school.orgnr: must be the organisation number of your token", field="school.orgnr")
    try:
        municipality = load_register().get(cmd.school.kommunenummer)
    except Invalid as exc:
        raise Invalid(f"school.kommunenummer: {exc.detail}", field="school.kommunenummer") from None
    fingerprint = request_hash(cmd.canonical)
    try:
        check_windows(cmd.windows, kind=cmd.details.kind, now=uow.now, policy=uow.policy)
    except Invalid:  # unless the key was used before: then its response is replayed (as before windows mattered)
        if await uow.keys.was_used(cmd.school.orgnr, idempotency_key, fingerprint):
            return await _replay(uow, cmd.school.orgnr, idempotency_key, fingerprint)
        raise
    visit = Visit.request(id=visit_id or str(uuid4()), school=cmd.school, details=cmd.details, windows=cmd.windows,
                          now=uow.now)  # fmt: skip
    c = cmd.contact
    visit.events.append(  # not validated again: the command's contact was (e-mail as EmailStr does, phone E.164)
        VisitContactShared.model_construct(
            visit_id=visit.id, name=c.name, email=c.email, phone=c.phone, language=cmd.details.language
        )
    )
    events = [await uow.emit(event, key=visit.id) for event in visit.events]
    visit.events.clear()
    body = {"id": visit.id, "status": visit.status}
    claim = KeyClaim(cmd.school.orgnr, idempotency_key, fingerprint, body)
    outcome = await uow.new_visits.add(NewVisit(claim, visit, municipality.county_number, c, events))
    if outcome == "limit":
        raise Conflict(
            f"this school already has {uow.new_visits.max_open} open visit requests (requested or offered), the most "
            "allowed; wait until some are confirmed, or cancel one, before asking for another"
        )
    if outcome == "used":
        return await _replay(uow, cmd.school.orgnr, idempotency_key, fingerprint)
    return Created(201, body)


async def _replay(uow: NewVisitUnit, orgnr: str, key: str, fingerprint: str) -> Created:
    stored = await uow.keys.get(orgnr, key)
    if stored is None or stored.status_code is None or stored.body is None:
        raise RuntimeError("an idempotency key was claimed but holds no response")
    if stored.request_hash != fingerprint:
        raise Invalid(
            "Idempotency-Key: this key was already used with a different request body; use a new key",
            field="Idempotency-Key",
        )
    return Created(stored.status_code, stored.body, replayed=True)
