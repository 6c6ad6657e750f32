"""How a provider says an attempt failed."""


class DeliveryError(Exception):
    """An attempt failed; `permanent` means retrying cannot help (e.g. SMTP 5xx, unknown number)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason[:500]
        self.permanent = permanent
