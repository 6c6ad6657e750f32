"""Pupils' survey on the real Postgres and Kafka: the team's code and QR, pupils' answers without sign-in (window,
cap, one per browser), hostile input, who may see what, and results in aggregate from five answers up."""

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from booking_testkit import KARI, OLA, START, Ambassadors, Api, MovableClock, new_orgnr

from booking.adapters.rate_limiter import RateLimiter
from outreach_dev.testing.service import RunningService
from outreach_shared.contracts import Topics
from outreach_shared.contracts.ambassadors import TeamConfirmed
from outreach_shared.contracts.common import TeamMember, TimeWindow
from outreach_shared.regions import Region

DAY = START + timedelta(days=14)
SLOT = TimeWindow(start=DAY, end=DAY + timedelta(hours=2))
CLOSES = SLOT.end + timedelta(days=7)
NORDLAND, OSLO = Region.of(fylker=["18"]), Region.of(fylker=["03"])
YES = {"imagine": "yes", "learned": "yes", "good": "yes"}


async def confirmed_visit(api: Api, ambassadors: Ambassadors, orgnr: str, *, when: datetime = DAY,
                          **changes: Any) -> str:  # fmt: skip
    """A visit of the school confirmed for two hours from `when`, Kari on its team."""
    visit_id = await api.create(orgnr, start=when, **changes)
    slot = TimeWindow(start=when, end=when + timedelta(hours=2))
    team = [TeamMember(member_id=KARI, first_name="Kari", profession="nurse")]
    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=slot, members=team), key=visit_id)
    await api.status_becomes(visit_id, orgnr, "confirmed")
    return visit_id


async def code_of(api: Api, visit_id: str) -> str:
    r = await api.svc.client.get(f"/v1/visit-requests/{visit_id}/survey", headers=api.member(KARI))
    assert r.status_code == 200, r.text
    return str(r.json()["code"])


@asynccontextmanager
async def browser(booking: RunningService) -> AsyncIterator[httpx.AsyncClient]:
    """A pupil's own browser: no token, a cookie jar of its own."""
    transport = httpx.ASGITransport(app=booking.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        yield client


async def answer(booking: RunningService, code: str, body: dict[str, str] | None = None) -> httpx.Response:
    """One answer from a new browser."""
    async with browser(booking) as pupil:
        return await pupil.post(f"/v1/surveys/{code}/answers", json=body or YES)


async def test_the_team_gets_a_code_a_link_and_a_qr_code_for_a_week_after_the_visit(
    api: Api, ambassadors: Ambassadors
) -> None:
    visit_id = await confirmed_visit(api, ambassadors, new_orgnr())
    r = await api.svc.client.get(f"/v1/visit-requests/{visit_id}/survey", headers=api.member(KARI))
    assert r.status_code == 200, r.text
    survey = r.json()
    code = survey["code"]
    assert len(code) == 10 and set(code) <= set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    assert survey["url"] == f"http://localhost:8000/s/{code}"
    assert survey["qr_svg"].startswith("<svg") and survey["qr_svg"].rstrip().endswith("</svg>")
    assert datetime.fromisoformat(survey["opens_at"]) == SLOT.start
    assert datetime.fromisoformat(survey["closes_at"]) == CLOSES
    again = await api.svc.client.get(f"/v1/visit-requests/{visit_id}/survey", headers=api.organiser())
    assert again.status_code == 200 and again.json()["code"] == code
    other = await confirmed_visit(api, ambassadors, new_orgnr())
    assert await code_of(api, other) != code


async def test_only_the_team_and_the_regions_organisers_get_the_survey(
    api: Api, ambassadors: Ambassadors, booking: RunningService
) -> None:
    school, other_school = new_orgnr(), new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, school)
    path = f"/v1/visit-requests/{visit_id}/survey"
    refused = {
        "member not on the team": (api.member(OLA), 404),
        "another school": (api.school(other_school), 404),
        "organiser of another region": (booking.auth("organiser", region=NORDLAND), 404),
        "its own school": (api.school(school), 403),
        "no token": ({}, 401),
    }
    for who, (headers, status) in refused.items():
        for suffix in ("", "/results"):
            if who == "its own school" and suffix:
                continue
            r = await api.svc.client.get(path + suffix, headers=headers)
            assert (who, suffix, r.status_code) == (who, suffix, status), r.text
            assert r.headers["content-type"] == "application/problem+json"
    for headers in (api.member(KARI), booking.auth("organiser", region=OSLO), api.organiser()):
        assert (await api.svc.client.get(path, headers=headers)).status_code == 200
    for headers in (api.member(KARI), api.school(school), booking.auth("organiser", region=OSLO)):
        assert (await api.svc.client.get(path + "/results", headers=headers)).status_code == 200
    unknown = await api.svc.client.get("/v1/visit-requests/no-such-visit/survey", headers=api.organiser())
    assert unknown.status_code == 404


