"""What leaves the process, as the service layer sees it: e-mail, SMS, rendering, wake-ups and its transactions."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

from notify.domain.notices import NoticeType
from notify.domain.rendered import Email, Rendered

if TYPE_CHECKING:
    from notify.service_layer.unit_of_work import NotifyUnit


class DeliveryError(Exception):
    """An attempt failed; `permanent` means retrying cannot help (e.g. SMTP 5xx, unknown number)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason[:500]
        self.permanent = permanent


class EmailSender(Protocol):
    """Builds and sends one e-mail; raises DeliveryError (a message that cannot be built raises what it raises)."""

    async def send(self, email: Email) -> None:
        """Hand the e-mail to the provider; returns once it accepted it."""
        ...


class SmsSender(Protocol):
    """Sends one text message; raises DeliveryError."""

    async def send(self, *, to: str, text: str, reference: str) -> None:
        """Hand the message to the provider; returns once it accepted it."""
        ...


class Renderer(Protocol):
    """Renders a notice for one language (pure CPU: whatever it raises is the notice's fault)."""

    def render(
        self, notice_type: NoticeType, lang: str, context: dict[str, Any], recipient_name: str | None = None
    ) -> Rendered:
        """Subject, plain text, HTML and SMS text of a notice in `lang`."""
        ...


class Wakeups(Protocol):
    """Tells the worker that deliveries were planned or are due again (`inbox`, `send`, or '' for both)."""

    async def listen(self, on_wake: Callable[[str], None]) -> None:
        """Call `on_wake` with each wake-up's payload until cancelled (and once at the start, with '')."""
        ...


Units = Callable[[], AbstractAsyncContextManager["NotifyUnit"]]
"""Opens a unit of work of its own: one transaction, committed with its events when the block ends."""
