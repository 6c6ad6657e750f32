"""1. Booking write path: POST /v1/visit-requests on the real booking process, vs a bare FastAPI + asyncpg insert.

Each request: a valid body (a real school in Trondheim, windows two weeks ahead), a unique Idempotency-Key and a
school token minted with the service's JWT secret (4,000 schools round-robin, so the per-school rate limit of 120 a
minute stays on and is never hit). Nothing answers the bench's visits, so they all stay open: booking's limit of open
requests per school is raised from 20 to OPEN_REQUESTS_LIMIT for the bench (its check still runs on every create),
since at ~1,500 req/s the first schools of every saturation round reached 20. Any answer other than 201 in any phase
is counted and shown. Open loop at 200 req/s (latency from the scheduled send time), then closed loop at saturation.

Each school has one token for the whole run, as a real school system uses its 30-day token for every request: the
4,000 tokens are minted once and sent in every phase (warm-up, fixed rate, saturation, profile). Booking verifies a
token the first time it sees it and then answers it from its cache of verified tokens (4,096 entries). Each school
also has its own contact person, whose e-mail address and phone number booking checks once and then remembers. A
warm-up pass sends one request per school to each side before anything is measured, so every phase meets those
caches warm, as production does when schools reuse their tokens. (Minting new tokens per phase made about a third of
the saturation requests verify a JWT signature, a cost a real school pays once a month. Warming in the fixed-rate
phase itself made every one of its requests a school's first: in back-to-back rounds on one process, p99 at 200
req/s was 24.8-35.8 ms for rounds of first requests against 16.3-23.8 ms for rounds of known schools.)

The bare app and booking run side by side, and saturation is measured in rounds that alternate between them (bare,
booking, bare, booking, ...): this machine's speed drifts by tens of percent within minutes, and one bare phase
followed by one booking phase read that drift as a difference between the two. Each side's figure is the median of
its rounds; the rounds are in the JSON.

Saturation is each side's highest throughput over a sweep of requests in flight (LEVELS). The bare app is saturated
from 32 on (1,708-1,766 req/s at 32, 64 and 128 in three runs); booking is not: its group commit writes more visits
per statement the more are waiting, and at 32 its process sat idle a fifth of the time between commits (959 req/s at
32, 1,066 at 64, 1,174 at 128). Each level's median round and each side's busy share of a core are in the JSON.
"""

from __future__ import annotations

import contextlib
import json
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import cpu_split
import uvloop
from loadgen import Outcome, Request, fixed_rate, saturate
from profiling import read_profiles, under_pyinstrument
from stack import Stack, not_ready, process, services
from stats import BenchResult, median_round

from outreach_dev.devstack import launcher
from outreach_dev.devstack._util import free_port
from outreach_shared.orgnr import is_valid_orgnr
from outreach_shared.signing import SigningKey, mint_token

RATE, WARMUP_S, FIXED_S = 200, 3, 15
LEVELS, SATURATION_WARMUP_S, SATURATION_S, ROUNDS = (32, 128), 1.0, 6, 3
"""Requests in flight at saturation (closed loop), each level measured in every round."""
CONCURRENCY = LEVELS[0]
"""The profile's requests in flight."""
SCHOOLS = 4000  # below booking's 4,096 cached tokens
OPEN_REQUESTS_LIMIT = 1_000
"""Booking's limit of open requests per school in the bench (20 in production). Nothing answers the bench's visits,
so they all stay open: at ~1,500 req/s a run creates ~19 per school, and the first schools of every saturation round
got 21. The check still runs on every create; it only never refuses."""
BOOKING_ENV = {"BOOKING_MAX_OPEN_REQUESTS_PER_SCHOOL": str(OPEN_REQUESTS_LIMIT)}
PATH = "/v1/visit-requests"


def orgnrs(n: int, *, after: int = 910_000_000) -> list[str]:
    """n valid organisation numbers (mod-11), the first ones above `after`."""
    found, candidate = [], after
    while len(found) < n:
        candidate += 1
        if is_valid_orgnr(str(candidate)):
            found.append(str(candidate))
    return found


def school_tokens(key: SigningKey) -> dict[str, str]:
    """One token per school (SCHOOLS of them), for booking, in round-robin order; minted once per run and reused
    throughout (they live an hour: a run takes minutes)."""
    return {o: mint_token(key, "school", o, audience="booking", ttl=timedelta(hours=1)) for o in orgnrs(SCHOOLS)}


def school_contact(orgnr: str) -> dict[str, str]:
    """The school's own contact person: an e-mail address and a mobile number of its own, the same in each of its
    requests (booking remembers the last 4,096 valid ones it checked, as it remembers verified tokens)."""
    return {"name": "Kari Nordmann", "email": f"kontakt.{orgnr}@skole.example.no", "phone": f"+479{orgnr[-7:]}"}


