"""Model-based test of the whole system: a bounded run in `make test`, as long as asked in `make soak`.

A failure prints the shrunk sequence of steps as code (`state = SystemMachine()`, `state.book(...)`, ...), ready to
paste into `test_regressions.py`. Knobs (env): MODEL_EXAMPLES and MODEL_STEPS (per run), MODEL_SOAK_MINUTES (random
runs until the time is up) and MODEL_VERBOSE (print each step and the model's view).
"""

import os
import time

import pytest
from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis.stateful import run_state_machine_as_test
from machine import SystemMachine
from system import System

SOAK_MINUTES = float(os.environ.get("MODEL_SOAK_MINUTES", "0"))


def run(stack, *, fixed: bool, examples: int, steps: int) -> None:  # noqa: ANN001
    """Run the machine: `fixed` derives the seed from the test (the same runs every time), else a random one."""
    SystemMachine.system = System(stack)
    try:
        config = settings(max_examples=examples, stateful_step_count=steps, deadline=None, database=None,
                          derandomize=fixed, print_blob=True, report_multiple_bugs=False,
                          suppress_health_check=list(HealthCheck),
                          phases=[Phase.explicit, Phase.generate, Phase.shrink],
                          verbosity=Verbosity.verbose if os.environ.get("MODEL_VERBOSE") else Verbosity.normal)
        run_state_machine_as_test(SystemMachine, settings=config)
    finally:
        SystemMachine.system.close()


EXAMPLES = int(os.environ.get("MODEL_EXAMPLES", "3"))
STEPS = int(os.environ.get("MODEL_STEPS", "10"))
SHRINKING = 15 * 60  # hypothesis gives up shrinking after five minutes without progress


@pytest.mark.timeout(SHRINKING + 10 * 60)
def test_fixed_seed_run_matches_the_model(model_stack):
    run(model_stack, fixed=True, examples=EXAMPLES, steps=STEPS)


@pytest.mark.timeout(SHRINKING + 10 * 60 + int(SOAK_MINUTES * 60))
def test_random_runs_match_the_model(model_stack):
    """A few random runs; with MODEL_SOAK_MINUTES (`make soak`), random runs until the time is up."""
    deadline = time.monotonic() + SOAK_MINUTES * 60
    rounds = 0
    while True:
        run(model_stack, fixed=False, examples=EXAMPLES, steps=STEPS)
        rounds += 1
        if time.monotonic() >= deadline:
            break
    print(f"\nmodel: {rounds} round(s) of {EXAMPLES} random runs of up to {STEPS} steps each")
