"""The portal learns who may sign in as a member from the roster topic."""

from uuid import uuid4

import pytest
from portal_helpers import Roster, snapshot

from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts import ambassadors as a
from portal.adapters.members import MemberDirectory
from portal.domain.members import RosterMember

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _by_email(portal: RunningService, email: str) -> RosterMember | None:
    async with portal.runtime.pool.acquire() as conn:
        return await MemberDirectory(conn).by_email(email)


async def test_a_registered_member_is_found_by_their_address_in_any_case(
    portal: RunningService, roster: Roster
) -> None:
    member_id = str(uuid4())
    await roster.register(member_id, f"Kari.{member_id[:8]}@Example.org")

    async def found() -> RosterMember | None:
        return await _by_email(portal, f"  kari.{member_id[:8]}@example.ORG ")

    member = await eventually(found)
    assert member is not None and member.member_id == member_id


async def test_a_deactivated_or_erased_member_is_no_longer_found(portal: RunningService, roster: Roster) -> None:
    member_id, email = str(uuid4()), f"ola.{uuid4().hex[:8]}@example.org"
    await roster.register(member_id, email)
    assert (await eventually(lambda: _by_email(portal, email))) is not None
    await roster.register(member_id, email, active=False)

    async def gone() -> bool:
        return await _by_email(portal, email) is None

    assert await eventually(gone)
    await roster.register(member_id, email)
    assert (await eventually(lambda: _by_email(portal, email))) is not None
    await roster.send(a.MemberErased(member_id=member_id), member_id)
    assert await eventually(gone)


async def test_the_members_preferred_language_is_kept_for_their_pages(portal: RunningService, roster: Roster) -> None:
    member_id, email = str(uuid4()), f"nils.{uuid4().hex[:8]}@example.org"
    prefers_nynorsk = snapshot(member_id, email).model_copy(update={"preferred_language": "nn"})
    await roster.send(a.MemberRegistered(member=prefers_nynorsk), member_id)

    async def language() -> str | None:
        found = await _by_email(portal, email)
        return found.language if found else None

    assert await eventually(language) == "nn"
