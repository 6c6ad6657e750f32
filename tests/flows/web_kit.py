"""The web app as people use it, on the running system: Debian's Chromium driven by Playwright (its async API, so
the flows' own helpers can be awaited in the same test), a phone (390 px) or a desktop, every request watched (none
may leave 127.0.0.1), every console message kept (no Content-Security-Policy violation), axe-core run on each state
a test reaches (no WCAG 2.1 AA violation) with a screenshot of it kept in test-artifacts/web/.

    visitor = await open_visitor("phone")                 # a fresh browser (no cookies), Bokmål
    await sign_in_by_mail(stack, visitor, member["email"])
    await visitor.goto(stack.urls["portal"] + "/me")
    await expect(visitor.page.get_by_role("heading", name="Tilbud")).to_be_visible()
    await visitor.check("member home")                     # axe + screenshot

Steps find things as a person does (`get_by_role` with the accessible name), never by the HTML's shape.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.async_playwright import Axe
from flows_kit import Stack, eventually, unique_email
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, Request, expect

CHROMIUM = "/usr/bin/chromium"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ARTEFACTS = Path(__file__).parents[2] / "test-artifacts" / "web"
_axe = Axe()


def require_chromium() -> None:
    """Fail clearly where Debian's Chromium is missing."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"


@dataclass
class Visitor:
    """One person's browser: its tab, what it asked for and what its console said."""

    page: Page
    context: BrowserContext
    device: str
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    async def goto(self, url: str) -> None:
        """Open `url` and wait until it has loaded."""
        await self.page.goto(url, wait_until="load")

    async def check(self, name: str) -> None:
        """The page as it is now: accessible (WCAG 2.1 AA, by axe-core), nothing fetched from outside this machine,
        no CSP refusal; kept as a screenshot named `name`."""
        await self.page.wait_for_load_state("load")
        results = await _axe.run(self.page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
        assert not results.response["violations"], f"{name} on {self.device}: {results.generate_report()}"
        assert not self.outside_requests(), self.outside_requests()
        assert not self.csp_violations(), self.csp_violations()
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
        await self.page.screenshot(path=str(ARTEFACTS / f"{slug}-{self.device}.png"), full_page=True)

    def outside_requests(self) -> list[str]:
        """Every request that went anywhere but this machine."""
        return [url for url in self.requests if urlsplit(url).scheme in ("http", "https", "ws", "wss")
                and urlsplit(url).hostname not in ("127.0.0.1", "localhost")]  # fmt: skip

    def csp_violations(self) -> list[str]:
        """Console messages saying the Content-Security-Policy refused something."""
        return [text for text in self.console if "Content Security Policy" in text or "Content-Security-Policy" in text]


async def open_visitor_in(browser: Browser, device: str, *, locale: str = "nb-NO", **options: Any) -> Visitor:
    """A fresh browser context (no cookies) on a phone or a desktop, its tab watched from its first request."""
    context = await browser.new_context(locale=locale, **{**(PHONE if device == "phone" else DESKTOP), **options})
    page = await context.new_page()
    visitor = Visitor(page, context, device)

    def requested(request: Request) -> None:
        visitor.requests.append(request.url)

    def said(message: ConsoleMessage) -> None:
        visitor.console.append(f"{message.type}: {message.text}")

    context.on("request", requested)
    page.on("console", said)
    return visitor


SIGN_IN_LINK = re.compile(r"https?://[^\s/]+/login/link/[A-Za-z0-9_-]{43}")


async def sign_in_by_mail(stack: Stack, visitor: Visitor, email: str, *, timeout: float = 60) -> None:
    """Sign in as a person does: ask for a link on the sign-in page, open the newest mail to `email` in the mail
    catcher, follow its link and press the button. The portal learns members' addresses from the roster's events a
    moment after they are registered, so the page is asked again (within the per-address limit) until a mail comes."""
    portal = stack.urls["portal"]

    async def links() -> set[str]:
        return {link for mail in await stack.mails_to(email) for link in SIGN_IN_LINK.findall(mail.get("text", ""))}

    before = await links()

    async def mailed() -> str | None:
        new = await links() - before
        return next(iter(new), None)

    async def asked() -> str | None:
        await visitor.goto(f"{portal}/login")
        await visitor.page.locator("input[name=email]").fill(email)
        await visitor.page.locator("form[action='/login'] button[type=submit]").click()
        await visitor.page.wait_for_load_state("load")
        return await eventually(mailed, timeout=8, interval=0.5)

    link = await eventually(asked, timeout=timeout, interval=4)
    await visitor.goto(link.replace(urlsplit(link).netloc, urlsplit(portal).netloc))
    await visitor.page.locator("form[action^='/login/link/'] button[type=submit]").click()
    await visitor.page.wait_for_load_state("load")
    await expect(visitor.page).not_to_have_url(re.compile(r"/login"))


async def allow_organiser(stack: Stack, **scope: Any) -> str:
    """A national organiser puts a new organiser on the allow-list; their address."""
    email = unique_email("organiser")
    response = await stack.client("portal").post("/v1/organisers", json={"email": email, **scope},
                                                 headers=stack.auth("organiser"))  # fmt: skip
    assert response.status_code == 201, response.text
    return email
