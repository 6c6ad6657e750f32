"""Organisers' overrides made in other services reach the portal's audit trail from their events: who (an id),
what, on which visit; the seats matching offers are not overrides and are not audited."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from portal_helpers import Roster

from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts import ambassadors as a
from outreach_shared.contracts import booking as b
from outreach_shared.contracts.common import TimeWindow
from outreach_shared.contracts.topics import Topics

pytestmark = pytest.mark.asyncio(loop_scope="session")
WINDOW = TimeWindow(start=datetime(2027, 3, 4, 8, tzinfo=UTC), end=datetime(2027, 3, 4, 10, tzinfo=UTC))


def offer(visit_id: str, *, override: bool, by: str | None) -> a.OfferMade:
    return a.OfferMade(offer_id=str(uuid4()), visit_id=visit_id, member_id=str(uuid4()), window=WINDOW,
                       expires_at=WINDOW.start - timedelta(days=1), reason="x", kind="school_visit",
                       school_name="Skole", kommunenummer="5001", language="nb", override=override, by=by)  # fmt: skip


async def audited(portal: RunningService, visit_id: str) -> list[tuple[str, str, str]]:
    async with portal.runtime.unit_of_work("test") as uow:
        rows = await uow.conn.fetch("SELECT actor, action, details->>'override' AS what FROM audit_log "
                                    "WHERE target = $1 ORDER BY id", f"visit:{visit_id}")  # fmt: skip
    return [(r["actor"], r["action"], r["what"]) for r in rows]


async def test_an_override_offer_and_a_completion_by_an_organiser_are_audited_with_who_did_them(
    portal: RunningService, roster: Roster
) -> None:
    visit_id, organiser = str(uuid4()), f"organiser:{uuid4()}"
    await roster.send(offer(visit_id, override=False, by=None), visit_id, topic=Topics.OFFERS, producer="ambassadors")
    await roster.send(offer(visit_id, override=True, by=organiser), visit_id, topic=Topics.OFFERS,
                      producer="ambassadors")  # fmt: skip
    completed = b.VisitCompleted(visit_id=visit_id, pupils_reached=40, kommunenummer="5001", scheduled=WINDOW,
                                 completed_by="organiser", by=organiser)  # fmt: skip
    await roster.send(completed, visit_id, topic=Topics.VISITS, producer="booking")

    async def both() -> list[tuple[str, str, str]]:
        found = await audited(portal, visit_id)
        assert len(found) == 2, found
        return found

    assert sorted(await eventually(both)) == [(organiser, "organiser_override", "mark_completed"),
                                              (organiser, "organiser_override", "offer_to_member")]  # fmt: skip
    # (two topics: no order between them); matching's own offer is not an override and is not there
