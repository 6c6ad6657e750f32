"""The operations page's rows: dead letters as notify lists them, set-aside items of every service merged."""

from datetime import UTC, datetime

from portal.domain import organiser_operations as ops


def test_set_aside_items_of_every_service_are_merged_newest_first_and_silent_services_named() -> None:
    item = {"loop": "timers", "kind": "offer-expiry", "key": "k", "reason": "ValueError: year 9999"}
    rows, unread = ops.set_aside_rows({
        "booking": [item | {"set_aside_at": "2026-12-01T10:00:00+00:00"}],
        "ambassadors": None,
        "notify": [item | {"loop": "deliveries", "set_aside_at": "2026-12-03T10:00:00+00:00"}],
        "portal": [item | {"set_aside_at": datetime(2026, 12, 2, 10, tzinfo=UTC)}],
    })  # fmt: skip
    assert [(r.service, r.loop) for r in rows] == [("notify", "deliveries"), ("portal", "timers"),
                                                   ("booking", "timers")]  # fmt: skip
    assert unread == ["ambassadors"]


def test_a_dead_letter_row_keeps_its_place_and_whether_it_was_replayed() -> None:
    page = {"items": [{"partition": 0, "offset": 41, "topic": "outreach.visits", "consumer": "notify",
                       "event_id": None, "event_type": "visit.requested", "reason": "not an envelope",
                       "dead_lettered_at": None, "received_at": "2026-12-05T09:00:00+00:00",
                       "replayed_at": None, "replays": 0}],
            "next": None}  # fmt: skip
    (row,) = ops.dead_letter_rows(page)
    assert (row.key, row.replayed_at, row.received_at.tzinfo is not None) == ("0-41", None, True)
    assert (row.event_id, row.event_type) == (None, "visit.requested")
