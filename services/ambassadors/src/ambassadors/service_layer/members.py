"""Roster use cases: register, change, deactivate, reactivate, erase, mark trained."""

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ambassadors.adapters.members import MemberFilter
from ambassadors.domain.ids import is_uuid
from ambassadors.domain.members import Member, MemberFields
from ambassadors.domain.snapshots import snapshot
from ambassadors.service_layer.staffing import refill, release
from ambassadors.service_layer.unit_of_work import AmbassadorsUnit
from outreach_shared.bounds.times import OSLO, check_date
from outreach_shared.consumer import describe_validation_error
from outreach_shared.contracts.ambassadors import (
    MemberDeactivated,
    MemberErased,
    MemberReactivated,
    MemberRegistered,
    MemberUpdated,
)
from outreach_shared.errors import Conflict, Forbidden, Invalid, NotFound
from outreach_shared.municipalities import load_register
from outreach_shared.regions import NATIONAL, Region


def resolve_kommunenummer(value: str) -> str:
    """A kommunenummer as organisers write it: '301' (lost leading zero) or a unique name like 'Trondheim'."""
    value = value.strip()
    if value.isdigit() and len(value) == 3:
        value = value.zfill(4)
    if not value.isdigit():
        named = [m.number for m in load_register().by_number.values() if m.name.lower() == value.lower()]
        value = named[0] if len(named) == 1 else value
    return load_register().get(value).number


def fylke_of(kommunenummer: str) -> str:
    """The county's name (422 for an unknown municipality)."""
    return load_register().get(kommunenummer).county


@dataclass(frozen=True)
class RosterQuery:
    """Roster list filters as the organiser gives them."""

    kommunenummer: str | None = None
    fylke: str | None = None
    profession: str | None = None
    active: bool | None = None
    limit: int = 100
    offset: int = 0
    text: str | None = None
    language: str | None = None
    trained_year: int | None = None
    after: str | None = None


async def get_member(
    uow: AmbassadorsUnit, member_id: str, *, region: Region = NATIONAL, for_update: bool = False
) -> Member:
    """One member (404 if unknown, erased, or living outside the organiser's region)."""
    member = await uow.members.get(member_id, for_update=for_update)
    if member is None or not region.covers(member.fields.kommunenummer):
        raise NotFound(f"no member {member_id}")
    return member


def check_in_region(kommunenummer: str, region: Region) -> None:
    """403 for a member placed outside the organiser's region."""
    if not region.covers(kommunenummer):
        raise Forbidden(f"kommunenummer {kommunenummer} is outside this organiser's region ({region.describe()})")


async def list_members(uow: AmbassadorsUnit, q: RosterQuery, *, region: Region = NATIONAL) -> list[Member]:
    """Members by municipality, county (number or name), profession and active flag, within the region."""
    numbers: list[str] | None = [q.kommunenummer] if q.kommunenummer else None
    if q.fylke:
        wanted = q.fylke.strip().lower()
        in_county = [
            m.number for m in load_register().by_number.values() if wanted in (m.county_number, m.county.lower())
        ]
        numbers = [n for n in in_county if numbers is None or n in numbers]
    if not region.national:
        inside = region.kommunenumre()
        numbers = sorted(inside) if numbers is None else [n for n in numbers if n in inside]
    return await uow.members.list(
        MemberFilter(numbers, q.profession, q.active, q.limit, q.offset, q.text, q.language, q.trained_year, q.after)
    )


def check_days_off(uow: AmbassadorsUnit, fields: MemberFields, *, before: MemberFields | None = None) -> None:
    """422 naming the field for a new day off or range away that is not within the horizon of today (Oslo time);
    those kept from before are not judged again."""
    today, rules = uow.now.astimezone(OSLO).date(), uow.config.time_rules
    kept_days = frozenset(before.unavailable_dates) if before else frozenset()
    for day in fields.unavailable_dates:  # sorted and deduplicated: an index would not be the caller's
        if day not in kept_days:
            check_date(day, today=today, rules=rules, field="unavailable_dates")
    kept_ranges = frozenset(before.unavailable) if before else frozenset()
    for away in fields.unavailable:
        if away not in kept_ranges:
            check_date(away.from_, today=today, rules=rules, field="unavailable")
            check_date(away.to, today=today, rules=rules, field="unavailable")


