"""Booking's ASGI app alone: CPU per `POST /v1/visit-requests`, in this process, without a server or a database.

Usage: `uv run python tests/bench/inprocess_booking.py [REQUESTS] [--fastapi-route]`. Not part of `make bench`: a
tool for before/after comparisons of the app's own code (the README quotes it), steadier than a saturation run
because nothing else shares the measured process. The new-visit writer is replaced by one that answers "created" at
once, so the figure is the app's share of booking's CPU per request (HTTP parsing, the database write and the relay
come on top). Requests are sent as ASGI calls; the first pass over every school warms the token and contact caches,
as the bench's fixed-rate phase does. Prints the CPU per request of three passes and their minimum.
`--fastapi-route` leaves out the create's plain endpoint (`outreach_shared.fast_route`), so that the FastAPI route
answers, as before it.
"""

import asyncio
import json
import sys
import time
import uuid
from dataclasses import replace
from itertools import cycle, islice
from pathlib import Path
from typing import Any

import uvloop

sys.path.insert(0, str(Path(__file__).parent))
from bench_booking import school_body, school_tokens  # noqa: E402

from booking.bootstrap import SERVICE  # noqa: E402
from booking.domain.new_visits import NewVisit, Outcome  # noqa: E402
from booking.entrypoints.http import fast_create_router  # noqa: E402
from booking.service_layer.ports import BookingPorts  # noqa: E402
from booking.settings import BookingSettings  # noqa: E402
from outreach_dev.devstack.launcher import booking_body  # noqa: E402
from outreach_dev.testing.keys import TEST_JWKS, TEST_KEY  # noqa: E402
from outreach_shared.runtime import Wiring, build_app  # noqa: E402

PATH = b"/v1/visit-requests"


class InstantWriter:
    """Stands in for the NewVisitWriter: every visit is 'created', after one turn of the event loop."""

    max_open = 20

    async def add(self, new: NewVisit) -> Outcome:
        await asyncio.sleep(0)
        return "created"


def asgi_request(orgnr: str, token: str, template: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """One create as an ASGI scope and its body."""
    raw = json.dumps(school_body(template, orgnr)).encode()
    headers = [(b"host", b"booking"), (b"authorization", f"Bearer {token}".encode()),
               (b"idempotency-key", str(uuid.uuid4()).encode()), (b"content-type", b"application/json"),
               (b"content-length", str(len(raw)).encode())]  # fmt: skip
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": PATH.decode(), "raw_path": PATH, "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8001), "state": {}}  # fmt: skip
    return scope, raw


async def call(app: Any, scope: dict[str, Any], raw: bytes) -> int:
    """Send one request through the app; its status."""
    delivered = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(dict(scope, state={}), receive, send)
    return status


async def measure(requests: int, fastapi_route: bool = False) -> list[float]:
    settings = BookingSettings(rate_limit_per_minute=0, jwt_public_keys=TEST_JWKS, jwt_jwks_url="")
    routers = [r for r in SERVICE.routers if not (fastapi_route and r is fast_create_router)]
    app = build_app(replace(SERVICE, routers=routers), settings)
    policy = settings.window_policy()  # the keys are asked about only for refused windows, which this never sends
    ports = BookingPorts(new_visits=InstantWriter(), keys=None, window_policy=policy)  # type: ignore[arg-type]
    app.state.runtime.wiring = Wiring(ports=ports)
    tokens = school_tokens(TEST_KEY)
    template = booking_body()
    schools = list(tokens)
    every = [asgi_request(o, tokens[o], template) for o in schools]
    for scope, raw in every:  # warms the caches of verified tokens and checked contacts
        if (status := await call(app, scope, raw)) != 201:
            raise SystemExit(f"the app answered {status}, not 201")
    per_pass = requests // 3
    spent = []
    for _ in range(3):
        batch = [asgi_request(orgnr, tokens[orgnr], template) for orgnr in islice(cycle(schools), per_pass)]
        started = time.process_time()
        for scope, raw in batch:
            await call(app, scope, raw)
        spent.append(1e6 * (time.process_time() - started) / per_pass)
    return spent


def main() -> None:
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    requests = int(numbers[0]) if numbers else 9000
    spent = uvloop.run(measure(requests, fastapi_route="--fastapi-route" in sys.argv))
    print("CPU per create (us), three passes:", " ".join(f"{s:.0f}" for s in spent), f" min {min(spent):.0f}")


if __name__ == "__main__":
    main()
