"""A notice rendered for one recipient's language, and an e-mail ready to build."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Rendered:
    """A notice rendered for one language."""

    subject: str
    text: str
    html: str
    sms: str
    settings_url: str = ""
    """The recipient's notification settings in the web app (the mail's List-Unsubscribe)."""


@dataclass(frozen=True)
class Email:
    """One e-mail of a delivery: to whom, its stable Message-ID (the same on every attempt), the rendered notice and
    the calendar invitation (iCalendar text) to attach, if any."""

    to: str
    to_name: str | None
    message_id: str
    rendered: Rendered
    calendar: str | None = None