async def test_a_visit_not_yet_confirmed_has_no_survey(api: Api) -> None:
    visit_id = await api.create(new_orgnr())
    r = await api.svc.client.get(f"/v1/visit-requests/{visit_id}/survey", headers=api.organiser())
    assert r.status_code == 409 and "confirmed" in r.json()["detail"]


async def test_pupils_answer_without_signing_in_while_the_survey_is_open(
    api: Api, ambassadors: Ambassadors, booking: RunningService, clock: MovableClock
) -> None:
    visit_id = await confirmed_visit(api, ambassadors, new_orgnr(), language="nn")
    code = await code_of(api, visit_id)
    async with browser(booking) as pupil:
        clock.set(SLOT.start - timedelta(minutes=1))
        early = await pupil.get(f"/v1/surveys/{code}")
        assert early.status_code == 410 and early.headers["content-type"] == "application/problem+json"
        assert (await pupil.post(f"/v1/surveys/{code}/answers", json=YES)).status_code == 410

        clock.set(SLOT.start)
        opened = await pupil.get(f"/v1/surveys/{code.lower()}")
        assert opened.status_code == 200, opened.text
        survey = opened.json()
        assert (survey["language"], survey["answered"]) == ("nn", False)
        assert [q["id"] for q in survey["questions"]] == ["imagine", "learned", "good"]
        assert survey["questions"][0]["text"] == "Kan du tenkje deg å jobbe i helse- og omsorgstenesta?"
        assert [o["value"] for o in survey["questions"][2]["options"]] == ["yes", "ok", "no"]
        assert "set-cookie" not in opened.headers  # no cookie before an answer

        clock.set(CLOSES - timedelta(seconds=1))
        r = await pupil.post(f"/v1/surveys/{code}/answers", json=YES)
        assert r.status_code == 201, r.text
    clock.set(CLOSES)
    assert (await answer(booking, code)).status_code == 410
    async with browser(booking) as pupil:
        assert (await pupil.get(f"/v1/surveys/{code}")).status_code == 410


async def test_one_answer_per_browser_and_only_the_cookies_hash_is_kept(
    api: Api, ambassadors: Ambassadors, booking: RunningService, clock: MovableClock
) -> None:
    visit_id = await confirmed_visit(api, ambassadors, new_orgnr())
    code = await code_of(api, visit_id)
    clock.set(SLOT.end)
    async with browser(booking) as pupil:
        first = await pupil.post(f"/v1/surveys/{code}/answers", json=YES)
        assert first.status_code == 201, first.text
        set_cookie = first.headers["set-cookie"]
        attributes = {a.strip().split("=")[0].lower(): a.strip() for a in set_cookie.split(";")[1:]}
        assert attributes["path"] == f"Path=/v1/surveys/{code}" and attributes["max-age"] == "Max-Age=604800"
        assert "httponly" in attributes and attributes["samesite"].lower() == "samesite=strict"
        value = pupil.cookies["outreach_survey"]
        assert len(value) >= 40

        second = await pupil.post(f"/v1/surveys/{code}/answers", json={**YES, "good": "no"})
        assert second.status_code == 409 and "already" in second.json()["detail"]
        assert (await pupil.get(f"/v1/surveys/{code}")).json()["answered"] is True

    rows = await booking.runtime.pool.fetch(
        "SELECT a.* FROM survey_answers a JOIN visit_surveys s USING (visit_id) WHERE s.code = $1", code
    )
    assert [(r["imagine"], r["learned"], r["good"]) for r in rows] == [("yes", "yes", "yes")]
    assert rows[0]["cookie_hash"] == hashlib.sha256(value.encode()).hexdigest()
    assert set(rows[0].keys()) == {"id", "visit_id", "imagine", "learned", "good", "cookie_hash"}  # no address
    anywhere = await booking.runtime.pool.fetchval(
        "SELECT count(*) FROM survey_answers a WHERE strpos(a::text, $1) > 0", value
    )
    assert anywhere == 0


