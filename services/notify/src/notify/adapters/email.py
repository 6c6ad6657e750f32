"""E-mail over SMTP (aiosmtplib): multipart plain text + HTML, with an .ics invitation when there is one."""

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

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
    """Sends through one SMTP server; 5xx answers are permanent, 4xx and connection trouble are not."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str = "",
        password: str = "",
        start_tls: bool = False,
        timeout: float = 30.0,
    ) -> None:
        self._options = {
            "hostname": host,
            "port": port,
            "username": username or None,
            "password": password or None,
            "start_tls": start_tls,
            "timeout": timeout,
        }

    async def send(self, message: EmailMessage) -> None:
        """Hand the message to the server; returns once it accepted it, else raises DeliveryError."""
        try:
            await aiosmtplib.send(message, **self._options)  # type: ignore[arg-type]
        except aiosmtplib.SMTPRecipientsRefused as exc:
            first = exc.recipients[0]
            raise _code_error(first.code, first.message) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise _code_error(exc.code, exc.message) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryError(f"SMTP unavailable: {type(exc).__name__}: {exc}", permanent=False) from exc
