"""Signing in by e-mail link: one neutral answer, a single-use link valid 15 minutes, a confirmation page that a
mail scanner can open without signing in, and a clear page for a used, expired or unknown link."""

import asyncio
import json
import re
import statistics
import time
import uuid
from datetime import timedelta

import pytest
from signin_helpers import Browser, add_member, add_school_contact, token_in

from outreach_dev.testing.fakes import MovableClock
from outreach_dev.testing.kafka import read_topic
from outreach_dev.testing.service import RunningService
from outreach_shared.contracts import Topics

pytestmark = pytest.mark.asyncio(loop_scope="session")


def address() -> str:
    return f"kari-{uuid.uuid4().hex[:10]}@example.no"


async def mailed_links(kafka_bootstrap: str, email: str, count: int = 1) -> list[str]:
    """The links the portal asked notify to mail to `email` (read from the sign-in topic)."""

    def to_address(records: list) -> list[str]:  # type: ignore[type-arg]
        payloads = [json.loads(r.value)["payload"] for r in records]
        return [p["link"] for p in payloads if p["email"] == email]

    records = await read_topic(kafka_bootstrap, Topics.SIGN_IN, until=lambda rs: len(to_address(rs)) >= count)
    return to_address(records)


async def sign_in_by_mail(browser: Browser, kafka_bootstrap: str, email: str) -> str:
    """Ask for a link for `email` and return its path."""
    await browser.get("/login")
    answer = await browser.post("/login", {"email": email})
    assert answer.status_code == 200, answer.text
    (link,) = await mailed_links(kafka_bootstrap, email)
    return link.removeprefix("https://portal.test")


async def test_the_form_is_labelled_and_asks_for_an_email_address(signin_portal: RunningService) -> None:
    browser = Browser(signin_portal.app)
    page = await browser.get("/login")
    assert page.status_code == 200
    assert '<label for="email">' in page.text and 'autocomplete="email"' in page.text and 'type="email"' in page.text
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("__Host-portal_csrf=") and "HttpOnly" in cookie and "Secure" in cookie
    assert "samesite=lax" in cookie.lower() and "Path=/" in cookie


async def test_a_person_with_two_accounts_follows_one_link_and_chooses(
    signin_portal: RunningService, signin_clock: MovableClock, kafka_bootstrap: str
) -> None:
    email = address()
    member_id = await add_member(signin_portal.runtime.pool, email)
    await add_school_contact(signin_portal.runtime.pool, email.upper(), "974760673")
    browser = Browser(signin_portal.app)
    link = await sign_in_by_mail(browser, kafka_bootstrap, email)
    assert re.fullmatch(r"/login/link/[A-Za-z0-9_-]{43}", link)

    for _ in range(2):  # a mail scanner opening the link signs no one in and uses nothing up
        confirm = await browser.get(link)
        assert confirm.status_code == 200 and "<button" in confirm.text
        assert confirm.headers["referrer-policy"] == "same-origin"
    signed_in = await browser.post(link)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/session/account?next=%2F"
    cookie = [c for c in signed_in.headers.get_list("set-cookie") if c.startswith("__Host-portal_session=")]
    assert cookie and "HttpOnly" in cookie[0] and "Secure" in cookie[0] and "samesite=lax" in cookie[0].lower()

    assert (await browser.get("/session")).headers["location"].startswith("/session/account")
    choose = await browser.get("/session/account")
    assert "school 974760673" in choose.text and f"member:{member_id}" in choose.text
    not_mine = await browser.post("/session/account", {"account": "school:999999999", "next": "/"})
    assert not_mine.status_code == 400 and 'role="alert"' in not_mine.text
    chosen = await browser.post("/session/account", {"account": f"member:{member_id}", "next": "/"})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/"
    home = await browser.get("/session")
    assert home.status_code == 200 and "member" in home.text

    again = Browser(signin_portal.app)
    assert (await again.get(link)).status_code == 410
    await again.get("/login")
    used = await again.post(link)
    assert used.status_code == 410 and "already been used" in used.text and 'href="/login"' in used.text


