"""FastAPI app factory: health and readiness, RFC 9457 problem+json errors, request ids, body limits, auth."""

import contextlib
import functools
import gc
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any, Protocol

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from outreach_shared.auth import Principal, Role
from outreach_shared.bulkheads import is_transient
from outreach_shared.contracts.envelope import SAFE_ID
from outreach_shared.errors import DomainError, Forbidden, Unauthorized
from outreach_shared.logging import bound, get_logger
from outreach_shared.metrics import HTTP_LATENCY, HTTP_REQUESTS, Lags, render
from outreach_shared.parameters import ParameterGuard, document_parameter_rule
from outreach_shared.signing import KeySet, verify_token

log = get_logger(__name__)
PROBLEM_JSON = "application/problem+json"
ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024
MAX_OFFSET = 1_000_000_000
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")]
"""A list's `offset` query parameter, bounded so that no number reaches the database as an out-of-range integer."""


def problem(
    status: int, title: str, detail: str, *, instance: str | None = None, **extra: Any
) -> JSONResponse:
    """An RFC 9457 problem details response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _describe_validation(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    errors = [
        {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "reason": e["msg"]} for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field'] or 'body'}: {e['reason']}" for e in errors)
    return detail, errors


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
_PROBLEM_DESCRIPTIONS = {
    400: "The body could not be read",
    401: "No valid bearer token",
    403: "The token's role may not do this",
    404: "No such resource, or it is not the caller's",
    409: "Not possible in the resource's current state",
    413: "The request body is over the size limit",
    422: "Invalid request; `errors` names each field",
    429: "Too many requests; wait for Retry-After seconds",
    500: "An unexpected error; the detail says no more (the logs have it under the X-Request-ID)",
    503: "The database or Kafka cannot be reached now; try again after Retry-After seconds",
}


def problem_response(status: int, description: str | None = None, **extra: Any) -> dict[str, Any]:
    """An OpenAPI response entry for a problem+json answer (for `responses=` of routes and routers)."""
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {"description": description or _PROBLEM_DESCRIPTIONS[status], "content": content, **extra}


def text_response(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route answering 200 with a text file (calendar, CSV): typed as a string, so a generated
    client hands over the text."""
    return {200: {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}}


