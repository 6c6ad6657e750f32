"""6. The web app's pages: each page's server time and size, next to the service API calls it makes (issue #24).

All five services and the mail catcher run as processes (the portal first). A member and a school are seeded at a
realistic per-person scale through the services' public APIs, as an organiser, the school and the member would act
(under a minute): one member in Vardø with open offers, upcoming visits (and one that has begun), declined offers,
about 100 notifications and gatherings; one school in Vardø with 40 visits in different statuses. Both then sign in
on the portal with a support sign-in link (`POST /v1/signin-links` as a national organiser, as `make up` mints its
links: no mail), used the way a browser does: the confirmation page, then its form with the CSRF token and Origin.

Each page of PAGES is then read with sequential GETs on one connection (WARMUP unmeasured, then REQUESTS measured):
p50/p95 of the client's time on loopback and the HTML's size. Its baseline, in the same run and timed the same way,
is the plain API calls the page makes to the services, one after another with the person's token (a page without
any: the portal's `/healthz`, the app's floor). Target per page: p95 < 100 ms and < 100 KB before images. A page that
answers anything but 200 is a failed row with its status.

For the bench only, booking's per-school rate limit and its pupils' survey limit are off (a school contact does not
open 400 pages a minute; the measured reads would be refused otherwise), and its minimum notice is zero so that one
visit can begin during seeding (its pupils' survey opens then, for `/s/{code}`).
"""

from __future__ import annotations

import asyncio
import html
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import aiohttp
import httpx
import uvloop
from bench_booking import orgnrs
from stack import Stack, not_ready, services
from stats import BenchResult, percentile

from outreach_shared.signing import mint_token

SERVICES = ["portal", "booking", "ambassadors", "training", "notify"]
ENV = {
    "BOOKING_MIN_NOTICE_DAYS": "0", "BOOKING_WINDOW_MIN_MINUTES": "1", "BOOKING_SCHOOL_DAYS": "[1,2,3,4,5,6,7]",
    "BOOKING_SCHOOL_HOURS_START": "00:00", "BOOKING_SCHOOL_HOURS_END": "23:59:59.999999",
    "BOOKING_RATE_LIMIT_PER_MINUTE": "0", "BOOKING_SURVEY_RATE_LIMIT_PER_MINUTE": "0",
    "BOOKING_MAX_OPEN_REQUESTS_PER_SCHOOL": "100",
}  # fmt: skip
"""Booking for the bench: a visit may begin within seconds (any day and hour), and no per-school or per-address limit
refuses the measured reads."""
WARMUP, REQUESTS = 20, 200
TARGET_MS, TARGET_BYTES = 100.0, 100_000
KOMMUNE = "5634"  # Vardø: far from every other benchmark's members, so the seeded member is the only candidate
OSLO = ZoneInfo("Europe/Oslo")
CONFIRMED, OPEN_OFFERS, CANCELLED, UNFULFILLED = 30, 5, 3, 2
"""The school's visits: confirmed (the member's; one of them begins during seeding), offered to the member and left
open, confirmed and then cancelled by the school, asking for a profession nobody near has."""
DECLINED = 12
"""Visits of a second school offered to the member and declined: with every offer, confirmation and cancellation,
about 100 notifications."""
GATHERINGS = 3
SEED_TIMEOUT = 90.0
BEGINS_IN = 40
"""Seconds from seeding to the start of the visit that begins: time to be offered and accepted first."""

Who = Literal["member", "school", "public", "organiser", "regional"]


@dataclass(frozen=True)
class Page:
    """A page of the app, who reads it, and the service calls it makes (`service`, path), both with placeholders
    ({offer}, {visit}, {school_visit}, {gathering}, {code}, {orgnr}) filled from the seeded data."""

    path: str
    who: Who
    calls: tuple[tuple[str, str], ...] = ()
    target_ms: float = TARGET_MS


