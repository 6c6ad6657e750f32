"""Every link notify puts in a mail or an SMS leads to a page of the portal's web app: the template's path (its
placeholders filled with an id) is answered by one of the portal's GET routes, and that route is a page for people
(not a JSON endpoint). A mail that links to a page nobody built fails here, before anyone receives it."""

import re
from pathlib import Path

import pytest
from starlette.routing import Match, Route

from outreach_shared.runtime import build_app
from portal.bootstrap import SERVICE

TEMPLATES = Path(__file__).parents[1] / "services" / "notify" / "src" / "notify" / "templates"
LINK = re.compile(r"\{\{\s*app_url\s*\}\}((?:/(?:[A-Za-z0-9_.-]+|\{\{\s*\w+\s*\}\})+)+)")
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
SAMPLES = {"feedback_token": "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9f"}
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
def test_every_mailed_link_is_a_page_of_the_web_app(path: str) -> None:
    scope = {"type": "http", "method": "GET", "path": filled(path), "root_path": ""}
    pages = [r for r in APP.routes if isinstance(r, Route) and r.matches(scope)[0] == Match.FULL]
    assert pages, f"{path} (in {sorted(PATHS[path])}) leads to no page of the portal"
    assert all(not getattr(r, "include_in_schema", True) for r in pages), f"{path} is an API route, not a page"
