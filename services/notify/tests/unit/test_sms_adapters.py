"""The SMS adapters against a real HTTP server on loopback and a real file."""

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notify.adapters.sms import FileSmsSender, HttpSmsSender
from notify.service_layer.ports import DeliveryError


class Provider:
    """A tiny SMS provider: records requests and answers with the next queued status."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, str]]] = []
        self.statuses: list[int] = []


@pytest.fixture
def provider() -> Iterator[tuple[Provider, str]]:
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append((dict(self.headers), body))
            self.send_response(state.statuses.pop(0) if state.statuses else 202)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{port}/messages"
    server.shutdown()


async def test_http_provider_gets_json_with_bearer_token_and_idempotency_key(provider):
    state, url = provider
    sender = HttpSmsSender(url=url, token="sms-token", sender="Jobbvinner")
    await sender.send(to="+4791234567", text="Husk besøket i morgen", reference="delivery-1")
    await sender.close()
    headers, body = state.requests[0]
    assert body == {"to": "+4791234567", "from": "Jobbvinner", "text": "Husk besøket i morgen",
                    "reference": "delivery-1"}
    assert headers["Authorization"] == "Bearer sms-token"
    assert headers["Idempotency-Key"] == "delivery-1"


@pytest.mark.parametrize(("status", "permanent"), [(400, True), (404, True), (429, False), (408, False),
                                                     (500, False), (503, False)])
async def test_http_provider_errors_are_permanent_only_for_client_errors(provider, status, permanent):
    state, url = provider
    state.statuses.append(status)
    sender = HttpSmsSender(url=url, token="t", sender="Jobbvinner")
    with pytest.raises(DeliveryError) as failure:
        await sender.send(to="+4791234567", text="x", reference="r")
    await sender.close()
    assert failure.value.permanent is permanent
    assert str(status) in str(failure.value)


async def test_unreachable_provider_is_a_transient_failure():
    sender = HttpSmsSender(url="http://127.0.0.1:9/messages", token="t", sender="Jobbvinner")
    with pytest.raises(DeliveryError) as failure:
        await sender.send(to="+4791234567", text="x", reference="r")
    await sender.close()
    assert failure.value.permanent is False


async def test_file_sink_appends_one_json_line_per_message(tmp_path):
    sink = FileSmsSender(tmp_path / "sms" / "out.jsonl")
    await asyncio.gather(*(sink.send(to=f"+47912345{i:02d}", text=f"melding {i}", reference=f"r{i}") for i in range(5)))
    lines = [json.loads(line) for line in (tmp_path / "sms" / "out.jsonl").read_text().splitlines()]
    assert sorted(line["reference"] for line in lines) == [f"r{i}" for i in range(5)]