PAGES: tuple[Page, ...] = (
    Page("/me", "member", (("ambassadors", "/v1/me/offers"), ("ambassadors", "/v1/me/visits"),
                           ("notify", "/v1/me/notifications"))),
    Page("/offers/{offer}", "member", (("ambassadors", "/v1/me/offers"),)),
    Page("/me/visits", "member", (("ambassadors", "/v1/me/visits"),)),
    Page("/me/availability", "member", (("ambassadors", "/v1/me"),)),
    Page("/me/profile", "member", (("ambassadors", "/v1/me"),)),
    Page("/settings/notifications", "member", (("notify", "/v1/me/preferences"),)),
    Page("/settings/calendar", "member", (("notify", "/v1/me/calendar-feed"),)),
    Page("/gatherings", "member", (("training", "/v1/me/gatherings"),)),
    Page("/gatherings/{gathering}", "member", (("training", "/v1/me/gatherings/{gathering}"),)),
    Page("/school", "school", (("booking", "/v1/visit-requests"),)),
    Page("/school/visits/{school_visit}", "school", (("booking", "/v1/visit-requests/{school_visit}"),)),
    Page("/school/book", "school"),
    Page("/school/systems", "school", (("portal", "/v1/schools/{orgnr}/clients"),)),
    Page("/login", "public"),
    Page("/tilgjengelighet", "public"),
    Page("/s/{code}", "public", (("booking", "/v1/surveys/{code}"),)),
)  # fmt: skip
"""The pages measured. The calls are what each page needs from the services' APIs as they are on main; a page built
on other calls should say so here, so that its baseline stays the same work without the page."""
FLOOR = ("portal", "/healthz")
"""The baseline of a page that calls no service: the portal answering without a page."""


@dataclass
class Timed:
    """Sequential requests: each one's seconds, the statuses, and the size of the last body (bytes)."""

    seconds: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    size: int = 0

    def p(self, q: float) -> float:
        """The q-th percentile in milliseconds."""
        return round(percentile(self.seconds, q) * 1000, 2)

    def summary(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"p50": self.p(50), "p95": self.p(95), "p99": self.p(99), "n": len(self.seconds),
                "bytes": self.size, "statuses": {str(k): v for k, v in self.statuses.items()}}  # fmt: skip


def failed_status(timed: Timed) -> int | None:
    """The first status other than 200 that a measured request got, if any."""
    return next((status for status in sorted(timed.statuses) if status != 200), None)


def add_page_row(result: BenchResult, label: str, page: Timed, baseline: Timed, baseline_label: str,
                 target_ms: float = TARGET_MS) -> None:  # fmt: skip
    """One row per page: its p95 (ms) next to the baseline's, p50 and size in the note; met when p95 < target_ms
    (100 ms unless said) and the HTML < 100 KB. A page that answered anything but 200 is a failed row with its
    status."""
    base_failed = failed_status(baseline)
    base_note = f"; baseline answered {base_failed} ({baseline_label})" if base_failed else ""
    status = failed_status(page)
    target = f"p95 < {target_ms:.0f} ms, < {TARGET_BYTES // 1000} KB"
    if status is not None:
        note = f"FAILED: answered {status} ({page.statuses}){base_note}"
        result.row(label, None, "ms p95", baseline=baseline.p(95), baseline_label=baseline_label, target=target,
                   met=False, note=note)  # fmt: skip
        return
    p95 = page.p(95)
    met = p95 < target_ms and page.size < TARGET_BYTES
    note = f"p50 {page.p(50)} ms (baseline {baseline.p(50)} ms); {page.size / 1000:.1f} KB{base_note}"
    result.row(label, p95, "ms p95", baseline=baseline.p(95), baseline_label=baseline_label, target=target, met=met,
               note=note)  # fmt: skip


