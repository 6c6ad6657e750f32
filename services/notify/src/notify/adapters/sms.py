"""SMS behind a provider interface: a generic HTTP JSON provider, and a file sink for the local stack."""

import asyncio
import json
from pathlib import Path

import httpx

from notify.service_layer.ports import DeliveryError
from outreach_shared.skeleton import Clock, SystemClock


class HttpSmsSender:
    """POSTs `{"to", "from", "text", "reference"}` as JSON with a bearer token; 4xx (not 408/429) is permanent."""

    def __init__(self, *, url: str, token: str, sender: str, client: httpx.AsyncClient | None = None) -> None:
        self._url = url
        self._token = token
        self._sender = sender
        self._client = client or httpx.AsyncClient(timeout=15.0)

    async def send(self, *, to: str, text: str, reference: str) -> None:
        """Send through the HTTP provider."""
        body = {"to": to, "from": self._sender, "text": text, "reference": reference}
        headers = {"Authorization": f"Bearer {self._token}", "Idempotency-Key": reference}
        try:
            response = await self._client.post(self._url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"SMS provider unreachable: {type(exc).__name__}", permanent=False) from exc
        if response.is_success:
            return
        permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        raise DeliveryError(f"SMS provider answered {response.status_code}", permanent=permanent)

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()


class FileSmsSender:
    """Appends each message as a JSON line to a file: the local stack's SMS 'provider'."""

    def __init__(self, path: str | Path, clock: Clock | None = None) -> None:
        self._path = Path(path)
        self._lock = asyncio.Lock()
        self._clock = clock or SystemClock()

    async def send(self, *, to: str, text: str, reference: str) -> None:
        """Write the message to the file."""
        line = json.dumps({"to": to, "text": text, "reference": reference, "at": self._clock.now().isoformat()})
        async with self._lock:
            await asyncio.to_thread(self._append, line)

    def _append(self, line: str) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