def school_body(template: dict[str, Any], orgnr: str) -> dict[str, Any]:
    """The template visit request as the school `orgnr` sends it: its name and contact in it."""
    return template | {"school": template["school"] | {"orgnr": orgnr, "name": f"Skole {orgnr}"},
                       "contact": school_contact(orgnr)}  # fmt: skip


def prepared(base_url: str, tokens: dict[str, str], count: int) -> list[Request]:
    """`count` valid, distinct visit requests, ready to send, the schools taking turns with their tokens."""
    schools = list(tokens)
    template = launcher.booking_body()
    out = []
    for i in range(count):
        orgnr = schools[i % len(schools)]
        body = school_body(template, orgnr)
        headers = {"Authorization": f"Bearer {tokens[orgnr]}", "Idempotency-Key": str(uuid.uuid4()),
                   "Content-Type": "application/json"}
        out.append(Request("POST", base_url + PATH, headers, json.dumps(body).encode()))
    return out


async def warm_up(base_url: str, tokens: dict[str, str]) -> None:
    """One request per school, not measured: the side has seen every token and contact once."""
    await saturate(prepared(base_url, tokens, len(tokens)), CONCURRENCY, 0.0, 120.0)


async def fixed(base_url: str, tokens: dict[str, str]) -> Outcome:
    """The open-loop phase at RATE req/s (its first WARMUP_S seconds not counted)."""
    return await fixed_rate(prepared(base_url, tokens, RATE * (WARMUP_S + FIXED_S)), RATE, RATE * WARMUP_S)


async def saturation(base_url: str, tokens: dict[str, str], in_flight: int) -> Outcome:
    """One saturation round: `in_flight` requests back to back."""
    count = int(2_500 * (SATURATION_WARMUP_S + SATURATION_S))
    return await saturate(prepared(base_url, tokens, count), in_flight, SATURATION_WARMUP_S, SATURATION_S)


async def ceiling(base_url: str) -> Outcome:
    """The load generator alone against a trivial endpoint (GET /ping): its own ceiling."""
    return await saturate([Request("GET", base_url + "/ping")] * 60_000, CONCURRENCY, 1.0, 5.0)


@contextlib.contextmanager
def bare_app(stack: Stack) -> Iterator[str]:
    """The bare app (which reads no token) as a process; its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, str(Path(__file__).parent / "baseline_app.py"), stack.admin_dsn, str(port)]
    with process(stack, "bench-baseline", cmd, {}, url + "/ping"):
        yield url


IS_SERVICE = {
    "bare": lambda command: "baseline_app.py" in command,
    "booking": lambda command: command.rstrip().endswith("-m booking") or "import SERVICE as s" in command,
}
"""How each side's server process is told apart from the others (by its command line)."""


Rounds = dict[str, dict[int, list[Outcome]]]
"""Each side's saturation rounds at each level of requests in flight."""
Cpu = dict[str, dict[int, list[dict[str, float]]]]
"""The CPU per request of each of those rounds, by process group."""


def measure(urls: dict[str, str], tokens: dict[str, str]) -> tuple[dict[str, Outcome], Rounds, Cpu]:
    """Each side's fixed-rate phase, then ROUNDS saturation rounds at every level, alternating between the sides,
    with the CPU each process spent per request in each round."""
    for url in urls.values():
        uvloop.run(warm_up(url, tokens))
    fixed_phases = {side: uvloop.run(fixed(url, tokens)) for side, url in urls.items()}
    rounds: Rounds = {side: {level: [] for level in LEVELS} for side in urls}
    cpu: Cpu = {side: {level: [] for level in LEVELS} for side in urls}
    for _ in range(ROUNDS):
        for level in LEVELS:
            for side, url in urls.items():
                before = cpu_split.snapshot()
                outcome = uvloop.run(saturation(url, tokens, level))
                after = cpu_split.snapshot()
                rounds[side][level].append(outcome)
                cpu[side][level].append(cpu_split.per_request(before, after, outcome.sent, IS_SERVICE[side]))
    return fixed_phases, rounds, cpu


def median_saturation(rounds: list[Outcome]) -> Outcome:
    """The round with the median throughput."""
    return median_round(rounds, lambda o: o.throughput)


def saturated_level(medians: dict[int, Outcome]) -> int:
    """The level whose median round has the highest throughput."""
    return max(medians, key=lambda level: medians[level].throughput)


def busy_share(outcome: Outcome, cpu: dict[str, float]) -> float:
    """How much of one core the server's process used in a round (CPU per request x requests per second)."""
    return round(cpu["service"] * outcome.sent / (outcome.seconds + SATURATION_WARMUP_S) / 1e6, 2)


