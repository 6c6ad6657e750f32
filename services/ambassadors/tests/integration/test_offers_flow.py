"""Offers and answers: decline → replacement → confirmation, expiry by timer, cancellation, deactivation."""

from datetime import UTC, datetime, timedelta

from ambassadors_harness import Harness, slot

from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts.booking import VisitCancelled
from outreach_shared.contracts.common import TimeWindow


async def answer(h: Harness, offer_id: str, member_id: str, verb: str, **body: object) -> tuple[int, dict]:
    r = await h.svc.client.post(
        f"/v1/offers/{offer_id}/{verb}", json=body or None, headers=h.svc.auth("member", member_id)
    )
    return r.status_code, r.json()


async def offer_of(h: Harness, visit_id: str, member_id: str) -> str:
    rows = [r for r in await h.offers(visit_id) if r["member_id"] == member_id]
    return str(rows[-1]["id"])


async def test_decline_finds_a_replacement_and_all_accepts_confirm_the_team(empty_roster: Harness) -> None:
    h = empty_roster
    members = {await h.add_member(f"Nurse {i}") for i in range(3)}
    visit = await h.request_visit(team_size=2)
    first = await h.offered_to(visit.visit_id, 2)
    decliner, keeper = first
    (spare,) = members - set(first)

    status, body = await answer(h, await offer_of(h, visit.visit_id, decliner), decliner, "decline", reason="exam")
    assert status == 200 and body["status"] == "declined"
    assert spare in await h.offered_to(visit.visit_id, 2)

    for member in (keeper, spare):
        status, body = await answer(h, await offer_of(h, visit.visit_id, member), member, "accept")
        assert status == 200 and body["status"] == "accepted"
    (confirmed,) = await h.offer_events(visit.visit_id, "team.confirmed")
    assert {m["member_id"] for m in confirmed.payload["members"]} == {keeper, spare}
    assert confirmed.payload["window"]["start"] == visit.windows[0].start.astimezone(UTC).isoformat().replace(
        "+00:00", "Z"
    )
    declined = await h.offer_events(visit.visit_id, "offer.declined")
    assert declined[0].payload["reason"] == "exam"


async def test_only_the_offered_member_answers_and_answers_are_idempotent(empty_roster: Harness) -> None:
    h = empty_roster
    member = await h.add_member("Solo")
    other = await h.add_member("Other", kommunenummer="0301")
    visit = await h.request_visit()
    await h.offered_to(visit.visit_id, 1)
    offer_id = await offer_of(h, visit.visit_id, member)

    assert (await answer(h, offer_id, other, "accept"))[0] == 404  # someone else's offer: not found
    assert (await answer(h, offer_id, member, "accept"))[0] == 200
    assert (await answer(h, offer_id, member, "accept"))[0] == 200
    status, body = await answer(h, offer_id, member, "decline")
    assert status == 409 and "accepted" in body["detail"]
    assert len(await h.offer_events(visit.visit_id, "offer.accepted")) == 1

    r = await h.svc.client.get("/v1/me/offers", headers=h.svc.auth("member", member))
    assert r.status_code == 200
    assert [(o["id"], o["status"], o["school_name"]) for o in r.json()] == [(offer_id, "accepted", "Test skole")]


async def test_an_unanswered_offer_expires_by_timer_and_is_replaced(empty_roster: Harness) -> None:
    h = empty_roster
    members = {await h.add_member("First"), await h.add_member("Second")}
    visit = await h.request_visit()
    (first,) = await h.offered_to(visit.visit_id, 1)
    (row,) = await h.offers(visit.visit_id)
    assert row["expires_at"] - datetime.now(UTC) > timedelta(hours=47)
    # Bring the durable timer's due time forward instead of waiting 48 hours.
    await h.pool.execute(
        "UPDATE timers SET due_at = now() WHERE kind = 'offer-expiry' AND key = $1", f"{visit.visit_id}/{row['id']}"
    )
    (expired,) = await h.offer_events(visit.visit_id, "offer.expired")
    assert expired.payload["member_id"] == first
    assert await h.offered_to(visit.visit_id, 1) == list(members - {first})
    status, body = await answer(h, str(row["id"]), first, "accept")
    assert status == 409 and "expired" in body["detail"]


async def test_an_offer_never_outlives_the_visit_start(empty_roster: Harness) -> None:
    h = empty_roster
    await h.add_member("Only")
    soon = datetime.now(UTC) + timedelta(seconds=4)
    visit = await h.request_visit(windows=[TimeWindow(start=soon, end=soon + timedelta(hours=1))])
    await h.offered_to(visit.visit_id, 1)
    (row,) = await h.offers(visit.visit_id)
    assert row["expires_at"] == soon
    await h.offered_to(visit.visit_id, 1, status="expired")
    (none,) = await h.offer_events(visit.visit_id, "team.none-available")
    assert "no replacement" in none.payload["reason"]


async def test_cancellation_withdraws_offers_and_releases_accepted_members(empty_roster: Harness) -> None:
    h = empty_roster
    await h.add_member("One")
    await h.add_member("Two")
    visit = await h.request_visit(team_size=2)
    accepter, waiter = await h.offered_to(visit.visit_id, 2)
    await answer(h, await offer_of(h, visit.visit_id, accepter), accepter, "accept")
    await h.publish(
        VisitCancelled(
            visit_id=visit.visit_id, reason="school closed", cancelled_by="school", was_confirmed=False, late=False
        ),
        visit.visit_id,
    )
    (released,) = await h.offer_events(visit.visit_id, "team.member-released")
    assert released.payload["member_id"] == accepter and "school closed" in released.payload["reason"]
    (withdrawn,) = await h.offer_events(visit.visit_id, "offer.withdrawn")
    assert withdrawn.payload["member_id"] == waiter

    async def settled() -> bool:
        return {r["status"] for r in await h.offers(visit.visit_id)} == {"released", "withdrawn"}

    await eventually(settled)
    status, body = await answer(h, await offer_of(h, visit.visit_id, waiter), waiter, "accept")
    assert status == 409 and "withdrawn" in body["detail"]


async def test_deactivating_a_member_releases_their_visit_and_finds_a_replacement(empty_roster: Harness) -> None:
    h = empty_roster
    leaving = await h.add_member("Leaving")
    visit = await h.request_visit(windows=[slot(4, 3)])
    await h.offered_to(visit.visit_id, 1)
    await answer(h, await offer_of(h, visit.visit_id, leaving), leaving, "accept")
    await h.offer_events(visit.visit_id, "team.confirmed")
    stepping_in = await h.add_member("Stepping In")

    r = await h.svc.client.post(f"/v1/members/{leaving}/deactivate", headers=h.svc.auth("organiser"))
    assert r.status_code == 200 and r.json()["active"] is False
    (released,) = await h.offer_events(visit.visit_id, "team.member-released")
    assert released.payload["member_id"] == leaving
    assert await h.offered_to(visit.visit_id, 1) == [stepping_in]
    await answer(h, await offer_of(h, visit.visit_id, stepping_in), stepping_in, "accept")
    (changed,) = await h.offer_events(visit.visit_id, "team.changed")
    assert [m["member_id"] for m in changed.payload["members"]] == [stepping_in]
