"""Who may be what, as national organisers keep it: the organisers' allow-list with each one's scope, schools'
contacts by invitation, and people's requests to become one (approved or rejected by an organiser). Taking an
account away, or changing its scope, ends the sessions acting as it; every change is in the audit trail (by ids,
never addresses)."""

import hashlib
from datetime import timedelta

from outreach_shared.errors import Conflict, NotFound
from outreach_shared.regions import Region
from portal.domain.people import (
    REQUESTS_PER_CLIENT_PER_HOUR,
    ContactRequest,
    Organiser,
    RequestStatus,
    SchoolContact,
    TooManyRequests,
)
from portal.service_layer import sessions, trail
from portal.service_layer.unit_of_work import PortalUnit


async def organisers(uow: PortalUnit) -> list[Organiser]:
    """The allow-list."""
    return await uow.organisers.active()


async def add_organiser(uow: PortalUnit, email: str, region: Region, *, actor: str, client: str | None) -> Organiser:
    """Put an address on the allow-list with a scope (Conflict when it is there already)."""
    added = await uow.organisers.add(email, region, by=actor, at=uow.now)
    if added is None:
        raise Conflict("this address is on the allow-list already", field="email")
    trail.record(uow, actor=actor, action="organiser_added", target=f"organiser:{added.organiser_id}",
                 from_address=client, details={"scope": region.describe()})  # fmt: skip
    return added


async def change_scope(
    uow: PortalUnit, organiser_id: str, region: Region, *, actor: str, client: str | None
) -> Organiser:
    """Give a listed organiser another scope; their sessions end (the next sign-in carries the new one)."""
    before = await uow.organisers.get(organiser_id)
    changed = await uow.organisers.rescope(organiser_id, region)
    if before is None or changed is None:
        raise NotFound("no such organiser on the allow-list")
    await sessions.end_for_account(uow, before.account)
    trail.record(uow, actor=actor, action="organiser_scope_changed", target=f"organiser:{organiser_id}",
                 from_address=client, details={"from": before.region.describe(), "to": region.describe()})  # fmt: skip
    return changed


async def remove_organiser(uow: PortalUnit, organiser_id: str, *, actor: str, client: str | None) -> None:
    """Take an organiser off the allow-list; their sessions end."""
    removed = await uow.organisers.remove(organiser_id, at=uow.now)
    if removed is None:
        raise NotFound("no such organiser on the allow-list")
    await sessions.end_for_account(uow, removed.account)
    trail.record(uow, actor=actor, action="organiser_removed", target=f"organiser:{organiser_id}",
                 from_address=client)  # fmt: skip


async def contacts(uow: PortalUnit, orgnr: str) -> list[SchoolContact]:
    """A school's contacts."""
    return await uow.contacts.of_school(orgnr)


async def invite_contact(uow: PortalUnit, orgnr: str, email: str, *, actor: str, client: str | None) -> SchoolContact:
    """Tie an address to a school by an organiser's invitation (Conflict when it is tied already)."""
    return await _add_contact(uow, orgnr, email, "invitation", actor=actor, client=client)


async def remove_contact(uow: PortalUnit, orgnr: str, contact_id: str, *, actor: str, client: str | None) -> None:
    """Untie a contact from the school. Sessions are by account, so every session acting as this school ends
    (its other contacts sign in again): the removed person keeps none."""
    removed = await uow.contacts.remove(orgnr, contact_id, at=uow.now)
    if removed is None:
        raise NotFound("no such contact of this school")
    await sessions.end_for_account(uow, removed.account)
    trail.record(uow, actor=actor, action="contact_removed", target=f"contact:{contact_id}", from_address=client,
                 details={"orgnr": orgnr})  # fmt: skip


async def ask_to_be_contact(uow: PortalUnit, orgnr: str, email: str, message: str, *, client: str | None) -> None:
    """Record a person's request to become a school's contact (it makes nobody one); TooManyRequests beyond the
    hourly limit per client address."""
    bucket = "contact-request:" + hashlib.sha256((client or "unknown").encode()).hexdigest()
    if await uow.signin_requests.note(bucket, at=uow.now, since=uow.now - timedelta(hours=1)) > (
        REQUESTS_PER_CLIENT_PER_HOUR
    ):
        raise TooManyRequests("too many requests from this address; try again in an hour")
    asked = await uow.contacts.ask(orgnr, email, message, at=uow.now)
    trail.record(uow, actor="anonymous", action="contact_requested", target=f"request:{asked.request_id}",
                 from_address=client, details={"orgnr": orgnr})  # fmt: skip


async def requests(uow: PortalUnit, status: RequestStatus, limit: int) -> list[ContactRequest]:
    """Requests in a status, oldest first."""
    return await uow.contacts.requests(status, limit)


async def decide(uow: PortalUnit, request_id: str, approve: bool, *, actor: str, client: str | None) -> ContactRequest:
    """Approve a pending request (the person becomes the school's contact) or reject it."""
    decided = await uow.contacts.decide(request_id, "approved" if approve else "rejected", by=actor, at=uow.now)
    if decided is None:
        raise NotFound("no such pending request")
    if approve:
        await _add_contact(uow, decided.orgnr, decided.email, "approval", actor=actor, client=client,
                           conflict_ok=True)  # fmt: skip
    trail.record(uow, actor=actor, action=f"contact_request_{decided.status}", target=f"request:{request_id}",
                 from_address=client, details={"orgnr": decided.orgnr})  # fmt: skip
    return decided


async def _add_contact(
    uow: PortalUnit, orgnr: str, email: str, via: str, *, actor: str, client: str | None, conflict_ok: bool = False
) -> SchoolContact:
    added = await uow.contacts.add(orgnr, email, via, by=actor, at=uow.now)  # type: ignore[arg-type]
    if added is None:
        if conflict_ok:
            return next(c for c in await uow.contacts.of_school(orgnr) if c.email.casefold() == email.casefold())
        raise Conflict("this address is the school's contact already", field="email")
    trail.record(uow, actor=actor, action="contact_added", target=f"contact:{added.contact_id}",
                 from_address=client, details={"orgnr": orgnr, "via": via})  # fmt: skip
    return added
