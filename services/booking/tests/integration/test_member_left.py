"""A member leaves a confirmed team: booking takes them off it, and gives the visit up when nobody replaces them."""

from datetime import timedelta

from booking_testkit import KARI, OLA, SEN, START, TEAM, Ambassadors, Api, KafkaTap, eventually, new_orgnr
from icalendar import Calendar

from outreach_shared.contracts import Topics
from outreach_shared.contracts.ambassadors import MemberReleased, NoTeamAvailable, OfferMade, TeamChanged, TeamConfirmed
from outreach_shared.contracts.common import TeamMember, TimeWindow

SLOT = TimeWindow(start=START + timedelta(days=14, hours=1), end=START + timedelta(days=14, hours=3))
NO_REPLACEMENT = "no replacement found: 1 of 2 seat(s) open for the window"


async def confirmed_visit(api: Api, ambassadors: Ambassadors, orgnr: str) -> str:
    visit_id = await api.create(orgnr)
    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=SLOT, members=TEAM), key=visit_id)
    await api.status_becomes(visit_id, orgnr, "confirmed")
    return visit_id


def left(visit_id: str, member_id: str = KARI) -> MemberReleased:
    return MemberReleased(visit_id=visit_id, member_id=member_id, reason="the member is no longer active", window=SLOT)


async def team_is(api: Api, visit_id: str, orgnr: str, first_names: list[str]) -> None:
    async def check() -> bool:
        return [m["first_name"] for m in (await api.get(visit_id, orgnr))["team"]] == first_names

    await eventually(check)


async def test_a_member_who_left_is_taken_off_the_confirmed_team_and_nobody_is_released(
    api: Api, ambassadors: Ambassadors, tap: KafkaTap
) -> None:
    orgnr = new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, orgnr)
    await ambassadors.send(Topics.OFFERS, left(visit_id), key=visit_id)
    await team_is(api, visit_id, orgnr, ["Ola"])
    visit = await api.get(visit_id, orgnr)
    assert visit["status"] == "confirmed"
    assert visit["history"][-1]["note"] == "a team member left; a replacement is sought"
    replacement = TeamMember(member_id=SEN, first_name="Sen", profession="nurse")
    await ambassadors.send(
        Topics.OFFERS, TeamChanged(visit_id=visit_id, window=SLOT, members=[TEAM[1], replacement]), key=visit_id
    )
    await team_is(api, visit_id, orgnr, ["Ola", "Sen"])
    assert (await api.get(visit_id, orgnr))["status"] == "confirmed"
    assert tap.of(visit_id, "visit.team-release-requested") == []


async def test_no_replacement_makes_the_visit_unfulfilled_withdraws_its_calendar_and_releases_the_rest(
    api: Api, ambassadors: Ambassadors, tap: KafkaTap
) -> None:
    orgnr = new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, orgnr)
    await ambassadors.send(Topics.OFFERS, left(visit_id), key=visit_id)
    await ambassadors.send(Topics.OFFERS, NoTeamAvailable(visit_id=visit_id, reason=NO_REPLACEMENT), key=visit_id)
    visit = await api.status_becomes(visit_id, orgnr, "unfulfilled")
    assert visit["team"] == [] and visit["history"][-1]["note"] == NO_REPLACEMENT
    (unfulfilled,) = await tap.wait_for(visit_id, "visit.unfulfilled")
    assert unfulfilled.payload["calendar_sequence"] == 2 and unfulfilled.payload["reason"] == NO_REPLACEMENT
    assert unfulfilled.payload["scheduled"]["start"] == SLOT.start.isoformat().replace("+00:00", "Z")
    (release,) = await tap.wait_for(visit_id, "visit.team-release-requested")
    assert release.payload["member_ids"] == [OLA] and release.payload["reason"] == NO_REPLACEMENT

    r = await api.svc.client.get(f"/v1/visit-requests/{visit_id}/calendar.ics", headers=api.school(orgnr))
    assert r.status_code == 200, r.text
    cal = Calendar.from_ical(r.content)
    (event,) = cal.events
    assert cal["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 2
    assert event.start == SLOT.start

    # The released member's echo changes nothing and asks for no further release.
    echo = await ambassadors.send(Topics.OFFERS, left(visit_id, OLA), key=visit_id)
    await eventually(lambda: _handled(api, echo.event_id))
    assert len(tap.of(visit_id, "visit.team-release-requested")) == 1
    assert (await api.get(visit_id, orgnr))["status"] == "unfulfilled"


async def test_a_visit_given_up_is_confirmed_again_when_a_full_team_is_found(
    api: Api, ambassadors: Ambassadors
) -> None:
    orgnr = new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, orgnr)
    await ambassadors.send(Topics.OFFERS, left(visit_id), key=visit_id)
    await ambassadors.send(Topics.OFFERS, NoTeamAvailable(visit_id=visit_id, reason=NO_REPLACEMENT), key=visit_id)
    await api.status_becomes(visit_id, orgnr, "unfulfilled")
    offer = OfferMade(
        offer_id=f"o-{visit_id}", visit_id=visit_id, member_id=SEN, window=SLOT,
        expires_at=START + timedelta(days=2), reason="nearest free", kind="school_visit",
        school_name="Byskolen", kommunenummer="0301", language="nb",
    )  # fmt: skip
    await ambassadors.send(Topics.OFFERS, offer, key=visit_id)
    await api.status_becomes(visit_id, orgnr, "offered")
    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=SLOT, members=TEAM), key=visit_id)
    visit = await api.status_becomes(visit_id, orgnr, "confirmed")
    assert [m["first_name"] for m in visit["team"]] == ["Kari", "Ola"]
    r = await api.svc.client.get(f"/v1/visit-requests/{visit_id}/calendar.ics", headers=api.school(orgnr))
    cal = Calendar.from_ical(r.content)
    assert cal["METHOD"] == "PUBLISH" and cal.events[0]["SEQUENCE"] == 3


async def _handled(api: Api, event_id: object) -> bool:
    async with api.svc.runtime.pool.acquire() as conn:
        return bool(await conn.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", event_id))
