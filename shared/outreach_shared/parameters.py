"""Path and query parameters holding control characters are refused before any route sees them.

PostgreSQL cannot store NUL in text (asyncpg: "invalid byte sequence for encoding UTF8: 0x00"), so `%00` in an id or
a filter reached the database and came back as a 500 in every service. No resource has a control character in its
path (404), and no filter value holds one (422 naming `query.<name>`): one check here, for every route of every
service, whatever type the route gives the parameter.
"""

import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from outreach_shared.bounds.text import NO_CONTROLS, first_control_character

_ESCAPED_OR_RAW_CONTROL = re.compile(rb"[%\x00-\x1f\x7f]")
"""What a query string holds before any control character can come out of decoding it (one search, ~0.1 us)."""


class ParameterGuard:
    """A pure ASGI middleware: 404 for a path, 422 for a query parameter, holding a control character."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = _refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _refusal(scope: Scope) -> ASGIApp | None:
    from outreach_shared.http import problem  # http builds the app with this guard in it

    path: str = scope["path"]
    at = first_control_character(path)
    if at is not None:
        detail = f"the path holds a control character (U+{ord(path[at]):04X}); no resource has one in its name"
        return problem(404, "Not found", detail, instance=_printable(path))
    raw: bytes = scope.get("query_string", b"")
    if _ESCAPED_OR_RAW_CONTROL.search(raw) is None:
        return None  # the common case: nothing escaped, nothing to decode
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        at = first_control_character(name + "=" + value)
        if at is not None:
            field = f"query.{_printable(name)}"
            reason = "holds a control character"
            return problem(
                422,
                "Unprocessable content",
                f"{field}: {reason}",
                instance=_printable(path),
                errors=[{"field": field, "reason": reason}],
            )
    return None


def _printable(text: str) -> str:
    """The text with each control character written as an escape, fit to echo in a problem."""
    return "".join(c if first_control_character(c) is None else f"\\u{ord(c):04x}" for c in text)


def document_parameter_rule(spec: dict[str, Any]) -> dict[str, Any]:
    """State the guard's rule in the OpenAPI: every text path or query parameter without a pattern of its own gets
    one that excludes control characters (a pattern of its own, like `^\\d{4}$`, excludes them already)."""
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") in ("path", "query"):
                    for schema in _text_schemas(parameter.get("schema", {})):
                        schema.setdefault("pattern", NO_CONTROLS.pattern)
    return spec


def _text_schemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema itself, or its branches, that are free text (a string without an enum or a format)."""
    branches = schema.get("anyOf") or schema.get("oneOf") or [schema]
    return [b for b in branches if b.get("type") == "string" and "enum" not in b and "format" not in b]
