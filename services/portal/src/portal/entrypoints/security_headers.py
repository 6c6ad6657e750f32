"""The headers every page and asset of the portal carries: a strict Content-Security-Policy (this origin only, no
inline script or style), no MIME sniffing, no framing, no referrer beyond this origin.

Pages get them twice over: `render` puts them on every rendered page, and routers made by `page_router()` put them
on every other answer of their routes (redirects, errors). The static files carry them through `secured`.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # Designsystemet's CSS draws its icons as data: SVGs
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])  # fmt: skip
HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def secure(response: Response) -> Response:
    """`response` with the headers (those it set itself kept)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class PageRoute(APIRoute):
    """A route whose every answer carries the headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            return secure(await handle(request))

        return handler


def page_router(**options: Any) -> APIRouter:
    """A router for pages: its routes carry the headers and stay out of the OpenAPI document (they answer HTML)."""
    return APIRouter(route_class=PageRoute, include_in_schema=False, **options)


def secured(app: ASGIApp) -> ASGIApp:
    """An ASGI app (the static files) whose answers carry the headers."""
    raw = [(name.lower().encode(), value.encode()) for name, value in HEADERS.items()]

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *raw]
            await send(message)

        await app(scope, receive, sending)

    return wrapped
