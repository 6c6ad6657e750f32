"""`python -m portal` (or `serve`) serves; `migrate` applies the migrations; `rotate-keys` publishes a new signing
key (it signs after `PORTAL_KEY_PUBLISH_AHEAD_SECONDS`) and exits."""

import asyncio
from typing import cast

from outreach_shared.runtime import Runtime, command_line
from portal.bootstrap import SERVICE
from portal.service_layer import rotation
from portal.service_layer.unit_of_work import PortalUnit


async def _rotate() -> str:
    runtime = Runtime(SERVICE, SERVICE.settings_factory())
    await runtime.start()
    try:
        async with runtime.unit_of_work("portal-rotate-keys") as uow:
            successor = await rotation.rotate(cast(PortalUnit, uow), actor="operator")
        return f"published key {successor.key.kid}; it signs from {successor.signs_from.isoformat()}"
    finally:
        await runtime.stop()


def rotate_keys(args: list[str]) -> int:
    """`outreach-portal rotate-keys`: publish a successor signing key now."""
    print(asyncio.run(_rotate()))
    return 0


def main() -> None:
    """Serve, migrate, or rotate the signing key, and exit."""
    command_line(SERVICE, {"rotate-keys": rotate_keys})


if __name__ == "__main__":
    main()
