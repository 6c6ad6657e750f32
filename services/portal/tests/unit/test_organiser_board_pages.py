"""The organisers' board and a visit's page as routes, with the services they call played by a small fake (what the
services do is their suites' to show; the whole system is tests/flows/test_web_organiser_board.py): the board asks
each service once with bounded pages, a GET changes nothing, each form sends what the organiser chose and only that,
and bad input stays in the portal."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from outreach_dev.testing.fakes import MovableClock
from portal.adapters.service_apis import Caller
from portal.domain import organiser_board as board
from portal.entrypoints.organiser_board_pages import router
from portal.entrypoints.web import OrganiserForm, OrganiserPage

NOW = datetime(2027, 3, 3, 9, 0, tzinfo=UTC)  # a Wednesday
VISIT, MEMBER, OTHER, GATHERING = str(uuid4()), str(uuid4()), str(uuid4()), str(uuid4())


def at(hours: float) -> str:
    return (NOW + timedelta(hours=hours)).isoformat()


def item(kind: str, id_: str, hours: float, resource: str = "visit", visit_id: str | None = VISIT) -> dict[str, Any]:
    return {"kind": kind, "id": id_, "resource": resource, "visit_id": visit_id, "kommunenummer": "5001",
            "kommune": "Trondheim", "when": at(hours), "why": f"why {kind}"}  # fmt: skip


def visit(status: str = "unfulfilled", scheduled: bool = False) -> dict[str, Any]:
    window = {"start": at(-1 if scheduled else 48), "end": at(1 if scheduled else 50)}
    return {"id": VISIT, "status": status, "kind": "school_visit", "language": "nb", "team_size": 1,
            "school": {"orgnr": "974760673", "name": "Byskolen", "kommunenummer": "5001", "address": "Skolegata 1"},
            "contact": {"name": "Rektor", "email": "r@example.org", "phone": "+4790000000"},
            "audience": {"description": "10. trinn", "pupils": 60}, "professions": ["nurse"], "notes": None,
            "windows": [window], "scheduled": window if scheduled else None, "team": [], "calendar_sequence": 0,
            "history": [{"status": "requested", "at": at(-50), "note": None},
                        {"status": status, "at": at(-2), "note": "no team found"}],
            "cancellation": None, "report": None, "rating": None, "created_at": at(-50)}  # fmt: skip


def offers() -> dict[str, Any]:
    offer = {"id": str(uuid4()), "visit_id": VISIT, "member_id": OTHER, "status": "declined", "override": False,
             "window": {"start": at(48), "end": at(50)}, "expires_at": at(-10), "reason": "same municipality",
             "name": "Nora Nekter", "round": 1, "answer_reason": "on duty"}  # fmt: skip
    return {"visit_id": VISIT, "status": "open", "round": 2, "offers": [offer]}


def candidates() -> dict[str, Any]:
    ranked = {"rank": 1, "member_id": MEMBER, "name": "Kari Kandidat", "profession": "nurse", "kommune": "Malvik",
              "distance_km": 17.2, "chosen_by_matching": True, "reason": "closest with an open window"}  # fmt: skip
    out = {"member_id": OTHER, "name": "Nora Nekter", "profession": "nurse", "kommune": "Trondheim",
           "distance_km": 0, "code": "already_asked", "reason": "already asked this round"}  # fmt: skip
    return {"visit_id": VISIT, "status": "open", "unfulfilled": "no team found", "open_seats": 1,
            "travel_radius_km": None, "windows": [], "candidates": [ranked], "excluded": [out]}  # fmt: skip


@dataclass
class Services:
    """Booking, ambassadors and training as the pages see them: canned answers, and every call kept."""

    visit: dict[str, Any] = field(default_factory=visit)
    rematch_offers: list[Any] = field(default_factory=lambda: [{"id": "o"}])
    refuse: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    calls: list[tuple[str, str, str, Any]] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = httpx.Response(200, content=request.content).json() if request.content else None
        path = request.url.path
        self.calls.append((request.method, path, str(request.url.params), body))
        if path in self.refuse:
            status, problem = self.refuse[path]
            return httpx.Response(status, json=problem)
        if request.method == "GET":
            answers = {
                "/v1/visits/attention": [item("team_short", VISIT, 30), item("unfulfilled", str(uuid4()), 5,
                                                                             visit_id=None)],
                "/v1/gatherings/attention": [item("place_offer_unanswered", GATHERING, 10, "gathering", None)],
                "/v1/stats": {"total": {"requested": 7, "confirmed": 5, "unfulfilled": 1, "completed": 3,
                                        "pupils_reached": 180}},
                f"/v1/visit-requests/{VISIT}": self.visit,
                f"/v1/visits/{VISIT}/offers": offers(),
                f"/v1/visits/{VISIT}/candidates": candidates(),
            }  # fmt: skip
            return httpx.Response(200, json=answers[path])
        if path.endswith("/rematch"):
            return httpx.Response(200, json={"visit_id": VISIT, "round": 3, "status": "open",
                                             "offers": self.rematch_offers, "unfulfilled": None})  # fmt: skip
        return httpx.Response(201, json={"id": "x"})

    def posts(self) -> list[tuple[str, Any]]:
        return [(path, body) for method, path, _, body in self.calls if method == "POST"]


@dataclass
class FakePerson:
    services: Services
    clock: MovableClock

    async def api(self, service: str) -> Caller:
        http = httpx.AsyncClient(base_url=f"http://{service}", transport=httpx.MockTransport(self.services.handle))
        return Caller(http, "token")


@pytest.fixture
def services() -> Services:
    return Services()


@pytest.fixture
async def browser(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(router)
    person = FakePerson(services, MovableClock(NOW))
    for alias in (OrganiserPage, OrganiserForm):
        app.dependency_overrides[alias.__metadata__[0].dependency] = lambda: person
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal") as client:
        yield client


EN = {"Accept-Language": "en"}


async def test_the_board_merges_both_lists_soonest_first_with_each_action_and_asks_each_service_once(
    browser, services
) -> None:
    page = await browser.get("/organiser", headers=EN)
    assert page.status_code == 200
    text = page.text
    order = [text.index(w) for w in ("No team found</th>", "Gathering place unanswered", "Late withdrawal")]
    assert order == sorted(order)  # 5 h, 10 h, 30 h ahead
    assert f'href="/organiser/gatherings/{GATHERING}"' in text and f'href="/organiser/visits/{VISIT}"' in text
    assert f'action="/organiser/visits/{VISIT}/rematch"' in text  # the late withdrawal's direct action
    assert "School year 2026/27" in text and "180" in text
    gets = sorted((path, params) for method, path, params, _ in services.calls if method == "GET")
    assert gets == [("/v1/gatherings/attention", ""), ("/v1/stats", "from=2027-03-01&to=2027-03-07&totals_only=true"),
                    ("/v1/stats", "school_year=2026%2F27&totals_only=true"),
                    ("/v1/visits/attention", "limit=50")]  # fmt: skip
    assert services.posts() == []


async def test_a_visits_page_shows_history_offers_answers_candidates_and_why_and_changes_nothing(
    browser, services
) -> None:
    page = await browser.get(f"/organiser/visits/{VISIT}", headers=EN)
    assert page.status_code == 200
    text = page.text
    assert "no team found" in text and "Nora Nekter" in text and "Said no: on duty" in text
    assert "Kari Kandidat" in text and "closest with an open window" in text and "already asked this round" in text
    assert f'<option value="{MEMBER}"' in text and "ruled out by matching" in text
    assert "Mark completed" not in text  # not confirmed and started
    assert services.posts() == []


async def test_offering_to_a_named_member_sends_the_choice_and_the_note(browser, services) -> None:
    done = await browser.post(f"/organiser/visits/{VISIT}/offer", data={"member_id": MEMBER, "note": " knows them "})
    assert done.status_code == 303 and done.headers["location"] == f"/organiser/visits/{VISIT}?done=offered"
    assert services.posts() == [(f"/v1/visits/{VISIT}/offers", {"member_id": MEMBER, "note": "knows them"})]


async def test_a_member_the_service_refuses_is_shown_beside_the_choice(browser, services) -> None:
    services.refuse = {f"/v1/visits/{VISIT}/offers": (409, {"detail": "busy", "errors": [
        {"field": "member_id", "reason": "busy"}]})}  # fmt: skip
    page = await browser.post(f"/organiser/visits/{VISIT}/offer", data={"member_id": MEMBER}, headers=EN)
    assert page.status_code == 422 and 'href="#member_id"' in page.text and "cannot take the seat" in page.text


@pytest.mark.parametrize("form", [{"member_id": "nobody"}, {"member_id": MEMBER, "note": "nul\x00"},
                                  {"member_id": MEMBER, "note": "x" * 301}])  # fmt: skip
async def test_a_bad_choice_or_note_stays_in_the_portal(browser, services, form) -> None:
    page = await browser.post(f"/organiser/visits/{VISIT}/offer", data=form, headers=EN)
    assert page.status_code == 422 and 'aria-invalid="true"' in page.text
    assert services.posts() == []


async def test_rematching_from_the_board_goes_back_to_the_board_and_says_what_happened(browser, services) -> None:
    done = await browser.post(f"/organiser/visits/{VISIT}/rematch", data={"back": "board"})
    assert done.headers["location"] == "/organiser?done=rematched"
    services.rematch_offers = []
    done = await browser.post(f"/organiser/visits/{VISIT}/rematch", data={"travel_radius_km": "120"})
    assert done.headers["location"] == f"/organiser/visits/{VISIT}?done=nobody"
    assert services.posts() == [(f"/v1/visits/{VISIT}/rematch", {}),
                                (f"/v1/visits/{VISIT}/rematch", {"travel_radius_km": 120})]  # fmt: skip
    page = await browser.get(done.headers["location"], headers=EN)
    assert "nobody could be found" in page.text


@pytest.mark.parametrize("radius", ["0", "2001", "99999999999999", "ten", "１２"])
async def test_a_radius_out_of_bounds_is_sent_back(browser, services, radius) -> None:
    page = await browser.post(f"/organiser/visits/{VISIT}/rematch", data={"travel_radius_km": radius}, headers=EN)
    assert page.status_code == 422 and 'href="#travel_radius_km"' in page.text
    assert services.posts() == []


async def test_marking_completed_asks_first_and_then_tells_booking(browser, services) -> None:
    services.visit = visit(status="confirmed", scheduled=True)
    assert "Mark completed" in (await browser.get(f"/organiser/visits/{VISIT}", headers=EN)).text
    asked = await browser.get(f"/organiser/visits/{VISIT}/complete", headers=EN)
    assert "cannot be undone" in asked.text and services.posts() == []
    done = await browser.post(f"/organiser/visits/{VISIT}/complete", data={"pupils_reached": "55"})
    assert done.headers["location"] == f"/organiser/visits/{VISIT}?done=completed"
    assert services.posts() == [(f"/v1/visit-requests/{VISIT}/complete", {"pupils_reached": 55})]
    bad = await browser.post(f"/organiser/visits/{VISIT}/complete", data={"pupils_reached": "-1"}, headers=EN)
    assert bad.status_code == 422 and len(services.posts()) == 1


@pytest.mark.parametrize("visit_id", ["not-an-id", "%00", "1" * 5000])
async def test_a_visit_id_of_the_wrong_shape_is_not_found_without_asking(browser, services, visit_id) -> None:
    assert (await browser.get(f"/organiser/visits/{visit_id}")).status_code == 404
    assert (await browser.post(f"/organiser/visits/{visit_id}/rematch")).status_code == 404
    assert (await browser.post(f"/organiser/visits/{visit_id}/offer")).status_code == 404
    assert services.calls == []


async def test_a_visit_outside_the_organisers_scope_is_the_services_refusal_page(browser, services) -> None:
    services.refuse = {f"/v1/visit-requests/{VISIT}": (404, {"detail": "no visit"})}
    assert (await browser.get(f"/organiser/visits/{VISIT}")).status_code == 404


def test_the_week_runs_monday_to_sunday_and_the_school_year_from_august() -> None:
    assert board.this_week(date(2027, 3, 7)) == (date(2027, 3, 1), date(2027, 3, 7))
    assert board.this_week(date(2027, 3, 8)) == (date(2027, 3, 8), date(2027, 3, 14))
    assert board.school_year(date(2027, 7, 31)) == "2026/27" and board.school_year(date(2027, 8, 1)) == "2027/28"
