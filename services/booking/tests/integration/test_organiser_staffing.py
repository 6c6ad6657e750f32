"""Organisers' manual staffing as booking sees it: an unfulfilled visit staffed again, and a visit completed by an
organiser on the team's behalf."""

from datetime import timedelta

from booking_testkit import KARI, SEN, START, TEAM, Ambassadors, Api, KafkaTap, MovableClock, new_orgnr

from outreach_shared.contracts import Topics
from outreach_shared.contracts.ambassadors import MemberReleased, NoTeamAvailable, OfferMade, TeamConfirmed
from outreach_shared.contracts.common import TeamMember, TimeWindow
from outreach_shared.regions import Region

SLOT = TimeWindow(start=START + timedelta(days=14, hours=1), end=START + timedelta(days=14, hours=3))


def offer(visit_id: str, member_id: str = KARI, *, override: bool = False) -> OfferMade:
    return OfferMade(
        offer_id=f"o-{visit_id}-{member_id}", visit_id=visit_id, member_id=member_id, window=SLOT,
        expires_at=START + timedelta(days=2), reason="Offered by an organiser", kind="school_visit",
        school_name="Byskolen", kommunenummer="0301", language="nb", override=override,
    )  # fmt: skip


async def confirmed_visit(api: Api, ambassadors: Ambassadors, orgnr: str) -> str:
    visit_id = await api.create(orgnr)
    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=SLOT, members=TEAM), key=visit_id)
    await api.status_becomes(visit_id, orgnr, "confirmed")
    return visit_id


async def test_an_unfulfilled_visit_is_offered_and_confirmed_again_after_a_rematch(
    api: Api, ambassadors: Ambassadors
) -> None:
    orgnr = new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, orgnr)
    for member in TEAM:  # the team leaves, nobody replaces them: booking gives the visit up
        released = MemberReleased(visit_id=visit_id, member_id=member.member_id, reason="left", window=SLOT)
        await ambassadors.send(Topics.OFFERS, released, key=visit_id)
    await ambassadors.send(Topics.OFFERS, NoTeamAvailable(visit_id=visit_id, reason="no replacement"), key=visit_id)
    await api.status_becomes(visit_id, orgnr, "unfulfilled")

    await ambassadors.send(Topics.OFFERS, offer(visit_id, SEN, override=True), key=visit_id)  # the rematch's round
    await api.status_becomes(visit_id, orgnr, "offered")
    team = [TeamMember(member_id=SEN, first_name="Sen", profession="nurse"), TEAM[0]]
    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=SLOT, members=team), key=visit_id)
    visit = await api.status_becomes(visit_id, orgnr, "confirmed")

    assert [m["first_name"] for m in visit["team"]] == ["Sen", "Kari"]
    assert [h["status"] for h in visit["history"]][-3:] == ["unfulfilled", "offered", "confirmed"]


async def test_an_organiser_completes_a_started_visit_on_the_teams_behalf(
    api: Api, ambassadors: Ambassadors, tap: KafkaTap, clock: MovableClock
) -> None:
    orgnr = new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, orgnr)
    url = f"/v1/visit-requests/{visit_id}/complete"
    early = await api.svc.client.post(url, json={}, headers=api.organiser())
    assert early.status_code == 409 and "not started" in early.json()["detail"]
    clock.set(SLOT.start + timedelta(minutes=30))

    outside = api.svc.auth("organiser", region=Region.of(fylker=["50"]))  # the school is in Oslo (03)
    assert (await api.svc.client.post(url, json={}, headers=outside)).status_code == 404
    for refused in (api.school(orgnr), api.member(KARI)):
        assert (await api.svc.client.post(url, json={}, headers=refused)).status_code == 403
    home = api.svc.auth("organiser", region=Region.of(fylker=["03"]))
    r = await api.svc.client.post(url, json={"pupils_reached": 41, "notes": "the team forgot"}, headers=home)

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "completed" and body["report"]["by"] == "organiser"
    assert body["report"]["pupils_reached"] == 41 and body["report"]["notes"] == "the team forgot"
    assert body["history"][-1]["note"] == "completed by an organiser on the team's behalf"
    (completed,) = await tap.wait_for(visit_id, "visit.completed")
    assert completed.payload["completed_by"] == "organiser" and completed.payload["pupils_reached"] == 41
    assert completed.payload["by"].startswith("organiser:")  # who marked it, for the portal's audit trail
    assert completed.payload["team_member_ids"] == [m.member_id for m in TEAM]
    again = await api.svc.client.post(url, json={}, headers=api.organiser())
    assert again.status_code == 409 and "already" in again.json()["detail"]


async def test_completing_without_a_count_takes_the_pupils_the_school_registered(
    api: Api, ambassadors: Ambassadors, clock: MovableClock
) -> None:
    orgnr = new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, orgnr)
    registered = (await api.get(visit_id, orgnr))["audience"]["pupils"]
    clock.set(SLOT.end + timedelta(days=2))

    r = await api.svc.client.post(f"/v1/visit-requests/{visit_id}/complete", headers=api.organiser())

    assert r.status_code == 200, r.text
    assert r.json()["report"]["pupils_reached"] == registered and r.json()["report"]["by"] == "organiser"


async def test_only_a_confirmed_visit_is_completed_and_hostile_counts_are_refused(api: Api) -> None:
    orgnr = new_orgnr()
    visit_id = await api.create(orgnr)
    url = f"/v1/visit-requests/{visit_id}/complete"
    r = await api.svc.client.post(url, json={"pupils_reached": 3}, headers=api.organiser())
    assert r.status_code == 409 and "only a confirmed visit" in r.json()["detail"]
    for body in ({"pupils_reached": 10**9}, {"pupils_reached": -1}, {"notes": "nul\x00"}, {"extra": 1}):
        r = await api.svc.client.post(url, json=body, headers=api.organiser())
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
