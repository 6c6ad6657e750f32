"""Booking's public survey API, as the pupils' pages use it: open a survey, send one pupil's answers.

Nothing about the pupil is kept here. Booking's cookie (a random value that stops a second answer from the same
browser) is handed back to the page to set, and passed on again when the browser presents it; the HTTP client keeps
no cookies of its own (it is shared by every pupil).
"""

from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Literal
from urllib.parse import quote

import httpx

COOKIE = "outreach_survey"
"""Booking's cookie name, used by the portal's pages too."""
Outcome = Literal["answered", "already", "closed", "unknown", "invalid", "busy"]


@dataclass(frozen=True)
class Question:
    """A question as booking sends it: `id` is the answer's field; options are (value, label)."""

    id: str
    text: str
    options: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Survey:
    """An open survey: its language, whether this browser answered already, its questions."""

    code: str
    language: str
    answered: bool
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Opened:
    """What opening a survey gave: the survey, or why not (`closed`, `unknown`, `busy`)."""

    survey: Survey | None
    outcome: Outcome | None = None


@dataclass(frozen=True)
class Sent:
    """What sending answers gave, and the cookie for the browser to keep when they were stored."""

    outcome: Outcome
    cookie: str | None = None


_REFUSED: dict[int, Outcome] = {404: "unknown", 409: "already", 410: "closed", 422: "invalid", 429: "busy"}


def client(base_url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """An HTTP client for booking that never keeps a cookie (it serves every pupil)."""
    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(base_url=base_url, timeout=5.0, cookies=no_cookies, transport=transport,
                             headers={"User-Agent": "outreach-portal"})  # fmt: skip


class SurveyDesk:
    """Booking's survey endpoints for pupils (no sign-in)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def open(self, code: str, *, cookie: str | None, forwarded_for: str | None) -> Opened:
        """The survey `code` as this browser sees it."""
        response = await self._http.get(f"/v1/surveys/{quote(code, safe='')}",
                                        headers=_headers(cookie, forwarded_for))  # fmt: skip
        if response.status_code != 200:
            return Opened(None, _outcome(response))
        body = response.json()
        questions = tuple(Question(q["id"], q["text"], tuple((o["value"], o["label"]) for o in q["options"]))
                          for q in body["questions"])  # fmt: skip
        return Opened(Survey(body["code"], body["language"], bool(body["answered"]), questions))

    async def answer(self, code: str, answers: dict[str, str], *, cookie: str | None,
                     forwarded_for: str | None) -> Sent:  # fmt: skip
        """Send one pupil's answers; booking keeps them without anything that identifies the pupil."""
        response = await self._http.post(f"/v1/surveys/{quote(code, safe='')}/answers", json=answers,
                                         headers=_headers(cookie, forwarded_for))  # fmt: skip
        if response.status_code == 201:
            return Sent("answered", response.cookies.get(COOKIE))
        return Sent(_outcome(response))


def _outcome(response: httpx.Response) -> Outcome:
    if response.status_code in _REFUSED:
        return _REFUSED[response.status_code]
    response.raise_for_status()
    raise httpx.HTTPStatusError(f"unexpected {response.status_code}", request=response.request, response=response)


def _headers(cookie: str | None, forwarded_for: str | None) -> dict[str, str]:
    """The browser's survey cookie, and its address for booking's per-address limit (a class shares one)."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    if cookie:
        headers["Cookie"] = f"{COOKIE}={cookie}"
    return headers
