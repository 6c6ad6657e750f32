"""FastAPI app factory: health and readiness, RFC 9457 problem+json errors, request ids, auth dependencies."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from outreach_shared.auth import Principal, Role, decode_token
from outreach_shared.errors import DomainError, Forbidden, Unauthorized
from outreach_shared.logging import bound, get_logger

log = get_logger(__name__)
PROBLEM_JSON = "application/problem+json"
ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]


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
        return response

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem(
            500, "Internal server error", "an unexpected error occurred", instance=request.url.path
        )


class RequestContextMiddleware(BaseHTTPMiddleware):
    """Gives every request an id (X-Request-ID, also its correlation id) bound to its log lines."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        request_id = request.headers.get("x-request-id") or str(uuid.uuid4())
        correlation_id = request.headers.get("x-correlation-id") or request_id
        request.state.request_id = request_id
        request.state.correlation_id = correlation_id
        with bound(request_id=request_id, correlation_id=correlation_id):
            response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        return response


def create_app(
    *,
    title: str,
    version: str = "0.1.0",
    routers: Sequence[Any] = (),
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    readiness: ReadinessCheck | None = None,
    description: str = "",
) -> FastAPI:
    """A FastAPI service with /healthz, /readyz, problem+json errors and request ids."""
    app = FastAPI(title=title, version=version, description=description, lifespan=lifespan)
    app.add_middleware(RequestContextMiddleware)
    install_problem_handlers(app)

    @app.get("/healthz", tags=["operations"], summary="Alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Ready: database and Kafka reachable",
        responses={503: {"description": "Not ready"}},
    )
    async def readyz() -> JSONResponse:
        checks = await readiness() if readiness else {}
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
        )

    for router in routers:
        app.include_router(router)
    return app


_bearer = HTTPBearer(auto_error=False, description="A token from `outreach token ...`")


def principal_dependency(secret: Callable[[], str]) -> Callable[..., Awaitable[Principal]]:
    """A dependency that turns the bearer token into a Principal (401 without a valid one)."""

    async def current_principal(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthorized("a bearer token is required")
        return decode_token(secret(), credentials.credentials)

    return current_principal


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
