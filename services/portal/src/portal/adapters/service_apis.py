"""The other services' public HTTP APIs, as the pages call them acting as the signed-in person.

`ServiceApis` holds one pooled HTTP client per service (made by bootstrap from `PORTAL_<SERVICE>_URL`, closed when
the portal stops). A page gets `apis.booking.as_person(token)`-style callers from its dependency (`AsPerson` in
`entrypoints/web.py`); each call sends the person's bearer token and the page request's correlation id, and turns the
service's answer into JSON or a `Refused` carrying its problem+json (status, detail, and the fields it names), so a
page can show the service's refusal next to the right field. A service that does not answer in time, or answers
5xx, raises `Unavailable`; pages show a "try again" page for it, never a stack trace.
"""

from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

TIMEOUT = httpx.Timeout(5.0, connect=2.0)
"""A page waits at most this long for a service."""


@dataclass
class Refused(Exception):
    """A service said no (4xx): its status, its detail, and each field it named with the reason."""

    status: int
    detail: str
    fields: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict, repr=False)
    """The whole problem document (e.g. a roster import's `errors` by line)."""

    def __str__(self) -> str:
        return f"{self.status}: {self.detail}"


class Unavailable(Exception):
    """A service did not answer, or failed (5xx)."""


def client(base_url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """A pooled client for one service; it keeps no cookies (it serves every person)."""
    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT, cookies=no_cookies, transport=transport,
                             headers={"User-Agent": "outreach-portal"})  # fmt: skip


def _refusal(response: httpx.Response) -> Refused:
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    named = body.get("errors") or []
    fields = {str(e.get("field") or ""): str(e.get("reason") or "") for e in named if isinstance(e, dict)}
    return Refused(response.status_code, str(body.get("detail") or response.reason_phrase), fields, body)


@dataclass(frozen=True)
class Caller:
    """One service's API acting as one person (their bearer token; none for what needs no sign-in)."""

    http: httpx.AsyncClient
    token: str
    correlation_id: str = ""
    """The page request's correlation id, passed on so one person's action can be followed through every log."""

    async def call(self, method: str, path: str, *, json: Any = None, params: Any = None,
                   headers: dict[str, str] | None = None, content: bytes | None = None) -> httpx.Response:  # fmt: skip
        """The raw answer of a 2xx call; `Refused` for 4xx, `Unavailable` for 5xx or no answer."""
        sent = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        sent.update(headers or {})
        if self.correlation_id:
            sent["X-Correlation-ID"] = self.correlation_id
        try:
            response = await self.http.request(method, path, json=json, params=params, headers=sent, content=content)
        except httpx.HTTPError as exc:
            raise Unavailable(f"{method} {path}: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise Unavailable(f"{method} {path}: {response.status_code}")
        if response.status_code >= 400:
            raise _refusal(response)
        return response

    async def get(self, path: str, *, params: Any = None) -> Any:
        """GET `path`: its JSON."""
        return (await self.call("GET", path, params=params)).json()

    async def get_bytes(self, path: str, *, params: Any = None) -> tuple[bytes, str]:
        """GET `path`: its body and content type (a download, e.g. CSV or XLSX)."""
        response = await self.call("GET", path, params=params)
        return response.content, response.headers.get("content-type", "application/octet-stream")

    async def post(self, path: str, json: Any = None, *, headers: dict[str, str] | None = None) -> Any:
        """POST `path`: its JSON (None for 204)."""
        response = await self.call("POST", path, json=json, headers=headers)
        return response.json() if response.content else None

    async def post_content(self, path: str, content: bytes, content_type: str, *, params: Any = None) -> Any:
        """POST a body that is not JSON (e.g. a CSV file): the answer's JSON."""
        response = await self.call("POST", path, params=params, content=content, headers={"Content-Type": content_type})
        return response.json() if response.content else None

    async def patch(self, path: str, json: Any) -> Any:
        """PATCH `path`: its JSON."""
        return (await self.call("PATCH", path, json=json)).json()

    async def put(self, path: str, json: Any) -> Any:
        """PUT `path`: its JSON."""
        return (await self.call("PUT", path, json=json)).json()

    async def delete(self, path: str) -> None:
        """DELETE `path`."""
        await self.call("DELETE", path)


SERVICES = ("booking", "ambassadors", "training", "notify")
"""The services whose public APIs the pages call; each is also the audience of the tokens they accept."""


@dataclass(frozen=True)
class ServiceApis:
    """One pooled HTTP client per service, by name."""

    clients: dict[str, httpx.AsyncClient]

    def caller(self, service: str, token: str, correlation_id: str = "") -> Caller:
        """`service`'s API acting with `token`."""
        return Caller(self.clients[service], token, correlation_id)

    async def aclose(self) -> None:
        """Close every client (the portal is stopping)."""
        for http in self.clients.values():
            await http.aclose()
