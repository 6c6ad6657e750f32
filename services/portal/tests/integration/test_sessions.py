"""Sessions: idle and absolute timeouts, signing out here and everywhere, CSRF on every form that posts, the
pages' and JSON's answers without a session, and the access tokens a session gets for the other services."""

import uuid
from datetime import timedelta

import pytest
from signin_helpers import ORIGIN, Browser, token_in

from outreach_dev.testing.fakes import MovableClock
from outreach_dev.testing.service import RunningService
from outreach_shared.signing import KeySet, parse_jwks, verify_token
from portal.domain.accounts import Account
from portal.service_layer import sessions
from portal.service_layer.web_tokens import TokenCache, access_token_for

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def signed_in(portal: RunningService, body: dict[str, str], *, client: str = "203.0.113.20") -> Browser:
    """A browser signed in through a support link to the account `body` names."""
    created = await portal.client.post("/v1/signin-links", json=body, headers=portal.auth("organiser"))
    assert created.status_code == 201, created.text
    browser = Browser(portal.app, client=client)
    path = created.json()["url"].removeprefix(ORIGIN)
    await browser.get(path)
    answer = await browser.post(path)
    assert answer.status_code == 303, answer.text
    return browser


def member() -> dict[str, str]:
    return {"role": "member", "subject": str(uuid.uuid4())}


async def is_signed_in(browser: Browser) -> bool:
    page = await browser.get("/")  # a member is sent on to their home; someone signed out to sign in
    assert page.status_code in (200, 303)
    return page.status_code == 200 or not page.headers["location"].startswith("/login")


async def test_a_session_ends_after_30_idle_minutes(signin_portal: RunningService, signin_clock: MovableClock) -> None:
    browser = await signed_in(signin_portal, member())
    signin_clock.advance(timedelta(minutes=29))
    assert await is_signed_in(browser)
    signin_clock.advance(timedelta(minutes=29))  # 58 minutes after signing in, 29 after last use
    assert await is_signed_in(browser)
    signin_clock.advance(timedelta(minutes=30))
    page = await browser.get("/")
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2F"


async def test_a_session_ends_12_hours_after_it_began_however_busy(
    signin_portal: RunningService, signin_clock: MovableClock
) -> None:
    browser = await signed_in(signin_portal, member())
    for _ in range(28):  # every 25 minutes for 11 h 40 min
        signin_clock.advance(timedelta(minutes=25))
        assert await is_signed_in(browser)
    signin_clock.advance(timedelta(minutes=21))
    assert not await is_signed_in(browser)


async def test_signing_out_ends_the_session_on_the_server(
    signin_portal: RunningService, signin_clock: MovableClock
) -> None:
    browser = await signed_in(signin_portal, {"role": "school", "subject": "974760673"})
    home = await browser.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/school"  # a school contact's home
    assert "school 974760673" in (await browser.get("/session")).text
    cookie = dict(browser.http.cookies)["__Host-portal_session"]
    out = await browser.post("/logout")
    assert out.status_code == 303 and out.headers["location"].startswith("/login")
    assert "__Host-portal_session=" in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]
    replay = Browser(signin_portal.app)
    replay.http.cookies.set("__Host-portal_session", cookie, domain="portal.test")
    assert not await is_signed_in(replay)


async def test_signing_out_everywhere_ends_every_session_of_the_person_only(
    signin_portal: RunningService, signin_clock: MovableClock
) -> None:
    kari = member()
    phone, desktop = await signed_in(signin_portal, kari), await signed_in(signin_portal, kari)
    someone_else = await signed_in(signin_portal, member())
    await phone.get("/session")
    out = await phone.post("/logout/everywhere")
    assert out.status_code == 303
    assert not await is_signed_in(phone) and not await is_signed_in(desktop)
    assert await is_signed_in(someone_else)


