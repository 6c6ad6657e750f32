"""Background loops never die silently: a loop that raises is logged with its task name and started again."""

import asyncio

from structlog.testing import capture_logs

from outreach_shared.supervision import Supervisor


async def test_a_loop_that_raises_is_logged_restarted_and_reported_failing_until_it_settles() -> None:
    runs = 0
    running = asyncio.Event()

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if runs <= 2:
            raise RuntimeError("a bug that goes away")
        running.set()
        await asyncio.Event().wait()  # runs until cancelled

    supervisor = Supervisor(restart_min=0.01, restart_max=0.02, settle=0.2)
    with capture_logs() as logs:
        task = supervisor.spawn("svc:flaky", flaky)
        await asyncio.wait_for(running.wait(), 5)
        assert supervisor.failing() == ["svc:flaky"], "failing until it has run a while again"
        await asyncio.sleep(0.3)
        assert supervisor.failing() == []
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    assert runs == 3
    failures = [e for e in logs if e["event"] == "background task failed; restarting it"]
    assert len(failures) == 2
    assert all(e["log_level"] == "error" and e["task"] == "svc:flaky" and e["error"] == "RuntimeError"
               for e in failures)
    assert [e["restart_in_seconds"] for e in failures] == [0.01, 0.02], "the pause doubles, up to its maximum"


async def test_a_loop_that_returns_is_finished_not_restarted() -> None:
    runs = 0

    async def once() -> None:
        nonlocal runs
        runs += 1

    supervisor = Supervisor(restart_min=0.01)
    with capture_logs() as logs:
        await supervisor.spawn("svc:once", once)
    assert runs == 1 and supervisor.failing() == []
    assert [e["event"] for e in logs] == ["background task finished"]
