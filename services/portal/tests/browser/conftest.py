"""The portal served on a real socket, and Debian's Chromium to use it, once per session; a fresh phone or desktop
tab per test. Reuse these for every page: `phone` / `desktop` give a `Person` (browsing.py) whose `check(name)`
runs axe-core and keeps a screenshot; `site.url` is the portal; `site.booking` plays booking's public API."""

import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.sync_api import Browser, Playwright, sync_playwright
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).parent))

from browsing import CHROMIUM, Person, open_person  # noqa: E402
from fake_booking import FakeBooking  # noqa: E402
from serving import serving  # noqa: E402

from outreach_dev.testing.keys import TEST_JWKS  # noqa: E402
from outreach_shared.runtime import build_app  # noqa: E402
from portal.bootstrap import SERVICE  # noqa: E402

ARTEFACTS = Path(__file__).parents[4] / "test-artifacts" / "portal-browser"
"""Screenshots of every page in every language on a phone and a desktop (gitignored), for a person to look at."""


@dataclass
class Site:
    """The running portal and the booking API it calls."""

    url: str
    booking: FakeBooking


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def site(provisioned_dsns: Callable[[str], Awaitable[str]], kafka_bootstrap: str) -> AsyncIterator[Site]:
    """The portal on a free port of 127.0.0.1 (its own schema and consumer group), calling a booking on another."""
    booking = FakeBooking()
    dsn = await provisioned_dsns("portal_browser")
    async with serving(booking.app()) as booking_url:
        settings = SERVICE.settings_factory().model_copy(update={
            "database_url": SecretStr(dsn), "database_schema": "portal_browser",
            "kafka_bootstrap_servers": kafka_bootstrap, "consumer_group": "outreach-portal-browser",
            "environment": "test", "jwt_public_keys": TEST_JWKS, "jwt_jwks_url": "", "booking_url": booking_url,
        })  # fmt: skip
        async with serving(build_app(SERVICE, settings)) as url:
            yield Site(url, booking)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright. Per module, not per session: Playwright's sync API keeps
    an event loop marked running in this thread while it is started, which the async tests after it cannot share."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
    playwright: Playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture
def phone(chromium: Browser) -> Iterator[Person]:
    """A person on a 390 px phone, browser set to Norwegian Bokmål, no cookies yet."""
    context, person = open_person(chromium, "phone", ARTEFACTS)
    yield person
    context.close()


@pytest.fixture
def desktop(chromium: Browser) -> Iterator[Person]:
    """A person at a desktop, browser set to Norwegian Bokmål, no cookies yet."""
    context, person = open_person(chromium, "desktop", ARTEFACTS)
    yield person
    context.close()


@pytest.fixture
def open_browser(chromium: Browser) -> Iterator[Callable[..., Person]]:
    """Open a tab on a device with a browser language of one's own: `open_browser("phone", locale="en-GB")`."""
    contexts = []

    def opened(device: str, **options: object) -> Person:
        context, person = open_person(chromium, device, ARTEFACTS, **options)  # type: ignore[arg-type]
        contexts.append(context)
        return person

    yield opened
    for context in contexts:
        context.close()
