"""Serve one installed service with a proposed fix monkeypatched in (bench only): `python patched_service.py NAME FIX`.

The fixes are what the README's write-ups ask the owners to change; measuring them here gives before/after.
"""

import asyncio
import sys
from importlib.metadata import entry_points

from outreach_shared.runtime import serve

DELIVERY_LOOPS = 16


def concurrent_delivery_loops() -> None:
    """notify: run DeliveryWorker.run's loop DELIVERY_LOOPS times at once (claims use SKIP LOCKED, so each loop
    takes different deliveries; the SMTP round trips and inbox writes of one no longer wait for the others)."""
    from notify.service_layer.worker import DeliveryWorker

    one_loop = DeliveryWorker.run

    async def run(self: DeliveryWorker) -> None:
        await asyncio.gather(*(one_loop(self) for _ in range(DELIVERY_LOOPS)))

    DeliveryWorker.run = run  # type: ignore[method-assign]


FIXES = {"concurrent-delivery-loops": concurrent_delivery_loops}


if __name__ == "__main__":
    name, fix = sys.argv[1], sys.argv[2]
    FIXES[fix]()
    serve(entry_points(group="outreach.services")[name].load())
