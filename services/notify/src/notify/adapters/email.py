"""E-mail over SMTP (aiosmtplib): multipart plain text + HTML, with an .ics invitation when there is one."""

import asyncio
import contextlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

import aiosmtplib

from notify.adapters.errors import DeliveryError
from notify.adapters.templates import Rendered


@dataclass(frozen=True)
class Envelope:
    """Who an e-mail goes to and its stable id (the same on every attempt of one delivery)."""

    to: str
    to_name: str | None
    message_id: str


def build_message(sender: str, envelope: Envelope, rendered: Rendered, calendar: str | None) -> EmailMessage:
    """A multipart/alternative message, wrapped in multipart/mixed when an invitation is attached."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = formataddr((envelope.to_name or "", envelope.to))
    msg["Subject"] = rendered.subject
    msg["Message-ID"] = envelope.message_id
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    if calendar is not None:
        method = "CANCEL" if "METHOD:CANCEL" in calendar else "REQUEST"
        msg.add_attachment(
            calendar.encode(),
            maintype="text",
            subtype="calendar",
            filename="invitation.ics",
            params={"method": method},
        )
    return msg


def _code_error(code: int, message: str) -> DeliveryError:
    return DeliveryError(f"SMTP {code} {message}".strip(), permanent=500 <= code < 600)


class SmtpEmailSender:
    """Sends through one SMTP server over a small pool of reused connections.

    5xx answers are permanent, 4xx and connection trouble are not. A connection that failed in any way is
    dropped (the next message opens a new one); one idle for a while is checked with NOOP before it is used,
    so a server that closed it is noticed before anything is handed over, never after.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str = "",
        password: str = "",
        start_tls: bool = False,
        timeout: float = 30.0,
        pool_size: int = 8,
        idle_check_seconds: float = 10.0,
    ) -> None:
        self._options: dict[str, Any] = {
            "hostname": host,
            "port": port,
            "username": username or None,
            "password": password or None,
            "start_tls": start_tls,
            "timeout": timeout,
        }
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []
        self._slots = asyncio.Semaphore(max(1, pool_size))
        self._idle_check = idle_check_seconds

    async def send(self, message: EmailMessage) -> None:
        """Hand the message to the server; returns once it accepted it, else raises DeliveryError."""
        async with self._slots:
            client: aiosmtplib.SMTP | None = None
            try:
                client = await self._client()
                await client.send_message(message)
            except aiosmtplib.SMTPRecipientsRefused as exc:
                _drop(client)
                first = exc.recipients[0]
                raise _code_error(first.code, first.message) from exc
            except aiosmtplib.SMTPResponseException as exc:
                _drop(client)
                raise _code_error(exc.code, exc.message) from exc
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                _drop(client)
                raise DeliveryError(f"SMTP unavailable: {type(exc).__name__}: {exc}", permanent=False) from exc
            except BaseException:
                _drop(client)
                raise
            self._idle.append((client, time.monotonic()))

    async def _client(self) -> aiosmtplib.SMTP:
        while self._idle:
            client, since = self._idle.pop()
            if not client.is_connected:
                continue
            if time.monotonic() - since < self._idle_check:
                return client
            try:
                await client.noop()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                _drop(client)
                continue
            return client
        client = aiosmtplib.SMTP(**self._options)
        await client.connect()
        return client

    async def close(self) -> None:
        """Say goodbye on every idle connection."""
        idle, self._idle = self._idle, []
        for client, _ in idle:
            with contextlib.suppress(Exception):
                await client.quit()
            _drop(client)


def _drop(client: aiosmtplib.SMTP | None) -> None:
    if client is not None and client.is_connected:
        with contextlib.suppress(Exception):
            client.close()