async def test_known_and_unknown_addresses_get_the_same_answer_in_the_same_time(
    signin_portal: RunningService, signin_clock: MovableClock
) -> None:
    known = address()
    await add_member(signin_portal.runtime.pool, known)
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    bodies: dict[str, set[tuple[int, str]]] = {"known": set(), "unknown": set()}
    for i in range(12):
        for kind in ("known", "unknown"):
            browser = Browser(signin_portal.app, client=f"198.51.100.{i * 2 + (kind == 'known')}")
            await browser.get("/login")
            email = known if kind == "known" else address()
            if kind == "known":
                signin_clock.advance(timedelta(hours=1))  # keep the known address under its hourly limit
            started = time.perf_counter()
            answer = await browser.post("/login", {"email": email})
            timings[kind].append(time.perf_counter() - started)
            bodies[kind].add((answer.status_code, answer.text))
    assert bodies["known"] == bodies["unknown"] and len(bodies["known"]) == 1
    assert next(iter(bodies["known"]))[0] == 200
    known_median, unknown_median = statistics.median(timings["known"]), statistics.median(timings["unknown"])
    assert known_median < 3 * unknown_median and unknown_median < 3 * known_median, timings


async def test_a_link_works_once_even_when_two_clicks_race(
    signin_portal: RunningService, signin_clock: MovableClock
) -> None:
    member_id = str(uuid.uuid4())
    url = (await signin_portal.client.post("/v1/signin-links", json={"role": "member", "subject": member_id},
                                           headers=signin_portal.auth("organiser"))).json()["url"]  # fmt: skip
    path = url.removeprefix("https://portal.test")
    browsers = [Browser(signin_portal.app), Browser(signin_portal.app)]
    for browser in browsers:
        await browser.get(path)
    answers = await asyncio.gather(*(b.post(path) for b in browsers))
    assert sorted(a.status_code for a in answers) == [303, 410]


async def test_a_link_expires_after_15_minutes(signin_portal: RunningService, signin_clock: MovableClock) -> None:
    url = (await signin_portal.client.post("/v1/signin-links", json={"role": "school", "subject": "974760673"},
                                           headers=signin_portal.auth("organiser"))).json()["url"]  # fmt: skip
    path = url.removeprefix("https://portal.test")
    browser = Browser(signin_portal.app)
    assert (await browser.get(path)).status_code == 200
    signin_clock.advance(timedelta(minutes=15, seconds=1))
    expired = await browser.get(path)
    assert expired.status_code == 410 and "expired" in expired.text and 'href="/login"' in expired.text
    await browser.get("/login")  # a form token of the pre-session cookie (the expired page has no form)
    assert (await browser.post(path)).status_code == 410


async def test_an_address_gets_at_most_its_hourly_links_and_the_same_answer_beyond(
    signin_portal: RunningService, signin_clock: MovableClock
) -> None:
    email = address()
    await add_member(signin_portal.runtime.pool, email)
    limit = signin_portal.runtime.settings.signin_per_address_per_hour  # type: ignore[attr-defined]
    answers = set()
    for i in range(limit + 2):
        browser = Browser(signin_portal.app, client=f"192.0.2.{i + 1}")
        await browser.get("/login")
        answer = await browser.post("/login", {"email": email})
        answers.add((answer.status_code, answer.text))
    assert len(answers) == 1 and next(iter(answers))[0] == 200
    mailed = await signin_portal.runtime.pool.fetchval("SELECT count(*) FROM signin_links WHERE email = $1", email)
    assert mailed == limit
    signin_clock.advance(timedelta(hours=1, seconds=1))
    browser = Browser(signin_portal.app, client="192.0.2.200")
    await browser.get("/login")
    await browser.post("/login", {"email": email})
    assert await signin_portal.runtime.pool.fetchval(
        "SELECT count(*) FROM signin_links WHERE email = $1", email) == limit + 1  # fmt: skip


async def test_a_client_flooding_the_form_is_refused_with_429(
    signin_portal: RunningService, signin_clock: MovableClock
) -> None:
    limit = signin_portal.runtime.settings.signin_per_client_per_hour  # type: ignore[attr-defined]
    browser = Browser(signin_portal.app, client="192.0.2.250")
    token = token_in((await browser.get("/login")).text)
    statuses = [(await browser.post("/login", {"email": address()}, token=token)).status_code for _ in range(limit)]
    assert set(statuses) == {200}
    flooded = await browser.post("/login", {"email": address()}, token=token)
    assert flooded.status_code == 429 and 'href="/login"' in flooded.text
    other = Browser(signin_portal.app, client="192.0.2.251")
    await other.get("/login")
    assert (await other.post("/login", {"email": address()})).status_code == 200


