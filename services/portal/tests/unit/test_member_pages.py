"""The members' pages as routes, with the services they call played by a small fake (what the services themselves do
is their suites' to show; the whole system is tests/flows/test_web_member.py): a GET never answers an offer, each
form sends what the member typed and only that, and bad input stays in the portal."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from outreach_dev.testing.fakes import MovableClock
from portal.adapters.service_apis import Caller
from portal.entrypoints.member_pages import router
from portal.entrypoints.web import MemberForm, MemberPage

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
OFFER, VISIT = str(uuid4()), "v-1"


def offer(**changes: Any) -> dict[str, Any]:
    start = NOW + timedelta(days=10)
    return {"id": OFFER, "visit_id": VISIT, "status": "offered", "expires_at": (NOW + timedelta(hours=26)).isoformat(),
            "window": {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()},
            "reason": "", "school_name": "Byskolen", "school_address": "Skolegata 1", "kommunenummer": "0301",
            "kind": "school_visit", "language": "nb", "audience_description": "10. trinn", "pupils": 60,
            "visit_status": "open", **changes}  # fmt: skip


def visit(seat: str = "accepted", starts_in: timedelta = timedelta(days=10), expected: tuple[str, ...] = ()
          ) -> dict[str, Any]:  # fmt: skip
    start = NOW + starts_in
    return {"visit_id": VISIT, "status": "confirmed", "kind": "school_visit", "language": "nb",
            "window": {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()},
            "school": {"name": "Byskolen", "address": "Skolegata 1", "kommunenummer": "0301", "kommune": "Oslo"},
            "audience_description": "10. trinn", "pupils": 60,
            "seat": {"offer_id": OFFER, "status": seat, "expires_at": NOW.isoformat()},
            "team": [{"first_name": "Kari", "profession": "nurse"}, {"first_name": "Per", "profession": "nurse"}],
            "expected": [{"action": a, "due": None} for a in expected]}  # fmt: skip


@dataclass
class Services:
    """Ambassadors, notify and booking as the pages see them: canned answers, and every call kept."""

    offers: list[dict[str, Any]] = field(default_factory=lambda: [offer()])
    visits: dict[str, Any] = field(default_factory=lambda: {"upcoming": [], "past": []})
    refuse: dict[str, int] = field(default_factory=dict)
    calls: list[tuple[str, str, Any]] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = httpx.Response(200, content=request.content).json() if request.content else None
        self.calls.append((request.method, request.url.path, body))
        path = request.url.path
        if path in self.refuse:
            return httpx.Response(
                self.refuse[path], json={"detail": "no", "errors": [{"field": "reason", "reason": "bad"}]}
            )
        answers = {"/v1/me": {"name": "Kari Nordmann", "profession": "nurse", "kommunenummer": "3201"},
                   "/v1/me/offers": self.offers, "/v1/me/visits": self.visits,
                   "/v1/me/notifications": {"items": [], "unread": 0}}  # fmt: skip
        if request.method == "GET":
            return httpx.Response(200, json=answers[path])
        return httpx.Response(200, json={"id": OFFER, "visit_id": VISIT, "status": "accepted"})

    def posts(self) -> list[tuple[str, Any]]:
        return [(path, body) for method, path, body in self.calls if method == "POST"]


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
    for alias in (MemberPage, MemberForm):
        app.dependency_overrides[alias.__metadata__[0].dependency] = lambda: person
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal") as client:
        yield client


@pytest.mark.parametrize("path", ["/offers", "/tilbud", "/tilbod"])
async def test_opening_an_offer_link_shows_it_and_answers_nothing(browser, services, path) -> None:
    services.visits = {"upcoming": [visit(seat="offered")], "past": []}
    page = await browser.get(f"{path}/{OFFER}")
    assert page.status_code == 200
    assert f'action="/offers/{OFFER}/accept"' in page.text and f'action="/offers/{OFFER}/decline"' in page.text
    assert "Byskolen" in page.text and "Per (" in page.text  # the team the member would join
    assert services.posts() == []


async def test_the_nynorsk_link_speaks_nynorsk_and_the_bokmal_link_bokmal(browser) -> None:
    assert "Kan du ikkje vere med?" in (await browser.get(f"/tilbod/{OFFER}")).text
    assert "Kan du ikke være med?" in (await browser.get(f"/tilbud/{OFFER}")).text


async def test_accepting_sends_the_answer_and_shows_what_happens_next(browser, services) -> None:
    answered = await browser.post(f"/offers/{OFFER}/accept")
    assert answered.status_code == 303 and answered.headers["location"] == f"/offers/{OFFER}?done=accepted"
    assert services.posts() == [(f"/v1/offers/{OFFER}/accept", None)]
    services.offers = [offer(status="accepted")]
    page = await browser.get(answered.headers["location"], headers={"Accept-Language": "en"})
    assert "You said yes" in page.text and "calendar invitation" in page.text
    assert 'action="/offers/' not in page.text and "You said yes to the visit." in page.text  # + the status


async def test_an_offer_answered_in_the_meantime_is_shown_as_it_stands(browser, services) -> None:
    services.refuse = {f"/v1/offers/{OFFER}/accept": 409}
    answered = await browser.post(f"/offers/{OFFER}/accept")
    assert answered.headers["location"] == f"/offers/{OFFER}?done=late"
    services.offers = [offer(expires_at=(NOW - timedelta(minutes=1)).isoformat())]
    page = await browser.get(answered.headers["location"], headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "The time to answer has run out" in page.text
    assert "Your answer could not be given" in page.text


async def test_declining_sends_the_reason_given(browser, services) -> None:
    answered = await browser.post(f"/offers/{OFFER}/decline", data={"reason": " Vakt den dagen\r\n "})
    assert answered.status_code == 303 and answered.headers["location"].endswith("done=declined")
    assert services.posts() == [(f"/v1/offers/{OFFER}/decline", {"reason": "Vakt den dagen"})]


@pytest.mark.parametrize("reason", ["x" * 501, "nul\x00byte"])
async def test_a_reason_too_long_or_with_control_characters_is_sent_back_to_the_member(browser, services, reason
                                                                                       ) -> None:  # fmt: skip
    page = await browser.post(f"/offers/{OFFER}/decline", data={"reason": reason}, headers={"Accept-Language": "en"})
    assert page.status_code == 422 and 'href="#reason"' in page.text and 'aria-invalid="true"' in page.text
    assert services.posts() == []


@pytest.mark.parametrize("offer_id", ["not-an-id", "%00", "1" * 5000])
async def test_an_offer_id_of_the_wrong_shape_is_not_found_without_asking(browser, services, offer_id) -> None:
    assert (await browser.get(f"/offers/{offer_id}")).status_code == 404
    assert (await browser.post(f"/offers/{offer_id}/accept")).status_code == 404
    assert services.calls == []


async def test_someone_elses_offer_is_not_found(browser, services) -> None:
    assert (await browser.get(f"/offers/{uuid4()}")).status_code == 404


async def test_home_shows_open_offers_soonest_deadline_first_and_not_expired_ones(browser, services) -> None:
    later = offer(id=str(uuid4()), school_name="Seinskolen", expires_at=(NOW + timedelta(days=2)).isoformat())
    gone = offer(id=str(uuid4()), school_name="Gammelskolen", expires_at=(NOW - timedelta(hours=1)).isoformat())
    services.offers = [later, gone, offer()]
    page = (await browser.get("/me", headers={"Accept-Language": "en"})).text
    assert page.index("Byskolen") < page.index("Seinskolen") and "Gammelskolen" not in page
    assert "1 day 2 hours" in page and "about" in page and "km from your municipality" in page
    assert services.posts() == []


async def test_withdrawing_asks_for_a_reason_then_gives_the_seat_back(browser, services) -> None:
    services.visits = {"upcoming": [visit()], "past": []}
    form = await browser.get(f"/me/visits/{VISIT}/withdraw")
    assert form.status_code == 200 and services.posts() == []
    empty = await browser.post(f"/me/visits/{VISIT}/withdraw", data={"reason": "  "})
    assert empty.status_code == 422 and services.posts() == []
    done = await browser.post(f"/me/visits/{VISIT}/withdraw", data={"reason": "Syk"})
    assert done.status_code == 303 and done.headers["location"] == "/me/visits?done=withdrawn"
    assert services.posts() == [(f"/v1/offers/{OFFER}/withdraw", {"reason": "Syk"})]


async def test_a_started_visit_cannot_be_withdrawn_from_but_can_be_reported(browser, services) -> None:
    services.visits = {"upcoming": [visit(starts_in=-timedelta(minutes=30), expected=("report",))], "past": []}
    page = (await browser.get("/me/visits", headers={"Accept-Language": "en"})).text
    assert f"/me/visits/{VISIT}/report" in page and f"/me/visits/{VISIT}/withdraw" not in page
    bad = await browser.post(f"/me/visits/{VISIT}/report", data={"pupils_reached": "99999"})
    assert bad.status_code == 422 and 'href="#pupils_reached"' in bad.text and services.posts() == []
    done = await browser.post(f"/me/visits/{VISIT}/report", data={"pupils_reached": "55", "notes": ""})
    assert done.headers["location"] == "/me/visits?done=reported"
    assert services.posts() == [(f"/v1/visit-requests/{VISIT}/report", {"pupils_reached": 55, "notes": None})]


async def test_reporting_is_not_offered_before_the_visit_starts(browser, services) -> None:
    services.visits = {"upcoming": [visit()], "past": []}
    page = (await browser.get("/me/visits")).text
    assert f"/me/visits/{VISIT}/report" not in page and f"/me/visits/{VISIT}/withdraw" in page
    form = (await browser.get(f"/me/visits/{VISIT}/report", headers={"Accept-Language": "en"})).text
    assert "cannot be reported now" in form and 'name="pupils_reached"' not in form


async def test_marking_a_message_read_posts_it_and_goes_back_to_the_inbox(browser, services) -> None:
    item = str(uuid4())
    done = await browser.post(f"/me/notifications/{item.upper()}/read")
    assert done.status_code == 303 and done.headers["location"] == "/me?done=read#inbox"
    assert services.posts() == [(f"/v1/me/notifications/{item}/read", None)]
    assert (await browser.post("/me/notifications/..%2F..%2Fv1%2Fme/read")).status_code == 404
    assert len(services.posts()) == 1