def page_table(rows: Sequence[tuple[str, Timed, Timed]], targets: Sequence[float] = ()) -> str:
    """The pages' own table, printed when the benchmark ends (the run's table has no room for sizes and statuses):
    each page's status, p50/p95, size, and its baseline's p50/p95; `targets` the p95 (ms) each row must stay under
    (100 ms where not given)."""
    head = ("page", "status", "p50 ms", "p95 ms", "KB", "baseline p50", "baseline p95", "target", "met")
    lines = [head]
    for i, (label, page, base) in enumerate(rows):
        status = failed_status(page)
        target = targets[i] if i < len(targets) else TARGET_MS
        met = status is None and page.p(95) < target and page.size < TARGET_BYTES
        lines.append((label, str(status or 200), f"{page.p(50):.1f}", f"{page.p(95):.1f}", f"{page.size / 1000:.1f}",
                      f"{base.p(50):.1f}", f"{base.p(95):.1f}", f"< {target:.0f}", "yes" if met else "NO"))  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = [" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines]
    out.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(out)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(page: str) -> str:
    """The hidden CSRF token of the first form in a page."""
    found = CSRF.search(page)
    if found is None:
        raise RuntimeError("no CSRF token in the page")
    return html.unescape(found.group(1))


# ------------------------------------------------------------------ seeding through the public APIs


@dataclass
class Seeded:
    """What the pages are read with: ids for the placeholders, each person's token and session cookie."""

    member_id: str
    orgnr: str
    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


class Api:
    """The services' APIs, acting as anyone with tokens signed by the key the services trust."""

    def __init__(self, stack: Stack, urls: dict[str, str], http: httpx.AsyncClient) -> None:
        self.stack, self.urls, self.http = stack, urls, http

    def auth(self, role: Any, subject: str | None = None) -> dict[str, str]:
        token = mint_token(self.stack.signing_key, role, subject, ttl=timedelta(hours=1))
        return {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, service: str, path: str, *, expect: tuple[int, ...] = (200, 201),
                   **kwargs: Any) -> Any:  # fmt: skip
        response = await self.http.request(method, self.urls[service] + path, **kwargs)
        if response.status_code not in expect:
            raise RuntimeError(f"{service} {method} {path}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None


def _window(start: datetime, minutes: int) -> dict[str, str]:
    return {"start": start.isoformat(), "end": (start + timedelta(minutes=minutes)).isoformat()}


def _visit(orgnr: str, profession: str, window: dict[str, str]) -> dict[str, Any]:
    return {"school": {"orgnr": orgnr, "name": "Vardø skole", "kommunenummer": KOMMUNE, "address": "Skolegata 1"},
            "contact": {"name": "Rådgiver Rita", "email": f"kontakt.{orgnr}@skole.example.no", "phone": "+4791234567"},
            "kind": "school_visit", "audience": {"description": "10. trinn", "pupils": 60},
            "professions": [profession], "language": "nb", "windows": [window], "team_size": 1}  # fmt: skip


def _gathering(i: int, run: str) -> dict[str, Any]:
    start = datetime.now(OSLO).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=60 + 30 * i)
    return {"title": f"Samling {i + 1} for ambassadører ({run})", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=30)).isoformat(),
            "venue": {"name": "Vardø hotell", "address": "Kaigata 1", "kommunenummer": KOMMUNE}, "region": [],
            "audience": ["nurse", "health_worker"], "capacity": 40,
            "registration_opens": datetime.now(OSLO).isoformat(),
            "registration_closes": (start - timedelta(days=21)).isoformat(),
            "withdrawal_deadline": (start - timedelta(days=14)).isoformat(),
            "sessions": [{"title": "Fortell din historie", "kind": "storytelling", "starts_at": start.isoformat(),
                          "ends_at": (start + timedelta(hours=2)).isoformat()}]}  # fmt: skip


async def _gather(calls: Sequence[Awaitable[Any]], at_once: int = 8) -> list[Any]:
    gate = asyncio.Semaphore(at_once)

    async def one(call: Awaitable[Any]) -> Any:
        async with gate:
            return await call

    return await asyncio.gather(*(one(c) for c in calls))


