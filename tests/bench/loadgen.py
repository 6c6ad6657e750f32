"""An HTTP load generator on aiohttp: open-loop at a fixed rate, or closed-loop at saturation.

Requests are prepared before the clock starts (bodies serialised, tokens minted), so the generator only sends.
At a fixed rate, latency is measured from each request's scheduled time (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp
from stats import summary_ms


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass
class Outcome:
    """Latencies (s) of the requests that completed in the measured span, status counts, and the rate."""

    latencies: list[float]
    statuses: dict[int, int]
    seconds: float
    sent: int = 0
    """Requests answered from the first, warm-up included (saturation only)."""

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def summary(self) -> dict[str, float]:
        return summary_ms(self.latencies) | {"req_per_s": round(self.throughput, 1),
                                             "statuses": {str(k): v for k, v in self.statuses.items()}}


async def _send(session: aiohttp.ClientSession, r: Request) -> int:
    async with session.request(r.method, r.url, headers=r.headers, data=r.body) as response:
        await response.read()
        return response.status


def _session(connections: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))


async def fixed_rate(requests: Sequence[Request], rate: float, warmup: int, connections: int = 256) -> Outcome:
    """Send `requests` at `rate` per second; the first `warmup` are not counted."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    async with _session(connections) as session:
        began = time.perf_counter() + 0.1

        async def one(i: int, r: Request) -> None:
            due = began + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            status = await _send(session, r)
            if i >= warmup:
                latencies.append(time.perf_counter() - due)
                statuses[status] = statuses.get(status, 0) + 1

        await asyncio.gather(*(one(i, r) for i, r in enumerate(requests)))
    return Outcome(latencies, statuses, (len(requests) - warmup) / rate)


async def saturate(requests: Sequence[Request], concurrency: int, warmup_seconds: float, seconds: float) -> Outcome:
    """`concurrency` workers send back to back for warm-up + `seconds` (or until the requests run out)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    answered = 0
    queue = iter(requests)
    async with _session(concurrency) as session:
        began = time.perf_counter()
        counted_from = began + warmup_seconds
        stop_at = counted_from + seconds

        async def worker() -> None:
            nonlocal answered
            for r in queue:
                if time.perf_counter() >= stop_at:
                    return
                sent = time.perf_counter()
                status = await _send(session, r)
                done = time.perf_counter()
                answered += 1
                if sent >= counted_from:
                    latencies.append(done - sent)
                    statuses[status] = statuses.get(status, 0) + 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        ended = time.perf_counter()
    return Outcome(latencies, statuses, max(1e-9, ended - counted_from), answered)
