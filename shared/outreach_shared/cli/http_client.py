"""Calls to the services' public HTTP APIs with an organiser token."""

import json
from typing import Any

import httpx

from outreach_shared.cli.errors import EXIT_REFUSED, EXIT_UNAVAILABLE, fail
from outreach_shared.cli.settings import get_settings, signing_key
from outreach_shared.signing import mint_token


def _organiser_token() -> str:
    settings = get_settings()
    if settings.token is not None:
        return settings.token.get_secret_value()
    return mint_token(signing_key(), "organiser")


def call(method: str, url: str, *, json_body: Any = None, content: bytes | None = None,
         params: dict[str, Any] | None = None, content_type: str | None = None) -> Any:
    """Send a request; exit 3 on a 4xx (printing the problem detail), 4 when unreachable or 5xx."""
    headers = {"Authorization": f"Bearer {_organiser_token()}"}
    if content_type:
        headers["Content-Type"] = content_type
    try:
        response = httpx.request(method, url, json=json_body, content=content, params=params,
                                 headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        fail(f"cannot reach {url}: {exc}", EXIT_UNAVAILABLE)
    if response.status_code >= 500:
        fail(f"{url} answered {response.status_code}", EXIT_UNAVAILABLE)
    if response.status_code >= 400:
        fail(_describe_problem(response), EXIT_REFUSED)
    if not response.content:
        return None
    return response.json() if "json" in response.headers.get("content-type", "") else response.text


def _describe_problem(response: httpx.Response) -> str:
    try:
        body = response.json()
    except json.JSONDecodeError:
        return f"{response.status_code}: {response.text[:500]}"
    lines = [f"{response.status_code} {body.get('title', '')}: {body.get('detail', '')}"]
    for error in body.get("errors") or []:
        if isinstance(error, dict):
            where = f"line {error['line']}: " if "line" in error else ""
            lines.append(f"  {where}{error.get('field') or ''} {error.get('reason') or error}")
    return "\n".join(lines)
