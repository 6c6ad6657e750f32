"""Tokens and the HTTP kit: roles, ownership, forged and expired tokens, problem+json."""

import base64
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from outreach_shared.auth import Principal, VerifiedTokens
from outreach_shared.errors import NotFound, Unauthorized
from outreach_shared.http import create_app, principal_dependency, require_owner, require_role
from outreach_shared.signing import KeySet, SigningKey, verify_token
from outreach_shared.signing import mint_token as sign

KEY, OTHER_KEY = SigningKey.generate(), SigningKey.generate()
KEYS = KeySet([KEY.public_jwk()])


@dataclass
class Verifier:
    keys: KeySet
    audience: str = "booking"


def mint_token(key: SigningKey, role, subject=None, **kwargs):  # noqa: ANN001, ANN201
    return sign(key, role, subject, **({"audience": "booking"} | kwargs))


def decode_token(keys: KeySet, token: str, *, cache: VerifiedTokens | None = None, audience: str = "booking"):  # noqa: ANN201
    import asyncio

    return asyncio.run(verify_token(keys, token, audience=audience, cache=cache or VerifiedTokens()))


current = principal_dependency(Verifier(KEYS))
Caller = Annotated[Principal, Depends(current)]
router = APIRouter()


class Booking(BaseModel):
    pupils: int = Field(ge=1)


@router.get("/schools/{orgnr}/visits")
async def school_visits(orgnr: str, caller: Caller) -> dict[str, str]:
    require_role(caller, "school", "organiser")
    require_owner(caller, orgnr=orgnr)
    return {"orgnr": orgnr}


@router.get("/admin")
async def organiser_only(caller: Caller) -> dict[str, str]:
    require_role(caller, "organiser")
    return {"ok": "yes"}


@router.post("/bookings")
async def book(body: Booking) -> dict[str, int]:
    return {"pupils": body.pupils}


@router.get("/missing")
async def missing() -> None:
    raise NotFound("no visit with that id")


@pytest.fixture
def client() -> httpx.AsyncClient:
    app = create_app(title="kit", routers=[router])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kit")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unsigned_token(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def test_school_token_reads_its_own_school(client):
    response = await client.get("/schools/974760673/visits", headers=bearer(mint_token(KEY, "school", "974760673")))
    assert response.status_code == 200


async def test_token_of_another_school_is_forbidden(client):
    response = await client.get("/schools/974760673/visits", headers=bearer(mint_token(KEY, "school", "910825526")))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


async def test_wrong_role_is_forbidden(client):
    response = await client.get("/admin", headers=bearer(mint_token(KEY, "member", "m-1")))
    assert response.status_code == 403
    assert "organiser" in response.json()["detail"]


async def test_missing_token_is_unauthorized(client):
    response = await client.get("/admin")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_token_signed_with_another_key_is_unauthorized(client):
    forged = mint_token(OTHER_KEY, "organiser")
    assert (await client.get("/admin", headers=bearer(forged))).status_code == 401


async def test_unsigned_alg_none_token_is_unauthorized(client):
    token = unsigned_token({"sub": "organiser", "role": "organiser", "iss": "outreach", "iat": 1, "exp": 4102444800})
    assert (await client.get("/admin", headers=bearer(token))).status_code == 401


async def test_expired_token_is_unauthorized(client):
    expired = mint_token(KEY, "organiser", ttl=timedelta(seconds=-1))
    response = await client.get("/admin", headers=bearer(expired))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_decode_gives_role_and_subject():
    principal = decode_token(KEYS, mint_token(KEY, "member", "m-42"))
    assert (principal.role, principal.member_id, principal.orgnr) == ("member", "m-42", None)


def test_school_and_member_tokens_need_a_subject():
    with pytest.raises(ValueError):
        mint_token(KEY, "school")


def test_garbage_token_is_refused():
    with pytest.raises(Unauthorized):
        decode_token(KEYS, "not-a-token")


async def test_validation_error_is_problem_json_naming_the_field(client):
    response = await client.post("/bookings", json={"pupils": 0})
    assert response.status_code == 422
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert body["errors"][0]["field"] == "pupils"
    assert "pupils" in body["detail"]


