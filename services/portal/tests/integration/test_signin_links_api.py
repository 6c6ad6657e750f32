"""POST /v1/signin-links: national organisers get a single-use link straight to one account (support, tests)."""

import uuid

import pytest
from signin_helpers import ORIGIN, Browser

from outreach_dev.testing.fakes import MovableClock
from outreach_dev.testing.service import RunningService
from outreach_shared.regions import Region

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_only_a_national_organiser_may_make_a_link(signin_portal: RunningService) -> None:
    body = {"role": "school", "subject": "974760673"}
    client = signin_portal.client
    assert (await client.post("/v1/signin-links", json=body)).status_code == 401
    for who in (signin_portal.auth("school", "974760673"), signin_portal.auth("member", str(uuid.uuid4())),
                signin_portal.auth("organiser", region=Region.of(["50"]))):  # fmt: skip
        assert (await client.post("/v1/signin-links", json=body, headers=who)).status_code == 403
    made = await client.post("/v1/signin-links", json=body, headers=signin_portal.auth("organiser"))
    assert made.status_code == 201 and set(made.json()) == {"url", "expires_at"}


@pytest.mark.parametrize(("body", "field"), [
    ({"role": "school", "subject": "12345"}, "subject"),
    ({"role": "school"}, "subject"),
    ({"role": "member", "subject": "not-a-uuid"}, "subject"),
    ({"role": "organiser", "fylker": ["99"]}, "fylker"),
    ({"role": "organiser", "kommuner": ["0000"]}, "kommuner"),
    ({"role": "member", "subject": str(uuid.UUID(int=1)), "fylker": ["50"]}, "fylker"),
    ({"role": "organiser", "subject": "x"}, "subject"),
    ({"role": "admin"}, "role"),
    ({"role": "school", "subject": "\x00" * 9}, "subject"),
    ({"role": "organiser", "fylker": ["5" * 10_000]}, "fylker"),
])  # fmt: skip
async def test_a_link_to_no_valid_account_is_refused_naming_the_field(
    signin_portal: RunningService, body: dict[str, object], field: str
) -> None:
    answer = await signin_portal.client.post("/v1/signin-links", json=body, headers=signin_portal.auth("organiser"))
    assert answer.status_code == 422, answer.text
    assert field in answer.text


async def test_a_regional_organisers_link_signs_in_with_that_region(
    signin_portal: RunningService, signin_clock: MovableClock
) -> None:
    made = await signin_portal.client.post("/v1/signin-links", json={"role": "organiser", "fylker": ["50"]},
                                           headers=signin_portal.auth("organiser"))  # fmt: skip
    path = made.json()["url"].removeprefix(ORIGIN)
    browser = Browser(signin_portal.app)
    await browser.get(path)
    assert (await browser.post(path)).headers["location"] == "/"
    assert "organiser (fylke 50)" in (await browser.get("/session")).text


async def test_the_link_endpoint_is_documented_with_its_bounds(signin_portal: RunningService) -> None:
    spec = (await signin_portal.client.get("/openapi.json")).json()
    operation = spec["paths"]["/v1/signin-links"]["post"]
    assert {"201", "401", "403", "422"} <= set(operation["responses"])
    schema = spec["components"]["schemas"]["SignInLinkIn"]["properties"]
    assert schema["fylker"]["maxItems"] == 20 and "/login" not in spec["paths"]
