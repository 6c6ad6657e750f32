"""Every status transition through the real API and Kafka, including the late and ignored ones."""

from datetime import datetime, timedelta

import httpx
import pytest
from booking_testkit import (
    KARI,
    OLA,
    PER,
    SEN,
    START,
    STRANGER,
    TEAM,
    Ambassadors,
    Api,
    KafkaTap,
    MovableClock,
    eventually,
    new_orgnr,
    school_day_window,
)

from outreach_dev.testing.service import RunningService
from outreach_shared.contracts import Topics
from outreach_shared.contracts.ambassadors import MemberErased, NoTeamAvailable, OfferMade, TeamChanged, TeamConfirmed
from outreach_shared.contracts.common import TeamMember, TimeWindow

SLOT = TimeWindow(start=START + timedelta(days=14, hours=1), end=START + timedelta(days=14, hours=3))


def offer(visit_id: str, member_id: str = KARI) -> OfferMade:
    return OfferMade(
        offer_id=f"o-{visit_id}-{member_id}", visit_id=visit_id, member_id=member_id, window=SLOT,
        expires_at=START + timedelta(days=2), reason="nearest free", kind="school_visit",
        school_name="Byskolen", kommunenummer="0301", language="nb",
    )  # fmt: skip


async def confirmed_visit(api: Api, ambassadors: Ambassadors, orgnr: str) -> str:
    visit_id = await api.create(orgnr)
    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=SLOT, members=TEAM), key=visit_id)
    await api.status_becomes(visit_id, orgnr, "confirmed")
    return visit_id


async def test_a_visit_goes_from_requested_through_offered_and_confirmed_to_completed(
    api: Api, ambassadors: Ambassadors, tap: KafkaTap, clock: MovableClock
) -> None:
    orgnr = new_orgnr()
    visit_id = await api.create(orgnr)
    assert (await api.get(visit_id, orgnr))["status"] == "requested"
    (requested,) = await tap.wait_for(visit_id, "visit.requested")
    assert requested.payload["orgnr"] == orgnr and "contact" not in requested.payload

    await ambassadors.send(Topics.OFFERS, offer(visit_id), key=visit_id)
    await api.status_becomes(visit_id, orgnr, "offered")
    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=SLOT, members=TEAM), key=visit_id)
    visit = await api.status_becomes(visit_id, orgnr, "confirmed")
    assert visit["team"] == [{"first_name": "Kari", "profession": "nurse"},
                             {"first_name": "Ola", "profession": "health_worker"}]  # fmt: skip
    assert visit["scheduled"] == {"start": "2027-03-15T14:00:00+01:00", "end": "2027-03-15T16:00:00+01:00"}
    (confirmed,) = await tap.wait_for(visit_id, "visit.confirmed")
    assert confirmed.payload["calendar_sequence"] == 1 and confirmed.causation_id is not None

    clock.set(SLOT.start + timedelta(minutes=30))
    r = await api.svc.client.post(
        f"/v1/visit-requests/{visit_id}/report", json={"pupils_reached": 57, "notes": "good"},
        headers=api.member(OLA),
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed"
    (completed,) = await tap.wait_for(visit_id, "visit.completed")
    assert completed.payload["pupils_reached"] == 57 and completed.payload["team_member_ids"] == [KARI, OLA]
    history = [h["status"] for h in (await api.get(visit_id, orgnr))["history"]]
    assert history == ["requested", "offered", "confirmed", "completed"]


async def test_team_changed_updates_the_team_and_confirms_again_with_a_raised_sequence(
    api: Api, ambassadors: Ambassadors, tap: KafkaTap
) -> None:
    orgnr = new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, orgnr)
    new_team = [TEAM[0], TeamMember(member_id=PER, first_name="Per", profession="health_worker")]
    await ambassadors.send(Topics.OFFERS, TeamChanged(visit_id=visit_id, window=SLOT, members=new_team), key=visit_id)
    first, second = await tap.wait_for(visit_id, "visit.confirmed", count=2)
    assert (first.payload["calendar_sequence"], second.payload["calendar_sequence"]) == (1, 2)
    assert [m["member_id"] for m in second.payload["team"]] == [KARI, PER]
    assert [m["first_name"] for m in (await api.get(visit_id, orgnr))["team"]] == ["Kari", "Per"]


