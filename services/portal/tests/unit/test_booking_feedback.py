"""The feedback link's adapter: booking's answers become JSON, `Refused` (with the fields it names) or
`Unavailable`; no bearer token is sent (the link's token is the credential)."""

import httpx
import pytest

from portal.adapters.booking_feedback import feedback
from portal.adapters.service_apis import Refused, Unavailable

TOKEN = "abc." + "A" * 43


def booking(status: int, body: object = None, seen: list[httpx.Request] | None = None) -> httpx.AsyncClient:
    def answer(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, json=body)

    return httpx.AsyncClient(base_url="http://booking", transport=httpx.MockTransport(answer))


async def test_what_the_link_rates_is_read_without_a_bearer_token() -> None:
    seen: list[httpx.Request] = []
    async with booking(200, {"visit_id": "v1", "answered": False}, seen) as http:
        assert await feedback(http, TOKEN) == {"visit_id": "v1", "answered": False}
    assert seen[0].method == "GET" and seen[0].url.path == f"/v1/feedback/{TOKEN}"
    assert "authorization" not in seen[0].headers


async def test_the_answer_is_posted_as_json() -> None:
    seen: list[httpx.Request] = []
    async with booking(200, {"answered": True, "rating": 5}, seen) as http:
        assert (await feedback(http, TOKEN, {"rating": 5, "comment": None}))["rating"] == 5
    assert seen[0].method == "POST" and seen[0].read() == b'{"rating":5,"comment":null}'


@pytest.mark.parametrize("status", [404, 409, 410])
async def test_a_link_that_cannot_be_used_is_refused_with_bookings_status(status: int) -> None:
    async with booking(status, {"detail": "no"}) as http:
        with pytest.raises(Refused) as refused:
            await feedback(http, TOKEN)
    assert refused.value.status == status


async def test_a_field_booking_names_is_kept() -> None:
    problem = {"detail": "invalid", "errors": [{"field": "comment", "reason": "a control character"}]}
    async with booking(422, problem) as http:
        with pytest.raises(Refused) as refused:
            await feedback(http, TOKEN, {"rating": 3, "comment": "x"})
    assert refused.value.fields == {"comment": "a control character"}


async def test_a_failing_booking_is_unavailable() -> None:
    async with booking(503, {}) as http:
        with pytest.raises(Unavailable):
            await feedback(http, TOKEN)
