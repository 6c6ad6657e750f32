"""Signing in by e-mail link end to end on the running system: an organiser puts a member on the roster, the portal
learns the address from the roster's events, the member asks for a link on the sign-in page, notify mails it to the
mail catcher, and following it (the page, then its button) signs the member in. The link and the address appear in
no log line of any service."""

import html
import re

import httpx
from flows_kit import Stack, eventually, register_member

TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf(page: httpx.Response) -> str:
    """The CSRF token of the page's form."""
    found = TOKEN.search(page.text)
    assert found, page.text
    return html.unescape(found.group(1))


async def test_a_member_signs_in_with_the_link_mailed_to_them(stack: Stack) -> None:
    member = await register_member(stack, name="Kari Innlogging", profession="nurse", kommunenummer="0301")
    portal = stack.urls["portal"]
    link_pattern = re.compile(re.escape(portal) + r"/login/link/[A-Za-z0-9_-]{43}")
    async with httpx.AsyncClient(base_url=portal, timeout=30, headers={"Origin": portal}) as browser:

        async def asked() -> bool:  # the portal learns the address from the roster's events, a moment later
            form = await browser.get("/login")
            answer = await browser.post("/login", data={"email": member["email"], "csrf_token": csrf(form)},
                                        headers={"Accept-Language": "nn-NO,nn;q=0.9"})  # fmt: skip
            assert answer.status_code == 200 and "er ei lenkje på veg" in answer.text, answer.text  # Nynorsk too
            return bool(await stack.mails_to(member["email"]))

        await eventually(asked, timeout=36, interval=8)  # at most five asks: within the per-address limit
        mail = (await stack.mails_to(member["email"]))[0]
        assert mail["subject"] == "Logg inn på Jobbvinner" and "éin gong" in mail["text"]
        (link,) = set(link_pattern.findall(mail["text"]))
        page = await browser.get(link)
        assert page.status_code == 200 and "portal_session" not in str(browser.cookies)  # a GET signs no one in
        signed_in = await browser.post(link, data={"csrf_token": csrf(page)})
        assert signed_in.status_code == 303, signed_in.text
        start = await browser.get("/")
        assert start.status_code == 303 and start.headers["location"] == "/me"  # a member's home
        home = await browser.get("/me", headers={"Accept-Language": "en"})  # her language on the roster wins
        assert home.status_code == 200 and 'lang="nb"' in home.text, home.text
        again = await browser.post(link, data={"csrf_token": csrf(page)})
        assert again.status_code in (400, 403, 410)  # the link worked once

    secret = link.rsplit("/", 1)[-1]
    for log in (stack.state_dir / "logs").glob("*.log"):
        text = log.read_text(errors="replace")
        assert secret not in text and member["email"] not in text, log.name
