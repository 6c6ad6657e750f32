"""The create route on the real app with its ports in memory: the caller, the rate limit and the replay header."""

import json
from typing import Any

import httpx
from booking_fakes import FakeKeys, FakeNewVisits
from request_bodies import body

from booking.adapters.rate_limiter import RateLimiter
from booking.bootstrap import SERVICE
from booking.domain.new_visits import StoredResponse
from booking.service_layer.ports import BookingPorts
from booking.settings import BookingSettings
from outreach_dev.testing.fakes import MovableClock
from outreach_dev.testing.keys import TEST_JWKS, signed_auth
from outreach_shared.runtime import Wiring, build_app

ORGNR = "974760673"
SCHOOL = signed_auth("school", ORGNR, audience="booking")
JSON = {"Content-Type": "application/json"}
KEY = {"Idempotency-Key": "k-1"}
GOOD = json.dumps(body()).encode()


def client(writer: FakeNewVisits, keys: FakeKeys | None = None, rate_limit: int = 0) -> httpx.AsyncClient:
    """The app, not started (no database or broker): its wiring is set to the ports in memory."""
    settings = BookingSettings(jwt_public_keys=TEST_JWKS, jwt_jwks_url="")
    app = build_app(SERVICE, settings, clock=MovableClock())  # 2027-03-01 08:00 UTC
    ports = BookingPorts(new_visits=writer, keys=keys or FakeKeys(), window_policy=settings.window_policy(),
                         rate_limiter=RateLimiter(rate_limit) if rate_limit else None)  # fmt: skip
    app.state.runtime.wiring = Wiring(ports=ports)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://booking")


def windows_ahead(**changes: Any) -> bytes:
    """A valid body whose window lies two weeks after the clock's time (a Monday morning in Oslo)."""
    window = {"start": "2027-03-15T09:00:00+01:00", "end": "2027-03-15T12:00:00+01:00"}
    return json.dumps(body(windows=[window], **changes)).encode()


async def test_a_school_creates_a_visit_and_the_writer_gets_it() -> None:
    writer = FakeNewVisits()
    async with client(writer) as http:
        r = await http.post("/v1/visit-requests", headers=SCHOOL | JSON | KEY, content=windows_ahead())
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"/v1/visit-requests/{r.json()['id']}" and r.json()["status"] == "requested"
    (new,) = writer.written
    assert new.visit.id == r.json()["id"] and new.contact.phone == "+4741234567"  # validated, normalised
    assert [e.type for e in new.events] == ["visit.requested", "visit-contact.shared"]
    assert {e.correlation_id for e in new.events} == {r.headers["x-request-id"]}


async def test_a_replayed_create_says_so() -> None:
    sent, first = windows_ahead(), {"id": "v1", "status": "requested"}
    writer = FakeNewVisits()  # the first create: its key's fingerprint is what the writer stored
    async with client(writer) as http:
        created = await http.post("/v1/visit-requests", headers=SCHOOL | JSON | KEY, content=sent)
    stored = StoredResponse(writer.written[0].claim.request_hash, 201, first)
    async with client(FakeNewVisits("used"), FakeKeys({(ORGNR, "k-1"): stored})) as http:
        replay = await http.post("/v1/visit-requests", headers=SCHOOL | JSON | KEY, content=sent)
    assert created.status_code == 201
    assert (replay.status_code, replay.json(), replay.headers["Idempotent-Replayed"]) == (201, first, "true")


async def test_the_rate_limit_counts_each_request_once_whatever_its_answer() -> None:
    sequence = [
        (SCHOOL | JSON | KEY, windows_ahead()),
        (SCHOOL | JSON | KEY, b"{}"),  # an invalid body
        (SCHOOL | JSON, windows_ahead()),  # a missing header
        (SCHOOL | JSON | KEY, windows_ahead()),
    ]
    async with client(FakeNewVisits(), rate_limit=3) as http:
        answers = [await http.post("/v1/visit-requests", headers=h, content=c) for h, c in sequence]
    assert [a.status_code for a in answers] == [201, 422, 422, 429]
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 60


async def test_only_a_school_token_creates() -> None:
    organiser = signed_auth("organiser", "o", audience="booking")
    async with client(FakeNewVisits()) as http:
        assert (await http.post("/v1/visit-requests", headers=JSON | KEY, content=GOOD)).status_code == 401
        assert (await http.post("/v1/visit-requests", headers=organiser | JSON | KEY, content=GOOD)).status_code == 403