async def _until(check: Callable[[], Awaitable[Any]], what: str, timeout: float = SEED_TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        if found := await check():
            return found
        if time.monotonic() > deadline:
            raise RuntimeError(f"seeding: gave up waiting for {what}")
        await asyncio.sleep(0.5)


async def seed(api: Api) -> Seeded:
    """The member, the school's visits, the offers answered, the gatherings; under about a minute."""
    run = uuid.uuid4().hex[:8]
    organiser = api.auth("organiser")
    member = await api.call("POST", "ambassadors", "/v1/members", headers=organiser, json={
        "name": "Vilde Benk", "profession": "nurse", "kommunenummer": KOMMUNE, "email": f"vilde.{run}@bench.example",
        "phone": "+4791234567", "languages": ["nb"], "max_visits_per_month": 31, "travel_radius_km": 30,
        "weekdays": [1, 2, 3, 4, 5, 6, 7]})  # fmt: skip
    member_id = str(member["id"])
    orgnr = orgnrs(1, after=930_000_000 + int(run[:6], 16) % 50_000_000)[0]
    seeded = Seeded(member_id, orgnr)
    school = api.auth("school", orgnr)
    now = datetime.now(OSLO).replace(microsecond=0)
    begins = _window(now + timedelta(seconds=BEGINS_IN), 2)  # has begun (its survey open) when the pages are read
    days = [_window((now + timedelta(days=2 + i)).replace(hour=10, minute=0, second=0), 120)
            for i in range(CONFIRMED + OPEN_OFFERS + CANCELLED + UNFULFILLED + DECLINED)]  # fmt: skip
    other = orgnrs(1, after=int(orgnr))[0]
    bodies = [_visit(orgnr, "nurse", begins)]
    bodies += [_visit(orgnr, "nurse", w) for w in days[: CONFIRMED + OPEN_OFFERS + CANCELLED - 1]]
    bodies += [_visit(orgnr, "health_worker", w) for w in days[-UNFULFILLED - DECLINED : -DECLINED]]
    declined_bodies = [_visit(other, "nurse", w) for w in days[-DECLINED:]]

    async def book(body: dict[str, Any]) -> str:
        headers = api.auth("school", body["school"]["orgnr"]) | {"Idempotency-Key": str(uuid.uuid4())}
        return str((await api.call("POST", "booking", "/v1/visit-requests", json=body, headers=headers))["id"])

    async def gathering(i: int) -> str:
        created = await api.call("POST", "training", "/v1/gatherings", json=_gathering(i, run), headers=organiser)
        await api.call("POST", "training", f"/v1/gatherings/{created['id']}/publish", headers=organiser)
        return str(created["id"])

    visits = await _gather([book(b) for b in bodies])
    to_decline = await _gather([book(b) for b in declined_bodies])
    gatherings = await _gather([gathering(i) for i in range(GATHERINGS)])
    nurse_visits = visits[: CONFIRMED + OPEN_OFFERS + CANCELLED]
    as_member = api.auth("member", member_id)

    async def offered() -> dict[str, str] | None:
        offers = await api.call("GET", "ambassadors", "/v1/me/offers", headers=as_member)
        by_visit = {o["visit_id"]: o["id"] for o in offers if o["status"] == "offered"}
        return by_visit if all(v in by_visit for v in [*nurse_visits, *to_decline]) else None

    offers = await _until(offered, f"the member's {len(nurse_visits) + len(to_decline)} offers")
    accepted = [v for i, v in enumerate(nurse_visits) if i < CONFIRMED or i >= CONFIRMED + OPEN_OFFERS]
    await _gather([api.call("POST", "ambassadors", f"/v1/offers/{offers[v]}/accept", headers=as_member)
                   for v in accepted])  # fmt: skip
    await _gather([api.call("POST", "ambassadors", f"/v1/offers/{offers[v]}/decline", json={}, headers=as_member)
                   for v in to_decline])  # fmt: skip
    await api.call("POST", "training", f"/v1/gatherings/{gatherings[0]}/registrations", json={}, headers=as_member)

    async def confirmed() -> bool:
        page = await api.call("GET", "booking", "/v1/visit-requests", params={"limit": 100}, headers=school)
        statuses = {v["id"]: v["status"] for v in page["items"]}
        return all(statuses.get(v) == "confirmed" for v in accepted)

    await _until(confirmed, "the accepted visits to be confirmed")
    cancel = {"reason": "Planleggingsdag"}
    await _gather([api.call("POST", "booking", f"/v1/visit-requests/{v}/cancel", json=cancel, headers=school)
                   for v in nurse_visits[CONFIRMED + OPEN_OFFERS:]])  # fmt: skip
    survey = await api.call("GET", "booking", f"/v1/visit-requests/{visits[0]}/survey", headers=as_member)
    begun = datetime.fromisoformat(str(survey["opens_at"])) - datetime.now(OSLO)
    await asyncio.sleep(max(0.0, begun.total_seconds() + 1))  # its survey open for /s/{code}
    seeded.ids = {"offer": offers[nurse_visits[CONFIRMED]], "school_visit": visits[1],
                  "gathering": gatherings[0], "code": str(survey["code"]), "orgnr": orgnr}  # fmt: skip
    seeded.counts = {"school_visits": len(visits), "member_confirmed": CONFIRMED, "member_open_offers": OPEN_OFFERS,
                     "member_cancelled": CANCELLED, "member_declined": DECLINED,
                     "gatherings": GATHERINGS}  # fmt: skip
    seeded.counts["member_notifications"] = await settled_inbox(api, as_member)
    return seeded


async def settled_inbox(api: Api, as_member: dict[str, str]) -> int:
    """The member's notifications once notify has stopped adding to them (read a second apart)."""
    seen, deadline = -1, time.monotonic() + 30
    while time.monotonic() < deadline:
        page = await api.call("GET", "notify", "/v1/me/notifications", headers=as_member)
        if len(page["items"]) == seen:
            break
        seen = len(page["items"])
        await asyncio.sleep(1.5)
    return seen


async def sign_in(api: Api, portal: str, role: str, subject: str | None, fylker: Sequence[str] = ()) -> str:
    """A support link for the account (an organiser's: no subject, national or for `fylker`), used as a browser
    does; the Cookie header of the session it began."""
    body: dict[str, Any] = {"role": role} | ({"subject": subject} if subject else {})
    body |= {"fylker": list(fylker)} if fylker else {}
    link = await api.call("POST", "portal", "/v1/signin-links", json=body, headers=api.auth("organiser"))
    async with httpx.AsyncClient(timeout=30, follow_redirects=False) as browser:
        shown = await browser.get(link["url"])
        if shown.status_code != 200:
            raise RuntimeError(f"sign-in link page: {shown.status_code}")
        used = await browser.post(link["url"], data={"csrf_token": csrf_token(shown.text)},
                                  headers={"Origin": portal, "Referer": link["url"]})  # fmt: skip
        if used.status_code not in (302, 303):
            raise RuntimeError(f"sign-in: {used.status_code} {used.text[:200]}")
        return "; ".join(f"{c.name}={c.value}" for c in browser.cookies.jar)


# ------------------------------------------------------------------ measuring


def fill(template: str, ids: dict[str, str]) -> str:
    """A path with its placeholders filled."""
    return template.format(**ids)


async def timed(session: aiohttp.ClientSession, gets: Sequence[tuple[str, dict[str, str]]]) -> Timed:
    """WARMUP unmeasured, then REQUESTS measured, of `gets` one after another (one sample = all of them)."""
    out = Timed()
    for i in range(WARMUP + REQUESTS):
        began = time.perf_counter()
        for url, headers in gets:
            async with session.get(url, headers=headers, allow_redirects=False) as response:
                body = await response.read()
                status = response.status
            if i >= WARMUP:
                out.statuses[status] = out.statuses.get(status, 0) + 1
                out.size = len(body)
        if i >= WARMUP:
            out.seconds.append(time.perf_counter() - began)
    return out


async def measure(
    urls: dict[str, str], seeded: Seeded, pages: Sequence[Page] = PAGES
) -> dict[str, tuple[Timed, Timed]]:
    """Each page, then its baseline, on one kept-alive connection (keyed by who reads it and its path)."""
    measured: dict[str, tuple[Timed, Timed]] = {}
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        for page in pages:
            cookie = {"Cookie": seeded.cookies[page.who]} if page.who != "public" else {}
            path = fill(page.path, seeded.ids)
            shown = await timed(session, [(urls["portal"] + path, cookie | {"Accept": "text/html"})])
            token = {"Authorization": f"Bearer {seeded.tokens[page.who]}"} if page.who != "public" else {}
            calls = page.calls or (FLOOR,)
            base = await timed(session, [(urls[s] + fill(p, seeded.ids), token) for s, p in calls])
            measured[f"{page.who} {page.path}"] = (shown, base)
    return measured


def baseline_label(page: Page) -> str:
    """What the baseline was: the page's API calls, or the portal's floor."""
    if not page.calls:
        return "portal /healthz (no API call)"
    return " + ".join(f"{service} {path}" for service, path in page.calls)


async def cleanup(api: Api, seeded: Seeded) -> None:
    """Erase the member (and with it their data everywhere), so a stack kept between runs stays comparable."""
    await api.call("DELETE", "ambassadors", f"/v1/members/{seeded.member_id}", headers=api.auth("organiser"),
                   expect=(204, 404))  # fmt: skip


async def seed_and_measure(stack: Stack, urls: dict[str, str]) -> tuple[Seeded, dict[str, tuple[Timed, Timed]], float]:
    async with httpx.AsyncClient(timeout=30) as http:
        api = Api(stack, urls, http)
        began = time.monotonic()
        seeded = await seed(api)
        seeded.cookies = {"member": await sign_in(api, urls["portal"], "member", seeded.member_id),
                          "school": await sign_in(api, urls["portal"], "school", seeded.orgnr)}  # fmt: skip
        seeding = time.monotonic() - began
        seeded.tokens = {
            "member": mint_token(stack.signing_key, "member", seeded.member_id, ttl=timedelta(hours=1)),
            "school": mint_token(stack.signing_key, "school", seeded.orgnr, ttl=timedelta(hours=1)),
        }
        try:
            measured = await measure(urls, seeded)
        finally:
            await cleanup(api, seeded)
    return seeded, measured, seeding


def run(stack: Stack, profile: bool = False) -> BenchResult:
    """Benchmark 6."""
    result = BenchResult("pages")
    if reason := not_ready(stack, SERVICES):
        result.skipped = reason
        return result
    with services(stack, SERVICES, env=ENV, mailcatcher=True) as urls:
        seeded, measured, seeding = uvloop.run(seed_and_measure(stack, urls))
    rows = []
    for page in PAGES:
        shown, base = measured[f"{page.who} {page.path}"]
        label = f"GET {page.path} ({page.who})"
        add_page_row(result, label, shown, base, baseline_label(page))
        result.details[page.path] = {"page": shown.summary(), "baseline": base.summary()}
        rows.append((label, shown, base))
    result.details["seeded"] = seeded.counts | {"seconds": round(seeding, 1)}
    print(f"pages: seeded in {seeding:.0f} s: {seeded.counts}; {WARMUP} + {REQUESTS} sequential GETs per page and "
          f"per baseline\n{page_table(rows)}", flush=True)  # fmt: skip
    return result
