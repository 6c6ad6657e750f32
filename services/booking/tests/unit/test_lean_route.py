"""LeanRoute answers as FastAPI's own handler does: the same endpoint served both ways, compared request by request."""

import json
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from request_bodies import body

from booking.entrypoints.dependencies import CallerDep, current_caller
from booking.entrypoints.http import IdempotencyKey
from booking.entrypoints.lean_route import LeanRoute
from booking.entrypoints.schemas import VisitRequestIn
from booking.settings import BookingSettings
from outreach_shared.auth import Principal, mint_token
from outreach_shared.http import create_app, require_role

SECRET = "a-test-secret-that-is-long-enough-for-hs256"
ORGNR = "974760673"


async def echo(body: VisitRequestIn, key: IdempotencyKey, request: Request, caller: CallerDep) -> JSONResponse:
    """What the endpoint was given, so both ways can be compared on it too."""
    require_role(caller, "school")
    given = {"body": body.model_dump(mode="json"), "key": key, "caller": caller.subject, "path": request.url.path}
    return JSONResponse(given, status_code=201, headers={"Location": "/somewhere"})


def app_with_both_routes(rate_limit: int = 0) -> Any:
    router = APIRouter()
    router.add_api_route("/lean", echo, methods=["POST"], status_code=201, route_class_override=LeanRoute)
    router.add_api_route("/stock", echo, methods=["POST"], status_code=201)
    app = create_app(title="lean", routers=[router])
    settings = BookingSettings(jwt_secret=SECRET, rate_limit_per_minute=rate_limit)
    app.state.runtime = SimpleNamespace(settings=settings, extras={})
    return app


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lean")


SCHOOL = {"Authorization": f"Bearer {mint_token(SECRET, 'school', ORGNR)}"}
JSON = {"Content-Type": "application/json"}
KEY = {"Idempotency-Key": "k-1"}
GOOD = json.dumps(body()).encode()
DATES_ONLY = {"start": "2026-04-01", "end": "2026-04-02"}
TIMESTAMPS = {"start": 1775000000, "end": 1775010000}

