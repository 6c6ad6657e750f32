"""Control characters in a path or a query never reach a route (PostgreSQL cannot store NUL in text: every service
answered 500 to `%00`), and the OpenAPI says so."""

from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Query

from outreach_shared.bounds.text import NO_CONTROLS
from outreach_shared.http import create_app

router = APIRouter()
reached: list[str] = []


@router.get("/v1/things/{thing_id}")
async def get_thing(thing_id: str, q: Annotated[str | None, Query()] = None) -> dict[str, str | None]:
    reached.append(thing_id)
    return {"id": thing_id, "q": q}


@pytest.fixture
def client() -> httpx.AsyncClient:
    app = create_app(title="guarded", routers=[router])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kit")


@pytest.mark.parametrize("path", ["/v1/things/%00", "/v1/things/a%1Bb", "/v1/things/%7F", "/v1/things/%C2%85"])
async def test_a_control_character_in_the_path_is_404_and_reaches_no_route(
    client: httpx.AsyncClient, path: str
) -> None:
    reached.clear()
    response = await client.get(path)
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert "control character" in response.json()["detail"] and reached == []


@pytest.mark.parametrize("query", ["q=%00", "q=member:%00", "q=a%0Ab", "%00=x"])
async def test_a_control_character_in_a_query_is_422_naming_the_parameter(
    client: httpx.AsyncClient, query: str
) -> None:
    reached.clear()
    response = await client.get(f"/v1/things/abc?{query}")
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"].startswith("query.") and reached == []


async def test_ordinary_text_and_escapes_pass(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/things/bl%C3%A5b%C3%A6r?q=%C3%A6%C3%B8%C3%A5%20%2B%25")
    assert response.status_code == 200 and response.json() == {"id": "blåbær", "q": "æøå +%"}


def test_the_openapi_states_the_rule_for_text_parameters() -> None:
    spec = create_app(title="guarded", routers=[router]).openapi()
    parameters = {p["name"]: p["schema"] for p in spec["paths"]["/v1/things/{thing_id}"]["get"]["parameters"]}
    assert parameters["thing_id"]["pattern"] == NO_CONTROLS.pattern
    assert parameters["q"]["anyOf"][0]["pattern"] == NO_CONTROLS.pattern
