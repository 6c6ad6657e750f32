"""Prometheus metrics every service exposes at /metrics: requests, events, relay and timer backlogs."""

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import asyncpg
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "outreach_http_requests_total", "HTTP requests by route and status class.", ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "outreach_http_request_seconds", "HTTP request latency by route.", ["route", "method"], registry=REGISTRY,
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
EVENTS = Counter(
    "outreach_events_total", "Consumed records by consumer and outcome (handled, duplicate, ignored, dead_lettered).",
    ["consumer", "outcome"], registry=REGISTRY,
)
OUTBOX_PUBLISHED = Counter("outreach_outbox_published_total", "Events the relay published.", registry=REGISTRY)
OUTBOX_BACKLOG = Gauge("outreach_outbox_unpublished", "Outbox rows not yet published.", registry=REGISTRY)
TIMERS_FIRED = Counter("outreach_timers_fired_total", "Durable timers fired, by kind.", ["kind"], registry=REGISTRY)
SET_ASIDE = Counter(
    "outreach_set_aside_total",
    "Items a loop set aside because retrying could not mend them (a value out of range, a template error, a payload "
    "that no longer validates), by service and loop.",
    ["service", "loop"], registry=REGISTRY,
)
TIMERS_OVERDUE = Gauge("outreach_timers_overdue", "Pending timers more than a minute past due.", registry=REGISTRY)
CONSUMER_LAG = Gauge(
    "outreach_consumer_lag",
    "Records on a partition this instance holds that are not yet handled and committed, by consumer, topic and "
    "partition (read from the broker at scrape time).",
    ["consumer", "topic", "partition"], registry=REGISTRY,
)
LAG_TIMEOUT_SECONDS = 2.0
"""A scrape while the broker is away still answers: the lag is left out instead."""

Lags = Callable[[], Awaitable[Iterable[Any]]]
"""The lags to show: `outreach_shared.kafka.Lag` tuples (consumer, topic, partition, records)."""


async def render(pool: asyncpg.Pool | None, lags: Lags | None = None) -> tuple[bytes, str]:
    """The exposition text; backlogs are read from the database, and lags from the broker, at scrape time."""
    if pool is not None:
        try:
            async with pool.acquire() as conn:
                OUTBOX_BACKLOG.set(await conn.fetchval(
                    "SELECT count(*) FROM outbox WHERE published_at IS NULL AND set_aside_at IS NULL"))
                TIMERS_OVERDUE.set(await conn.fetchval(
                    "SELECT count(*) FROM timers WHERE status = 'pending' AND due_at < now() - interval '1 minute'"))
        except Exception:  # noqa: BLE001 - a scrape during a database outage still shows the counters
            pass
    if lags is not None:
        await _show_lags(lags)
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


async def _show_lags(lags: Lags) -> None:
    CONSUMER_LAG.clear()  # partitions another instance holds now are its to show
    try:
        found = await asyncio.wait_for(lags(), LAG_TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001 - the broker away or a rebalance under way: no lag this scrape
        return
    for consumer, topic, partition, records in found:
        CONSUMER_LAG.labels(consumer, topic, str(partition)).set(records)