def raw_body(media_type: str, description: str) -> dict[str, Any]:
    """`openapi_extra=` for a route reading a file as its body: `media_type` as text, or the same bytes as
    application/octet-stream (generated clients, openapi-python-client among them, send files that way)."""
    content = {media_type: {"schema": {"type": "string"}},
               "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}  # fmt: skip
    return {"requestBody": {"required": True, "description": description, "content": content}}


def _problem_statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """The problem statuses an operation can answer with, judged from its shape (any can fail unexpectedly)."""
    statuses = [500]
    has_body, has_path_id = "requestBody" in operation, "{" in path
    if operation.get("security"):
        statuses += [401, 403]
    if has_body:
        statuses += [400, 413]
    if has_body or operation.get("parameters"):
        statuses.append(422)
    if has_path_id:
        statuses.append(404)
    if path.startswith("/v1/") and (method != "get" or has_path_id):
        statuses.append(409)
    if path.startswith("/v1/"):
        statuses.append(503)
    return statuses


def document_problems(spec: dict[str, Any]) -> dict[str, Any]:
    """Document the problem+json answers of every operation (FastAPI's own 422 schema is not what we send)."""
    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in _problem_statuses(path, method, operation):
                documented = responses.get(str(status))
                if documented is None or status == 422:
                    described = (documented or {}).get("description")
                    responses[str(status)] = problem_response(status, described if documented else None)
    return spec


def install_problem_handlers(app: FastAPI) -> None:
    """Every error leaves as problem+json with a useful detail."""

    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, exc: DomainError) -> JSONResponse:
        errors = [{"field": exc.field, "reason": exc.detail}] if exc.field else None
        headers_extra = {"errors": errors}
        response = problem(exc.status, exc.title, exc.detail, instance=request.url.path, **headers_extra)
        if isinstance(exc, Unauthorized):
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, errors = _describe_validation(exc)
        return problem(422, "Unprocessable content", detail, instance=request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = problem(exc.status_code, str(exc.detail), str(exc.detail), instance=request.url.path)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        allowed = PathMethods.of(app).allowed(request.url.path) if exc.status_code == 405 else None
        if allowed:  # starlette names the methods of the first route of the path only
            response.headers["Allow"] = ", ".join(sorted(allowed))
        return response

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_transient(exc):  # the database or broker away: the same request will work later
            log.warning("request refused: infrastructure unavailable", error=type(exc).__name__)
            response = problem(503, "Service unavailable", "the database or Kafka cannot be reached now: try again "
                               "(with the same Idempotency-Key where the route takes one)",
                               instance=request.url.path)  # fmt: skip
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        log.exception("unhandled error")
        return problem(
            500, "Internal server error", "an unexpected error occurred", instance=request.url.path
        )


RETRY_AFTER_SECONDS = 5
"""What a 503 asks a client to wait before trying again (a PostgreSQL restart takes a few seconds)."""

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _template_regex(path: str) -> re.Pattern[str]:
    """`/v1/members/{member_id}` as a pattern matching `/v1/members/<one segment>`."""
    return re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")


class PathMethods:
    """The methods each path of a service answers to, as its OpenAPI document lists them (what a 405 names in
    `Allow`). A literal path (`/v1/members/import`) has only its own, even where a templated one
    (`/v1/members/{member_id}`) has the same shape."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.literal: dict[str, set[str]] = {}
        self.templated: list[tuple[re.Pattern[str], set[str]]] = []
        for path, operations in spec.get("paths", {}).items():
            methods = {m.upper() for m in operations if m in HTTP_METHODS}
            methods |= {"HEAD"} if "GET" in methods else set()
            if "{" in path:
                self.templated.append((_template_regex(path), methods))
            else:
                self.literal[path] = methods

    @classmethod
    def of(cls, app: Any) -> "PathMethods":
        """The app's (built from its OpenAPI document once)."""
        found: PathMethods | None = getattr(app.state, "path_methods", None)
        if found is None:
            found = app.state.path_methods = cls(app.openapi())
        return found

    def allowed(self, path: str) -> set[str]:
        """The methods of `path`; empty for a path the document does not have."""
        if path in self.literal:
            return self.literal[path]
        return {m for pattern, methods in self.templated if pattern.match(path) for m in methods}


class LiteralPathMethodMiddleware:
    """Answers 405 for a method a literal path does not have, before routing could take the path for a templated
    one with that id (`PATCH /v1/members/import` is not `PATCH /v1/members/{member_id}` with the id "import")."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            methods = PathMethods.of(scope["app"]).literal.get(scope["path"])
            if methods and scope["method"] not in methods:
                allow = ", ".join(sorted(methods))
                response = problem(405, "Method Not Allowed", f"{scope['path']} answers to {allow}",
                                   instance=scope["path"])  # fmt: skip
                response.headers["Allow"] = allow
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _safe_id(value: str | None) -> str | None:
    """A caller's request or correlation id if it is a plain id (it is logged and travels in events), else None."""
    return value if value and re.fullmatch(SAFE_ID, value) else None


class RequestContextMiddleware:
    """Gives every request an id (X-Request-ID, also its correlation id) bound to its log lines, and measures it.

    A pure ASGI middleware: starlette's BaseHTTPMiddleware costs a task and a stream per request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _ids_given(scope)
        request_id = _safe_id(given.get(b"x-request-id")) or str(uuid.uuid4())
        correlation_id = _safe_id(given.get(b"x-correlation-id")) or request_id
        scope.setdefault("state", {}).update(request_id=request_id, correlation_id=correlation_id)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        started = time.perf_counter()
        try:
            with bound(request_id=request_id, correlation_id=correlation_id):
                await self.app(scope, receive, send_with_id)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            latency, requests = _metrics_of(route, scope["method"], status // 100)
            latency.observe(time.perf_counter() - started)
            requests.inc()


def _ids_given(scope: Scope) -> dict[bytes, str]:
    """The caller's X-Request-ID and X-Correlation-ID headers (the first of each), in one pass over the headers."""
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in _ID_HEADERS and name not in found:
            found[name] = value.decode("latin-1")
    return found


_ID_HEADERS = frozenset({b"x-request-id", b"x-correlation-id"})


@functools.lru_cache(maxsize=1024)
def _metrics_of(route: str, method: str, status_class: int) -> tuple[Any, Any]:
    """The latency and request counters of a route, method and status class (labels checked once, not per request)."""
    return HTTP_LATENCY.labels(route, method), HTTP_REQUESTS.labels(route, method, f"{status_class}xx")


class RequestTooLarge(StarletteHTTPException):
    """The request body is over the service's limit (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the limit of {limit} bytes")


def configured_body_limit(scope: Scope) -> int:
    """The running service's `max_request_bytes` setting (1 MiB when the app has no runtime)."""
    runtime = getattr(scope["app"].state, "runtime", None)
    limit = getattr(getattr(runtime, "settings", None), "max_request_bytes", None)
    return int(limit) if limit else DEFAULT_MAX_REQUEST_BYTES


def _content_length(scope: Scope) -> int | None:
    """The request's Content-Length, or None without one (a chunked body) or with one that is not a number."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class RequestSizeLimitMiddleware:
    """Refuses bodies over the limit with 413 problem+json: by Content-Length at once, and while they stream."""

    def __init__(self, app: ASGIApp, max_bytes: Callable[[Scope], int] = configured_body_limit) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes(scope)
        declared = _content_length(scope)
        if declared is not None:  # the server hands over no more than the declared length: nothing to count
            if declared > limit:
                await self._refuse(limit, scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise RequestTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except RequestTooLarge:
            if started:
                raise
            await self._refuse(limit, scope, receive, send)

    @staticmethod
    async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        exc = RequestTooLarge(limit)
        response = problem(413, "Content too large", str(exc.detail), instance=scope.get("path"))
        await response(scope, receive, send)


class Readiness(BaseModel):
    """Whether the service can serve: each check by name."""

    status: str
    checks: dict[str, bool]


NO_TELEMETRY: Any = {"tracing": False, "metrics": False, "logs": False}
"""FastAPI's native OpenTelemetry off (no service configures a provider): else FastAPI asks the global providers
whether they are configured on every request (~1.5% of booking's create in-process). Our metrics are Prometheus'."""


def create_app(
    *,
    title: str,
    version: str = "0.1.0",
    routers: Sequence[Any] = (),
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    readiness: ReadinessCheck | None = None,
    description: str = "",
    pool: Callable[[], Any] | None = None,
    lags: Lags | None = None,
) -> FastAPI:
    """A FastAPI service with /healthz, /readyz, problem+json errors and request ids."""
    app = FastAPI(title=title, version=version, description=description, lifespan=_frozen_after_start(lifespan),
                  telemetry=NO_TELEMETRY)
    app.add_middleware(LiteralPathMethodMiddleware)
    app.add_middleware(RequestSizeLimitMiddleware)  # inside the request context, so a 413 has a request id too
    app.add_middleware(ParameterGuard)  # control characters in a path or query never reach a route (or SQL)
    app.add_middleware(RequestContextMiddleware)
    install_problem_handlers(app)

    @app.get("/healthz", tags=["operations"], summary="Alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Ready: database and Kafka reachable",
        response_model=Readiness,
        responses={503: {"description": "Not ready", "model": Readiness}},
    )
    async def readyz() -> JSONResponse:
        checks = await readiness() if readiness else {}
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
        )

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=Response,
             responses=text_response("text/plain", "Prometheus' text exposition format"))  # fmt: skip
    async def metrics() -> Response:
        body, content_type = await render(pool() if pool else None, lags)
        return Response(body, media_type=content_type)

    for router in routers:
        app.include_router(router)
    _document_problems_in_openapi(app)
    return app


GC_THRESHOLDS = (10_000, 20, 20)
"""The garbage collector's thresholds once a service has started (CPython's defaults: 700, 10, 10). A request
allocates about a thousand objects, nearly all freed by reference counting, yet at 700 the young generation was
collected every request or so. Booking's benchmark, counted with gc.callbacks over one whole run: 2,602 young, 236
middle and 22 full collections took 2.1 s of CPU at the defaults; 290, 26 and 3 took 0.3 s at these. The service's
CPU per create at saturation: 1,307-1,362 us in three runs at the defaults, 1,064-1,358 us in four runs after,
within the same hour. Full collections pause every request for 18-100 ms; they now come seven times less often.
Cyclic garbage lives a little longer before it is freed."""


def settle_garbage_collector() -> None:
    """Once start-up is done: collect, freeze what start-up built (modules, app, pools: ~100k objects, which live as
    long as the process and which a full collection would otherwise scan, pausing every request for 50-100 ms), and
    collect less often (GC_THRESHOLDS)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _frozen_after_start(
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The lifespan, then `settle_garbage_collector()`."""

    @contextlib.asynccontextmanager
    async def frozen(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app) if lifespan else contextlib.nullcontext():
            settle_garbage_collector()
            try:
                yield
            finally:
                gc.unfreeze()

    return frozen


def _document_problems_in_openapi(app: FastAPI) -> None:
    generate = app.openapi
    documented = False

    def openapi() -> dict[str, Any]:
        nonlocal documented
        spec = generate()
        if not documented:
            document_problems(spec)
            document_parameter_rule(spec)
            documented = True
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


_bearer = HTTPBearer(auto_error=False, description="A token from `outreach token ...`")


class TokenVerifier(Protocol):
    """What verifies a service's tokens (its Runtime): the keys it trusts and the audience tokens must name."""

    @property
    def keys(self) -> KeySet: ...

    @property
    def audience(self) -> str: ...


def principal_dependency(verifier: TokenVerifier) -> Callable[..., Awaitable[Principal]]:
    """A dependency that turns the bearer token into a Principal (401 without a valid one)."""

    async def current_principal(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        return await principal_from(credentials, verifier)

    return current_principal


def role_dependency(verifier: TokenVerifier, *roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency for routes only some roles may use: the Principal, or 401/403 before any parameter or body is
    checked (a school calling an organisers' route learns 403, not which of its parameters were wrong)."""

    async def caller_in_role(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        return require_role(await principal_from(credentials, verifier), *roles)

    return caller_in_role


async def principal_from(credentials: HTTPAuthorizationCredentials | None, verifier: TokenVerifier) -> Principal:
    """The Principal of a bearer token signed by a key the verifier trusts, for its audience (401 without a valid
    one), for dependencies that do more than that."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("a bearer token is required")
    return await verify_token(verifier.keys, credentials.credentials, audience=verifier.audience)


def require_role(principal: Principal, *roles: Role) -> Principal:
    """Raise 403 unless the principal has one of the roles."""
    if principal.role not in roles:
        raise Forbidden(f"this needs the role {' or '.join(roles)}")
    return principal


def require_owner(principal: Principal, *, orgnr: str | None = None, member_id: str | None = None) -> Principal:
    """Organisers pass; a school must carry `orgnr`, a member must be `member_id` (403 otherwise)."""
    if principal.role == "organiser":
        return principal
    if principal.role == "school" and orgnr is not None and principal.orgnr == orgnr:
        return principal
    if principal.role == "member" and member_id is not None and principal.member_id == member_id:
        return principal
    raise Forbidden("this token may not act for that school or member")
