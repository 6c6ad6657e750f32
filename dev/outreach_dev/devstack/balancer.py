"""A small round-robin TCP balancer: `python -m outreach_dev.devstack.balancer --port 8001 --to 41001,41002`.

`make up ARGS=--cluster` runs two instances of each service behind its usual port with this in front, as a load
balancer would: each new connection goes to the next instance, and to the one after if that one refuses (it is
restarting, or was killed). Bytes are copied both ways until either side closes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools

from ._util import LOCALHOST

CONNECT_SECONDS = 2.0


class RoundRobin:
    """Hands each connection to the next backend that accepts it."""

    def __init__(self, backends: list[int], host: str = LOCALHOST) -> None:
        self.backends = backends
        self.host = host
        self._turns = itertools.cycle(range(len(backends)))

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """A connection to the next backend that accepts one (each tried once), or None when none does."""
        first = next(self._turns)
        for step in range(len(self.backends)):
            port = self.backends[(first + step) % len(self.backends)]
            with contextlib.suppress(OSError, asyncio.TimeoutError):
                return await asyncio.wait_for(asyncio.open_connection(self.host, port), CONNECT_SECONDS)
        return None

    async def serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        """Copy one client connection to a backend and back."""
        backend = await self.connect()
        if backend is None:
            client_writer.close()
            return
        backend_reader, backend_writer = backend
        await asyncio.gather(_copy(client_reader, backend_writer), _copy(backend_reader, client_writer))


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def run(port: int, backends: list[int], host: str = LOCALHOST) -> None:
    """Listen on host:port until cancelled."""
    balancer = RoundRobin(backends, host)
    server = await asyncio.start_server(balancer.serve, host, port)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--to", required=True, help="the backends' ports, comma-separated")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args.port, [int(p) for p in args.to.split(",")]))


if __name__ == "__main__":
    main()
