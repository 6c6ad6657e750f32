"""Registration window, waiting list, offers of freed places and their lapse, capacity under concurrency.

Counties used here (31, 32, 33, 34, 39) are used by no other test file.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from training_helpers import (
    GatheringEvents,
    Roster,
    frozen_clock,
    gathering_body,
    in_roster,
    published_gathering,
    uid,
)

from outreach_dev.testing.service import RunningService


async def _members(roster: Roster, training: RunningService, county: str, n: int) -> list[str]:
    ids = [uid(f"m{county}") for _ in range(n)]
    for m in ids:
        await roster.register(m, county=county)
    await in_roster(training, ids)
    return ids


def _register(training: RunningService, gathering_id: str, member_id: str, **body: object) -> httpx.Response:
    return training.client.post(  # type: ignore[return-value]
        f"/v1/gatherings/{gathering_id}/registrations", json=body, headers=training.auth("member", member_id)
    )


async def _mine(training: RunningService, gathering_id: str, member_id: str) -> dict[str, object]:
    r = await training.client.get(
        f"/v1/gatherings/{gathering_id}/registrations/me", headers=training.auth("member", member_id)
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_registration_is_refused_outside_the_window_when_not_invited_and_twice(
    training: RunningService, roster: Roster
) -> None:
    member, stranger = await _members(roster, training, "31", 1), uid("stranger")
    not_open = gathering_body("31", registration_opens=datetime.now(UTC) + timedelta(days=1))
    early_id = await published_gathering(training, not_open)
    open_id = await published_gathering(training, gathering_body("31"))

    early = await _register(training, early_id, member[0])
    assert early.status_code == 409 and "not opened" in early.json()["detail"]
    uninvited = await _register(training, open_id, stranger)
    assert uninvited.status_code == 409 and "not invited" in uninvited.json()["detail"]
    first = await _register(training, open_id, member[0], dietary="vegetarian")
    assert first.status_code == 201 and first.json()["status"] == "confirmed"
    twice = await _register(training, open_id, member[0])
    assert twice.status_code == 409 and "already registered" in twice.json()["detail"]
    with frozen_clock(training, datetime.now(UTC) + timedelta(days=31)):
        late = await _register(training, early_id, member[0])
    assert late.status_code == 409 and "closed" in late.json()["detail"]


async def test_dates_that_make_no_sense_are_refused_with_the_field(training: RunningService) -> None:
    body = gathering_body("31", registration_closes=datetime.now(UTC) + timedelta(days=45))
    r = await training.client.post("/v1/gatherings", json=body, headers=training.auth("organiser"))
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "registration_closes", "reason": "registration_closes: must not be after the gathering starts"}
    ]
    bad_county = await training.client.post(
        "/v1/gatherings", json=gathering_body("99"), headers=training.auth("organiser")
    )
    assert bad_county.status_code == 422 and bad_county.json()["errors"][0]["field"] == "region.0"


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [({"starts_at": "9999-12-31T10:00:00+01:00", "ends_at": "9999-12-31T12:00:00+01:00"}, "starts_at", "548 days"),
     ({"starts_at": "2027-10-31T02:30:00+02:00", "ends_at": "2027-10-31T12:00:00+01:00"}, "starts_at", "twice"),
     ({"title": "Samling\u0000"}, "title", "control character"),
     ({"venue": {"name": "Scandic \u202eX", "address": "Gate 1", "kommunenummer": "4601"}}, "venue.name",
      "bidirectional"),
     ({"venue": {"name": "Scandic", "address": "Gate 1", "kommunenummer": "0000"}}, "venue.kommunenummer",
      "unknown kommunenummer")],
)  # fmt: skip
async def test_dates_out_of_bounds_and_control_characters_are_refused_with_the_field(
    training: RunningService, changes: dict[str, Any], field: str, says: str
) -> None:
    r = await training.client.post(
        "/v1/gatherings", json=gathering_body("31", **changes), headers=training.auth("organiser")
    )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field] and says in r.json()["detail"]


async def test_members_beyond_capacity_wait_in_order_and_a_freed_place_goes_to_the_first(
    training: RunningService, roster: Roster, events: GatheringEvents
) -> None:
    a, b, c, d = await _members(roster, training, "32", 4)
    gathering_id = await published_gathering(training, gathering_body("32", capacity=2))
    statuses = [(await _register(training, gathering_id, m)).json() for m in (a, b, c, d)]
    assert [(s["status"], s["position"]) for s in statuses] == [
        ("confirmed", None),
        ("confirmed", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]

    withdrawn = await training.client.delete(
        f"/v1/gatherings/{gathering_id}/registrations/me", headers=training.auth("member", a)
    )
    assert withdrawn.status_code == 204
    assert (await _mine(training, gathering_id, c))["status"] == "offered"
    assert (await _mine(training, gathering_id, d))["position"] == 1
    accepted = await training.client.post(
        f"/v1/gatherings/{gathering_id}/registrations/me/accept-offer", headers=training.auth("member", c)
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "confirmed"

    waitlisted = await events.wait_for(gathering_id, "gathering.registration-waitlisted", count=2)
    assert [(p["member_id"], p["position"]) for p in waitlisted] == [(c, 1), (d, 2)]
    offered = await events.wait_for(gathering_id, "gathering.place-offered")
    assert [p["member_id"] for p in offered] == [c]
    confirmed = await events.wait_for(gathering_id, "gathering.registration-confirmed", count=3)
    assert [p["member_id"] for p in confirmed] == [a, b, c]


async def test_an_offer_not_accepted_in_time_lapses_and_the_next_is_offered(
    training: RunningService, roster: Roster, events: GatheringEvents
) -> None:
    a, b, c = await _members(roster, training, "33", 3)
    gathering_id = await published_gathering(training, gathering_body("33", capacity=1))
    for m in (a, b, c):
        assert (await _register(training, gathering_id, m)).status_code == 201
    await training.client.delete(f"/v1/gatherings/{gathering_id}/registrations/me", headers=training.auth("member", a))
    assert (await _mine(training, gathering_id, b))["status"] == "offered"

    lapsed = await events.wait_for(gathering_id, "gathering.place-offer-lapsed", timeout=30)
    assert [p["member_id"] for p in lapsed] == [b]
    offered = await events.wait_for(gathering_id, "gathering.place-offered", count=2)
    assert [p["member_id"] for p in offered] == [b, c]
    assert (await _mine(training, gathering_id, b))["status"] == "lapsed"
    assert (await _mine(training, gathering_id, c))["status"] == "offered"


async def test_capacity_is_never_exceeded_when_many_register_at_the_same_instant(
    training: RunningService, roster: Roster
) -> None:
    members = await _members(roster, training, "34", 30)
    gathering_id = await published_gathering(training, gathering_body("34", capacity=5))

    responses = await asyncio.gather(*(_register(training, gathering_id, m) for m in members))

    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    confirmed = [r for r in responses if r.json()["status"] == "confirmed"]
    positions = sorted(r.json()["position"] for r in responses if r.json()["status"] == "waitlisted")
    assert len(confirmed) == 5
    assert positions == list(range(1, 26))
    counts = (await training.client.get(f"/v1/gatherings/{gathering_id}", headers=training.auth("organiser"))).json()
    assert counts["counts"]["registered"] == 5 and counts["counts"]["waiting"] == 25


async def test_a_draft_can_be_changed_until_it_is_published(training: RunningService) -> None:
    organiser = training.auth("organiser")
    created = await training.client.post("/v1/gatherings", json=gathering_body("31"), headers=organiser)
    gathering_id = created.json()["id"]
    url = f"/v1/gatherings/{gathering_id}"

    renamed = await training.client.patch(url, json={"title": "Samling Øst", "capacity": 40}, headers=organiser)
    assert renamed.status_code == 200 and (renamed.json()["title"], renamed.json()["capacity"]) == ("Samling Øst", 40)
    backwards = await training.client.patch(
        url, json={"ends_at": created.json()["registration_opens"]}, headers=organiser
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "ends_at"
    await training.client.post(f"{url}/publish", headers=organiser)
    frozen = await training.client.patch(url, json={"title": "Too late"}, headers=organiser)
    assert frozen.status_code == 409 and "published" in frozen.json()["detail"]
