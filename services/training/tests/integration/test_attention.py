"""Organisers' attention list, gatherings' part: places offered from the waiting list and not yet taken.

County 50 is used by no other test file."""

from training_helpers import GatheringEvents, Roster, gathering_body, in_roster, published_gathering, uid

from outreach_dev.testing.service import RunningService
from outreach_shared.regions import Region

HOME, AWAY = Region.of(fylker=["50"]), Region.of(fylker=["18"])


async def test_a_place_offered_and_unanswered_needs_attention_in_the_gatherings_region(
    training: RunningService, roster: Roster, events: GatheringEvents
) -> None:
    a, b = uid("m50"), uid("m50")
    for m in (a, b):
        await roster.register(m, county="50")
    await in_roster(training, [a, b])
    gathering_id = await published_gathering(training, gathering_body("50", capacity=1))
    for m in (a, b):
        r = await training.client.post(
            f"/v1/gatherings/{gathering_id}/registrations", json={}, headers=training.auth("member", m)
        )
        assert r.status_code == 201, r.text

    async def listed(region: Region) -> list[dict[str, object]]:
        r = await training.client.get("/v1/gatherings/attention", headers=training.auth("organiser", region=region))
        assert r.status_code == 200, r.text
        return [i for i in r.json() if i["id"] == gathering_id]

    assert await listed(HOME) == []
    withdrawn = await training.client.delete(
        f"/v1/gatherings/{gathering_id}/registrations/me", headers=training.auth("member", a)
    )
    assert withdrawn.status_code == 204
    (item,) = await listed(HOME)
    assert item["kind"] == "place_offer_unanswered" and item["resource"] == "gathering"
    assert item["kommunenummer"] == "4601" and item["kommune"] == "Bergen" and item["visit_id"] is None
    assert "1 place(s) offered" in str(item["why"]) and item["when"]
    assert await listed(AWAY) == []

    accepted = await training.client.post(
        f"/v1/gatherings/{gathering_id}/registrations/me/accept-offer", headers=training.auth("member", b)
    )
    assert accepted.status_code == 200
    assert await listed(HOME) == []


async def test_the_gatherings_attention_list_is_for_organisers(training: RunningService) -> None:
    for role, subject in (("member", uid("m")), ("school", "974760673")):
        r = await training.client.get("/v1/gatherings/attention", headers=training.auth(role, subject))  # type: ignore[arg-type]
        assert r.status_code == 403, r.text
