"""The checker's own rules, without a stack: what counts as one fact told twice, and a zombie's commit."""

from typing import Any

from soakkit.checker import _fact
from soakkit.offsets import OffsetWatch
from soakkit.topics import Seen


def expired(offer_id: str, event_id: str, at: str) -> dict:
    return {"id": event_id, "type": "offer.expired", "key": "visit-1",
            "payload": {"offer_id": offer_id, "visit_id": "visit-1", "member_id": "m-1", "expired_at": at}}


def event(event_id: str, kind: str, at: str, cause: str | None = None, **payload: Any) -> dict:
    return {"event_id": event_id, "type": kind, "key": "visit-1", "occurred_at": at, "causation_id": cause,
            "payload": {"visit_id": "visit-1"} | payload}


def seen_of(*events: dict) -> Seen:
    seen = Seen()
    seen.events = {e["event_id"]: e for e in events}
    return seen


NO_TEAM = {"reason": "no replacement found: 1 of 2 seat(s) open"}


def test_one_fact_published_twice_is_one_fact_whatever_its_event_ids_and_times() -> None:
    assert _fact(expired("offer-1", "e-1", "2026-12-05T10:00:00Z"), Seen()) == _fact(
        expired("offer-1", "e-2", "2026-12-05T10:00:01Z"), Seen())


def test_two_offers_of_one_visit_lapsing_are_two_facts() -> None:
    assert _fact(expired("offer-1", "e-1", "2026-12-05T10:00:00Z"), Seen()) != _fact(
        expired("offer-2", "e-2", "2026-12-05T10:00:00Z"), Seen())


def test_a_visit_given_up_twice_with_nothing_between_is_one_fact() -> None:
    first = event("e-1", "team.none-available", "2026-12-05T10:00:00Z", **NO_TEAM)
    again = event("e-2", "team.none-available", "2026-12-05T10:00:05Z", **NO_TEAM)
    answered = event("e-3", "offer.declined", "2026-12-05T10:00:02Z", offer_id="offer-1")
    seen = seen_of(first, again, answered)
    assert _fact(first, seen) == _fact(again, seen)


def test_a_visit_given_up_offered_again_and_given_up_again_is_two_facts() -> None:
    first = event("e-1", "visit.unfulfilled", "2026-12-05T10:00:00Z", **NO_TEAM)
    offered = event("e-2", "offer.made", "2026-12-05T10:00:02Z", offer_id="offer-9", member_id="m-9")
    again = event("e-3", "visit.unfulfilled", "2026-12-05T10:00:05Z", **NO_TEAM)
    seen = seen_of(first, offered, again)
    assert _fact(first, seen) != _fact(again, seen)


def test_booking_behind_giving_a_visit_up_for_each_no_team_it_hears_tells_two_facts() -> None:
    first = event("e-1", "team.none-available", "2026-12-05T10:00:00Z", **NO_TEAM)
    offered = event("e-2", "offer.made", "2026-12-05T10:00:06Z", offer_id="offer-9", member_id="m-9")
    again = event("e-3", "team.none-available", "2026-12-05T10:00:17Z", **NO_TEAM)
    # booking hears all three late: its first "unfulfilled" occurs after the offer it has not read yet
    unfulfilled = event("e-4", "visit.unfulfilled", "2026-12-05T10:00:14Z", cause="e-1", **NO_TEAM)
    unfulfilled_again = event("e-5", "visit.unfulfilled", "2026-12-05T10:00:17.5Z", cause="e-3", **NO_TEAM)
    seen = seen_of(first, offered, again, unfulfilled, unfulfilled_again)
    assert _fact(unfulfilled, seen) != _fact(unfulfilled_again, seen)


def test_booking_giving_a_visit_up_twice_for_one_no_team_tells_one_fact_twice() -> None:
    first = event("e-1", "team.none-available", "2026-12-05T10:00:00Z", **NO_TEAM)
    offered = event("e-2", "offer.made", "2026-12-05T10:00:06Z", offer_id="offer-9", member_id="m-9")
    unfulfilled = event("e-4", "visit.unfulfilled", "2026-12-05T10:00:01Z", cause="e-1", **NO_TEAM)
    replayed = event("e-5", "visit.unfulfilled", "2026-12-05T10:00:09Z", cause="e-1", **NO_TEAM)
    seen = seen_of(first, offered, unfulfilled, replayed)
    assert _fact(unfulfilled, seen) == _fact(replayed, seen)


def test_a_committed_offset_that_moves_back_is_reported_and_one_that_moves_on_is_not() -> None:
    watch = OffsetWatch("127.0.0.1:1")
    watch.sample("outreach-notify", {("outreach.visits", 0): 10, ("outreach.visits", 1): -1})
    watch.sample("outreach-notify", {("outreach.visits", 0): 12, ("outreach.visits", 1): 3})
    assert watch.moved_back == []
    watch.sample("outreach-notify", {("outreach.visits", 0): 11, ("outreach.visits", 1): 3})
    assert watch.moved_back == ["outreach-notify outreach.visits-0: committed 12, then 11"]
    assert watch.samples == 3
