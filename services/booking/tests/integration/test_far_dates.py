"""A stored visit whose time lies at the end of the calendar (year 9999: in Oslo already year 10000) breaks no
answer about it or about anything else. The API refuses such a window now; these rows are planted in the database,
as the one that got through before."""

from datetime import datetime, timedelta
from typing import Any

from booking_testkit import START, Ambassadors, Api, new_orgnr

from outreach_shared.contracts import Topics
from outreach_shared.contracts.ambassadors import TeamConfirmed
from outreach_shared.contracts.common import TeamMember, TimeWindow

FAR_START, FAR_END = "9999-12-31T23:00:00+00:00", "9999-12-31T23:30:00+00:00"


async def plant_far_window(api: Api, visit_id: str, *, scheduled: bool = False) -> None:
    window = [{"start": FAR_START, "end": FAR_END}]
    await api.svc.runtime.pool.execute(
        """UPDATE visits SET windows = $2::jsonb, visit_date = $3::timestamptz,
               scheduled_start = CASE WHEN $4 THEN $3::timestamptz END,
               scheduled_end = CASE WHEN $4 THEN $5::timestamptz END WHERE id = $1""",
        visit_id, window, datetime.fromisoformat(FAR_START), scheduled, datetime.fromisoformat(FAR_END),
    )  # fmt: skip


async def confirmed_visit(api: Api, ambassadors: Ambassadors, orgnr: str) -> str:
    visit_id = await api.create(orgnr)
    when = START + timedelta(days=14)
    slot = TimeWindow(start=when, end=when + timedelta(hours=2))
    team = [TeamMember(member_id=f"m-{visit_id}", first_name="Kari", profession="nurse")]
    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=slot, members=team), key=visit_id)
    await api.status_becomes(visit_id, orgnr, "confirmed")
    return visit_id


async def answers(api: Api, orgnr: str, visit_id: str) -> dict[str, Any]:
    client = api.svc.client
    got = {
        "visit": await client.get(f"/v1/visit-requests/{visit_id}", headers=api.school(orgnr)),
        "list": await client.get("/v1/visit-requests", headers=api.school(orgnr)),
        "organiser list": await client.get("/v1/visit-requests", params={"orgnr": orgnr}, headers=api.organiser()),
        "stats": await client.get("/v1/stats", headers=api.organiser()),
        "calendar": await client.get(f"/v1/visit-requests/{visit_id}/calendar.ics", headers=api.school(orgnr)),
    }
    return {name: (r.status_code, r.text[:300]) for name, r in got.items()}


async def test_a_requested_visit_with_a_far_window_is_shown_counted_and_cancelled(api: Api) -> None:
    orgnr = new_orgnr()
    visit_id = await api.create(orgnr)
    await plant_far_window(api, visit_id)
    got = await answers(api, orgnr, visit_id)
    assert {name: status for name, (status, _) in got.items()} == {
        "visit": 200, "list": 200, "organiser list": 200, "stats": 200, "calendar": 409,
    }, got  # fmt: skip
    r = await api.svc.client.post(f"/v1/visit-requests/{visit_id}/cancel", json={"reason": "x"},
                                  headers=api.school(orgnr))  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"


async def test_a_confirmed_visit_at_a_far_time_is_shown_counted_and_cancelled(
    api: Api, ambassadors: Ambassadors
) -> None:
    orgnr = new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, orgnr)
    await plant_far_window(api, visit_id, scheduled=True)
    got = await answers(api, orgnr, visit_id)
    assert {name: status for name, (status, _) in got.items()} == {
        "visit": 200, "list": 200, "organiser list": 200, "stats": 200, "calendar": 200,
    }, got  # fmt: skip
    r = await api.svc.client.post(f"/v1/visit-requests/{visit_id}/cancel", json={"reason": "x"},
                                  headers=api.school(orgnr))  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