@pytest.mark.parametrize("email", ["kari\x00@example.no", "x" * 10_000 + "@example.no", "not an address", ""])
async def test_hostile_or_malformed_addresses_get_the_form_again_with_400(
    signin_portal: RunningService, signin_clock: MovableClock, email: str
) -> None:
    browser = Browser(signin_portal.app, client="192.0.2.99")
    await browser.get("/login")
    answer = await browser.post("/login", {"email": email})
    assert answer.status_code == 400
    assert 'role="alert"' in answer.text and 'href="#email"' in answer.text and 'aria-invalid="true"' in answer.text


@pytest.mark.parametrize("secret", ["abc", "A" * 42 + "!", "A" * 5000, "%00" + "A" * 40, "..%2F..%2Fetc"])
async def test_bad_link_secrets_get_a_clear_4xx_page(
    signin_portal: RunningService, signin_clock: MovableClock, secret: str
) -> None:
    browser = Browser(signin_portal.app)
    opened = await browser.get(f"/login/link/{secret}")
    assert 400 <= opened.status_code < 500
    await browser.get("/login")
    used = await browser.post(f"/login/link/{secret}")
    assert 400 <= used.status_code < 500


async def test_an_unknown_well_formed_link_says_so_and_offers_a_new_one(
    signin_portal: RunningService, signin_clock: MovableClock
) -> None:
    browser = Browser(signin_portal.app)
    page = await browser.get("/login/link/" + "A" * 43)
    assert page.status_code == 400 and "does not work" in page.text and 'href="/login"' in page.text


async def test_instances_share_the_limits(
    portal: RunningService, signin_portal: RunningService, signin_clock: MovableClock
) -> None:
    email = address()
    await add_member(signin_portal.runtime.pool, email)
    limit = signin_portal.runtime.settings.signin_per_address_per_hour  # type: ignore[attr-defined]
    for i in range(limit + 2):
        instance = (portal, signin_portal)[i % 2]
        browser = Browser(instance.app, client=f"192.0.2.{100 + i}")
        await browser.get("/login")
        assert (await browser.post("/login", {"email": email})).status_code == 200
    mailed = await signin_portal.runtime.pool.fetchval("SELECT count(*) FROM signin_links WHERE email = $1", email)
    assert mailed == limit


async def test_after_signing_in_the_person_goes_where_they_were_going(
    signin_portal: RunningService, signin_clock: MovableClock, kafka_bootstrap: str
) -> None:
    email = address()
    await add_member(signin_portal.runtime.pool, email)
    browser = Browser(signin_portal.app)
    sent_away = await browser.get("/session/account")
    assert sent_away.headers["location"] == "/login?next=%2Fsession%2Faccount"
    form = await browser.get(sent_away.headers["location"])
    assert 'name="next" value="/session/account"' in form.text
    await browser.post("/login", {"email": email, "next": "/session/account"})
    (link,) = await mailed_links(kafka_bootstrap, email)
    path = link.removeprefix("https://portal.test")
    opened = await browser.get(path)
    assert not any(c.startswith("__Host-portal_session=") for c in opened.headers.get_list("set-cookie"))
    assert (await browser.post(path)).headers["location"] == "/session/account"


@pytest.mark.parametrize(("content", "content_type"), [
    (b"--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nkari", "multipart/form-data; boundary=x"),
    (b"garbage", "multipart/form-data"),
    (b'{"email": "kari@example.no"}', "application/json"),
    (b"&".join(b"f%d=1" % i for i in range(5000)), "application/x-www-form-urlencoded"),
    (b"email=%FF%FE&csrf_token=%00", "application/x-www-form-urlencoded"),
])  # fmt: skip
async def test_hostile_form_bodies_are_refused_with_4xx(
    signin_portal: RunningService, signin_clock: MovableClock, content: bytes, content_type: str
) -> None:
    browser = Browser(signin_portal.app)
    await browser.get("/login")
    for path in ("/login", "/login/link/" + "A" * 43):
        answer = await browser.http.post(path, content=content, headers={"Content-Type": content_type,
                                                                         "Origin": "https://portal.test"})  # fmt: skip
        assert 400 <= answer.status_code < 500, (path, answer.status_code)
