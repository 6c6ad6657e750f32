"""Signing in through OpenID Connect providers, end to end against a real provider process (NAV's
mock-oauth2-server: its login page takes the claims each test gives), the real Postgres and Kafka.

Feide gives a school contact of the orgnr its token names and no other; ID-porten's identity is linked once by an
e-mail-link sign-in and goes straight in after; state, PKCE verifier, code, nonce and ID token are each checked."""

import base64
import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import pytest_asyncio
from signin_helpers import ORIGIN, Browser, add_member, add_organiser, add_school_contact
from structlog.testing import capture_logs

from outreach_dev.testing.fakes import MovableClock
from outreach_dev.testing.kafka import read_topic
from outreach_dev.testing.oidc_provider import LocalOidcProvider, log_in
from outreach_dev.testing.service import RunningService, running_service
from outreach_shared.contracts import Topics
from portal.bootstrap import SERVICE
from portal.domain.sessions import digest
from portal.settings import OidcProviderSetting

pytestmark = pytest.mark.asyncio(loop_scope="session")
OIDC_CLOCK = MovableClock(datetime.now(UTC))
ORGNR_CLAIM = "eduPersonOrgDN:norEduOrgNIN"
SCHOOL, OTHER_SCHOOL = "974760673", "971524960"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def oidc_portal(
    provisioned_dsns: Callable[[str], Awaitable[str]], kafka_bootstrap: str, oidc_provider: LocalOidcProvider
) -> AsyncIterator[RunningService]:
    """A portal offering Feide, ID-porten and a municipality's provider, all served by the provider process."""
    providers = [
        OidcProviderSetting(name="feide", kind="feide", issuer=oidc_provider.issuer("feide"), client_id="portal",
                            client_secret="feide-secret", scopes=["email"], orgnr_claim=ORGNR_CLAIM),
        OidcProviderSetting(name="idporten", kind="idporten", issuer=oidc_provider.issuer("idporten"),
                            client_id="portal", client_secret="idporten-secret"),
        OidcProviderSetting(name="ansattporten", kind="ansattporten", issuer=oidc_provider.issuer("ansattporten"),
                            client_id="portal", client_secret="ansattporten-secret"),
        OidcProviderSetting(name="kommune", kind="generic", issuer=oidc_provider.issuer("kommune"),
                            client_id="portal", client_secret="kommune-secret"),
    ]  # fmt: skip
    dsn = await provisioned_dsns("portal")
    async with running_service(SERVICE, dsn=dsn, kafka_bootstrap=kafka_bootstrap, clock=OIDC_CLOCK,
                               public_url=ORIGIN, consumer_group="portal-oidc-tests",
                               oidc_providers=providers) as svc:  # fmt: skip
        yield svc


@pytest.fixture
def browser(oidc_portal: RunningService) -> Browser:
    OIDC_CLOCK.set(datetime.now(UTC))
    return Browser(oidc_portal.app, client=f"198.51.100.{uuid.uuid4().int % 250 + 1}")


def address() -> str:
    return f"ola-{uuid.uuid4().hex[:10]}@example.no"


def pid() -> str:
    return str(uuid.uuid4().int)[:11]


async def to_provider(browser: Browser, provider: str) -> str:
    """Open the portal's sign-in with `provider`: the provider's authorization URL it redirects to."""
    start = await browser.get(f"/login/oidc/{provider}")
    assert start.status_code == 302, start.text
    return start.headers["location"]


async def back_from(browser: Browser, authorize_url: str, *, username: str = "someone",
                    claims: dict[str, Any] | None = None) -> httpx.Response:  # fmt: skip
    """Sign in at the provider with `claims` and follow its redirect back to the portal's callback."""
    callback = await log_in(authorize_url, username=username, claims=claims)
    assert callback.startswith(f"{ORIGIN}/login/oidc/"), callback
    return await browser.get(callback.removeprefix(ORIGIN))


async def through(browser: Browser, provider: str, **kwargs: Any) -> httpx.Response:
    return await back_from(browser, await to_provider(browser, provider), **kwargs)