CASES: dict[str, tuple[dict[str, str], bytes]] = {
    "valid": (SCHOOL | JSON | KEY, GOOD),
    "valid, charset in the content type": (SCHOOL | {"Content-Type": "application/json; charset=utf-8"} | KEY, GOOD),
    "valid, +json content type": (SCHOOL | {"Content-Type": "application/vnd.visit+json"} | KEY, GOOD),
    "valid, capitalised content type": (SCHOOL | {"Content-Type": " Application/JSON ;charset=utf-8"} | KEY, GOOD),
    "content type with two slashes": (SCHOOL | {"Content-Type": "application/json/x"} | KEY, GOOD),
    "content type listing two types": (SCHOOL | {"Content-Type": "application/json, text/plain"} | KEY, GOOD),
    "valid, padded text and a note": (
        SCHOOL | JSON | KEY, json.dumps(body(school__name="  Byskolen ", notes=" Ta med brosjyrer ")).encode()
    ),
    "invalid phone": (SCHOOL | JSON | KEY, json.dumps(body(contact__phone="12")).encode()),
    "invalid e-mail": (SCHOOL | JSON | KEY, json.dumps(body(contact__email="kari@")).encode()),
    "invalid organisation number": (SCHOOL | JSON | KEY, json.dumps(body(school__orgnr="974760674")).encode()),
    "unknown field": (SCHOOL | JSON | KEY, json.dumps(body(colour="blue")).encode()),
    "missing field": (SCHOOL | JSON | KEY, json.dumps({k: v for k, v in body().items() if k != "contact"}).encode()),
    "malformed JSON": (SCHOOL | JSON | KEY, b'{"school": '),
    "not UTF-8": (SCHOOL | JSON | KEY, b'{"school": "\xff"}'),
    "a JSON list": (SCHOOL | JSON | KEY, b"[1, 2]"),
    "JSON null": (SCHOOL | JSON | KEY, b"null"),
    "no body": (SCHOOL | JSON | KEY, b""),
    "text/plain": (SCHOOL | {"Content-Type": "text/plain"} | KEY, GOOD),
    "no content type": (SCHOOL | KEY, GOOD),
    "no Idempotency-Key": (SCHOOL | JSON, GOOD),
    "empty Idempotency-Key": (SCHOOL | JSON | {"Idempotency-Key": ""}, GOOD),
    "Idempotency-Key too long": (SCHOOL | JSON | {"Idempotency-Key": "k" * 201}, GOOD),
    "Idempotency-Key at the limit": (SCHOOL | JSON | {"Idempotency-Key": "k" * 200}, GOOD),
    "control character in the Idempotency-Key": (SCHOOL | JSON | {"Idempotency-Key": "k\x01"}, GOOD),
    "bidi override in a name": (SCHOOL | JSON | KEY, json.dumps(body(school__name="By\u202eskolen")).encode()),
    "CRLF in the notes": (SCHOOL | JSON | KEY, json.dumps(body(notes="Linje 1\r\nLinje 2")).encode()),
    "no key and an invalid body": (SCHOOL | JSON, json.dumps(body(contact__phone="12")).encode()),
    # where reading the JSON text itself could answer otherwise than json.loads and then the Python values
    "number as a string": (SCHOOL | JSON | KEY, json.dumps(body(audience__pupils="30")).encode()),
    "whole float for an int": (SCHOOL | JSON | KEY, json.dumps(body(audience__pupils=30.0)).encode()),
    "fraction for an int": (SCHOOL | JSON | KEY, json.dumps(body(team_size=2.5)).encode()),
    "boolean for an int": (SCHOOL | JSON | KEY, json.dumps(body(team_size=True)).encode()),
    "number for a text": (SCHOOL | JSON | KEY, json.dumps(body(school__name=42)).encode()),
    "NaN for an int": (SCHOOL | JSON | KEY, GOOD.replace(b'"pupils": 60', b'"pupils": NaN')),
    "huge int": (SCHOOL | JSON | KEY, json.dumps(body(audience__pupils=10**40)).encode()),
    "duplicate key, valid last": (SCHOOL | JSON | KEY, b'{"kind": "party", ' + GOOD[1:]),
    "duplicate key, invalid last": (SCHOOL | JSON | KEY, GOOD[:-1] + b', "kind": "party"}'),
    "escaped unicode": (SCHOOL | JSON | KEY, json.dumps(body(school__name="Bøler skole"), ensure_ascii=True).encode()),
    "lone surrogate": (SCHOOL | JSON | KEY, json.dumps(body(notes="x")).encode().replace(b'"x"', b'"\\ud800"')),
    "NUL in a text": (SCHOOL | JSON | KEY, json.dumps(body(notes="a\u0000b")).encode()),
    "byte order mark": (SCHOOL | JSON | KEY, b"\xef\xbb\xbf" + GOOD),
    "UTF-16": (SCHOOL | JSON | KEY, GOOD.decode().encode("utf-16")),
    "white space around": (SCHOOL | JSON | KEY, b" \n" + GOOD + b"\n "),
    "trailing text": (SCHOOL | JSON | KEY, GOOD + b" x"),
    "window with a date only": (SCHOOL | JSON | KEY, json.dumps(body(windows=[DATES_ONLY])).encode()),
    "window as a timestamp": (SCHOOL | JSON | KEY, json.dumps(body(windows=[TIMESTAMPS])).encode()),
    "no token": (JSON | KEY, GOOD),
    "basic auth": ({"Authorization": "Basic a2FyaTpzZWNyZXQ="} | JSON | KEY, GOOD),
    "forged token": ({"Authorization": "Bearer not.a.token"} | JSON | KEY, GOOD),
    "forged token and an invalid body": ({"Authorization": "Bearer x.y.z"} | JSON | KEY, b"{}"),
    "member token": ({"Authorization": f"Bearer {mint_token(SECRET, 'member', 'm-1')}"} | JSON | KEY, GOOD),
}


def comparable(response: httpx.Response) -> tuple[int, Any, dict[str, str]]:
    """Status, body and headers, less what names the route or the request (path, request id, length)."""
    content = response.json()
    if isinstance(content, dict):
        content.pop("instance", None)
        content.pop("path", None)
    headers = {k: v for k, v in response.headers.items() if k not in ("x-request-id", "content-length")}
    return response.status_code, content, headers


@pytest.mark.parametrize("case", list(CASES))
async def test_every_answer_is_the_one_fastapi_gives(case: str) -> None:
    headers, content = CASES[case]
    async with client(app_with_both_routes()) as http:
        lean = await http.post("/lean", headers=headers, content=content)
        stock = await http.post("/stock", headers=headers, content=content)
    assert comparable(lean) == comparable(stock)


