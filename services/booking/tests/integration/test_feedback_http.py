"""Feedback without signing in: the link booking sends on completion, what it shows, one answer, the stats, the
reminder a week later (only when unanswered), and tampered, expired or hostile input as problem+json, never 500."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from booking_testkit import KARI, START, TEAM, Ambassadors, Api, KafkaTap, MovableClock, eventually, new_orgnr

from booking.adapters.feedback_reminders import FEEDBACK_REMINDER
from outreach_shared.contracts import Topics
from outreach_shared.contracts.ambassadors import TeamConfirmed
from outreach_shared.contracts.common import TimeWindow

DAY = START + timedelta(days=233)  # a Wednesday no other test uses: its stats are this module's


async def completed_visit(api: Api, ambassadors: Ambassadors, tap: KafkaTap, clock: MovableClock,
                          day: datetime = DAY) -> tuple[str, str]:  # fmt: skip
    """A visit confirmed and reported on `day`; (its id, the token of its feedback link)."""
    orgnr = new_orgnr()
    clock.set(START)
    visit_id = await api.create(orgnr, start=day)
    slot = TimeWindow(start=day + timedelta(hours=-3), end=day + timedelta(hours=-1))  # 10:00–12:00 Oslo
    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=slot, members=TEAM), key=visit_id)
    await api.status_becomes(visit_id, orgnr, "confirmed")
    clock.set(slot.end + timedelta(minutes=5))
    r = await api.svc.client.post(f"/v1/visit-requests/{visit_id}/report", json={"pupils_reached": 40},
                                  headers=api.member(KARI))  # fmt: skip
    assert r.status_code == 200, r.text
    (requested,) = await tap.wait_for(visit_id, "visit.feedback-requested")
    expires_at = datetime.fromisoformat(requested.payload["expires_at"])
    assert expires_at == (clock.current + timedelta(days=30)).replace(microsecond=0)
    return visit_id, str(requested.payload["token"])


def assert_problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    return dict(r.json())


async def test_the_link_shows_the_visit_takes_one_answer_and_the_rating_reaches_the_stats(
    api: Api, ambassadors: Ambassadors, tap: KafkaTap, clock: MovableClock
) -> None:
    visit_id, token = await completed_visit(api, ambassadors, tap, clock)
    shown = await api.svc.client.get(f"/v1/feedback/{token}")  # no Authorization header: the link is enough
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert (body["visit_id"], body["school_name"], body["answered"], body["rating"]) == (visit_id, "Byskolen", False,
                                                                                        None)  # fmt: skip
    assert body["professions"] == ["nurse", "health_worker"] and "first_name" not in shown.text

    r = await api.svc.client.post(f"/v1/feedback/{token}", json={"rating": 4, "comment": "Engasjerte elever"})
    assert r.status_code == 200, r.text
    assert (r.json()["answered"], r.json()["rating"]) == (True, 4)
    (given,) = await tap.wait_for(visit_id, "visit.feedback-given")
    assert given.payload == {"visit_id": visit_id, "rating": 4, "kommunenummer": "0301", "with_comment": True}

    again = await api.svc.client.post(f"/v1/feedback/{token}", json={"rating": 1})
    assert "already been rated" in assert_problem(again, 409)["detail"]
    assert (await api.svc.client.get(f"/v1/feedback/{token}")).json()["rating"] == 4, "the first answer stands"

    day = DAY.date().isoformat()
    stats = await api.svc.client.get("/v1/stats", params={"from": day, "to": day}, headers=api.organiser())
    assert stats.status_code == 200, stats.text
    total = stats.json()["total"]
    assert (total["ratings"], total["rating_average"], total["completed"]) == (1, 4.0, 1)


async def test_tampered_unknown_and_expired_links_are_clear_problems(
    api: Api, ambassadors: Ambassadors, tap: KafkaTap, clock: MovableClock
) -> None:
    _, token = await completed_visit(api, ambassadors, tap, clock, day=DAY + timedelta(days=7))
    body, signature = token.split(".")
    forged = f"{body}.{signature[:-3]}{'AAA' if signature[-3:] != 'AAA' else 'BBB'}"
    for method in ("GET", "POST"):
        r = await api.svc.client.request(method, f"/v1/feedback/{forged}", json={"rating": 5})
        assert "no such feedback link" in assert_problem(r, 404)["detail"]
    clock.advance(timedelta(days=30))
    for method in ("GET", "POST"):
        r = await api.svc.client.request(method, f"/v1/feedback/{token}", json={"rating": 5})
        assert "expired" in assert_problem(r, 410)["detail"]


@pytest.mark.parametrize("token", ["x", "abc.def", "a" * 500 + "." + "b" * 43, "ab\u00e6." + "b" * 43])
async def test_a_token_that_cannot_be_one_is_422(api: Api, token: str) -> None:
    for method in ("GET", "POST"):
        r = await api.svc.client.request(method, f"/v1/feedback/{token}", json={"rating": 5})
        assert "token" in str(assert_problem(r, 422))


async def test_a_token_with_a_nul_byte_is_a_problem_not_an_error(api: Api) -> None:
    r = await api.svc.client.get("/v1/feedback/abc%00." + "b" * 43)
    assert "control character" in assert_problem(r, 404)["detail"]  # the kit refuses such paths before routing


@pytest.mark.parametrize(("answer", "field"), [
    ({"rating": 0}, "rating"), ({"rating": 6}, "rating"), ({"rating": 10**40}, "rating"),
    ({"rating": "five"}, "rating"), ({"rating": 4.5}, "rating"), ({}, "rating"),
    ({"rating": 5, "comment": "fint\u0000"}, "comment"),
    ({"rating": 5, "comment": "x" * 1_000_000}, "comment"), ({"rating": 5, "pupil": "Ola, 10B"}, "pupil"),
])  # fmt: skip
async def test_hostile_answers_are_422_naming_the_field_and_change_nothing(
    api: Api, ambassadors: Ambassadors, tap: KafkaTap, clock: MovableClock, answer: dict[str, Any], field: str
) -> None:
    _, token = await completed_visit(api, ambassadors, tap, clock, day=DAY + timedelta(days=14))
    r = await api.svc.client.post(f"/v1/feedback/{token}", json=answer)
    problem = assert_problem(r, 422)
    assert field in str(problem), problem
    assert (await api.svc.client.get(f"/v1/feedback/{token}")).json()["answered"] is False


async def test_a_school_that_has_not_answered_is_reminded_once_and_one_that_answered_is_not(
    api: Api, ambassadors: Ambassadors, tap: KafkaTap, clock: MovableClock
) -> None:
    day = DAY + timedelta(days=21)
    silent, silent_token = await completed_visit(api, ambassadors, tap, clock, day=day)
    answered, answered_token = await completed_visit(api, ambassadors, tap, clock, day=day)
    r = await api.svc.client.post(f"/v1/feedback/{answered_token}", json={"rating": 5})
    assert r.status_code == 200, r.text

    pool = api.svc.runtime.pool
    due = await pool.fetch("SELECT key, status, due_at FROM timers WHERE kind = $1 AND key = ANY($2::text[])",
                           FEEDBACK_REMINDER, [silent, answered])  # fmt: skip
    assert {row["key"]: row["status"] for row in due} == {silent: "pending", answered: "cancelled"}
    assert {row["due_at"] - clock.current for row in due if row["key"] == silent} <= {timedelta(days=7)}
    clock.advance(timedelta(days=7))  # the timer runs on the database's time: make the week pass there too
    await pool.execute("UPDATE timers SET due_at = now() WHERE kind = $1 AND key = ANY($2::text[])",
                       FEEDBACK_REMINDER, [silent, answered])  # fmt: skip

    (reminder,) = await tap.wait_for(silent, "visit.feedback-reminder-due")
    assert reminder.payload["token"] == silent_token, "the reminder carries the same link"

    async def fired() -> bool | None:
        status = await pool.fetchval("SELECT status FROM timers WHERE kind = $1 AND key = $2", FEEDBACK_REMINDER,
                                     silent)  # fmt: skip
        return status == "done" or None

    await eventually(fired)
    assert tap.of(answered, "visit.feedback-reminder-due") == []
