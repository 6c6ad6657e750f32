"""Pages as a person uses them, in Debian's Chromium: a phone (390 px) and a desktop, every request watched (none
may leave 127.0.0.1), every console message kept (no CSP violation may happen), axe-core run on every state
reached (no WCAG 2.1 AA violation), and a screenshot of each kept as a test artefact."""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request

CHROMIUM = "/usr/bin/chromium"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LOCAL_HOSTS = {"127.0.0.1"}
_axe = Axe()


@dataclass
class Person:
    """One person's browser tab: what it asked for and what its console said."""

    page: Page
    device: str
    artefacts: Path
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def goto(self, url: str) -> None:
        """Open `url` and wait until it has loaded."""
        self.page.goto(url, wait_until="load")

    def check(self, name: str) -> None:
        """The page as it is now: accessible (WCAG 2.1 AA, by axe-core), and kept as a screenshot."""
        self.page.wait_for_load_state("load")
        results = _axe.run(self.page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
        violations = results.response["violations"]
        assert not violations, f"{name} on {self.device}: {results.generate_report()}"
        self.artefacts.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
        self.page.screenshot(path=str(self.artefacts / f"{slug}-{self.device}.png"), full_page=True)

    def outside_requests(self) -> list[str]:
        """Every request that went anywhere but this machine."""
        return [url for url in self.requests if urlsplit(url).scheme in ("http", "https", "ws", "wss")
                and urlsplit(url).hostname not in LOCAL_HOSTS]  # fmt: skip

    def csp_violations(self) -> list[str]:
        """Console messages saying the Content-Security-Policy refused something."""
        return [text for text in self.console if "Content Security Policy" in text or "Content-Security-Policy" in text]


def open_person(browser: Browser, device: str, artefacts: Path, *, locale: str = "nb-NO",
                **context_options: Any) -> tuple[BrowserContext, Person]:  # fmt: skip
    """A fresh browser context (no cookies) on a phone or a desktop, with a tab watched from its first request;
    `context_options` go to Playwright's new_context (java_script_enabled=False, ...)."""
    options = {**(PHONE if device == "phone" else DESKTOP), **context_options}
    context = browser.new_context(locale=locale, **options)
    page = context.new_page()
    person = Person(page, device, artefacts)

    def requested(request: Request) -> None:
        person.requests.append(request.url)

    def said(message: ConsoleMessage) -> None:
        person.console.append(f"{message.type}: {message.text}")

    context.on("request", requested)
    page.on("console", said)
    return context, person