def feide(email: str, orgnr: Any = f"NO{SCHOOL}") -> dict[str, Any]:
    return {ORGNR_CLAIM: orgnr, "email": email}


async def session_of(portal: RunningService, browser: Browser) -> dict[str, Any]:
    """The session row behind the browser's session cookie."""
    cookie = browser.http.cookies.get("__Host-portal_session")
    assert cookie, "no session cookie"
    row = await portal.runtime.pool.fetchrow(
        "SELECT how, person, role, subject, choices FROM sessions WHERE secret_hash = $1", digest(cookie)
    )
    assert row is not None
    return dict(row)


async def mailed_link(kafka_bootstrap: str, email: str) -> str:
    """The path of the sign-in link the portal asked notify to mail to `email`."""

    def links(records: list[Any]) -> list[str]:
        payloads = [json.loads(r.value)["payload"] for r in records]
        return [p["link"] for p in payloads if p["email"] == email]

    records = await read_topic(kafka_bootstrap, Topics.SIGN_IN, until=lambda rs: len(links(rs)) >= 1)
    return links(records)[0].removeprefix(ORIGIN)


async def test_the_sign_in_page_offers_each_provider_configured(oidc_portal: RunningService, browser: Browser) -> None:
    page = await browser.get("/login?next=/bookings")
    for name in ("feide", "idporten", "kommune"):
        assert f'href="/login/oidc/{name}?next=/bookings"' in page.text
    assert "Feide" in page.text and "ID-porten" in page.text


async def test_the_redirect_asks_for_a_code_with_pkce_s256_state_and_nonce(
    oidc_portal: RunningService, oidc_provider: LocalOidcProvider, browser: Browser
) -> None:
    url = await to_provider(browser, "idporten")
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{oidc_provider.issuer('idporten')}/authorize"
    assert query["response_type"] == "code" and query["client_id"] == "portal" and "openid" in query["scope"]
    assert query["redirect_uri"] == f"{ORIGIN}/login/oidc/idporten/callback"
    assert query["code_challenge_method"] == "S256" and "code_verifier" not in query
    assert query["state"] == browser.http.cookies.get("__Host-portal_oidc")
    kept = await oidc_portal.runtime.pool.fetchrow(
        "SELECT nonce, code_verifier FROM oidc_logins WHERE state_hash = $1", digest(query["state"])
    )
    assert kept["nonce"] == query["nonce"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(kept["code_verifier"].encode()).digest()).rstrip(b"=")
    assert query["code_challenge"] == challenge.decode()


async def test_feide_signs_in_as_the_contact_of_the_school_its_organisation_names_and_no_other(
    oidc_portal: RunningService, browser: Browser
) -> None:
    email = address()
    await add_school_contact(oidc_portal.runtime.pool, email, OTHER_SCHOOL)  # invited to another school
    signed_in = await through(browser, "feide", claims=feide(email))
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    session = await session_of(oidc_portal, browser)
    assert (session["how"], session["role"], session["subject"], session["choices"]) == (
        "oidc:feide", "school", SCHOOL, []
    )  # fmt: skip
    home = await browser.get("/session")
    assert home.status_code == 200 and f"school {SCHOOL}" in home.text
    contacts = await oidc_portal.runtime.pool.fetch("SELECT orgnr, via FROM school_contacts WHERE email = $1", email)
    assert sorted(map(tuple, contacts)) == [(OTHER_SCHOOL, "invitation"), (SCHOOL, "feide")]

    await browser.get("/session/account")
    other = await browser.post("/session/account", {"account": f"school:{OTHER_SCHOOL}", "next": "/"})
    assert other.status_code == 400
    assert (await session_of(oidc_portal, browser))["subject"] == SCHOOL

    before = browser.http.cookies.get("__Host-portal_session")
    assert (await through(browser, "feide", claims=feide(email))).status_code == 303  # again: the contact is reused
    revoked = await oidc_portal.runtime.pool.fetchval("SELECT revoked_at FROM sessions WHERE secret_hash = $1",
                                                      digest(before or ""))  # fmt: skip
    assert revoked is not None and browser.http.cookies.get("__Host-portal_session") != before
    count = await oidc_portal.runtime.pool.fetchval("SELECT count(*) FROM school_contacts WHERE email = $1", email)
    assert count == 2


