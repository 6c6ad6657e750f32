"""The calendar endpoint: UTC instants across DST, the mails' UID, SEQUENCE, and always the latest state."""

from datetime import UTC, timedelta

import ics
from booking_testkit import START, TEAM, Ambassadors, Api, eventually, new_orgnr
from icalendar import Calendar

from outreach_shared.contracts import Topics
from outreach_shared.contracts.ambassadors import TeamChanged, TeamConfirmed
from outreach_shared.contracts.common import TimeWindow

# Europe/Oslo moves to summer time on 28 March 2027 at 02:00.
WINTER = TimeWindow(start=START.replace(day=26, hour=8), end=START.replace(day=26, hour=10))  # 09:00 CET
SUMMER = TimeWindow(start=START.replace(day=29, hour=7), end=START.replace(day=29, hour=9))  # 09:00 CEST


async def calendar(api: Api, visit_id: str, orgnr: str) -> Calendar:
    r = await api.svc.client.get(f"/v1/visit-requests/{visit_id}/calendar.ics", headers=api.school(orgnr))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    (other,) = ics.Calendar(r.text).events  # a second, independent parser reads the same instants
    (event,) = cal.events
    assert (other.uid, other.begin.to("UTC").datetime, other.end.to("UTC").datetime) == (
        event["UID"],
        event.start.astimezone(UTC),
        event.end.astimezone(UTC),
    )
    return cal


async def confirm(api: Api, ambassadors: Ambassadors, orgnr: str, window: TimeWindow) -> str:
    start = window.start - timedelta(hours=2)
    visit_id = await api.create(orgnr, start=start)
    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=window, members=TEAM), key=visit_id)
    await api.status_becomes(visit_id, orgnr, "confirmed")
    return visit_id


async def test_the_same_local_time_on_both_sides_of_dst_is_the_right_instant_with_the_mails_uid(
    api: Api, ambassadors: Ambassadors
) -> None:
    orgnr = new_orgnr()
    for window in (WINTER, SUMMER):
        visit_id = await confirm(api, ambassadors, orgnr, window)
        cal = await calendar(api, visit_id, orgnr)
        event = cal.events[0]
        assert event["UID"] == f"visit-{visit_id}@outreach.jobbvinner.no"
        assert event.start.utcoffset() == timedelta(0) and cal.timezones == []
        assert event.start == window.start.astimezone(UTC) and event.end == window.end.astimezone(UTC)


async def test_sequence_rises_on_team_change_and_cancel_gives_method_cancel(api: Api, ambassadors: Ambassadors) -> None:
    orgnr = new_orgnr()
    visit_id = await confirm(api, ambassadors, orgnr, SUMMER)
    first = (await calendar(api, visit_id, orgnr)).events[0]
    await ambassadors.send(Topics.OFFERS, TeamChanged(visit_id=visit_id, window=SUMMER, members=TEAM[:1]), key=visit_id)

    async def changed() -> bool:
        return len((await api.get(visit_id, orgnr))["team"]) == 1

    await eventually(changed)
    second = (await calendar(api, visit_id, orgnr)).events[0]
    r = await api.svc.client.post(
        f"/v1/visit-requests/{visit_id}/cancel", json={"reason": "closed"}, headers=api.school(orgnr)
    )
    assert r.status_code == 200
    cancelled = await calendar(api, visit_id, orgnr)
    assert (first["SEQUENCE"], second["SEQUENCE"], cancelled.events[0]["SEQUENCE"]) == (1, 2, 3)
    assert first["UID"] == second["UID"] == cancelled.events[0]["UID"]
    assert cancelled["METHOD"] == "CANCEL" and cancelled.events[0]["STATUS"] == "CANCELLED"


async def test_a_visit_without_a_scheduled_time_has_no_calendar(api: Api) -> None:
    orgnr = new_orgnr()
    visit_id = await api.create(orgnr)
    r = await api.svc.client.get(f"/v1/visit-requests/{visit_id}/calendar.ics", headers=api.school(orgnr))
    assert r.status_code == 409 and "never confirmed" in r.json()["detail"]


async def test_after_a_reschedule_and_a_later_cancel_the_calendar_withdraws_the_confirmed_time(
    api: Api, ambassadors: Ambassadors
) -> None:
    orgnr = new_orgnr()
    visit_id = await confirm(api, ambassadors, orgnr, SUMMER)
    later = SUMMER.start + timedelta(days=7)
    r = await api.svc.client.post(
        f"/v1/visit-requests/{visit_id}/reschedule",
        json={"windows": [{"start": later.isoformat(), "end": (later + timedelta(hours=6)).isoformat()}]},
        headers=api.school(orgnr),
    )
    assert r.status_code == 200, r.text
    withdrawn = await calendar(api, visit_id, orgnr)
    assert withdrawn["METHOD"] == "CANCEL" and withdrawn.events[0]["STATUS"] == "CANCELLED"
    assert (withdrawn.events[0].start, withdrawn.events[0]["SEQUENCE"]) == (SUMMER.start, 2)
    r = await api.svc.client.post(
        f"/v1/visit-requests/{visit_id}/cancel", json={"reason": "closed"}, headers=api.school(orgnr)
    )
    assert r.status_code == 200, r.text
    cancelled = await calendar(api, visit_id, orgnr)
    assert cancelled["METHOD"] == "CANCEL" and cancelled.events[0]["STATUS"] == "CANCELLED"
    assert cancelled.events[0]["SEQUENCE"] == 2 and cancelled.events[0]["UID"] == withdrawn.events[0]["UID"]
