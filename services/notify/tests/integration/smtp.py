"""A real SMTP server in-process (aiosmtpd) that records messages and can refuse recipients on cue."""

import socket
from collections import defaultdict
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RecordingHandler:
    """Accepts mail and keeps it; `answers[address]` is a queue of RCPT replies (e.g. '451 ...') to give first."""

    def __init__(self) -> None:
        self.port = 0
        self.messages: list[EmailMessage] = []
        self.answers: dict[str, list[str]] = defaultdict(list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        queued = self.answers.get(address.lower())
        if queued:
            return queued.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """Messages addressed to `address`."""
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]


def start_smtp() -> tuple[Controller, RecordingHandler]:
    handler = RecordingHandler()
    handler.port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    return controller, handler