@pytest.mark.parametrize("orgnr", [None, "NO974760674", [f"NO{SCHOOL}", f"NO{OTHER_SCHOOL}"]])
async def test_feide_without_one_valid_school_signs_no_one_in(
    oidc_portal: RunningService, browser: Browser, orgnr: Any
) -> None:
    email = address()
    refused = await through(browser, "feide", claims=feide(email, orgnr))
    assert refused.status_code == 403 and "which school" in refused.text
    assert "__Host-portal_session" not in browser.http.cookies
    assert not await oidc_portal.runtime.pool.fetchval("SELECT count(*) FROM school_contacts WHERE email = $1", email)


async def test_feide_does_not_bring_back_a_contact_an_organiser_removed(
    oidc_portal: RunningService, browser: Browser
) -> None:
    email = address()
    await add_school_contact(oidc_portal.runtime.pool, email, SCHOOL)
    await oidc_portal.runtime.pool.execute("UPDATE school_contacts SET removed_at = now() WHERE email = $1", email)
    refused = await through(browser, "feide", claims=feide(email))
    assert refused.status_code == 403 and "no longer a contact" in refused.text


async def test_idporten_is_linked_once_by_the_email_link_then_goes_straight_in(
    oidc_portal: RunningService, browser: Browser, kafka_bootstrap: str
) -> None:
    email, number = address(), pid()
    member_id = await add_member(oidc_portal.runtime.pool, email)
    first = await through(browser, "idporten", claims={"pid": number})
    assert first.status_code == 200 and "Sign in once with an e-mail link" in first.text
    assert "__Host-portal_session" not in browser.http.cookies

    sent = await browser.post("/login", {"email": email, "next": "/login/oidc/connect"})
    assert sent.status_code == 200, sent.text
    link = await mailed_link(kafka_bootstrap, email)
    await browser.get(link)
    followed = await browser.post(link)
    assert followed.status_code == 303 and followed.headers["location"] == "/login/oidc/connect"
    confirm = await browser.get("/login/oidc/connect")
    assert confirm.status_code == 200 and "Connect the login" in confirm.text and "idporten" in confirm.text
    linked = await browser.post("/login/oidc/connect")
    assert linked.status_code == 303 and linked.headers["location"] == "/"

    rows = await oidc_portal.runtime.pool.fetch("SELECT * FROM identities WHERE account_subject = $1", member_id)
    assert [(r["role"], r["issuer"].rsplit("/", 1)[1]) for r in rows] == [("member", "idporten")]
    assert number not in json.dumps([dict(r) for r in rows], default=str)

    later = Browser(oidc_portal.app, client="198.51.100.254")
    straight = await through(later, "idporten", claims={"pid": number})
    assert straight.status_code == 303 and straight.headers["location"] == "/"
    session = await session_of(oidc_portal, later)
    assert (session["how"], session["role"], session["subject"]) == ("oidc:idporten", "member", member_id)
    assert number not in session["person"]


async def link_by_email(browser: Browser, kafka_bootstrap: str, email: str) -> None:
    """On the page asking for the e-mail link: ask, follow the mailed link, and connect the waiting identity."""
    assert (await browser.post("/login", {"email": email, "next": "/login/oidc/connect"})).status_code == 200
    link = await mailed_link(kafka_bootstrap, email)
    await browser.get(link)
    assert (await browser.post(link)).headers["location"] == "/login/oidc/connect"
    await browser.get("/login/oidc/connect")
    assert (await browser.post("/login/oidc/connect")).status_code == 303


