"""Every operation of every service, run through schemathesis with every check it has (status codes, content types,
headers and bodies as documented, no 5xx, valid data accepted and invalid refused, 405 with `Allow` for other
methods, no answer without a token) as each role, with real ids in the paths so that answers with bodies are
checked too; without a token, or with a token signed by another key, every protected operation answers 401."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

import pytest
from schemathesis import Case
from sec_data import book, inbox, offer_for, published_gathering, random_orgnr, register_member
from sec_fuzz import Fuzzer, run_schemathesis, school_orgnr_of, served
from sec_system import System

from booking.adapters.rate_limiter import RateLimiter
from outreach_dev.testing.waiting import eventually
from outreach_shared.auth import Role
from outreach_shared.signing import SigningKey, mint_token

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
PUBLIC = {"GET /healthz", "GET /readyz", "GET /metrics", "GET /asyncapi.json", "GET /asyncapi",
          "GET /v1/feedback/{token}", "POST /v1/feedback/{token}",
          "GET /v1/surveys/{code}", "POST /v1/surveys/{code}/answers",
          "GET /v1/calendar/{secret}.ics", "GET /v1/certificates/{verification_code}"}  # fmt: skip
"""Operations that take no bearer token: the feedback link's token (booking's, signed, one visit) is its own; pupils
answer surveys without signing in; a calendar feed's secret is its credential; anyone may check a proof of training's
verification code."""
ALL_ROLES: tuple[Role, ...] = ("school", "member", "organiser")

# The role each operation serves. Every documented operation must be listed: a new one fails the test until it is.
ROLES: dict[str, dict[str, Role]] = {
    "booking": {
        "POST /v1/visit-requests": "school",
        "GET /v1/visit-requests": "school",
        "GET /v1/visit-requests/{visit_id}": "school",
        "POST /v1/visit-requests/{visit_id}/cancel": "school",
        "POST /v1/visit-requests/{visit_id}/reschedule": "school",
        "GET /v1/visit-requests/{visit_id}/calendar.ics": "school",
        "POST /v1/visit-requests/{visit_id}/report": "member",
        "POST /v1/visit-requests/{visit_id}/rating": "school",
        "DELETE /v1/visit-requests/{visit_id}/contact": "organiser",
        "POST /v1/visit-requests/{visit_id}/complete": "organiser",
        "GET /v1/stats": "organiser",
        "GET /v1/visit-requests.csv": "organiser",
        "GET /v1/visit-requests.xlsx": "organiser",
        "GET /v1/stats.csv": "organiser",
        "GET /v1/stats.xlsx": "organiser",
        "GET /v1/operations/set-aside": "organiser",
        "GET /v1/visit-requests/{visit_id}/survey": "member",
        "GET /v1/visit-requests/{visit_id}/survey/results": "school",
    },
    "ambassadors": {
        "POST /v1/members": "organiser",
        "GET /v1/members": "organiser",
        "GET /v1/members.csv": "organiser",
        "GET /v1/members.xlsx": "organiser",
        "POST /v1/members/import": "organiser",
        "GET /v1/members/{member_id}": "organiser",
        "PATCH /v1/members/{member_id}": "organiser",
        "DELETE /v1/members/{member_id}": "organiser",
        "POST /v1/members/{member_id}/deactivate": "organiser",
        "POST /v1/members/{member_id}/reactivate": "organiser",
        "GET /v1/members/{member_id}/visits": "organiser",
        "GET /v1/me/offers": "member",
        "POST /v1/offers/{offer_id}/accept": "member",
        "POST /v1/offers/{offer_id}/decline": "member",
        "POST /v1/offers/{offer_id}/withdraw": "member",
        "GET /v1/me": "member",
        "PATCH /v1/me": "member",
        "GET /v1/me/visits": "member",
        "GET /v1/me/stats": "member",
        "GET /v1/visits/attention": "organiser",
        "GET /v1/visits/{visit_id}/candidates": "organiser",
        "GET /v1/visits/{visit_id}/offers": "organiser",
        "POST /v1/visits/{visit_id}/offers": "organiser",
        "POST /v1/visits/{visit_id}/rematch": "organiser",
        "GET /v1/operations/set-aside": "organiser",
    },
    "training": {
        "GET /v1/gatherings/attention": "organiser",
        "GET /v1/members/{member_id}/gatherings": "organiser",
        "POST /v1/gatherings": "organiser",
        "GET /v1/gatherings": "organiser",
        "GET /v1/gatherings/{gathering_id}": "organiser",
        "PATCH /v1/gatherings/{gathering_id}": "organiser",
        "POST /v1/gatherings/{gathering_id}/publish": "organiser",
        "POST /v1/gatherings/{gathering_id}/cancel": "organiser",
        "POST /v1/gatherings/{gathering_id}/complete": "organiser",
        "POST /v1/gatherings/{gathering_id}/check-ins": "organiser",
        "GET /v1/gatherings/{gathering_id}/participants": "organiser",
        "GET /v1/gatherings/{gathering_id}/participants.csv": "organiser",
        "GET /v1/gatherings/{gathering_id}/participants.xlsx": "organiser",
        "POST /v1/gatherings/{gathering_id}/registrations": "member",
        "GET /v1/gatherings/{gathering_id}/registrations/me": "member",
        "DELETE /v1/gatherings/{gathering_id}/registrations/me": "member",
        "POST /v1/gatherings/{gathering_id}/registrations/me/accept-offer": "member",
        "GET /v1/me/gatherings": "member",
        "GET /v1/me/gatherings/{gathering_id}": "member",
        "GET /v1/me/gatherings/{gathering_id}/certificate": "member",
        "GET /v1/operations/set-aside": "organiser",
    },
    "notify": {
        "GET /v1/me/notifications": "member",
        "POST /v1/me/notifications/{item_id}/read": "member",
        "GET /v1/notifications": "organiser",
        "GET /v1/reminders": "organiser",
        "GET /v1/me/preferences": "member",
        "PUT /v1/me/preferences": "member",
        "GET /v1/operations/set-aside": "organiser",
        "GET /v1/operations/dead-letters": "organiser",
        "POST /v1/operations/dead-letters/{partition}/{offset}/replay": "organiser",
        # Every role has a calendar feed of its own; fuzzed as a member.
        "POST /v1/me/calendar-feed/rotate": "member",
        "GET /v1/me/calendar-feed": "member",
        "DELETE /v1/me/calendar-feed": "member",
    },
}


WINDOWS = "time windows must lie ahead (minimum notice, horizon) and in hours that fit the kind"
REGISTER = "kommunenummer must be in the 2024 register; orgnr must pass mod 11; phone must be a real number"
RULES_BEYOND_THE_SCHEMA = {
    "POST /v1/visit-requests": f"{WINDOWS}; {REGISTER}",
    "POST /v1/visit-requests/{visit_id}/reschedule": WINDOWS,
    "GET /v1/visit-requests": "school_year must be two consecutive years; kommunenummer in the register",
    "GET /v1/stats": "school_year must be two consecutive years; kommunenummer in the register",
    "GET /v1/visit-requests.csv": "as GET /v1/visit-requests",
    "GET /v1/visit-requests.xlsx": "as GET /v1/visit-requests",
    "GET /v1/stats.csv": "as GET /v1/stats",
    "GET /v1/stats.xlsx": "as GET /v1/stats",
    "POST /v1/members": REGISTER,
    "PATCH /v1/members/{member_id}": REGISTER,
    "PATCH /v1/me": "phone must be a real number; dates away within the horizon of today, each range in order",
    "POST /v1/members/import": "the CSV needs its header line and a valid member on each line",
    "POST /v1/gatherings": "dates in order (registration opens, closes, withdrawal deadline, start, end) and ahead",
    "PATCH /v1/gatherings/{gathering_id}": "dates in order and ahead",
}
"""Operations whose schema-valid requests may still be refused with 422, and why (JSON Schema cannot say it)."""
NOT_REACHED_BY_THE_SEEDED_DATA = {
    "GET /v1/me/gatherings/{gathering_id}/certificate": "the seeded gathering is never completed (404/409 there)",
    "GET /v1/me/gatherings/{gathering_id}": "the organisers' run of ambassadors may erase the seeded member first "
    "(DELETE /v1/members/{member_id}), and erasure takes their registration with it (404 after)",
}
"""Reads the fuzzed data need not answer with 2xx, and why."""


@dataclass
class Ids:
    """Real resources for the paths: a school's confirmed visit, its member and offer, a notice, a gathering."""

    school: str
    member: str
    visit: str
    offer: str
    notice: str
    gathering: str

    def for_paths(self, service: str) -> dict[str, str]:
        """The path parameters of the service's operations."""
        return {
            "booking": {"visit_id": self.visit},
            "ambassadors": {"member_id": self.member, "offer_id": self.offer, "visit_id": self.visit},
            "training": {"gathering_id": self.gathering},
            "notify": {"item_id": self.notice},
        }[service]

    def token_subject(self, role: Role, case: Case) -> str | None:
        """The seeded school (or the one a new visit request names), the seeded member, or none."""
        if role == "school":
            return school_orgnr_of(case) or self.school
        return self.member if role == "member" else None