async def test_domain_error_is_problem_json_with_detail(client):
    response = await client.get("/missing")
    assert response.status_code == 404
    assert response.json()["detail"] == "no visit with that id"


async def test_every_response_carries_a_request_id(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "req-123"})
    assert response.headers["x-request-id"] == "req-123"
    assert (await client.get("/healthz")).headers["x-request-id"]


async def test_metrics_count_requests_by_route_and_status(client):
    await client.get("/missing")
    await client.get("/missing")
    body = (await client.get("/metrics")).text
    line = next(li for li in body.splitlines()
                if li.startswith("outreach_http_requests_total{") and 'route="/missing"' in li and "4xx" in li)
    assert float(line.rsplit(" ", 1)[1]) >= 2
    assert "outreach_http_request_seconds_bucket" in body


async def test_a_request_id_that_is_not_a_plain_id_is_replaced(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "kari@example.no"})
    assert response.headers["x-request-id"] != "kari@example.no"


def test_a_cached_token_is_refused_once_it_expires():
    clock = [time.time()]
    cache = VerifiedTokens(clock=lambda: clock[0])
    token = mint_token(KEY, "school", "910000019", ttl=timedelta(minutes=5))
    assert decode_token(KEYS, token, cache=cache).orgnr == "910000019"
    assert decode_token(KEYS, token, cache=cache).orgnr == "910000019"  # answered from the cache
    clock[0] += 6 * 60
    with pytest.raises(Unauthorized):
        decode_token(KEYS, token, cache=cache)


def test_a_tampered_copy_of_a_cached_token_is_refused():
    cache = VerifiedTokens()
    token = mint_token(KEY, "school", "910000019")
    decode_token(KEYS, token, cache=cache)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps(claims | {"orgnr": "910000027"}).encode()).rstrip(b"=").decode()
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    for tampered in (f"{header}.{forged}.{signature}", f"{header}.{payload}.{flipped}"):
        with pytest.raises(Unauthorized):
            decode_token(KEYS, tampered, cache=cache)


def test_a_cached_token_is_refused_for_another_audience():
    cache = VerifiedTokens()
    token = mint_token(KEY, "organiser")
    decode_token(KEYS, token, cache=cache)
    with pytest.raises(Unauthorized):
        decode_token(KEYS, token, cache=cache, audience="notify")


def test_the_token_cache_keeps_only_the_most_recent_tokens():
    cache = VerifiedTokens(size=2)
    tokens = [mint_token(KEY, "member", f"m-{i}") for i in range(3)]
    for token in tokens:
        decode_token(KEYS, token, cache=cache)
    assert cache.get("booking", tokens[0]) is None
    assert cache.get("booking", tokens[2]) is not None


async def test_a_started_app_freezes_what_start_up_built_and_collects_garbage_less_often() -> None:
    import gc

    from outreach_shared.http import GC_THRESHOLDS

    defaults = gc.get_threshold()
    app = create_app(title="gc")
    try:
        async with app.router.lifespan_context(app):
            assert gc.get_threshold() == GC_THRESHOLDS
            assert gc.get_freeze_count() > 1000, "start-up's objects are out of the collector's way"
        assert gc.get_freeze_count() == 0, "unfrozen when the app stops"
    finally:
        gc.set_threshold(*defaults)


@router.get("/database-away")
async def database_away() -> None:
    raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")


@router.get("/bug")
async def bug() -> None:
    raise RuntimeError("a bug")


def served() -> httpx.AsyncClient:
    """As a server answers: an exception's answer is sent, not raised into the test (Starlette re-raises it after)."""
    app = create_app(title="kit", routers=[router])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://kit")


async def test_a_request_meeting_the_database_away_answers_503_with_retry_after_not_500():
    answer = await served().get("/database-away")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert int(answer.headers["retry-after"]) > 0
    assert answer.json()["title"] == "Service unavailable"


async def test_a_bug_still_answers_500_saying_no_more():
    answer = await served().get("/bug")
    assert answer.status_code == 500
    assert answer.json()["detail"] == "an unexpected error occurred"
