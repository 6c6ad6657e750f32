"""Ctrl-C stops `outreach-up` even when its KeyboardInterrupt is lost (raised inside a finaliser, Python prints it
and drops it): the handler also records the interrupt, and the launcher's steps and its watch look at the record."""

import threading
import time
from types import SimpleNamespace

import pytest

from outreach_dev.devstack import launcher


@pytest.fixture(autouse=True)
def _clear() -> None:
    launcher._interrupted.clear()
    yield
    launcher._interrupted.clear()


def test_the_watch_stops_on_an_interrupt_whose_exception_was_lost() -> None:
    run = SimpleNamespace(children=[])
    stopped: list[BaseException] = []

    def watching() -> None:
        try:
            launcher.watch(run)  # type: ignore[arg-type]
        except KeyboardInterrupt as exc:
            stopped.append(exc)

    thread = threading.Thread(target=watching, daemon=True)
    thread.start()
    time.sleep(0.2)
    assert thread.is_alive() and not stopped  # watching, as long as nothing happened
    try:
        launcher._interrupt(2, None)
    except KeyboardInterrupt:
        pass  # the exception a finaliser would have swallowed
    thread.join(5)
    assert not thread.is_alive() and len(stopped) == 1


def test_a_start_up_step_after_a_lost_interrupt_stops_instead_of_going_on() -> None:
    launcher._unless_interrupted()  # nothing happened: go on
    launcher._interrupted.set()
    with pytest.raises(KeyboardInterrupt):
        launcher._unless_interrupted()