async def test_no_team_available_makes_the_visit_unfulfilled(api: Api, ambassadors: Ambassadors, tap: KafkaTap) -> None:
    orgnr = new_orgnr()
    visit_id = await api.create(orgnr)
    await ambassadors.send(Topics.OFFERS, NoTeamAvailable(visit_id=visit_id, reason="nobody free"), key=visit_id)
    visit = await api.status_becomes(visit_id, orgnr, "unfulfilled")
    assert visit["history"][-1]["note"] == "nobody free"
    (event,) = await tap.wait_for(visit_id, "visit.unfulfilled")
    assert event.payload["reason"] == "nobody free" and event.payload["kommunenummer"] == "0301"


async def test_cancelling_a_confirmed_visit_less_than_48_hours_ahead_is_flagged_late(
    api: Api, ambassadors: Ambassadors, tap: KafkaTap, clock: MovableClock
) -> None:
    orgnr = new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, orgnr)
    clock.set(SLOT.start - timedelta(hours=47))
    r = await api.svc.client.post(
        f"/v1/visit-requests/{visit_id}/cancel", json={"reason": "flu"}, headers=api.school(orgnr)
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled" and r.json()["cancellation"]["late"] is True
    (event,) = await tap.wait_for(visit_id, "visit.cancelled")
    assert event.payload["late"] is True and event.payload["was_confirmed"] is True
    assert event.payload["team_member_ids"] == [KARI, OLA]


async def test_cancelling_early_is_not_late_and_cancelling_twice_is_a_conflict(
    api: Api, ambassadors: Ambassadors, tap: KafkaTap
) -> None:
    orgnr = new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, orgnr)
    url = f"/v1/visit-requests/{visit_id}/cancel"
    r = await api.svc.client.post(url, json={"reason": "exam week"}, headers=api.school(orgnr))
    assert r.status_code == 200 and r.json()["cancellation"]["late"] is False
    again = await api.svc.client.post(url, json={"reason": "again"}, headers=api.school(orgnr))
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    (event,) = await tap.wait_for(visit_id, "visit.cancelled")
    assert event.payload["late"] is False


async def test_team_confirmed_after_cancellation_is_recorded_ignored_and_the_team_released(
    api: Api, ambassadors: Ambassadors, tap: KafkaTap, booking: RunningService
) -> None:
    orgnr = new_orgnr()
    visit_id = await api.create(orgnr)
    r = await api.svc.client.post(
        f"/v1/visit-requests/{visit_id}/cancel", json={"reason": "no longer needed"}, headers=api.school(orgnr)
    )
    assert r.status_code == 200
    late = await ambassadors.send(
        Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=SLOT, members=TEAM), key=visit_id
    )
    (release,) = await tap.wait_for(visit_id, "visit.team-release-requested")
    assert release.payload["member_ids"] == [KARI, OLA] and "cancelled" in release.payload["reason"]
    assert release.causation_id == str(late.event_id)
    async with booking.runtime.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT event_type, reason FROM ignored_events WHERE event_id = $1", late.event_id)
    assert row["event_type"] == "team.confirmed" and "cancelled" in row["reason"]
    assert (await api.get(visit_id, orgnr))["status"] == "cancelled"


async def test_a_late_offer_after_cancellation_releases_the_offered_member(
    api: Api, ambassadors: Ambassadors, tap: KafkaTap
) -> None:
    orgnr = new_orgnr()
    visit_id = await api.create(orgnr)
    await api.svc.client.post(f"/v1/visit-requests/{visit_id}/cancel", json={"reason": "x"}, headers=api.school(orgnr))
    await ambassadors.send(Topics.OFFERS, offer(visit_id, SEN), key=visit_id)
    (release,) = await tap.wait_for(visit_id, "visit.team-release-requested")
    assert release.payload["member_ids"] == [SEN]


@pytest.mark.parametrize(
    ("window", "field", "says"),
    [({"start": "2027-04-04T10:00:00+02:00", "end": "2027-04-04T12:00:00+02:00"}, "windows.0.start", "Sunday"),
     ({"start": "9999-12-31T23:00:00+00:00", "end": "9999-12-31T23:30:00+00:00"}, "windows.0.start", "548 days"),
     ({"start": "2027-03-31T10:00:00+02:00", "end": "2027-03-31T19:00:00+02:00"}, "windows.0.end", "16:00")],
)  # fmt: skip
async def test_rescheduling_keeps_the_same_bounds_as_asking(
    api: Api, ambassadors: Ambassadors, window: dict[str, str], field: str, says: str
) -> None:
    orgnr = new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, orgnr)
    r = await api.svc.client.post(
        f"/v1/visit-requests/{visit_id}/reschedule", json={"windows": [window]}, headers=api.school(orgnr)
    )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field] and says in r.json()["detail"]
    assert (await api.get(visit_id, orgnr))["status"] == "confirmed"