@pytest.fixture(scope="module")
async def ids(system: System) -> Ids:
    first, second = await register_member(system), await register_member(system)
    school = random_orgnr()
    visit = (await book(system, school))["id"]

    async def offered() -> tuple[str, dict] | None:
        for member in (first["id"], second["id"]):
            try:
                return member, await offer_for(system, member, visit)
            except AssertionError:
                continue
        return None

    member, offer = await eventually(offered, timeout=60)
    accepted = await system.client("ambassadors").post(
        f"/v1/offers/{offer['id']}/accept", headers=system.auth("member", member)
    )
    assert accepted.status_code == 200, accepted.text
    notices = await eventually(lambda: inbox(system, member))
    gathering = await published_gathering(system)

    async def registered() -> bool:  # training learns of the member from the roster topic
        r = await system.client("training").post(
            f"/v1/gatherings/{gathering}/registrations", json={}, headers=system.auth("member", member)
        )
        assert r.status_code == 201, r.text
        return True

    await eventually(registered)
    await eventually(lambda: _confirmed(system, visit, school))
    return Ids(school, member, visit, offer["id"], notices[0]["id"], gathering)


async def _confirmed(system: System, visit: str, school: str) -> bool:
    r = await system.client("booking").get(f"/v1/visit-requests/{visit}", headers=system.auth("school", school))
    return r.json()["status"] == "confirmed"


