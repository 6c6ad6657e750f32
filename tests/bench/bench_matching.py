"""4. Matching: time to choose a team with 1k, 10k and 100k members on the roster.

Two figures per size: the pure `choose_team` over every member (the service's fall-back when the best 60 cannot
make a full team), and the service's own path `staffing._choose` (SQL ranks the best 60 in the `members` table,
the domain picks), on synthetic members spread over Norway's real municipalities, each with 0-3 completed visits
in the last 18 months (the fairness count reads them). Visit: Trondheim (5001), nurse + health worker, Bokmål, two
windows, two seats. The service path runs inside a transaction, as in the service's event handler.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import uvloop
from profiling import profiled
from stack import Stack
from stats import BenchResult, percentile

from ambassadors.adapters.candidates import distances_from
from ambassadors.domain.availability import Candidate, Policy
from ambassadors.domain.matching import TeamRequest, choose_team
from ambassadors.domain.visits import Visit
from ambassadors.service_layer import staffing
from ambassadors.service_layer.unit_of_work import AmbassadorsUnit, Config
from outreach_dev.devstack.provision import provision_service_database
from outreach_shared import db
from outreach_shared.contracts.booking import VisitRequested
from outreach_shared.contracts.common import TimeWindow
from outreach_shared.municipalities import load_register
from outreach_shared.skeleton import Scope

SIZES = (1_000, 10_000, 100_000)
VISIT_KOMMUNE = "5001"
OSLO = ZoneInfo("Europe/Oslo")
SCHEMA = "bench_matching"
NOW = datetime.now(UTC)


def windows() -> tuple[TimeWindow, ...]:
    """Two mornings, two and three weeks ahead (weekdays)."""
    day = NOW.astimezone(OSLO).date() + timedelta(days=14)
    day += timedelta(days=(7 - day.weekday()) % 7)  # a Monday
    return tuple(TimeWindow(start=datetime(d.year, d.month, d.day, 9, tzinfo=OSLO),
                            end=datetime(d.year, d.month, d.day, 11, tzinfo=OSLO))
                 for d in (day + timedelta(days=1), day + timedelta(days=8)))


def synthetic_members(n: int, seed: int) -> list[dict[str, Any]]:
    """n members, uniformly over the municipalities, with mixed professions, languages and weekdays."""
    rng = random.Random(seed)
    register = load_register().by_number
    numbers = list(register)
    out = []
    for _ in range(n):
        kommune = register[rng.choice(numbers)]
        weekdays = sorted(rng.sample(range(1, 6), rng.randint(2, 5)))
        out.append({
            "id": str(uuid.uuid4()), "profession": rng.choice(("nurse", "health_worker")),
            "kommunenummer": kommune.number, "fylke": kommune.county,
            "languages": ["nb", "en"] if rng.random() < 0.85 else ["nn"],
            "weekdays": weekdays, "travel_radius_km": rng.choice((20, 50, 100)),
            "max_visits_per_month": rng.randint(1, 4), "trained_year": rng.choice((None, 2025, NOW.year)),
            "unavailable_dates": [NOW.date() + timedelta(days=rng.randint(1, 40)) for _ in range(rng.randint(0, 3))],
        })
    return out


def completed_visit_records(members: list[dict[str, Any]], seed: int) -> list[tuple[Any, ...]]:
    """0-3 completed visits per member over the last 18 months (about two thirds of them within the year)."""
    rng = random.Random(seed)
    return [(f"done-{m['id']}-{i}", uuid.UUID(m["id"]), NOW - timedelta(days=rng.randint(1, 540)))
            for m in members for i in range(rng.randint(0, 3))]


def candidates(members: list[dict[str, Any]]) -> list[Candidate]:
    """The members as matching sees them from Trondheim."""
    numbers, kms = distances_from(VISIT_KOMMUNE)
    km = dict(zip(numbers, kms, strict=True))
    names = load_register().by_number
    return [Candidate(
        member_id=m["id"], profession=m["profession"], municipality_name=names[m["kommunenummer"]].name,
        same_municipality=m["kommunenummer"] == VISIT_KOMMUNE, distance_km=km[m["kommunenummer"]],
        travel_radius_km=m["travel_radius_km"], languages=frozenset(m["languages"]),
        weekdays=frozenset(m["weekdays"]), unavailable_dates=frozenset(m["unavailable_dates"]),
        max_visits_per_month=m["max_visits_per_month"], trained_year=m["trained_year"],
    ) for m in members]


def team_request() -> TeamRequest:
    return TeamRequest(visit_id="bench", municipality_name="Trondheim", professions=("nurse", "health_worker"),
                       language="nb", windows=windows(), seats=2)


def timed(fn: Any, repeat: int) -> list[float]:
    """Seconds per call, after three warm-up calls."""
    for _ in range(3):
        fn()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return samples


COLUMNS = ("id", "name", "email", "phone", "profession", "kommunenummer", "fylke", "languages",
           "max_visits_per_month", "travel_radius_km", "weekdays", "unavailable_dates", "trained_year")


def member_record(m: dict[str, Any]) -> tuple[Any, ...]:
    return (uuid.UUID(m["id"]), "Bench Member", f"{m['id']}@bench.example", "+4791234567", m["profession"],
            m["kommunenummer"], m["fylke"], m["languages"], m["max_visits_per_month"], m["travel_radius_km"],
            m["weekdays"], m["unavailable_dates"], m["trained_year"])


def the_visit() -> Visit:
    w = windows()
    return Visit(id=f"bench-{uuid.uuid4()}", request=VisitRequested(
        visit_id="bench", orgnr="974760673", school_name="Bench skole", school_address="Skolegata 1",
        kommunenummer=VISIT_KOMMUNE, kind="school_visit", audience_description="10. trinn", pupils=60,
        professions=["nurse", "health_worker"], language="nb", windows=list(w), team_size=2))


async def service_path(stack: Stack, members: list[dict[str, Any]], result: BenchResult,
                       profile: bool) -> dict[int, list[float]]:
    """`staffing._choose` (SQL best 60 + choose_team) with 1k, 10k, 100k rows in `members`."""
    from ambassadors.bootstrap import SERVICE

    dsn = await provision_service_database(stack.admin_dsn, SCHEMA, "bench-matching-pw")
    await db.apply_migrations(dsn, SCHEMA, SERVICE.migrations_dir)
    pool = await db.create_pool(dsn, SCHEMA, min_size=1, max_size=2)
    samples: dict[int, list[float]] = {}
    try:
        async with pool.acquire() as conn:
            await conn.execute("TRUNCATE members, completed_visits CASCADE")
            loaded = 0
            for size in SIZES:
                added = members[loaded:size]
                await conn.copy_records_to_table("members", records=[member_record(m) for m in added],
                                                 columns=COLUMNS)
                await conn.copy_records_to_table("completed_visits", records=completed_visit_records(added, size),
                                                 columns=("visit_id", "member_id", "visit_start"))
                loaded = size
                await conn.execute("VACUUM ANALYZE members")
                await conn.execute("VACUUM ANALYZE completed_visits")
                samples[size] = await time_choose(conn, 200 if size < 100_000 else 100)
                result.details[f"plan_{size}"] = await explain(conn)
                if size == 10_000 and (profile or percentile(samples[size], 95) * 1000 >= 5):
                    with profiled(result.details, "profile_service_path_10k"):
                        await time_choose(conn, 200)
    finally:
        await pool.close()
    return samples


async def time_choose(conn: Any, repeat: int) -> list[float]:
    """Seconds per `_choose`, in one transaction (the service chooses inside its handler's), after 5 warm-ups."""
    visit = the_visit()
    request = staffing.team_request(visit, [], frozenset())
    work = AmbassadorsUnit(conn, Scope(now=NOW, producer="bench", correlation_id="bench"), config=Config())
    out = []
    async with conn.transaction():
        for i in range(repeat + 5):
            began = time.perf_counter()
            choice = await staffing._choose(work, visit, request)
            if i >= 5:
                out.append(time.perf_counter() - began)
    assert choice is not None and choice.complete, "the synthetic roster should always yield a full team"
    return out


async def explain(conn: Any) -> str:
    """The service's first candidate query (best 60), as `staffing._choose` runs it: its plan's top lines."""
    from ambassadors.adapters.candidates import CANDIDATES_SQL, candidate_arguments, max_travel_radius

    visit = the_visit()
    request = staffing.team_request(visit, [], frozenset())
    query = staffing.candidate_query(visit, request, Policy(), staffing.TOP_CANDIDATES)
    rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) " + CANDIDATES_SQL,
                            *candidate_arguments(query, now=NOW, radius_km=await max_travel_radius(conn)))
    return "\n".join(r[0] for r in rows[:40])