async def test_forms_without_the_right_token_or_from_another_site_are_refused_with_403(
    signin_portal: RunningService, signin_clock: MovableClock
) -> None:
    browser = await signed_in(signin_portal, member())
    token = token_in((await browser.get("/session")).text)
    assert (await browser.post("/logout", token="")).status_code == 403
    assert (await browser.post("/logout", token=token + "x")).status_code == 403
    forged = await browser.post("/logout", token=token, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403 and "could not be sent" in forged.text
    referred = await browser.http.post("/logout/everywhere", data={"csrf_token": token},
                                       headers={"Referer": "https://evil.example/page"})  # fmt: skip
    assert referred.status_code == 403
    assert await is_signed_in(browser)

    stranger = Browser(signin_portal.app)
    await stranger.get("/login")
    assert (await stranger.post("/login", {"email": "kari@example.no"}, token="forged")).status_code == 403
    other_cookie = Browser(signin_portal.app)
    other_token = token_in((await other_cookie.get("/login")).text)
    assert (await stranger.post("/login", {"email": "kari@example.no"}, token=other_token)).status_code == 403
    no_cookie = Browser(signin_portal.app)
    assert (await no_cookie.post("/login", {"email": "kari@example.no"}, token=other_token)).status_code == 403


async def test_pages_send_to_sign_in_and_json_gets_401_without_a_session(signin_portal: RunningService) -> None:
    browser = Browser(signin_portal.app)
    page = await browser.get("/session/account?x=1")
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fsession%2Faccount%3Fx%3D1"
    api = await browser.http.get("/", headers={"Accept": "application/json"})
    assert api.status_code == 401 and api.headers["content-type"].startswith("application/problem+json")
    forged = Browser(signin_portal.app)
    forged.http.cookies.set("__Host-portal_session", "\x7f" * 40 + "A" * 5000, domain="portal.test")
    assert (await forged.get("/")).status_code == 303


async def test_a_session_gets_short_tokens_for_a_service_reused_until_a_minute_before_they_expire(
    signin_portal: RunningService, signin_clock: MovableClock
) -> None:
    kari = member()
    browser = await signed_in(signin_portal, kari)
    cookie = dict(browser.http.cookies)["__Host-portal_session"]
    cache = TokenCache()
    async with signin_portal.runtime.unit_of_work("test") as uow:
        session = await sessions.current(uow, cookie)
        assert session is not None
        first = await access_token_for(uow, session, "booking", cache=cache)  # type: ignore[arg-type]
        assert await access_token_for(uow, session, "booking", cache=cache) == first  # type: ignore[arg-type]
        assert await access_token_for(uow, session, "ambassadors", cache=cache) != first  # type: ignore[arg-type]
    jwks = parse_jwks((await signin_portal.client.get("/.well-known/jwks.json")).json())
    principal = await verify_token(KeySet(jwks), first, audience="booking")
    assert principal.member_id == kari["subject"]
    signin_clock.advance(timedelta(minutes=14, seconds=1))
    async with signin_portal.runtime.unit_of_work("test") as uow:
        session = await sessions.current(uow, cookie)
        assert session is not None
        assert await access_token_for(uow, session, "booking", cache=cache) != first  # type: ignore[arg-type]


async def test_an_account_taken_away_ends_its_sessions(
    signin_portal: RunningService, signin_clock: MovableClock
) -> None:
    orgnr = "9" + uuid.uuid4().int.__str__()[:8]
    contact = await signed_in(signin_portal, {"role": "school", "subject": orgnr})
    other_school = await signed_in(signin_portal, {"role": "school", "subject": "974760673"})
    async with signin_portal.runtime.unit_of_work("test") as uow:
        choosing = await sessions.start(uow, [Account("member", str(uuid.uuid4())), Account("school", orgnr)],  # type: ignore[arg-type]
                                        how="email_link", client=None, person="email:test")  # fmt: skip
    async with signin_portal.runtime.unit_of_work("test") as uow:
        ended = await sessions.end_for_account(uow, Account("school", orgnr))  # type: ignore[arg-type]
        assert await sessions.current(uow, choosing.secret) is None  # type: ignore[arg-type]
    assert ended == 2
    assert not await is_signed_in(contact) and await is_signed_in(other_school)


async def test_a_members_pages_speak_the_language_they_prefer_on_the_roster(signin_portal: RunningService) -> None:
    nynorsk, bokmal = member(), member()
    for who, language in ((nynorsk, "nn"), (bokmal, None)):
        await signin_portal.runtime.pool.execute(
            "INSERT INTO members (member_id, email, active, language) VALUES ($1, $2, true, $3)",
            who["subject"], f"{who['subject']}@example.org", language)  # fmt: skip
    as_nynorsk, as_bokmal = await signed_in(signin_portal, nynorsk), await signed_in(signin_portal, bokmal)
    page = await as_nynorsk.get("/session/account")  # the browser asks for English; the person chose Nynorsk
    assert page.status_code == 200 and 'lang="nn"' in page.text and "Hopp til innhaldet" in page.text
    switched = await as_nynorsk.get("/session/account?lang=en")  # the switcher still wins
    assert 'lang="en"' in switched.text
    assert 'lang="en"' in (await as_bokmal.get("/session/account")).text  # no choice: the browser's language
