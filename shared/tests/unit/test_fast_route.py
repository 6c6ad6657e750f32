"""The fast-route adapter against what it copies: a FastAPI route of the same shape must answer every request as the
adapter's plain endpoint does, so an upgrade of FastAPI or Starlette that changes their order, their error shapes
or the public parts the adapter uses (`APIRouter.add_route`, `HTTPBearer.__call__`, `RequestValidationError`, the
`route` scope key) fails here first."""

import json
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from outreach_shared.errors import Forbidden, Unauthorized
from outreach_shared.fast_route import HeaderParam, JsonBody, fast_router
from outreach_shared.http import create_app
from outreach_shared.metrics import REGISTRY
from outreach_shared.skeleton import Bearer, bearer_credentials

PATH = "/v1/things"
BOUNDS: dict[str, Any] = {"min_length": 1, "max_length": 8, "pattern": "^[a-z0-9-]*$"}


class ThingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=20)
    count: int = Field(ge=1, le=9)
    tags: list[str] = Field(default=[], max_length=2)


async def caller(request: Request, credentials: Bearer) -> str:
    """A caller dependency of the kit's shape: 401 without a bearer token (the handler's), 403 for "nobody"."""
    if credentials is None:
        raise Unauthorized("a bearer token is required")
    if credentials.credentials == "nobody":
        raise Forbidden("not you")
    return credentials.credentials


router = APIRouter(prefix="/v1")


@router.post("/things", status_code=201)
async def create(
    body: ThingIn, key: Annotated[str, Header(alias="Thing-Key", **BOUNDS)], who: Annotated[str, Depends(caller)]
) -> JSONResponse:
    return JSONResponse({"who": who, "key": key, **body.model_dump()}, status_code=201)


@router.get("/things")
async def listed() -> list[str]:
    return ["from FastAPI"]


BODY, KEY = JsonBody(ThingIn), HeaderParam.text("Thing-Key", **BOUNDS)


async def create_fast(request: Request) -> Response:
    received = await BODY.read(request)
    who = await caller(request, await bearer_credentials(request))
    errors: list[Any] = []
    key = KEY.read(request, errors)
    body = BODY.validated(received, errors)
    return JSONResponse({"who": who, "key": key, "fast": True, **body.model_dump()}, status_code=201)


def app_of(fast: bool) -> FastAPI:
    return create_app(title="things", routers=[fast_router(PATH, create_fast), router] if fast else [router])


def client(fast: bool, app: FastAPI | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app or app_of(fast)), base_url="http://things")


def created_count() -> float:
    labels = {"route": PATH, "method": "POST", "status": "2xx"}
    return REGISTRY.get_sample_value("outreach_http_requests_total", labels) or 0.0


AUTH = {"Authorization": "Bearer someone"}
JSON = {"Content-Type": "application/json"}
GOOD = json.dumps({"name": "a", "count": 2}).encode()
REQUESTS: list[tuple[dict[str, str], bytes]] = [
    (AUTH | JSON | {"Thing-Key": "k"}, GOOD),
    (AUTH | {"Content-Type": "application/json; charset=utf-8", "Thing-Key": "k"}, GOOD),
    (JSON | {"Thing-Key": "k"}, GOOD),
    ({"Authorization": "Bearer nobody"} | JSON | {"Thing-Key": "k"}, GOOD),
    ({"Authorization": "Basic eDp5"} | JSON, b"{"),
    (AUTH | JSON | {"Thing-Key": "k"}, b'{"name": "a",\n "count": }'),
    (AUTH | {"Thing-Key": "k"}, GOOD),
    (AUTH | {"Content-Type": "text/plain", "Thing-Key": "k"}, GOOD),
    (AUTH | JSON | {"Thing-Key": "k"}, b""),
    (AUTH | JSON, json.dumps({"name": "", "count": 10, "tags": [1, 2, 3], "x": 1}).encode()),
    (AUTH | JSON | {"Thing-Key": "TOO-LONG-KEY"}, b"[]"),
    (AUTH | JSON | {"Thing-Key": ""}, GOOD),
    (AUTH | JSON | {"Thing-Key": "k"}, b"\xff"),
]


async def test_the_plain_endpoint_answers_each_request_as_the_fastapi_route_does() -> None:
    answers: dict[bool, list[Any]] = {}
    for fast in (False, True):
        async with client(fast) as http:
            found = []
            for headers, content in REQUESTS:
                r = await http.post(PATH, headers=headers, content=content)
                body = r.json()
                assert body.pop("fast", False) is fast or r.status_code != 201  # the plain endpoint answered
                found.append((r.status_code, sorted((k, v) for k, v in r.headers.items()
                                                    if k not in ("x-request-id", "content-length")), body))  # fmt: skip
            answers[fast] = found
    assert answers[True] == answers[False]
    assert [a[0] for a in answers[True]] == [201, 201, 401, 403, 422, 422, 422, 422, 422, 422, 422, 422, 400]
    assert answers[True][5][2]["errors"] == [{"field": "24", "reason": "JSON decode error"}]  # FastAPI's position
    both = [e["field"] for e in answers[True][9][2]["errors"]]
    assert both == ["header.Thing-Key", "name", "count", "tags", "x"]


async def test_the_plain_route_leaves_the_document_and_other_methods_to_fastapi_and_is_counted_by_its_path() -> None:
    before, app = created_count(), app_of(True)
    async with client(True, app) as http:
        assert (await http.post(PATH, headers=AUTH | JSON | {"Thing-Key": "k"}, content=GOOD)).json()["fast"]
        assert (await http.get(PATH)).json() == ["from FastAPI"]
        assert (await http.put(PATH, content=GOOD)).status_code == 405
    assert app.openapi() == app_of(False).openapi() and list(app.openapi()["paths"][PATH]) == ["post", "get"]
    assert created_count() == before + 1  # the request metrics name the plain route by its path


def test_a_validation_error_carries_the_errors_it_was_given() -> None:
    errors = [{"type": "missing", "loc": ("header", "Thing-Key"), "msg": "Field required", "input": None}]
    assert RequestValidationError(errors, body=None).errors() == errors