async def test_a_streamed_body_over_the_size_limit_gets_the_same_413() -> None:
    async def too_much():  # no Content-Length: the limit is found while the route reads the body
        for _ in range(3):
            yield b" " * 600_000

    async with client(app_with_both_routes()) as http:
        lean = await http.post("/lean", headers=SCHOOL | JSON | KEY, content=too_much())
        stock = await http.post("/stock", headers=SCHOOL | JSON | KEY, content=too_much())
    assert lean.status_code == 413
    assert comparable(lean) == comparable(stock)


async def test_the_short_way_gives_the_endpoint_the_validated_values() -> None:
    async with client(app_with_both_routes()) as http:
        response = await http.post("/lean", headers=SCHOOL | JSON | KEY, content=GOOD)
    given = response.json()
    assert response.status_code == 201
    assert given["body"]["contact"]["phone"] == "+4741234567"  # validated (normalised), not the raw body
    assert given["body"]["team_size"] == 2
    assert (given["key"], given["caller"], given["path"]) == ("k-1", ORGNR, "/lean")


@pytest.mark.parametrize("path", ["/lean", "/stock"])
async def test_the_rate_limit_counts_each_request_once_whichever_way_it_goes(path: str) -> None:
    sequence = [
        (SCHOOL | JSON | KEY, GOOD),
        (SCHOOL | JSON | KEY, b"{}"),  # handed to FastAPI's handler after the short way's validation failed
        (SCHOOL | JSON, GOOD),  # the same, for a missing header
        (SCHOOL | JSON | KEY, GOOD),
    ]
    async with client(app_with_both_routes(rate_limit=3)) as http:
        statuses = [(await http.post(path, headers=h, content=c)).status_code for h, c in sequence]
    assert statuses == [201, 422, 422, 429]


@pytest.fixture
def fastapi_handler_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the requests FastAPI's own handler solved dependencies for."""
    import fastapi.routing

    calls: list[str] = []
    solve = fastapi.routing.solve_dependencies

    async def counted(**kwargs: Any) -> Any:
        calls.append(kwargs["request"].url.path)
        return await solve(**kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counted)
    return calls


async def test_a_request_that_validates_takes_the_short_way(fastapi_handler_calls: list[str]) -> None:
    async with client(app_with_both_routes()) as http:
        assert (await http.post("/lean", headers=SCHOOL | JSON | KEY, content=GOOD)).status_code == 201
        charset = {"Content-Type": "application/json; charset=utf-8"}
        assert (await http.post("/lean", headers=SCHOOL | charset | KEY, content=GOOD)).status_code == 201
        assert (await http.post("/lean", headers=SCHOOL | JSON | KEY, content=b"{}")).status_code == 422
        assert (await http.post("/stock", headers=SCHOOL | JSON | KEY, content=GOOD)).status_code == 201
    assert fastapi_handler_calls == ["/lean", "/stock"]  # only the invalid body went to FastAPI's handler


async def test_a_traced_request_goes_to_fastapi_s_handler(
    fastapi_handler_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import booking.entrypoints.lean_route as lean_route

    monkeypatch.setattr(lean_route, "get_telemetry_data", lambda: SimpleNamespace())  # native telemetry on
    async with client(app_with_both_routes()) as http:
        assert (await http.post("/lean", headers=SCHOOL | JSON | KEY, content=GOOD)).status_code == 201
    assert fastapi_handler_calls == ["/lean"]


async def test_dependency_overrides_are_honoured() -> None:
    app = app_with_both_routes()

    async def organiser_school() -> Principal:
        return Principal(role="school", subject="override", orgnr=ORGNR)

    app.dependency_overrides[current_caller] = organiser_school
    async with client(app) as http:
        response = await http.post("/lean", headers=JSON | KEY, content=GOOD)
    assert response.status_code == 201
    assert response.json()["caller"] == "override"


def test_an_endpoint_of_another_shape_is_refused_when_the_route_is_built() -> None:
    async def with_query(body: VisitRequestIn, page: int = Query(1)) -> JSONResponse:
        return JSONResponse({})

    with pytest.raises(TypeError, match="LeanRoute cannot serve /q"):
        APIRouter().add_api_route("/q", with_query, methods=["POST"], route_class_override=LeanRoute)


def test_the_booking_api_still_documents_the_create_operation_from_its_signature() -> None:
    from booking.bootstrap import SERVICE
    from outreach_shared.runtime import build_app

    operation = build_app(SERVICE, BookingSettings()).openapi()["paths"]["/v1/visit-requests"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/VisitRequestIn")
    assert [p["name"] for p in operation["parameters"]] == ["Idempotency-Key"]
    assert operation["security"] == [{"HTTPBearer": []}]
    assert {"201", "401", "422", "429"} <= set(operation["responses"])