async def rescheduled_after_confirmation(
    api: Api, ambassadors: Ambassadors, orgnr: str
) -> tuple[str, httpx.Response, dict[str, str]]:
    """A visit confirmed, then rescheduled by its school to the school day 30 days after START: the visit's id, the
    reschedule's (200) answer and the new window."""
    visit_id = await confirmed_visit(api, ambassadors, orgnr)
    window = school_day_window(START + timedelta(days=30))
    r = await api.svc.client.post(
        f"/v1/visit-requests/{visit_id}/reschedule", json={"windows": [window]}, headers=api.school(orgnr)
    )
    assert r.status_code == 200, r.text
    return visit_id, r, window


async def test_rescheduling_releases_the_team_and_a_stale_confirmation_is_ignored(
    api: Api, ambassadors: Ambassadors, tap: KafkaTap
) -> None:
    orgnr = new_orgnr()
    visit_id, r, window = await rescheduled_after_confirmation(api, ambassadors, orgnr)
    assert (r.json()["status"], r.json()["scheduled"], r.json()["team"]) == ("requested", None, [])
    (rescheduled,) = await tap.wait_for(visit_id, "visit.rescheduled")
    assert rescheduled.payload["released_member_ids"] == [KARI, OLA]
    assert rescheduled.payload["visit"]["windows"][0]["start"].startswith("2027-03-31")

    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=SLOT, members=TEAM), key=visit_id)
    (release,) = await tap.wait_for(visit_id, "visit.team-release-requested")
    assert "rescheduled" in release.payload["reason"]
    assert (await api.get(visit_id, orgnr))["status"] == "requested"


async def test_a_redelivered_event_has_one_effect(api: Api, ambassadors: Ambassadors, tap: KafkaTap) -> None:
    orgnr = new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, orgnr)
    change = TeamChanged(visit_id=visit_id, window=SLOT, members=list(reversed(TEAM)))
    envelope = await ambassadors.send(Topics.OFFERS, change, key=visit_id)
    await ambassadors.send_envelope(Topics.OFFERS, envelope)
    marker = await ambassadors.send(Topics.OFFERS, NoTeamAvailable(visit_id=visit_id, reason="x"), key=visit_id)
    await eventually(lambda: _ignored(api, marker.event_id))
    async with api.svc.runtime.pool.acquire() as conn:
        confirmations = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE key = $1 AND envelope->>'type' = 'visit.confirmed'", visit_id
        )
    assert confirmations == 2
    assert len(await tap.wait_for(visit_id, "visit.confirmed", count=2)) == 2


async def test_a_second_offer_for_a_visit_being_offered_writes_nothing(api: Api, ambassadors: Ambassadors) -> None:
    orgnr = new_orgnr()
    visit_id = await api.create(orgnr)
    await ambassadors.send(Topics.OFFERS, offer(visit_id, KARI), key=visit_id)
    await api.status_becomes(visit_id, orgnr, "offered")
    written = "SELECT updated_at, xmin::text FROM visits WHERE id = $1"
    async with api.svc.runtime.pool.acquire() as conn:
        before = await conn.fetchrow(written, visit_id)
    second = await ambassadors.send(Topics.OFFERS, offer(visit_id, OLA), key=visit_id)
    await eventually(lambda: _handled(api, second.event_id))
    async with api.svc.runtime.pool.acquire() as conn:
        assert await conn.fetchrow(written, visit_id) == before  # the row was not rewritten
    visit = await api.get(visit_id, orgnr)
    assert (visit["status"], [h["status"] for h in visit["history"]]) == ("offered", ["requested", "offered"])


async def _handled(api: Api, event_id: object) -> bool:
    async with api.svc.runtime.pool.acquire() as conn:
        return bool(await conn.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", event_id))


async def _ignored(api: Api, event_id: object) -> bool:
    async with api.svc.runtime.pool.acquire() as conn:
        return bool(await conn.fetchval("SELECT count(*) FROM ignored_events WHERE event_id = $1", event_id))


async def test_reporting_needs_a_team_member_after_the_start(
    api: Api, ambassadors: Ambassadors, clock: MovableClock
) -> None:
    orgnr = new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, orgnr)
    url = f"/v1/visit-requests/{visit_id}/report"
    body = {"pupils_reached": 20}
    early = await api.svc.client.post(url, json=body, headers=api.member(KARI))
    assert early.status_code == 409 and "not started" in early.json()["detail"]
    clock.set(SLOT.end)
    stranger = await api.svc.client.post(url, json=body, headers=api.member(STRANGER))
    assert stranger.status_code == 404
    school = await api.svc.client.post(url, json=body, headers=api.school(orgnr))
    assert school.status_code == 403


