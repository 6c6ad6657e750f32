"""7. The web app at national scale (issues #24 and #25): every page's server time with ten school years of a national
programme in the databases, next to the plain API calls it makes.

All five services run as processes, as in bench 6 (`bench_pages`). The national programme (`outreach_dev.devstack.
national`: 357 kommuner, 3,000 schools, 5,000 members, 30,000 visits a school year for ten years with their offers
and notices, 10 gatherings a year) is written into the services' schemas first (COPY; a few minutes). Then:

- the member's and the school's pages of bench 6, for its seeded member and school (they live among the national
  data: every query of theirs runs on tables of national size);
- the organisers' pages, for a national organiser and for a regional one (Vestland), on a visit, a member and a
  gathering of Vestland from the national data.

Each page and its baseline (the page's plain API calls, with the person's token) are read as in bench 6: WARMUP
unmeasured, then REQUESTS sequential GETs, p95 and size. Targets: the member's and school's pages p95 < 100 ms, the
organisers' < 150 ms, the impact page < 300 ms. A page that answers 404 is reported as missing (not built yet).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvloop
from bench_pages import (
    ENV,
    PAGES,
    SERVICES,
    Api,
    Page,
    Seeded,
    Timed,
    add_page_row,
    baseline_label,
    cleanup,
    failed_status,
    measure,
    page_table,
    seed,
    sign_in,
)
from stack import Stack, not_ready, services
from stats import BenchResult

from outreach_dev.devstack.national import NATIONAL, OSLO, school_year_of
from outreach_dev.devstack.national_load import load_national
from outreach_shared.regions import Region
from outreach_shared.signing import mint_token

ORGANISER_MS, IMPACT_MS = 150.0, 300.0
REGION = "46"
"""The regional organiser's county: Vestland."""


def organiser_pages(who: Any) -> tuple[Page, ...]:
    """The organisers' pages and the plain API calls each makes, for a national or a regional organiser."""
    return (
        Page("/organiser", who, (("ambassadors", "/v1/visits/attention?limit=50"),
                                 ("training", "/v1/gatherings/attention"),
                                 ("booking", "/v1/stats?from={monday}&to={sunday}&totals_only=true"),
                                 ("booking", "/v1/stats?school_year={booking_year}&totals_only=true")), ORGANISER_MS),
        Page("/organiser/visits", who, (("booking", "/v1/visit-requests?limit=50&count=false"
                                                    "&school_year={booking_year}"),), ORGANISER_MS),
        Page("/organiser/visits/{o_visit}", who, (("booking", "/v1/visit-requests/{o_visit}"),
                                                  ("ambassadors", "/v1/visits/{o_visit}/offers"),
                                                  ("ambassadors", "/v1/visits/{o_visit}/candidates")), ORGANISER_MS),
        Page("/organiser/members", who, (("ambassadors", "/v1/members?limit=50"),), ORGANISER_MS),
        Page("/organiser/members/{o_member}", who, (("ambassadors", "/v1/members/{o_member}"),
                                                    ("ambassadors", "/v1/members/{o_member}/visits?past_limit=10"),
                                                    ("training", "/v1/members/{o_member}/gatherings")),
             ORGANISER_MS),
        Page("/organiser/gatherings", who, (("training", "/v1/gatherings"),), ORGANISER_MS),
        Page("/organiser/gatherings/{o_gathering}", who, (("training", "/v1/gatherings/{o_gathering}"),
                                                          ("training", "/v1/gatherings/{o_gathering}/participants")),
             ORGANISER_MS),
        Page("/organiser/impact?school_year={school_year}", who,
             (("booking", "/v1/stats?school_year={booking_year}"),), IMPACT_MS),
    ) + ((Page("/organiser/operations", who, (("notify", "/v1/operations/dead-letters?limit=20"),
                                               *((s, "/v1/operations/set-aside?limit=20") for s in SERVICES)),
               ORGANISER_MS),) if who == "organiser" else ())  # fmt: skip


def school_year_label(first_year: int, between: str = "-") -> str:
    """`2026-27` as the portal's pages write it (`2026/27` as booking's filter does, with between="/")."""
    return f"{first_year}{between}{str(first_year + 1)[2:]}"