def profile_booking(stack: Stack, tokens: dict[str, str]) -> str:
    """A short saturation run against a new booking process under pyinstrument; the report's heaviest branches.

    The process is new, so it verifies each school's token and checks each school's contact once (3,000 of the
    requests) before its caches answer.
    """
    out = stack.state / f"profile-{uuid.uuid4().hex[:6]}"
    with under_pyinstrument(out), services(stack, ["booking"], env=BOOKING_ENV) as urls:
        requests = prepared(urls["booking"], tokens, 20_000)
        uvloop.run(saturate(requests, CONCURRENCY, 1.0, 8.0))
    return read_profiles(out)["booking"]


def non_201(outcomes: list[Outcome]) -> dict[int, int]:
    """Answers other than 201 Created over these phases, by status."""
    counts: dict[int, int] = {}
    for outcome in outcomes:
        for status, n in outcome.statuses.items():
            if status != 201:
                counts[status] = counts.get(status, 0) + n
    return counts


def add_rows(result: BenchResult, svc: dict[str, Outcome], base: dict[str, Outcome], levels: dict[str, int],
             refused: dict[int, int]) -> None:
    fixed_, sat = svc["fixed"], svc["saturation"]
    for p in (50, 95, 99):
        target = "< 25 ms" if p == 99 else ""
        value = fixed_.summary()[f"p{p}"]
        result.row(f"p{p} at {RATE} req/s", value, "ms", baseline=base["fixed"].summary()[f"p{p}"],
                   baseline_label="bare", target=target, met=value < 25 if p == 99 else None)
    result.row("throughput at saturation", sat.throughput, "req/s", baseline=base["saturation"].throughput,
               baseline_label="bare", target="≥ 60% of bare",
               met=sat.throughput >= 0.6 * base["saturation"].throughput,
               note=f"best of {'/'.join(map(str, LEVELS))} in flight (booking {levels['booking']}, bare "
                    f"{levels['bare']}); median of {ROUNDS} rounds alternating with bare")
    result.row("saturation / bare", 100 * sat.throughput / base["saturation"].throughput, "%", target="≥ 60%")
    result.row("p99 at saturation", sat.summary()["p99"], "ms", baseline=base["saturation"].summary()["p99"],
               baseline_label="bare", note="each at its own saturation level")
    if refused:
        result.rows[-1].note = f"non-201 answers in booking's phases: {refused}"


def run(stack: Stack, profile: bool = False) -> BenchResult:
    """Benchmark 1."""
    result = BenchResult("booking")
    if reason := not_ready(stack, ["booking"]):
        result.skipped = reason
        return result
    tokens = school_tokens(stack.signing_key)
    with bare_app(stack) as bare_url, services(stack, ["booking"], env=BOOKING_ENV) as urls:
        fixed_phases, rounds, cpu = measure({"bare": bare_url, "booking": urls["booking"]}, tokens)
        gen = uvloop.run(ceiling(bare_url))
    medians = {side: {level: median_saturation(rs) for level, rs in by_level.items()}
               for side, by_level in rounds.items()}
    levels = {side: saturated_level(medians[side]) for side in medians}
    sides = {side: {"fixed": fixed_phases[side], "saturation": medians[side][levels[side]]} for side in medians}
    for side, outcomes in sides.items():
        result.details[side] = {phase: o.summary() for phase, o in outcomes.items()} | {
            "saturation_in_flight": levels[side],
            "rounds_req_per_s": {level: [round(o.throughput, 1) for o in rs] for level, rs in rounds[side].items()},
            "busy_cores": {level: [busy_share(o, c) for o, c in zip(rs, cpu[side][level], strict=True)]
                           for level, rs in rounds[side].items()},
            "cpu_us_per_request": cpu[side],
        }
    result.details["booking"]["median_percent_of_bare_by_level"] = {
        level: round(100 * medians["booking"][level].throughput / medians["bare"][level].throughput, 1)
        for level in LEVELS
    }
    refused = non_201([fixed_phases["booking"], *(o for rs in rounds["booking"].values() for o in rs)])
    result.details["booking"]["non_201_answers"] = refused
    add_rows(result, sides["booking"], sides["bare"], levels, refused)
    for level in LEVELS:
        result.row(f"throughput at {level} in flight", medians["booking"][level].throughput, "req/s",
                   baseline=medians["bare"][level].throughput, baseline_label="bare",
                   note="the sweep that saturation is the best of")
    median_cpu = {side: cpu[side][levels[side]][rounds[side][levels[side]].index(sides[side]["saturation"])]
                  for side in cpu}
    for group in cpu_split.GROUPS[:4]:
        result.row(f"CPU per request at saturation: {group}", median_cpu["booking"][group], "µs",
                   baseline=median_cpu["bare"][group], baseline_label="bare")
    result.row("load generator alone (GET /ping, bare app)", gen.throughput, "req/s",
               note="the generator's ceiling: far above the figures above means it is not the bottleneck")
    result.details["generator"] = gen.summary()
    missed = [r for r in result.rows if r.met is False]
    if profile or missed:
        result.details["profile_booking"] = profile_booking(stack, tokens)
    return result
