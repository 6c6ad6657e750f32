"""Booking's feedback links (no sign-in: the link's token is the credential), called with the portal's pooled client
for booking and no bearer token."""

from typing import Any
from urllib.parse import quote

import httpx

from portal.adapters.service_apis import Refused, Unavailable


async def feedback(http: httpx.AsyncClient, token: str, answer: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the link rates (`GET /v1/feedback/{token}`), or, given an `answer`, the school's rating sent
    (`POST`): booking's JSON. `Refused` for 4xx (404 not genuine, 410 expired, 409 rated already, 422 a field),
    `Unavailable` when booking does not answer or fails."""
    path = f"/v1/feedback/{quote(token, safe='')}"
    try:
        response = await (http.get(path) if answer is None else http.post(path, json=answer))
    except httpx.HTTPError as exc:
        raise Unavailable(f"feedback: {type(exc).__name__}") from exc
    if response.status_code >= 500:
        raise Unavailable(f"feedback: {response.status_code}")
    if response.status_code >= 400:
        raise _refused(response)
    body = response.json()
    if not isinstance(body, dict):
        raise Unavailable("feedback: not an object")
    return body


def _refused(response: httpx.Response) -> Refused:
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    named = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    fields = {str(e.get("field") or ""): str(e.get("reason") or "") for e in named}
    return Refused(response.status_code, str(body.get("detail") or response.reason_phrase), fields)
