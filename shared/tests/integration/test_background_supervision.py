"""A service's background loop that raises does not die silently: logged with its task name, restarted, and
/readyz says not ready until it has run a while again."""

import asyncio
from typing import Any

import kit_process
import pytest
from structlog.testing import capture_logs

from outreach_dev.testing.service import running_service
from outreach_dev.testing.waiting import eventually
from outreach_shared import supervision
from outreach_shared.runtime import Runtime, ServiceDefinition, Wiring
from outreach_shared.settings import ServiceSettings


async def test_a_failing_background_loop_is_logged_restarted_and_makes_the_service_not_ready(
    kit_dsn: str, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(supervision, "RESTART_MIN_SECONDS", 0.05)
    monkeypatch.setattr(supervision, "SETTLE_SECONDS", 1.0)
    runs = 0
    broken = True

    async def sweep() -> None:
        nonlocal runs
        runs += 1
        if broken:
            raise RuntimeError("a bug in the loop")
        await asyncio.Event().wait()

    def bootstrap(runtime: Runtime) -> Wiring:
        return Wiring(background=[sweep])

    definition = ServiceDefinition(name="kit", title="Kit", settings_factory=ServiceSettings,
                                   migrations_dir=kit_process.MIGRATIONS, routers=[], bootstrap=bootstrap)
    with capture_logs() as logs:
        async with running_service(definition, dsn=kit_dsn, kafka_bootstrap=kafka_bootstrap) as service:

            async def not_ready() -> Any:
                answer = await service.client.get("/readyz")
                assert answer.status_code == 503
                return answer.json()

            body = await eventually(not_ready)
            assert body["checks"]["background"] is False and body["checks"]["database"] is True
            await eventually(lambda: runs >= 2)  # restarted
            broken = False  # the loop's next run succeeds: ready again once it has run a while

            async def ready() -> bool:
                assert (await service.client.get("/readyz")).status_code == 200
                return True

            await eventually(ready, timeout=15)

    failures = [e for e in logs if e["event"] == "background task failed; restarting it"]
    assert failures and all(e["log_level"] == "error" and e["task"].startswith("kit:") and e["task"].endswith(".sweep")
                            and e["error"] == "RuntimeError" for e in failures)
