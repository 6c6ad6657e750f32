"""Booking's create answered by its plain Starlette endpoint (`create_fast`) exactly as by its FastAPI route: the
same status, headers and body for every refusal, a create and a replay, and the same OpenAPI document."""

import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest
from booking_fakes import FakeKeys, FakeNewVisits
from request_bodies import body

from booking.adapters.rate_limiter import RateLimiter
from booking.bootstrap import SERVICE
from booking.domain.new_visits import StoredResponse
from booking.entrypoints import http as booking_http
from booking.entrypoints.http import fast_create_router
from booking.entrypoints.schemas import VisitRequestIn
from booking.service_layer.create import request_hash
from booking.service_layer.ports import BookingPorts
from booking.settings import BookingSettings
from outreach_dev.testing.fakes import MovableClock
from outreach_dev.testing.keys import TEST_JWKS, signed_auth
from outreach_shared.fast_route import JsonBody, ReceivedBody, Unread
from outreach_shared.runtime import Wiring, build_app

ORGNR = "974760673"
SCHOOL = signed_auth("school", ORGNR, audience="booking")
JSON = {"Content-Type": "application/json"}
KEY = {"Idempotency-Key": "k-1"}
LIMIT = 4096
WINDOW = {"start": "2027-03-15T09:00:00+01:00", "end": "2027-03-15T12:00:00+01:00"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def good(**changes: Any) -> dict[str, Any]:
    """A valid body whose window lies two weeks after the clock's time."""
    return body(windows=[WINDOW], **changes)


GOOD = json.dumps(good()).encode()
REFERENCE = replace(SERVICE, routers=[r for r in SERVICE.routers if r is not fast_create_router])


class CountedBody(JsonBody[VisitRequestIn]):
    """The create's body parameter, counting the requests the plain endpoint read."""

    reads = 0

    async def read(self, request: Any) -> ReceivedBody[VisitRequestIn] | Unread:
        CountedBody.reads += 1
        return await super().read(request)


def app_of(definition: Any, keys: FakeKeys | None, rate_limit: int) -> httpx.AsyncClient:
    """Booking's app with its ports in memory (a key already stored is `used` for the writer too)."""
    settings = BookingSettings(jwt_public_keys=TEST_JWKS, jwt_jwks_url="", max_request_bytes=LIMIT)
    app = build_app(definition, settings, clock=MovableClock())  # 2027-03-01 08:00 UTC
    writer = FakeNewVisits("used" if keys and keys.stored else "created")
    ports = BookingPorts(new_visits=writer, keys=keys or FakeKeys(), window_policy=settings.window_policy(),
                         rate_limiter=RateLimiter(rate_limit) if rate_limit else None)  # fmt: skip
    app.state.runtime.wiring = Wiring(ports=ports)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://booking")


Request = tuple[dict[str, str], Any]


async def answers(definition: Any, requests: list[Request], keys: FakeKeys | None, rate_limit: int) -> list[Any]:
    """Each request's status, headers (but the request id) and body, ids replaced by `<id>`."""
    found = []
    async with app_of(definition, keys, rate_limit) as http:
        for headers, content in requests:
            before = CountedBody.reads
            r = await http.post("/v1/visit-requests", headers=headers, content=content)
            kept = sorted((k, UUID.sub("<id>", v)) for k, v in r.headers.items() if k != "x-request-id")
            found.append((r.status_code, kept, UUID.sub("<id>", r.text)))
            if definition is SERVICE:
                assert CountedBody.reads == before + 1, (headers, content)  # the plain endpoint answered
    return found


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> type[CountedBody]:
    monkeypatch.setattr(booking_http, "CREATE_BODY", CountedBody(VisitRequestIn))
    CountedBody.reads = 0
    return CountedBody


async def compare(counted: type[CountedBody], requests: list[Request], *, keys: Callable[[], FakeKeys] = FakeKeys,
                  rate_limit: int = 0) -> list[Any]:  # fmt: skip
    """The plain endpoint's answers, asserted equal to the FastAPI route's, and that the endpoint gave them."""
    counted.reads = 0
    reference = await answers(REFERENCE, requests, keys(), rate_limit)
    assert counted.reads == 0
    fast = await answers(SERVICE, requests, keys(), rate_limit)
    assert counted.reads == len(requests)  # the plain endpoint answered every one
    for sent, ours, theirs in zip(requests, fast, reference, strict=True):
        assert ours == theirs, sent
    return fast


def chunked(data: bytes) -> AsyncIterator[bytes]:
    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(data), 1000):
            yield data[i : i + 1000]

    return chunks()