async def test_the_school_rates_after_the_visit_and_only_once(
    api: Api, ambassadors: Ambassadors, clock: MovableClock
) -> None:
    orgnr = new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, orgnr)
    url = f"/v1/visit-requests/{visit_id}/rating"
    early = await api.svc.client.post(url, json={"rating": 5}, headers=api.school(orgnr))
    assert early.status_code == 409
    clock.set(SLOT.end + timedelta(days=1))
    r = await api.svc.client.post(url, json={"rating": 5, "comment": "Flott!"}, headers=api.school(orgnr))
    assert r.status_code == 200, r.text
    assert r.json()["rating"]["rating"] == 5 and r.json()["rating"]["comment"] == "Flott!"
    again = await api.svc.client.post(url, json={"rating": 1}, headers=api.school(orgnr))
    assert again.status_code == 409


async def test_member_erased_replaces_the_first_name_in_stored_teams(
    api: Api, ambassadors: Ambassadors, booking: RunningService
) -> None:
    orgnr = new_orgnr()
    visit_id = await api.create(orgnr)
    member_id = f"m-erase-{visit_id}"
    team = [TeamMember(member_id=member_id, first_name="Siri", profession="nurse")]
    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=SLOT, members=team), key=visit_id)
    await api.status_becomes(visit_id, orgnr, "confirmed")
    await ambassadors.send(Topics.MEMBERS, MemberErased(member_id=member_id), key=member_id)

    async def erased() -> bool:
        return (await api.get(visit_id, orgnr))["team"][0]["first_name"] == "(erased)"

    await eventually(erased)
    async with booking.runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM visit_team_members WHERE first_name = 'Siri' "
                                   "AND member_id = $1", member_id) == 0  # fmt: skip


async def test_the_contact_is_shared_on_create_and_erased_by_an_organiser(
    api: Api, tap: KafkaTap, booking: RunningService
) -> None:
    orgnr = new_orgnr()
    visit_id = await api.create(orgnr, language="nn")
    (shared,) = await tap.wait_for(visit_id, "visit-contact.shared")
    assert shared.payload == {"visit_id": visit_id, "name": "Kari Lærer", "email": "kari@byskolen.no",
                              "phone": "+4741234567", "language": "nn"}  # fmt: skip
    assert (await api.get(visit_id, orgnr))["contact"]["phone"] == "+4741234567"
    url = f"/v1/visit-requests/{visit_id}/contact"
    assert (await api.svc.client.delete(url, headers=api.school(orgnr))).status_code == 403
    assert (await api.svc.client.delete(url, headers=api.organiser())).status_code == 204
    await tap.wait_for(visit_id, "visit-contact.erased")
    assert (await api.get(visit_id, orgnr))["contact"] is None
    async with booking.runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM visit_contacts WHERE visit_id = $1", visit_id) == 0


async def test_the_answers_to_reschedule_and_cancel_show_the_contact_as_get_does(
    api: Api, ambassadors: Ambassadors
) -> None:
    orgnr = new_orgnr()
    visit_id, rescheduled, _ = await rescheduled_after_confirmation(api, ambassadors, orgnr)
    shown = (await api.get(visit_id, orgnr))["contact"]
    assert shown is not None and shown["email"]
    assert rescheduled.json()["contact"] == shown
    cancelled = await api.svc.client.post(
        f"/v1/visit-requests/{visit_id}/cancel", json={"reason": "exam week"}, headers=api.organiser()
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["contact"] == shown


async def test_a_rescheduled_visit_is_confirmed_again_by_its_new_teams_confirmation(
    api: Api, ambassadors: Ambassadors, tap: KafkaTap
) -> None:
    orgnr = new_orgnr()
    visit_id, r, window = await rescheduled_after_confirmation(api, ambassadors, orgnr)
    day_start = datetime.fromisoformat(window["start"])
    new_slot = TimeWindow(start=day_start + timedelta(hours=1), end=day_start + timedelta(hours=3))
    await ambassadors.send(Topics.OFFERS, offer(visit_id).model_copy(update={"window": new_slot}), key=visit_id)
    await api.status_becomes(visit_id, orgnr, "offered")
    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=new_slot, members=TEAM), key=visit_id)

    visit = await api.status_becomes(visit_id, orgnr, "confirmed")
    assert visit["calendar_sequence"] == 3 and visit["team"][0]["first_name"] == "Kari"
    confirmations = await tap.wait_for(visit_id, "visit.confirmed", count=2)
    assert [c.payload["calendar_sequence"] for c in confirmations] == [1, 3]
