"""Schemathesis against the services as they run: every phase but the stateful one and every check it has, with real
ids in the paths and a token of one role; and single generated cases sent through a service's in-process client.

The engine sends real HTTP requests (some checks send probes of their own: without a token, with another method),
so a service is served on a local port for it, by uvicorn in the test's event loop, where its pool and broker live;
the engine runs in a worker thread.
"""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import schemathesis
import uvicorn
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from outreach_dev.devstack._util import free_ports

Authorize = Callable[[Case], dict[str, str]]
"""The Authorization header (or none) for a generated case."""
MAX_EXAMPLES = 12
"""Cases per operation and generation mode in the fuzzing phase (the examples and coverage phases add theirs)."""


@schemathesis.serializer("text/csv")
def _csv(_: Any, value: Any) -> bytes:
    return value.encode() if isinstance(value, str) else str(value).encode()


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """Serve a started app on a free local port (its lifespan is the caller's); yields its base URL."""
    port = free_ports(1)[0]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None, access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class FuzzReport:
    """What one run found: checks run by name, answers by operation and status, failures (a few of each kind)."""

    label: str
    checks: Counter[str] = field(default_factory=Counter)
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def ok_answers(self, operation: str) -> int:
        """How many 2xx answers the operation gave."""
        return sum(n for (label, status), n in self.answers.items() if label == operation and 200 <= status < 300)

    def summary(self) -> str:
        """One line per operation: its statuses."""
        by_operation: dict[str, Counter[int]] = {}
        for (label, status), n in self.answers.items():
            by_operation.setdefault(label, Counter())[status] += n
        return "\n".join(f"  {label}: {dict(sorted(c.items()))}" for label, c in sorted(by_operation.items()))


def _auth_provider(authorize: Authorize) -> type:
    class TokenOfTheRole:
        def get(self, case: Case, ctx: Any) -> dict[str, str]:
            return authorize(case)

        def set(self, case: Case, data: dict[str, str], ctx: Any) -> None:
            case.headers = {**(case.headers or {}), **data}

    return TokenOfTheRole


ACCEPTED_WHEN_VALID = ["2xx", "3xx", "401", "403", "404", "409", "410", "429"]
"""What positive_data_acceptance expects of schema-valid requests (its default, less 5xx: not_a_server_error is on;
plus 410, a pupils' survey that has closed, which the run finds by the code the team's survey answered)."""


def run_schemathesis(
    spec: dict[str, Any], base_url: str, authorize: Authorize, *, path_ids: dict[str, str], label: str,
    rules_beyond_the_schema: dict[str, str], max_examples: int = MAX_EXAMPLES,
) -> FuzzReport:  # fmt: skip
    """Run schemathesis' examples, coverage and fuzzing phases with every check; blocks (call it in a thread).

    `rules_beyond_the_schema` names the operations whose valid-looking requests the server may still refuse with
    422, each with the rule that JSON Schema cannot state (a time relative to now, a register); for the others a
    schema-valid request must never be refused as invalid."""
    refusable = {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED_WHEN_VALID, "422"]}}
    operations = [{"include-name": name, "checks": refusable} for name in rules_beyond_the_schema]
    config = SchemathesisConfig.from_dict({
        "base-url": base_url, "workers": 1, "seed": 20_260_301, "max-failures": 200,
        "generation": {"max-examples": max_examples, "deterministic": True, "no-shrink": True},
        "phases": {"stateful": {"enabled": False}},
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_WHEN_VALID}},
        "parameters": {f"path.{name}": value for name, value in path_ids.items()},
        "operations": operations,
    })  # fmt: skip
    schema = schemathesis.openapi.from_dict(spec, config=config)
    schema.auth(refresh_interval=None)(_auth_provider(authorize))
    report = FuzzReport(label)
    seen: set[tuple[str, str]] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _record(report, event.recorder, seen)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            report.failures.append(f"{label}: {type(event).__name__}: {str(getattr(event, 'info', event))[:1500]}")
    return report


def _record(report: FuzzReport, recorder: Any, seen: set[tuple[str, str]]) -> None:
    for case_id, interaction in recorder.interactions.items():
        if interaction.response is not None:
            operation = recorder.cases[case_id].value.operation.label
            report.answers[(operation, interaction.response.status_code)] += 1
    for checks in recorder.checks.values():
        for check in checks:
            report.checks[check.name] += 1
            if check.status.value != "failure" or check.failure_info is None:
                continue
            failure = check.failure_info.failure
            key = (recorder.label, f"{check.name}: {getattr(failure, 'title', '')}")
            if key not in seen:  # one of each kind per operation
                seen.add(key)
                curl = getattr(check.failure_info, "code_sample", "")
                report.failures.append(f"{report.label} {recorder.label} {check.name}: {str(failure)[:1200]}\n{curl}")


class Fuzzer:
    """Sends single generated cases of one OpenAPI document through an in-process client."""

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


def school_orgnr_of(case: Case) -> str | None:
    """The orgnr a generated visit request names, so a school token can match it and the fuzzer gets past it."""
    body = case.body if isinstance(case.body, dict) else {}
    school = body.get("school")
    orgnr = school.get("orgnr") if isinstance(school, dict) else None
    return orgnr if isinstance(orgnr, str) and orgnr.isascii() and orgnr.isalnum() else None

