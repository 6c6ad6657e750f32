"""Sequences the model-based runs found, pasted as printed (shrunk), so each stays fixed."""

from collections.abc import Iterator

import pytest
from machine import SystemMachine
from system import System


@pytest.fixture
def machine(model_stack) -> Iterator[type[SystemMachine]]:  # noqa: ANN001
    """The state machine class, wired to the running stack."""
    SystemMachine.system = System(model_stack)
    try:
        yield SystemMachine
    finally:
        SystemMachine.system.close()


def test_a_rescheduled_confirmed_visit_is_confirmed_again(machine):
    """Issue 20, defect 2: after a reschedule, a full team of accepts published team.changed, not team.confirmed;
    booking refused it and released the team, and the visit stayed offered for good."""
    state = machine()
    state.roster_and_schools()
    state.book(school=0, team_size=1, windows=[0])
    state.whole_team_accepts(pick=0)
    state.reschedule(pick=0, windows=[0])
    state.whole_team_accepts(pick=0)
    state.teardown()
