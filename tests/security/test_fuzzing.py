"""Every operation of every service, fuzzed from its own OpenAPI document with valid tokens of the role it serves:
no 5xx, status codes, content types, headers and bodies as documented; without a token, or with a token signed by
another key, every protected operation answers 401."""

import asyncio

import pytest
from schemathesis import GenerationMode
from sec_fuzz import Fuzzer, OperationReport, subject_for
from sec_system import System

from outreach_shared.auth import Role, mint_token

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
POSITIVE_EXAMPLES = 15
NEGATIVE_EXAMPLES = 6
MODES = ((GenerationMode.POSITIVE, POSITIVE_EXAMPLES), (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES))
PUBLIC = {"GET /healthz", "GET /readyz", "GET /metrics", "GET /asyncapi.json", "GET /asyncapi"}

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
        "GET /v1/stats": "organiser",
        "GET /v1/operations/set-aside": "organiser",
    },
    "ambassadors": {
        "POST /v1/members": "organiser",
        "GET /v1/members": "organiser",
        "POST /v1/members/import": "organiser",
        "GET /v1/members/{member_id}": "organiser",
        "PATCH /v1/members/{member_id}": "organiser",
        "DELETE /v1/members/{member_id}": "organiser",
        "POST /v1/members/{member_id}/deactivate": "organiser",
        "POST /v1/members/{member_id}/reactivate": "organiser",
        "GET /v1/me/offers": "member",
        "POST /v1/offers/{offer_id}/accept": "member",
        "POST /v1/offers/{offer_id}/decline": "member",
        "GET /v1/operations/set-aside": "organiser",
    },
    "training": {
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
        "POST /v1/gatherings/{gathering_id}/registrations": "member",
        "GET /v1/gatherings/{gathering_id}/registrations/me": "member",
        "DELETE /v1/gatherings/{gathering_id}/registrations/me": "member",
        "POST /v1/gatherings/{gathering_id}/registrations/me/accept-offer": "member",
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
    },
}


@pytest.mark.parametrize("service", list(ROLES))
async def test_every_operation_survives_fuzzing_and_answers_as_documented(system: System, service: str) -> None:
    fuzzer = Fuzzer(system.services[service].app.openapi(), system.client(service), asyncio.get_running_loop())
    operations = fuzzer.operations()
    labels = {f"{op.method.upper()} {op.path}" for op in operations}
    assert labels - PUBLIC - set(ROLES[service]) == set(), "operations without a role in ROLES: fuzz them too"
    reports: list[OperationReport] = []
    for op in operations:
        role = ROLES[service].get(f"{op.method.upper()} {op.path}")

        def authorize(case: object, role: Role | None = role) -> dict[str, str]:
            if role is None:
                return {}
            return system.auth(role, subject_for(role, case))  # type: ignore[arg-type]

        for mode, examples in MODES:
            reports.append(await asyncio.to_thread(fuzzer.fuzz, op, authorize, mode=mode, examples=examples))
    print(f"\n{service}: " + "; ".join(f"{r.label} {r.sent} sent {r.statuses}" for r in reports))
    failures = [f for r in reports for f in r.failures]
    assert failures == [], "\n\n".join(failures)
    assert sum(r.sent for r in reports) >= len(operations) * 5


@pytest.mark.parametrize("service", list(ROLES))
async def test_every_protected_operation_refuses_missing_and_foreign_tokens(system: System, service: str) -> None:
    fuzzer = Fuzzer(system.services[service].app.openapi(), system.client(service), asyncio.get_running_loop())
    forged = mint_token("a-key-that-is-not-the-services-own-secret-0123456789", "organiser")
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

