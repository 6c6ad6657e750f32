"""The model-based test runs against the whole system: four services as processes on real Kafka and PostgreSQL.

The stack runs with short offer expiry and search retry (env of the launched services), so members can let offers
lapse within a step or two and partial teams are searched again within seconds.
"""

import asyncio
import json
import secrets
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "flows"))

from flows_kit import LAUNCHED, LaunchedStack, Stack  # noqa: E402

OFFER_TTL_SECONDS = 8.0
SEARCH_RETRY_SECONDS = 4.0
STACK_ENV = {
    "AMBASSADORS_OFFER_TTL_HOURS": f"{OFFER_TTL_SECONDS / 3600:.6f}",
    "AMBASSADORS_SEARCH_RETRY_HOURS": f"{SEARCH_RETRY_SECONDS / 3600:.6f}",
    "BOOKING_RATE_LIMIT_PER_MINUTE": "0",
    "BOOKING_MAX_OPEN_REQUESTS_PER_SCHOOL": "0",
}


@pytest.fixture(scope="session")
async def model_stack(kafka_bootstrap: str, admin_dsn: str, provisioned_dsns, tmp_path_factory  # noqa: ANN001
                      ) -> AsyncIterator[Stack]:
    """`outreach-up` on a database of its own, with the short expiries above; stopped with Ctrl-C at the end."""
    name = f"model_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    state_dir = tmp_path_factory.mktemp("model-state")
    # Roles are cluster-wide: keep the passwords the plugin provisioned.
    passwords = {svc: urlsplit(await provisioned_dsns(svc)).password for svc in LAUNCHED}
    (state_dir / "secrets.json").write_text(json.dumps({"db_passwords": passwords}))
    launched = LaunchedStack(kafka_bootstrap=kafka_bootstrap, state_dir=state_dir,
                             admin_dsn=urlunsplit(urlsplit(admin_dsn)._replace(path=f"/{name}")))
    launched.env |= STACK_ENV
    running = await asyncio.to_thread(launched.start)
    try:
        yield running
    finally:
        await asyncio.to_thread(launched.stop)
        print(f"\nmodel stack logs: {launched.state_dir / 'logs'}")
