"""Serve one installed service under pyinstrument: `python profile_service.py OUT.txt NAME`.

uvicorn re-raises SIGTERM after its graceful shutdown; the handler installed here turns it into SystemExit, so
the profile is written before the process ends.
"""

import signal
import sys
from importlib.metadata import entry_points
from pathlib import Path

from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer

from outreach_shared.runtime import serve


def main(out: str, name: str) -> None:
    definition = entry_points(group="outreach.services")[name].load()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    try:
        serve(definition)
    finally:
        profiler.stop()
        tree = profiler.output_text(unicode=False, color=False)
        flat = profiler.output(ConsoleRenderer(flat=True, time="percent_of_total"))
        Path(out).write_text(tree + "\n=== flat (self time, % of samples)\n" + flat)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
