"""The menu marks the part of the app a page belongs to, whatever the page's own path."""

from types import SimpleNamespace

import pytest
from starlette.requests import Request

from outreach_shared.regions import Region
from portal.domain.accounts import Account
from portal.entrypoints.pages import navigation


def current(role: str, path: str) -> str | None:
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
    request = Request(scope)
    request.state.session = SimpleNamespace(account=Account(role, "x"))  # type: ignore[arg-type]
    marked = [entry["href"] for entry in navigation(request) if entry["current"]]
    assert len(marked) <= 1
    return marked[0] if marked else None


@pytest.mark.parametrize(("path", "entry"), [
    ("/me", "/me"), ("/tilbud/123", "/me"), ("/offers/123", "/me"), ("/me/visits", "/me/visits"),
    ("/me/visits/1/withdraw", "/me/visits"), ("/me/profile", "/settings/notifications"),
    ("/settings/calendar", "/settings/notifications"), ("/innstillinger/kalender", "/settings/notifications"),
    ("/samlingar/9", "/gatherings"), ("/me/availability", "/me/availability"),
])  # fmt: skip
def test_a_members_page_marks_its_part_of_the_menu(path: str, entry: str) -> None:
    assert current("member", path) == entry


def test_a_schools_pages_mark_theirs_and_a_page_outside_marks_none() -> None:
    assert current("school", "/school/visits/1/reschedule") == "/school"
    assert current("school", "/school/book") == "/school/book"
    assert current("school", "/besok/1/vurdering") == "/school"
    assert current("school", "/tilgjengelighet") is None


def menu_of(account: Account) -> list[str]:
    scope = {"type": "http", "method": "GET", "path": "/organiser", "query_string": b"", "headers": []}
    request = Request(scope)
    request.state.session = SimpleNamespace(account=account)
    return [entry["href"] for entry in navigation(request)]


def test_operations_are_in_a_national_organisers_menu_and_not_in_a_regional_ones() -> None:
    assert "/organiser/operations" in menu_of(Account("organiser", "x"))
    regional = menu_of(Account("organiser", "x", Region.of(fylker=["46"])))
    assert "/organiser/operations" not in regional
    assert "/organiser/members" in regional
