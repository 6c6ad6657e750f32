"""A small hierarchy of errors that domain code raises and entry points translate (HTTP: problem+json)."""


class DomainError(Exception):
    """Base of every rule violation; `status` is the HTTP status it maps to."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class NotFound(DomainError):
    """The resource does not exist, or belongs to someone else (so ids cannot be probed)."""

    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The request is valid but the resource's state does not allow it now."""

    status = 409
    title = "Conflict"


class Invalid(DomainError):
    """The request breaks a rule about its content."""

    status = 422
    title = "Unprocessable content"


class Forbidden(DomainError):
    """The caller may not do this."""

    status = 403
    title = "Forbidden"


class Unauthorized(DomainError):
    """No valid credentials."""

    status = 401
    title = "Unauthorized"


class PermanentEventError(Exception):
    """An event handler met an event that is valid but impossible: dead-letter it at once, no retries."""
