"""Booking's feedback links (no sign-in: the link's token is the credential), called with the portal's pooled client
for booking and no bearer token."""

from typing import Any
from urllib.parse import quote

import httpx

from portal.adapters.service_apis import Caller, Unavailable


async def feedback(http: httpx.AsyncClient, token: str, answer: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the link rates (`GET /v1/feedback/{token}`), or, given an `answer`, the school's rating sent
    (`POST`): booking's JSON. `Refused` for 4xx (404 not genuine, 410 expired, 409 rated already, 422 a field),
    `Unavailable` when booking does not answer or fails."""
    path = f"/v1/feedback/{quote(token, safe='')}"
    booking = Caller(http, token="")  # the link's token is the credential, not a bearer token
    body = await (booking.get(path) if answer is None else booking.post(path, answer))
    if not isinstance(body, dict):
        raise Unavailable("feedback: not an object")
    return body