async def register_member(uow: AmbassadorsUnit, fields: MemberFields, *, region: Region = NATIONAL) -> Member:
    """Add a member to the roster (409 if the e-mail is already registered; 403 outside the organiser's region)."""
    check_in_region(fields.kommunenummer, region)
    check_days_off(uow, fields)
    if await uow.members.get_by_emails([fields.email]):
        raise Conflict(f"a member with e-mail {fields.email} is already registered", field="email")
    member = Member(id=str(uuid.uuid4()), fields=fields, fylke=fylke_of(fields.kommunenummer))
    await uow.members.add(member)
    await uow.emit(MemberRegistered(member=snapshot(member)), key=member.id)
    return member


def merge_fields(current: MemberFields, changes: dict[str, Any]) -> MemberFields:
    """The member's details with some fields changed, validated as a whole (422 when invalid)."""
    try:
        return MemberFields.model_validate({**current.model_dump(), **changes})
    except ValidationError as exc:
        raise Invalid(describe_validation_error(exc)) from None


async def update_member(
    uow: AmbassadorsUnit, member_id: str, changes: dict[str, Any], *, region: Region = NATIONAL
) -> Member:
    """Change a member's details and publish the new snapshot (not moving them out of the organiser's region)."""
    member = await get_member(uow, member_id, region=region, for_update=True)
    fields = merge_fields(member.fields, changes)
    check_in_region(fields.kommunenummer, region)
    check_days_off(uow, fields, before=member.fields)
    if fields.email != member.fields.email and await uow.members.get_by_emails([fields.email]):
        raise Conflict(f"a member with e-mail {fields.email} is already registered", field="email")
    updated = member.with_fields(fields, fylke_of(fields.kommunenummer))
    if updated != member:
        await uow.members.save(updated)
        await uow.emit(MemberUpdated(member=snapshot(updated)), key=member.id)
    return updated


async def _free_member(uow: AmbassadorsUnit, member_id: str, reason: str) -> None:
    """Withdraw the member's open offers and release their accepted future visits, then find replacements."""
    for offer in await uow.offers.holding_for_member(member_id, ending_after=uow.now):
        visit = await uow.visits.get(offer.visit_id, for_update=True)
        if visit is None:
            continue
        await release(uow, visit, [offer], reason)
        await refill(uow, visit)


async def set_active(uow: AmbassadorsUnit, member_id: str, active: bool, *, region: Region = NATIONAL) -> Member:
    """Deactivate (releasing their visits) or reactivate a member; repeating it changes nothing."""
    member = await get_member(uow, member_id, region=region)
    if member.active == active:
        return member
    if not active:
        await _free_member(uow, member_id, "the member is no longer active")
    changed = member.with_active(active)
    await uow.members.save(changed)
    event = MemberReactivated if active else MemberDeactivated
    await uow.emit(event(member=snapshot(changed)), key=member_id)
    return changed


async def erase_member(uow: AmbassadorsUnit, member_id: str, *, region: Region = NATIONAL) -> None:
    """Remove the person's data here and tell every service to remove theirs."""
    await get_member(uow, member_id, region=region)
    await _free_member(uow, member_id, "the member left the programme")
    await uow.offers.forget_member(member_id)
    await uow.members.delete(member_id)
    await uow.members.forget_in_outbox(member_id)
    await uow.emit(MemberErased(member_id=member_id), key=member_id)


async def mark_trained(uow: AmbassadorsUnit, member_ids: list[str], year: int) -> None:
    """Members who completed the annual gathering are trained for `year`."""
    valid = [m for m in member_ids if is_uuid(m)]
    for member in (await uow.members.get_many(valid)).values():
        trained = member.with_trained(year)
        if trained != member:
            await uow.members.save(trained)
            await uow.emit(MemberUpdated(member=snapshot(trained)), key=member.id)
