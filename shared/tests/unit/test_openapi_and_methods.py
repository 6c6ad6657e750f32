"""The kit's promises about what a service's OpenAPI says and how it answers methods a path does not have."""

from types import SimpleNamespace
from typing import Annotated
from uuid import UUID

import httpx
import pytest
from fastapi import APIRouter, Depends, Request, Response

from outreach_shared.auth import Principal
from outreach_shared.http import create_app, raw_body, role_dependency, text_response
from outreach_shared.patch import PatchBody
from outreach_shared.signing import KeySet, SigningKey, mint_token

KEY = SigningKey.generate()
VERIFIER = SimpleNamespace(keys=KeySet([KEY.public_jwk()]), audience="kit-test")
Organiser = Annotated[Principal, Depends(role_dependency(VERIFIER, "organiser"))]
router = APIRouter(prefix="/v1")


class ThingPatch(PatchBody):
    CLEARABLE = frozenset({"note"})

    name: str | None = None
    note: str | None = None


@router.get("/things")
async def list_things(_: Organiser, kind: str) -> list[str]:
    return [kind]


@router.post("/things", status_code=201)
async def add_thing(_: Organiser) -> dict[str, str]:
    return {"id": "1"}


@router.post("/things/import", openapi_extra=raw_body("text/csv", "Things, a line each"))
async def import_things(request: Request, _: Organiser) -> dict[str, int]:
    return {"bytes": len(await request.body())}


@router.get("/things/{thing_id}")
async def get_thing(thing_id: UUID, _: Organiser) -> dict[str, str]:
    return {"id": str(thing_id)}


@router.patch("/things/{thing_id}")
async def patch_thing(thing_id: UUID, body: ThingPatch, _: Organiser) -> dict[str, str | None]:
    return body.model_dump(exclude_unset=True)


@router.get("/things/{thing_id}/calendar.ics", response_class=Response,
            responses=text_response("text/calendar", "The thing's calendar"))  # fmt: skip
async def thing_calendar(thing_id: UUID, _: Organiser) -> Response:
    return Response("BEGIN:VCALENDAR", media_type="text/calendar")


@pytest.fixture
async def client():
    app = create_app(title="kit-test", routers=[router])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


def auth(role: str = "organiser", subject: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(KEY, role, subject, audience='kit-test')}"}  # type: ignore[arg-type]


def allowed(response: httpx.Response) -> set[str]:
    return {m.strip() for m in response.headers["allow"].split(",")}


async def test_a_405_lists_every_method_of_the_path_not_only_its_first_routes(client):
    r = await client.options("/v1/things")
    assert r.status_code == 405 and r.headers["content-type"] == "application/problem+json"
    assert allowed(r) == {"GET", "HEAD", "POST"}
    r = await client.put(f"/v1/things/{UUID(int=1)}")
    assert r.status_code == 405 and allowed(r) == {"GET", "HEAD", "PATCH"}


async def test_a_literal_path_is_not_taken_for_a_templated_one_with_that_id(client):
    r = await client.patch("/v1/things/import", json={"name": "x"}, headers=auth())
    assert r.status_code == 405, r.text
    assert allowed(r) == {"POST"}
    assert (await client.get("/v1/things/import", headers=auth())).status_code == 405
    assert (await client.post("/v1/things/import", content=b"a\nb", headers=auth())).json() == {"bytes": 3}


async def test_a_caller_without_the_role_learns_403_before_any_parameter_is_checked(client):
    r = await client.get("/v1/things", headers=auth("school", "974760673"))
    assert r.status_code == 403, r.text
    assert (await client.get("/v1/things")).status_code == 401
    assert (await client.get("/v1/things", headers=auth())).status_code == 422


async def test_a_patch_refuses_null_except_where_it_clears_and_its_schema_says_so(client):
    url = f"/v1/things/{UUID(int=1)}"
    refused = await client.patch(url, json={"name": None}, headers=auth())
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "name"
    assert (await client.patch(url, json={"note": None}, headers=auth())).json() == {"note": None}
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["ThingPatch"]["properties"]
    assert schema["name"] == {"type": "string", "title": "Name"}
    assert {"type": "null"} in schema["note"]["anyOf"]


async def test_every_operation_declares_its_problem_answers_with_a_schema(client):
    spec = (await client.get("/openapi.json")).json()
    expected = {
        ("get", "/v1/things"): {"401", "403", "422", "500", "503"},
        ("get", "/v1/things/{thing_id}"): {"401", "403", "404", "422", "500", "503"},
        ("patch", "/v1/things/{thing_id}"): {"400", "401", "403", "404", "409", "413", "422", "500", "503"},
        ("get", "/healthz"): {"500"},
    }
    for (method, path), statuses in expected.items():
        responses = spec["paths"][path][method]["responses"]
        problems = {s for s, r in responses.items() if "application/problem+json" in r.get("content", {})}
        assert problems >= statuses, (method, path, problems)
        for status in problems:
            schema = responses[status]["content"]["application/problem+json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}


async def test_text_answers_and_file_bodies_are_typed_for_generated_clients(client):
    spec = (await client.get("/openapi.json")).json()
    calendar = spec["paths"]["/v1/things/{thing_id}/calendar.ics"]["get"]["responses"]["200"]["content"]
    assert calendar == {"text/calendar": {"schema": {"type": "string"}}}
    body = spec["paths"]["/v1/things/import"]["post"]["requestBody"]
    assert body["required"] is True
    assert body["content"]["text/csv"] == {"schema": {"type": "string"}}
    assert body["content"]["application/octet-stream"] == {"schema": {"type": "string", "format": "binary"}}
    metrics = spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert metrics == {"text/plain": {"schema": {"type": "string"}}}
