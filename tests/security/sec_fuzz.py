"""Schemathesis cases sent to a service running in the test's event loop, and the response checks that apply.

Hypothesis drives generation synchronously, so each operation is fuzzed in a worker thread that hands every request
to the session loop (where the service's pool and broker live) and waits for the answer.
"""

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from outreach_shared.auth import Role

CHECKS = [
    not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
    response_schema_conformance,
]  # fmt: skip
Authorize = Callable[[Case], dict[str, str]]
"""The Authorization header (or none) for a generated case."""


@schemathesis.serializer("text/csv")
def _csv(_: Any, value: Any) -> bytes:
    return value.encode() if isinstance(value, str) else str(value).encode()


@dataclass
class OperationReport:
    """What fuzzing one operation found."""

    label: str
    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


class Fuzzer:
    """Fuzzes the operations of one OpenAPI document against an in-process client."""

    def __init__(self, spec: dict[str, Any], client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        self.schema = schemathesis.openapi.from_dict(spec)
        self.client = client
        self.loop = loop

    def operations(self) -> list[Any]:
        """Every operation of the document."""
        return [result.ok() for result in self.schema.get_all_operations()]

    def send(self, case: Case, headers: dict[str, str]) -> httpx.Response:
        """Send the case (with these headers added) through the service's client, from a worker thread."""
        kwargs = case.as_transport_kwargs(base_url=str(self.client.base_url), headers=headers)
        request = self.client.build_request(
            kwargs["method"], kwargs["url"], params=kwargs.get("params"), headers=kwargs.get("headers"),
            cookies=kwargs.get("cookies"), json=kwargs.get("json"), content=kwargs.get("data"),
        )  # fmt: skip
        return asyncio.run_coroutine_threadsafe(self.client.send(request), self.loop).result(timeout=60)

    def first_case(self, operation: Any) -> Case:
        """One valid, derandomized case of the operation."""
        found: list[Case] = []

        @settings(max_examples=1, derandomize=True, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy())
        def take(case: Case) -> None:
            found.append(case)

        take()
        return found[0]

    def fuzz(self, operation: Any, authorize: Authorize, *, mode: GenerationMode, examples: int) -> OperationReport:
        """Send `examples` derandomized cases and run every response check; failures are collected, not raised."""
        report = OperationReport(f"{operation.method.upper()} {operation.path} ({mode.value})")

        @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Case) -> None:
            response = self.send(case, authorize(case))
            report.sent += 1
            report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # noqa: BLE001 - every check failure is reported together at the end
                if len(report.failures) < 3:
                    report.failures.append(f"{report.label}: {type(exc).__name__}: {str(exc)[:1500]}")

        try:
            run()
        except Unsatisfiable:  # nothing to get wrong: no parameters and no body to break
            assert mode is GenerationMode.NEGATIVE, f"{report.label}: no valid case could be generated"
        return report


def school_orgnr_of(case: Case) -> str | None:
    """The orgnr a generated visit request names, so a school token can match it and the fuzzer gets past it."""
    body = case.body if isinstance(case.body, dict) else {}
    school = body.get("school")
    orgnr = school.get("orgnr") if isinstance(school, dict) else None
    return orgnr if isinstance(orgnr, str) and orgnr.isascii() and orgnr.isalnum() else None


def subject_for(role: Role, case: Case) -> str | None:
    """A subject for the role's token: a fresh school (or the one the body names), a fresh member."""
    if role == "school":
        return school_orgnr_of(case) or f"9{uuid.uuid4().int % 10**8:08d}"
    if role == "member":
        return str(uuid.uuid4())
    return None
