"""An SMTP server whose behaviour a test switches: accept (and keep), refuse with 4xx or 5xx, or time out.

It keeps what it accepted in the mail catcher's `MailStore`, so mails can be counted per recipient and Message-ID.
Refusals and time-outs happen before DATA, so a refused or timed-out attempt never leaves a message behind.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

from outreach_dev.devstack._util import free_port
from outreach_dev.devstack.mailcatcher import MailStore

ACCEPT, TEMPFAIL, PERMFAIL, TIMEOUT = "accept", "tempfail", "permfail", "timeout"


@dataclass
class Behaviour:
    """What the server does: a default mode, and modes for recipients containing a marker."""

    mode: str = ACCEPT
    by_marker: dict[str, str] = field(default_factory=dict)
    stall_seconds: float = 5.0

    def mode_for(self, recipient: str) -> str:
        """The mode for one recipient address."""
        return next((m for marker, m in self.by_marker.items() if marker in recipient.lower()), self.mode)


class _Handler:
    def __init__(self, server: SwitchableSmtp) -> None:
        self._server = server

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if self._server.behaviour.mode == TIMEOUT:
            self._server.count("timeout")
            await asyncio.sleep(self._server.behaviour.stall_seconds)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        mode = self._server.behaviour.mode_for(address)
        if mode == TEMPFAIL:
            self._server.count("tempfail")
            return "451 4.3.0 Try again later (fault injection)"
        if mode == PERMFAIL:
            self._server.count("permfail")
            return "550 5.1.1 Mailbox unavailable (fault injection)"
        if mode == TIMEOUT:
            self._server.count("timeout")
            await asyncio.sleep(self._server.behaviour.stall_seconds)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        self._server.store.add(str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos], bytes(raw))
        self._server.count("accepted")
        return "250 Message accepted for delivery"


class SwitchableSmtp:
    """The server, on its own thread and event loop (independent of the test's loop)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.store = MailStore()
        self.behaviour = Behaviour()
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10)

    def start(self) -> SwitchableSmtp:
        """Listen."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    def count(self, what: str) -> None:
        """Count one refusal, time-out or acceptance."""
        with self._lock:
            self.counts[what] += 1

    def switch(self, mode: str = ACCEPT, **by_marker: str) -> None:
        """Set the default mode and per-recipient-marker modes."""
        self.behaviour = Behaviour(mode, dict(by_marker), self.behaviour.stall_seconds)

    def message_ids(self) -> Counter[str]:
        """How many times each Message-ID arrived."""
        return Counter(str(m.parsed.get("Message-ID", "")).strip("<>") for m in self.store.messages())

    def mails_to(self, address: str) -> list[dict[str, Any]]:
        """Summaries of the mails to `address` (recipient, subject, Message-ID)."""
        return [
            m.summary() | {"message_id": str(m.parsed.get("Message-ID", "")).strip("<>")}
            for m in self.store.messages(address)
        ]