async def national_ids(api: Api, as_regional: dict[str, str]) -> dict[str, str]:
    """A visit (unfulfilled this school year), a member and a gathering in the regional organiser's county."""
    today = datetime.now(UTC).astimezone(OSLO).date()
    first_year, monday = school_year_of(today), today - timedelta(days=today.weekday())
    visits = await api.call("GET", "booking", "/v1/visit-requests", headers=as_regional,
                            params={"status": "unfulfilled", "school_year": school_year_label(first_year, "/"),
                                    "limit": 1})  # fmt: skip
    members = await api.call("GET", "ambassadors", "/v1/members", headers=as_regional, params={"limit": 1})
    gatherings = await api.call("GET", "training", "/v1/gatherings", headers=as_regional)
    held = [g for g in gatherings if g["status"] == "completed"] or gatherings
    return {"o_visit": visits["items"][0]["id"], "o_member": str(members[0]["id"]), "o_gathering": held[0]["id"],
            "school_year": school_year_label(first_year), "booking_year": school_year_label(first_year, "/"),
            "monday": monday.isoformat(), "sunday": (monday + timedelta(days=6)).isoformat()}  # fmt: skip


async def seed_and_measure(stack: Stack, urls: dict[str, str]) -> tuple[Seeded, dict[str, tuple[Timed, Timed]],
                                                                         dict[str, Any]]:  # fmt: skip
    loading = time.monotonic()
    counts = await load_national(stack.admin_dsn, NATIONAL, say=lambda line: print(line, flush=True))
    loaded = time.monotonic() - loading
    async with httpx.AsyncClient(timeout=60) as http:
        api = Api(stack, urls, http)
        seeded = await seed(api)
        regional = Region.of(fylker=[REGION])
        seeded.tokens = {
            "member": mint_token(stack.signing_key, "member", seeded.member_id, ttl=timedelta(hours=1)),
            "school": mint_token(stack.signing_key, "school", seeded.orgnr, ttl=timedelta(hours=1)),
            "organiser": mint_token(stack.signing_key, "organiser", ttl=timedelta(hours=1)),
            "regional": mint_token(stack.signing_key, "organiser", ttl=timedelta(hours=1), region=regional),
        }
        seeded.ids |= await national_ids(api, {"Authorization": f"Bearer {seeded.tokens['regional']}"})
        seeded.cookies = {"member": await sign_in(api, urls["portal"], "member", seeded.member_id),
                          "school": await sign_in(api, urls["portal"], "school", seeded.orgnr),
                          "organiser": await sign_in(api, urls["portal"], "organiser", None),
                          "regional": await sign_in(api, urls["portal"], "organiser", None, [REGION])}  # fmt: skip
        pages = (*PAGES, *organiser_pages("organiser"), *organiser_pages("regional"))
        try:
            measured = await measure(urls, seeded, pages)
        finally:
            await cleanup(api, seeded)
    return seeded, measured, {"rows": counts, "load_seconds": round(loaded)}


def run(stack: Stack, profile: bool = False) -> BenchResult:
    """Benchmark 7."""
    result = BenchResult("national")
    if reason := not_ready(stack, SERVICES):
        result.skipped = reason
        return result
    with services(stack, SERVICES, env=ENV, mailcatcher=True) as urls:
        seeded, measured, loaded = uvloop.run(seed_and_measure(stack, urls))
    rows, targets = [], []
    for page in (*PAGES, *organiser_pages("organiser"), *organiser_pages("regional")):
        shown, base = measured[f"{page.who} {page.path}"]
        label = f"GET {page.path} ({page.who})"
        if failed_status(shown) == 404:
            result.row(label, None, "ms p95", target=f"p95 < {page.target_ms:.0f} ms", met=False,
                       note="missing: the page answers 404")  # fmt: skip
        else:
            add_page_row(result, label, shown, base, baseline_label(page), page.target_ms)
        result.details[label] = {"page": shown.summary(), "baseline": base.summary()}
        rows.append((label, shown, base))
        targets.append(page.target_ms)
    result.details["national"] = loaded
    print(f"national: {sum(loaded['rows'].values()):,} rows written in {loaded['load_seconds']} s; ids {seeded.ids}\n"
          f"{page_table(rows, targets)}", flush=True)  # fmt: skip
    return result