@asynccontextmanager
async def schools_unthrottled(system: System) -> AsyncIterator[None]:
    """Booking's per-school rate limit out of the way (test_limits tests it): the run sends hundreds of requests."""
    wiring = system.services["booking"].runtime.wiring
    previous = wiring.ports
    wiring.ports = replace(previous, rate_limiter=RateLimiter(10**9))
    try:
        yield
    finally:
        wiring.ports = previous


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("service", list(ROLES))
async def test_schemathesis_finds_nothing_with_every_check_as_each_role(
    system: System, ids: Ids, service: str, role: Role
) -> None:
    running = system.services[service]
    spec = running.app.openapi()
    documented = {f"{method.upper()} {path}" for path, ops in spec["paths"].items() for method in ops}
    assert documented - PUBLIC - set(ROLES[service]) == set(), "operations without a role in ROLES: fuzz them too"

    def authorize(case: Case) -> dict[str, str]:
        return system.auth(role, ids.token_subject(role, case))

    async with schools_unthrottled(system), served(running.app) as url:
        report = await asyncio.to_thread(
            run_schemathesis, spec, url, authorize, path_ids=ids.for_paths(service), label=f"{service} as {role}",
            rules_beyond_the_schema=RULES_BEYOND_THE_SCHEMA,
        )
    print(f"\n{report.label}: checks {dict(report.checks)}\n{report.summary()}")
    assert report.failures == [], "\n\n".join(report.failures)
    assert len(report.checks) == 14, f"every check of schemathesis ran: {sorted(report.checks)}"
    of_role = {op for op, r in ROLES[service].items() if r == role}
    # A read of what the run may delete first (a member's own registration) need not have answered 2xx, nor one the
    # seeded data cannot reach (a proof of training needs a completed gathering).
    served_reads = [op for op in of_role if op.startswith("GET ") and f"DELETE {op[4:]}" not in of_role
                    and op not in NOT_REACHED_BY_THE_SEEDED_DATA]  # fmt: skip
    unread = [op for op in served_reads if report.ok_answers(op) == 0]
    assert unread == [], f"no 2xx body was checked for {unread}"


@pytest.mark.parametrize("service", list(ROLES))
async def test_every_protected_operation_refuses_missing_and_foreign_tokens(system: System, service: str) -> None:
    fuzzer = Fuzzer(system.services[service].app.openapi(), system.client(service), asyncio.get_running_loop())
    forged = mint_token(SigningKey.generate(), "organiser")  # a key no service trusts
    refused = []
    for op in fuzzer.operations():
        if f"{op.method.upper()} {op.path}" in PUBLIC:
            continue
        case = fuzzer.first_case(op)
        for label, headers in (("no token", {}), ("foreign key", {"Authorization": f"Bearer {forged}"})):
            response = await asyncio.to_thread(fuzzer.send, case, headers)
            refused.append((f"{op.method.upper()} {op.path} with {label}", response.status_code))
            assert response.headers["content-type"].startswith("application/problem+json")
    wrong = [(what, status) for what, status in refused if status != 401]
    assert refused and wrong == []