def pure_path(members: list[dict[str, Any]], choose: Any = choose_team) -> dict[int, list[float]]:
    """`choose` (default: the domain's `choose_team`) over every member at each size."""
    request, policy = team_request(), Policy()
    out = {}
    for size in SIZES:
        pool = candidates(members[:size])
        out[size] = timed(lambda p=pool: choose(request, p, now=NOW, policy=policy), 200 if size < 100_000 else 30)
    return out


def run(stack: Stack, profile: bool = False) -> BenchResult:
    """Benchmark 4."""
    result = BenchResult("matching")
    members = synthetic_members(max(SIZES), seed=4)
    pure = pure_path(members)
    service = uvloop.run(service_path(stack, members, result, profile))
    for size in SIZES:
        for label, samples in (("choose_team over all", pure[size]), ("service path (SQL top 60)", service[size])):
            p50, p95 = percentile(samples, 50) * 1000, percentile(samples, 95) * 1000
            target = "p95 < 5 ms" if size == 10_000 else ""
            met = p95 < 5 if size == 10_000 else None
            result.row(f"{label} {size // 1000}k p50", p50, "ms")
            result.row(f"{label} {size // 1000}k p95", p95, "ms", target=target, met=met)
    if profile or percentile(pure[10_000], 95) * 1000 >= 5:
        pool, request = candidates(members[:10_000]), team_request()
        with profiled(result.details, "profile_choose_team_10k"):
            for _ in range(200):
                choose_team(request, pool, now=NOW, policy=Policy())
    return result
