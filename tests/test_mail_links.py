"""Every link notify puts in a mail or an SMS leads to a page of the portal's web app: the template's path (its
placeholders filled with an id), asked for by a browser, reaches one of the portal's routes instead of its "page not
found". A mail that links to a page nobody built fails here, before anyone receives it. (The app is not started:
a page needing a session sends to sign in; one that calls a service fails for want of it; neither is a 404.)"""

import re
from pathlib import Path

import httpx
import pytest

from outreach_shared.runtime import build_app
from portal.bootstrap import SERVICE

TEMPLATES = Path(__file__).parents[1] / "services" / "notify" / "src" / "notify" / "templates"
LINK = re.compile(r"\{\{\s*app_url\s*\}\}((?:/(?:[A-Za-z0-9_.-]+|\{\{\s*\w+\s*\}\})+)+)")
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
SAMPLES = {"feedback_token": "eyJ2aXNpdCI6IjEyMyJ9.aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9f"}
"""A value of the shape each placeholder has (ids are UUIDs)."""


def linked_paths() -> dict[str, set[str]]:
    """Each path notify's templates link to (placeholders as written), with the templates linking to it."""
    found: dict[str, set[str]] = {}
    for template in sorted(TEMPLATES.rglob("*")):
        if template.is_file():
            for path in LINK.findall(template.read_text(encoding="utf-8")):
                found.setdefault(path, set()).add(str(template.relative_to(TEMPLATES)))
    return found


def filled(path: str) -> str:
    return PLACEHOLDER.sub(lambda m: SAMPLES.get(m.group(1), "6f1c1c8e-8a55-4d0e-9d6b-3f1e2a7b9c01"), path)


PATHS = linked_paths()
APP = build_app(SERVICE)


def test_the_templates_link_into_the_app() -> None:
    assert len(PATHS) >= 10, PATHS  # the pattern finds the links (offers, gatherings, settings, feedback...)


@pytest.mark.parametrize("path", sorted(PATHS))
async def test_every_mailed_link_is_a_page_of_the_web_app(path: str) -> None:
    transport = httpx.ASGITransport(app=APP, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as browser:
        answer = await browser.get(filled(path), headers={"Accept": "text/html"})
    assert answer.status_code not in (404, 405), f"{path} (in {sorted(PATHS[path])}) leads to no page of the portal"


async def test_a_path_the_portal_has_not_is_told_apart() -> None:
    transport = httpx.ASGITransport(app=APP, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as browser:
        assert (await browser.get("/tilbudet/123", headers={"Accept": "text/html"})).status_code == 404