async def test_refusals_of_the_caller_answer_as_the_fastapi_route(counted: type[CountedBody]) -> None:
    organiser = signed_auth("organiser", "o", audience="booking")
    other_service = signed_auth("school", ORGNR, audience="training")
    statuses = [a[0] for a in await compare(counted, [
        (JSON | KEY, GOOD),  # no token
        ({"Authorization": "Bearer not-a-token"} | JSON | KEY, GOOD),
        ({"Authorization": "Basic a2FyaTpwYXNz"} | JSON | KEY, GOOD),
        ({"Authorization": "Bearer"} | JSON | KEY, GOOD),
        (other_service | JSON | KEY, GOOD),
        (organiser | JSON | KEY, GOOD),  # 403: not a school
        (signed_auth("member", "not-a-member-id", audience="booking") | JSON | KEY, GOOD),  # 403: the kit's check
        (organiser | JSON | KEY, b"{not json"),  # the body's JSON is read before the caller: 422
        (KEY, b"{}"),  # no Content-Type: the caller first
    ])]  # fmt: skip
    assert statuses == [401, 401, 401, 401, 401, 403, 403, 422, 401]


async def test_a_school_over_its_rate_answers_as_the_fastapi_route(counted: type[CountedBody]) -> None:
    over = await compare(counted, [
        (SCHOOL | JSON | KEY, GOOD),
        (SCHOOL | JSON | {"Idempotency-Key": "k-2"}, GOOD),
        (SCHOOL | JSON | {"Idempotency-Key": "k-3"}, GOOD),  # over the rate: 429, before the header and body
        (SCHOOL | JSON, b"{}"),
        (SCHOOL | JSON | KEY, b"[1,"),  # JSON that does not parse is read before the caller: 422
    ], rate_limit=2)  # fmt: skip
    assert [a[0] for a in over] == [201, 201, 429, 429, 422]
    assert any(k == "retry-after" for k, _ in over[2][1])  # and the same value as the FastAPI route's (compared)


