"""A browser for the portal's pages in tests: keeps its cookies, reads each page's CSRF token, posts forms with it
from the portal's own origin, and comes from a client address of its own (for the rate limits)."""

import html
import re
import uuid
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

ORIGIN = "https://portal.test"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def token_in(page: str) -> str:
    """The CSRF token of the first form of a page."""
    found = _TOKEN.search(page)
    assert found, "the page has no form with a CSRF token"
    return html.unescape(found.group(1))


class Browser:
    """One person's browser, reading English (the tests read the pages' texts; the catalogues' own tests check
    that every text has its nb and nn translation)."""

    def __init__(self, app: FastAPI, *, client: str = "203.0.113.10", language: str = "en") -> None:
        transport = httpx.ASGITransport(app=app, client=(client, 50123))
        self.http = httpx.AsyncClient(
            transport=transport, base_url=ORIGIN, follow_redirects=False, headers={"Accept-Language": language}
        )
        self.page = ""

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """Open a page (its CSRF token is kept for the next form)."""
        response = await self.http.get(path, **kwargs)
        self.page = response.text
        return response

    async def post(self, path: str, data: dict[str, str] | None = None, *, token: str | None = None,
                   headers: dict[str, str] | None = None) -> httpx.Response:  # fmt: skip
        """Post a form of the last page opened, with its CSRF token (or `token`) from the portal's origin."""
        form = {"csrf_token": token if token is not None else token_in(self.page), **(data or {})}
        response = await self.http.post(path, data=form, headers={"Origin": ORIGIN, **(headers or {})})
        self.page = response.text
        return response

    async def close(self) -> None:
        """Close the client."""
        await self.http.aclose()


async def add_organiser(pool: asyncpg.Pool, email: str, region: str | None = None) -> str:
    """An organiser on the allow-list (as the organisers' admin adds them); their id."""
    organiser_id = uuid.uuid4()
    await pool.execute("INSERT INTO organisers (organiser_id, email, region, added_by) "
                       "VALUES ($1, $2, $3::jsonb, 'test')", organiser_id, email, region)  # fmt: skip
    return str(organiser_id)


async def add_school_contact(pool: asyncpg.Pool, email: str, orgnr: str) -> None:
    """A school contact tied to the school by an organiser's invitation."""
    await pool.execute("INSERT INTO school_contacts (contact_id, orgnr, email, via, added_by) "
                       "VALUES ($1, $2, $3, 'invitation', 'test')", uuid.uuid4(), orgnr, email)  # fmt: skip


async def add_member(pool: asyncpg.Pool, email: str) -> str:
    """A member on the roster as sign-in knows it; their id."""
    member_id = str(uuid.uuid4())
    await pool.execute("INSERT INTO members (member_id, email, active) VALUES ($1, $2, true)", member_id, email)
    return member_id