async def test_an_organiser_linked_through_ansattporten_gets_their_scope_as_it_is_and_loses_it_when_removed(
    oidc_portal: RunningService, browser: Browser, kafka_bootstrap: str
) -> None:
    email, number, pool = address(), pid(), oidc_portal.runtime.pool
    organiser_id = await add_organiser(pool, email, '{"fylker": ["03"]}')
    assert (await through(browser, "ansattporten", claims={"pid": number})).status_code == 200
    await link_by_email(browser, kafka_bootstrap, email)

    await pool.execute("UPDATE organisers SET region = NULL WHERE organiser_id = $1", uuid.UUID(organiser_id))
    later = Browser(oidc_portal.app, client="198.51.100.253")
    assert (await through(later, "ansattporten", claims={"pid": number})).status_code == 303
    session = await session_of(oidc_portal, later)
    assert (session["role"], session["subject"]) == ("organiser", organiser_id)
    assert "organiser (national" in (await later.get("/session")).text

    await pool.execute("UPDATE organisers SET removed_at = now() WHERE organiser_id = $1", uuid.UUID(organiser_id))
    removed = Browser(oidc_portal.app, client="198.51.100.252")
    again = await through(removed, "ansattporten", claims={"pid": number})
    assert again.status_code == 200 and "Sign in once with an e-mail link" in again.text
    assert "__Host-portal_session" not in removed.http.cookies


async def test_an_identity_cannot_be_linked_without_an_email_link_sign_in_after_it(
    oidc_portal: RunningService, browser: Browser
) -> None:
    pending = await through(browser, "kommune", username=f"entra-{uuid.uuid4()}")
    assert pending.status_code == 200
    page = await browser.get("/login/oidc/connect")  # not signed in: off to sign in first
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    stranger = Browser(oidc_portal.app)
    await stranger.get("/login")
    assert (await stranger.post("/login/oidc/connect")).status_code == 303  # to sign in first


async def test_a_school_contacts_email_link_session_cannot_take_a_waiting_identity(
    oidc_portal: RunningService, browser: Browser, kafka_bootstrap: str
) -> None:
    email = address()
    await add_school_contact(oidc_portal.runtime.pool, email, SCHOOL)
    assert (await through(browser, "kommune", username=f"entra-{uuid.uuid4()}")).status_code == 200
    await browser.post("/login", {"email": email, "next": "/login/oidc/connect"})
    link = await mailed_link(kafka_bootstrap, email)
    await browser.get(link)
    assert (await browser.post(link)).headers["location"] == "/login/oidc/connect"
    page = await browser.get("/login/oidc/connect")
    assert page.status_code == 200 and "cannot be connected" in page.text
    await browser.get("/session")  # a form of the session (the page above has none)
    refused = await browser.post("/login/oidc/connect")
    assert refused.status_code == 403
    assert not await oidc_portal.runtime.pool.fetchval("SELECT count(*) FROM identities WHERE account_subject = $1",
                                                       SCHOOL)  # fmt: skip


async def test_a_tampered_pkce_verifier_is_refused_by_the_provider(
    oidc_portal: RunningService, browser: Browser
) -> None:
    url = await to_provider(browser, "idporten")
    state = parse_qs(urlsplit(url).query)["state"][0]
    await oidc_portal.runtime.pool.execute(
        "UPDATE oidc_logins SET code_verifier = $2 WHERE state_hash = $1", digest(state), "x" * 64
    )
    refused = await back_from(browser, url, claims={"pid": pid()})
    assert refused.status_code == 400 and "expired or was already used" in refused.text
    assert "__Host-portal_session" not in browser.http.cookies


async def test_a_callback_with_another_state_or_from_another_browser_is_refused(
    oidc_portal: RunningService, browser: Browser
) -> None:
    url = await to_provider(browser, "feide")
    callback = (await log_in(url, username="x", claims=feide(address()))).removeprefix(ORIGIN)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    tampered = callback.replace(state, state[:-1] + ("A" if state[-1] != "A" else "B"))
    assert (await browser.get(tampered)).status_code == 400
    other = Browser(oidc_portal.app)  # an attacker's callback sent to someone else (login CSRF)
    assert (await other.get(callback)).status_code == 400
    for hostile in ("?state=%00&code=x", "?code=x", f"?state={'a' * 5000}&code=x"):
        assert (await browser.get(f"/login/oidc/feide/callback{hostile}")).status_code in (400, 422)


