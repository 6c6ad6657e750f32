"""The checker's own rules, without a stack: what counts as one fact told twice, and a zombie's commit."""

from soakkit.checker import _fact
from soakkit.offsets import OffsetWatch


def expired(offer_id: str, event_id: str, at: str) -> dict:
    return {"id": event_id, "type": "offer.expired", "key": "visit-1",
            "payload": {"offer_id": offer_id, "visit_id": "visit-1", "member_id": "m-1", "expired_at": at}}


def test_one_fact_published_twice_is_one_fact_whatever_its_event_ids_and_times() -> None:
    assert _fact(expired("offer-1", "e-1", "2026-12-05T10:00:00Z")) == _fact(expired("offer-1", "e-2",
                                                                                     "2026-12-05T10:00:01Z"))


def test_two_offers_of_one_visit_lapsing_are_two_facts() -> None:
    assert _fact(expired("offer-1", "e-1", "2026-12-05T10:00:00Z")) != _fact(expired("offer-2", "e-2",
                                                                                     "2026-12-05T10:00:00Z"))


def test_a_committed_offset_that_moves_back_is_reported_and_one_that_moves_on_is_not() -> None:
    watch = OffsetWatch("127.0.0.1:1")
    watch.sample("outreach-notify", {("outreach.visits", 0): 10, ("outreach.visits", 1): -1})
    watch.sample("outreach-notify", {("outreach.visits", 0): 12, ("outreach.visits", 1): 3})
    assert watch.moved_back == []
    watch.sample("outreach-notify", {("outreach.visits", 0): 11, ("outreach.visits", 1): 3})
    assert watch.moved_back == ["outreach-notify outreach.visits-0: committed 12, then 11"]
    assert watch.samples == 3