async def test_the_pupils_address_is_neither_stored_nor_logged(
    api: Api, ambassadors: Ambassadors, booking: RunningService, clock: MovableClock, capfd: pytest.CaptureFixture[str]
) -> None:
    code = await code_of(api, await confirmed_visit(api, ambassadors, new_orgnr()))
    clock.set(SLOT.end)
    address = "203.0.113.77"  # TEST-NET-3: no other test's client has it
    capfd.readouterr()
    transport = httpx.ASGITransport(app=booking.app, client=(address, 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as pupil:
        assert (await pupil.get(f"/v1/surveys/{code}")).status_code == 200
        assert (await pupil.post(f"/v1/surveys/{code}/answers", json=YES)).status_code == 201
        assert (await pupil.post(f"/v1/surveys/{code}/answers", json=YES)).status_code == 409
    out, err = capfd.readouterr()
    assert address not in out + err
    stored = await booking.runtime.pool.fetchval(
        "SELECT count(*) FROM survey_answers a JOIN visit_surveys s USING (visit_id) "
        "WHERE s.code = $1 AND strpos(a::text || s::text, $2) > 0", code, address,
    )  # fmt: skip
    assert stored == 0


async def test_the_survey_is_full_at_1_2_answers_per_pupil(
    api: Api, ambassadors: Ambassadors, booking: RunningService, clock: MovableClock
) -> None:
    visit_id = await confirmed_visit(api, ambassadors, new_orgnr(), audience={"description": "Vg1", "pupils": 4})
    code = await code_of(api, visit_id)
    clock.set(SLOT.end)
    assert [(await answer(booking, code)).status_code for _ in range(5)] == [201] * 5  # ceil(1.2 × 4)
    full = await answer(booking, code)
    assert full.status_code == 409 and "full" in full.json()["detail"]


async def test_answers_sent_at_once_still_stop_at_the_cap(
    api: Api, ambassadors: Ambassadors, booking: RunningService, clock: MovableClock
) -> None:
    visit_id = await confirmed_visit(api, ambassadors, new_orgnr(), audience={"description": "Vg1", "pupils": 3})
    code = await code_of(api, visit_id)
    clock.set(SLOT.end)
    statuses = await asyncio.gather(*(answer(booking, code) for _ in range(12)))
    assert sorted(r.status_code for r in statuses) == [201] * 4 + [409] * 8  # ceil(1.2 × 3) = 4
    count = await booking.runtime.pool.fetchval("SELECT count(*) FROM survey_answers WHERE visit_id = $1", visit_id)
    assert count == 4


async def test_results_are_hidden_below_five_answers_and_counted_from_five(
    api: Api, ambassadors: Ambassadors, booking: RunningService, clock: MovableClock
) -> None:
    school = new_orgnr()
    visit_id = await confirmed_visit(api, ambassadors, school)
    code = await code_of(api, visit_id)
    clock.set(SLOT.end)
    results = f"/v1/visit-requests/{visit_id}/survey/results"
    given = [YES, {"imagine": "maybe", "learned": "no", "good": "ok"},
             {"imagine": "no", "learned": "yes", "good": "no"}, YES,
             {"imagine": "maybe", "learned": "yes", "good": "yes"}]  # fmt: skip
    for body in given[:4]:
        assert (await answer(booking, code, body)).status_code == 201
    hidden = await api.svc.client.get(results, headers=api.school(school))
    assert hidden.json() == {"answers": 4, "shown": False}
    assert (await answer(booking, code, given[4])).status_code == 201
    shown = await api.svc.client.get(results, headers=api.member(KARI))
    assert shown.json() == {
        "answers": 5, "shown": True, "imagine": {"yes": 2, "maybe": 2, "no": 1}, "learned": {"yes": 4, "no": 1},
        "good": {"yes": 3, "ok": 1, "no": 1}, "share_imagine_yes": 0.4,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("what", "path", "body", "statuses"),
    [
        ("unknown code", "/v1/surveys/ZZZZZZZZZZ", None, {404}),
        ("a word for a code", "/v1/surveys/nonexistent", None, {404}),
        ("NUL in the code", "/v1/surveys/ABCDEFGH2%00", None, {404}),
        ("a 10 KB code", "/v1/surveys/" + "A" * 10_240, None, {404, 422}),
        ("NUL in the code, answering", "/v1/surveys/%00/answers", YES, {404}),
        ("a 10 KB code, answering", "/v1/surveys/" + "B" * 10_240 + "/answers", YES, {404, 422}),
    ],
)
async def test_hostile_codes_are_a_clean_4xx(
    api: Api, what: str, path: str, body: dict[str, str] | None, statuses: set[int]
) -> None:
    method = "POST" if body else "GET"
    r = await api.svc.client.request(method, path, json=body)
    assert r.status_code in statuses, (what, r.status_code, r.text)
    assert r.headers["content-type"] == "application/problem+json"


async def test_hostile_answers_are_refused_naming_the_field(
    api: Api, ambassadors: Ambassadors, booking: RunningService, clock: MovableClock
) -> None:
    code = await code_of(api, await confirmed_visit(api, ambassadors, new_orgnr()))
    clock.set(SLOT.end)
    cases = [
        ({**YES, "imagine": "definitely"}, "imagine"),
        ({**YES, "good": 5}, "good"),
        ({**YES, "learned": "yes\x00"}, "learned"),
        ({"imagine": "yes", "learned": "yes"}, "good"),
        ({**YES, "name": "Ola"}, "name"),
    ]
    for body, field in cases:
        r = await answer(booking, code, body)  # type: ignore[arg-type]
        assert r.status_code == 422, (body, r.text)
        assert field in [e["field"] for e in r.json()["errors"]]
    async with browser(booking) as pupil:
        huge = await pupil.post(f"/v1/surveys/{code}/answers", content=b'{"imagine": "' + b"y" * 2_000_000 + b'"}',
                                headers={"content-type": "application/json"})  # fmt: skip
        assert huge.status_code == 413
        junk = await pupil.post(f"/v1/surveys/{code}/answers", content=b"\x00\xff not json",
                                headers={"content-type": "application/json"})  # fmt: skip
        assert junk.status_code in (400, 422) and junk.headers["content-type"] == "application/problem+json"
    count = await booking.runtime.pool.fetchval(
        "SELECT count(*) FROM survey_answers a JOIN visit_surveys s USING (visit_id) WHERE s.code = $1", code
    )
    assert count == 0


async def test_one_address_over_its_rate_gets_429(booking: RunningService) -> None:
    wiring = booking.runtime.wiring
    previous = wiring.ports
    wiring.ports = replace(previous, survey_limiter=RateLimiter(3))
    try:
        statuses = [(await booking.client.get("/v1/surveys/ZZZZZZZZZZ")).status_code for _ in range(4)]
        limited = await booking.client.post("/v1/surveys/ZZZZZZZZZZ/answers", json=YES)
    finally:
        wiring.ports = previous
    assert statuses == [404, 404, 404, 429]
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


# --- the organisers' figures ----------------------------------------------------------------------------

YEAR = "2034/35"  # no other test has visits in this school year
AUTUMN = START.replace(year=2034, month=10, day=2, hour=8)


async def test_the_figures_show_the_answers_per_group_from_five_up(
    api: Api, ambassadors: Ambassadors, booking: RunningService, clock: MovableClock
) -> None:
    orgnr = new_orgnr()
    answers_in = {"0301": ["yes", "yes", "maybe", "no", "yes", "yes"], "4601": ["yes", "no", "maybe"]}
    for knr, imagined in answers_in.items():
        clock.set(AUTUMN - timedelta(days=30))
        school = {"orgnr": orgnr, "name": "Skolen", "kommunenummer": knr, "address": "Gata 1"}
        visit_id = await confirmed_visit(api, ambassadors, orgnr, when=AUTUMN, school=school)
        code = await code_of(api, visit_id)
        clock.set(AUTUMN + timedelta(hours=3))
        for imagine in imagined:
            assert (await answer(booking, code, {**YES, "imagine": imagine})).status_code == 201

    r = await api.svc.client.get("/v1/stats", params={"school_year": YEAR}, headers=api.organiser())
    assert r.status_code == 200, r.text
    stats = r.json()
    assert stats["total"]["survey"] == {"answers": 9, "imagine_yes": 5, "imagine_maybe": 2, "imagine_no": 2,
                                        "share_imagine_yes": round(5 / 9, 4)}  # fmt: skip
    by_knr = {m["kommunenummer"]: m["survey"] for m in stats["by_municipality"]}
    assert by_knr["0301"] == {"answers": 6, "imagine_yes": 4, "imagine_maybe": 1, "imagine_no": 1,
                              "share_imagine_yes": round(4 / 6, 4)}  # fmt: skip
    assert by_knr["4601"] is None  # three answers: suppressed
    counties = {c["county_number"]: c["survey"] and c["survey"]["answers"] for c in stats["by_county"]}
    assert {k: counties[k] for k in ("03", "46")} == {"03": 6, "46": None}  # other tests book elsewhere too
    assert all(v is None for k, v in counties.items() if k not in ("03", "46"))  # and nobody answered there
    assert [(y["school_year"], y["survey"]["answers"]) for y in stats["by_school_year"]] == [(YEAR, 9)]

    vestland = await api.svc.client.get(
        "/v1/stats", params={"school_year": YEAR}, headers=booking.auth("organiser", region=Region.of(fylker=["46"]))
    )
    assert vestland.json()["total"]["survey"] is None and vestland.json()["total"]["requested"] == 1
