"""The flows run against the whole system: four services as processes on real Kafka and PostgreSQL."""

import secrets
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from flows_kit import CLUSTER, LaunchedStack, Stack  # noqa: E402

if CLUSTER:
    import os

    os.environ.setdefault("OUTREACH_KAFKA_BROKERS", "3")  # read when the session's infrastructure starts, after this


@pytest.fixture(scope="session")
async def stack_admin_dsn(admin_dsn: str) -> AsyncIterator[str]:
    """A database of the flows' own, so the launched services' schemas start empty."""
    name = f"flows_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    yield urlunsplit(urlsplit(admin_dsn)._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
async def stack(kafka_bootstrap: str, stack_admin_dsn: str, provisioned_dsns, tmp_path_factory  # noqa: ANN001
                ) -> AsyncIterator[Stack]:
    """Start `outreach-up` once for every flow; stop it with Ctrl-C at the end."""
    import asyncio
    import json

    from flows_kit import LAUNCHED

    state_dir = tmp_path_factory.mktemp("flows-state")
    # Roles are cluster-wide: keep the passwords the other tests of this session provisioned.
    passwords = {name: urlsplit(await provisioned_dsns(name)).password for name in LAUNCHED}
    (state_dir / "secrets.json").write_text(json.dumps({"db_passwords": passwords}))
    launched = LaunchedStack(kafka_bootstrap=kafka_bootstrap, admin_dsn=stack_admin_dsn, state_dir=state_dir)
    running = await asyncio.to_thread(launched.start)
    try:
        yield running
    finally:
        for client in running.clients.values():
            await client.aclose()
        await asyncio.to_thread(launched.stop)
        log_dir = launched.state_dir / "logs"
        if log_dir.is_dir():
            print(f"\nflow stack logs: {log_dir}")


@pytest.fixture(scope="session")
async def chromium():  # noqa: ANN201
    """Debian's Chromium, headless, once for every web flow (async Playwright: the flows' helpers are awaited)."""
    from playwright.async_api import async_playwright
    from web_kit import CHROMIUM, require_chromium

    require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def open_visitor(chromium):  # noqa: ANN001, ANN201
    """Open a fresh browser (no cookies) as a person: `await open_visitor("phone")`, `await open_visitor("desktop",
    locale="en-GB")`; closed at the end of the test."""
    from web_kit import open_visitor_in

    opened = []

    async def visitor(device: str, **options):  # noqa: ANN003, ANN202
        opened.append(await open_visitor_in(chromium, device, **options))
        return opened[-1]

    yield visitor
    for each in opened:
        await each.context.close()