async def test_bodies_and_headers_refused_answer_as_the_fastapi_route(counted: type[CountedBody]) -> None:
    text = json.dumps(good(notes="line one\nline two"))
    requests: list[Request] = [
        (SCHOOL | KEY, GOOD),  # no Content-Type
        (SCHOOL | {"Content-Type": "text/plain"} | KEY, GOOD),
        (SCHOOL | {"Content-Type": "application/xml"} | KEY, b"<visit/>"),
        (SCHOOL | {"Content-Type": "multipart/form-data; boundary=x"} | KEY, b"--x--"),
        (SCHOOL | JSON | KEY, b""),  # no body
        (SCHOOL | JSON | KEY, b"{not json"),
        (SCHOOL | JSON | KEY, b"null"),
        (SCHOOL | JSON | KEY, b"[]"),
        (SCHOOL | JSON | KEY, b'"text"'),
        (SCHOOL | JSON | KEY, b"{}"),
        (SCHOOL | JSON | KEY, json.dumps(good(extra=1)).encode()),
        (SCHOOL | JSON | KEY, json.dumps(good(audience__pupils="NaN")).encode()),
        (SCHOOL | JSON | KEY, GOOD.replace(b'"pupils": 60', b'"pupils": NaN')),
        (SCHOOL | JSON | KEY, GOOD.replace(b'"pupils": 60', b'"pupils": 1e400')),
        (SCHOOL | JSON | KEY, GOOD.replace(b'"pupils": 60', b'"pupils": 60, "pupils": 0')),  # a duplicate key
        (SCHOOL | JSON | KEY, text.replace("\\n", "\n").encode()),  # a raw newline inside a string
        (SCHOOL | JSON | KEY, json.dumps(good(notes="\ud800")).encode()),  # a lone surrogate, escaped
        (SCHOOL | JSON | KEY, json.dumps(good(notes="nul\x00")).encode()),
        (SCHOOL | JSON | KEY, GOOD.replace(b"Byskolen", b"By\xffskolen")),  # not UTF-8
        (SCHOOL | JSON | KEY, b"[" * 4000),
        (SCHOOL | JSON | KEY, json.dumps(good()).encode("utf-16")),  # JSON in UTF-16: Python reads it
        (SCHOOL | JSON, GOOD),  # no Idempotency-Key
        (SCHOOL | JSON | {"Idempotency-Key": ""}, GOOD),
        (SCHOOL | JSON | {"Idempotency-Key": "k" * 201}, GOOD),
        (SCHOOL | JSON | {"Idempotency-Key": "k\x7f"}, GOOD),
        (SCHOOL | JSON | {"idempotency-key": "k-1", "Idempotency-Key": "k" * 300}, GOOD),  # the first one counts
        (SCHOOL | JSON, b"{}"),  # the header's and the body's errors in one answer
        (SCHOOL | {"Content-Type": "application/json; charset=utf-8"}, json.dumps(good(kind="party")).encode()),
        (SCHOOL | {"Content-Type": "application/merge-patch+json"} | KEY, b"{}"),
        (SCHOOL | {"Content-Type": "APPLICATION/JSON"} | KEY, b"{}"),
        (SCHOOL | JSON | KEY, json.dumps(body()).encode()),  # a window in the past: the use case's refusal
    ]
    statuses = [a[0] for a in await compare(counted, requests)]
    not_utf8_nor_shallow, utf16, first_key = [400, 400], [201], [201]  # as FastAPI answers them
    assert statuses == [422] * 18 + not_utf8_nor_shallow + utf16 + [422] * 4 + first_key + [422] * 5
    too_large = {}
    for definition in (REFERENCE, SERVICE):  # by Content-Length (the kit's middleware), and while it streams
        async with app_of(definition, None, 0) as http:
            found = []
            for content in (b"x" * (LIMIT + 1), chunked(b" " * (LIMIT + 1))):
                r = await http.post("/v1/visit-requests", headers=SCHOOL | JSON | KEY, content=content)
                found.append((r.status_code, sorted((k, v) for k, v in r.headers.items() if k != "x-request-id"),
                              r.json()))  # fmt: skip
            too_large[definition is SERVICE] = found
    assert too_large[True] == too_large[False] and [a[0] for a in too_large[True]] == [413, 413]


async def test_a_create_and_its_replay_answer_as_the_fastapi_route(counted: type[CountedBody]) -> None:
    sent = good()
    created = await compare(counted, [(SCHOOL | JSON | KEY, json.dumps(sent).encode())])
    assert created[0][0] == 201 and ("location", "/v1/visit-requests/<id>") in created[0][1]
    first = {"id": "v1", "status": "requested"}

    def used() -> FakeKeys:
        return FakeKeys({(ORGNR, "k-1"): StoredResponse(_fingerprint(sent), 201, first)})

    replayed = await compare(counted, [(SCHOOL | JSON | KEY, json.dumps(sent).encode()),
                                       (SCHOOL | JSON | KEY, json.dumps(good(team_size=3)).encode())],
                             keys=used)  # fmt: skip
    assert replayed[0][0] == 201 and ("idempotent-replayed", "true") in replayed[0][1]
    assert replayed[1][0] == 422  # the same key with another body


def _fingerprint(sent: dict[str, Any]) -> str:
    """The request hash booking stores for `sent` (what the writer of the first create was given)."""
    return request_hash(VisitRequestIn.model_validate(sent).model_dump_json().encode())


def test_the_openapi_document_is_the_fastapi_route_s() -> None:
    settings = BookingSettings()
    with_fast, without = build_app(SERVICE, settings).openapi(), build_app(REFERENCE, settings).openapi()
    assert with_fast == without
    operation = with_fast["paths"]["/v1/visit-requests"]["post"]
    assert operation["operationId"] and [p["name"] for p in operation["parameters"]] == ["Idempotency-Key"]
