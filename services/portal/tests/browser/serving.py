"""Serve an ASGI app on a free port of 127.0.0.1 from a thread (a browser needs a real socket)."""

import asyncio
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from outreach_dev.testing.waiting import eventually


@asynccontextmanager
async def serving(app: Any, *, startup_seconds: float = 120.0) -> AsyncIterator[str]:
    """Run `app` with uvicorn in its own thread and event loop until the block ends; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"uvicorn:{port}")
    thread.start()

    def started() -> bool:
        assert thread.is_alive(), f"the server on port {port} stopped while starting"
        return server.started  # set once the app's lifespan has started and the socket listens

    try:
        await eventually(started, timeout=startup_seconds)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 30)
        sock.close()