def replay_cookie(browser: Browser, state: str) -> None:
    """Put the state cookie back (a successful sign-in clears it), as a replaying attacker would."""
    browser.http.cookies.set("__Host-portal_oidc", state, domain="portal.test", path="/")


async def test_a_replayed_callback_is_refused(oidc_portal: RunningService, browser: Browser) -> None:
    url = await to_provider(browser, "feide")
    callback = (await log_in(url, username="x", claims=feide(address()))).removeprefix(ORIGIN)
    assert (await browser.get(callback)).status_code == 303
    assert "__Host-portal_oidc" not in browser.http.cookies
    assert (await browser.get(callback)).status_code == 400
    replay_cookie(browser, parse_qs(urlsplit(callback).query)["state"][0])
    replayed = await browser.get(callback)
    assert replayed.status_code == 400 and "already used" in replayed.text


@pytest.mark.parametrize(
    "claims",
    [{"nonce": "not-the-one-sent"}, {"aud": "another-client"}, {"iss": "https://elsewhere.example"},
     {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}],
    ids=["wrong-nonce", "wrong-audience", "wrong-issuer", "expired"],
)  # fmt: skip
async def test_an_id_token_that_does_not_hold_is_refused(
    oidc_portal: RunningService, browser: Browser, claims: dict[str, Any]
) -> None:
    refused = await through(browser, "feide", claims={**feide(address()), **claims})
    assert refused.status_code == 400 and "could not confirm who you are" in refused.text
    assert "__Host-portal_session" not in browser.http.cookies


async def test_an_error_from_the_provider_or_an_unknown_provider_gets_a_clear_page(
    oidc_portal: RunningService, browser: Browser
) -> None:
    url = await to_provider(browser, "idporten")
    state = parse_qs(urlsplit(url).query)["state"][0]
    cancelled = await browser.get(f"/login/oidc/idporten/callback?error=access_denied&state={state}")
    assert cancelled.status_code == 400 and "cancelled or refused" in cancelled.text
    assert (await browser.get("/login/oidc/bankid")).status_code == 404
    for hostile in ("%00", "x" * 5000, "..%2F..%2Fetc"):
        assert (await browser.get(f"/login/oidc/{hostile}")).status_code == 404
    elsewhere = await browser.get("/login/oidc/feide?next=//evil.example/")  # `next` stays on this site
    login = await oidc_portal.runtime.pool.fetchrow("SELECT next_path FROM oidc_logins WHERE state_hash = $1",
                                                    digest(browser.http.cookies["__Host-portal_oidc"]))  # fmt: skip
    assert elsewhere.status_code == 302 and login["next_path"] == "/"
    for next_path in ("a" * 3000, "/%00"):
        assert (await browser.get(f"/login/oidc/feide?next={next_path}")).status_code == 422
    assert (await browser.get("/login/oidc/bankid/callback?state=x&code=y")).status_code == 404


async def test_sign_ins_and_failures_are_audited_without_personal_data(
    oidc_portal: RunningService, browser: Browser
) -> None:
    email, number = address(), pid()
    with capture_logs() as logs:
        url = await to_provider(browser, "feide")
        callback = (await log_in(url, username="x", claims={**feide(email), "pid": number})).removeprefix(ORIGIN)
        await browser.get(callback)
        replay_cookie(browser, parse_qs(urlsplit(callback).query)["state"][0])
        await browser.get(callback)
        await through(Browser(oidc_portal.app), "feide", claims={**feide(email), "nonce": "evil"})
    audits = [entry for entry in logs if entry.get("event") == "audit"]
    assert [(a["action"], a.get("reason")) for a in audits] == [
        ("sign_in", None), ("sign_in_failed", "state_used"), ("sign_in_failed", "nonce_mismatch")
    ]  # fmt: skip
    assert audits[0]["actor"] == f"school:{SCHOOL}" and audits[0]["how"] == "oidc:feide"
    code = parse_qs(urlsplit(callback).query)["code"][0]
    state = parse_qs(urlsplit(callback).query)["state"][0]
    text = json.dumps(logs, default=str)
    for secret in (email, number, code, state, "feide-secret"):
        assert secret not in text
