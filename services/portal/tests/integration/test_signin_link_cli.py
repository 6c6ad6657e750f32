"""`outreach signin-link ...` prints a single-use link from the portal at OUTREACH_PORTAL_URL that signs in as
the account named."""

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import uvicorn
from signin_helpers import ORIGIN, Browser
from typer.testing import CliRunner

from outreach_dev.devstack._util import free_ports
from outreach_dev.testing.fakes import MovableClock
from outreach_dev.testing.keys import TEST_KEY
from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.cli import app
from outreach_shared.cli.errors import EXIT_REFUSED, EXIT_USAGE
from outreach_shared.cli.settings import get_settings

pytestmark = pytest.mark.asyncio(loop_scope="session")
runner = CliRunner()


@pytest_asyncio.fixture(loop_scope="session")
async def portal_url(signin_portal: RunningService, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """The sign-in portal served over HTTP on a free port, and the CLI pointed at it."""
    (port,) = free_ports(1)
    server = uvicorn.Server(uvicorn.Config(signin_portal.app, host="127.0.0.1", port=port, lifespan="off",
                                           log_config=None, access_log=False))  # fmt: skip
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started, timeout=10)
    monkeypatch.setenv("OUTREACH_PORTAL_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("OUTREACH_SIGNING_KEY", TEST_KEY.pem())  # as `make up`'s cli.env gives the development key
    get_settings.cache_clear()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        get_settings.cache_clear()
        server.should_exit = True
        await task


async def signin_link(*args: str) -> tuple[int, str]:
    result = await asyncio.to_thread(runner.invoke, app, ["signin-link", *args])
    lines = result.stdout.strip().splitlines()  # the portal runs in this process: its log lines come first
    return result.exit_code, lines[-1] if lines else ""


async def signs_in_as(portal: RunningService, url: str) -> str:
    browser = Browser(portal.app)
    path = url.removeprefix(ORIGIN)
    await browser.get(path)
    assert (await browser.post(path)).status_code == 303
    return (await browser.get("/session")).text


async def test_each_kind_of_link_signs_in_as_its_account(
    signin_portal: RunningService, signin_clock: MovableClock, portal_url: str
) -> None:
    code, url = await signin_link("school", "974760673")
    assert code == 0 and url.startswith(f"{ORIGIN}/login/link/")
    assert "school 974760673" in await signs_in_as(signin_portal, url)
    code, url = await signin_link("organiser", "--fylke", "50", "--kommune", "0301")
    assert code == 0 and "organiser (fylke 50, kommune 0301)" in await signs_in_as(signin_portal, url)
    code, url = await signin_link("member", "2b7b0a52-6f0e-4c37-9a4f-1d3c2f8c9e11")
    assert code == 0 and "member" in await signs_in_as(signin_portal, url)


async def test_what_the_portal_refuses_is_refused_with_its_reason(portal_url: str) -> None:
    code, _ = await signin_link("member", "not-a-member-id")
    assert code == EXIT_REFUSED
    assert (await signin_link("organiser", "--fylke", "99"))[0] == EXIT_REFUSED
    assert (await signin_link("school", "12"))[0] == EXIT_USAGE
