"""A route class for the busiest endpoint: FastAPI's contract, a shorter way to the common case.

FastAPI's generic handler solves the endpoint's dependency graph on every request and parses the content type as a
MIME header; for `POST /v1/visit-requests` that was about a fifth of booking's CPU per request (900 -> 540 us in
process). `LeanRoute` keeps all FastAPI derives from the endpoint's signature (OpenAPI, the body and header models,
their error format) and answers only the common case itself: a body sent as `application/json` that validates,
header parameters that validate, no dependency overrides, FastAPI's native telemetry off (as here: no OpenTelemetry
provider is configured). Anything else (an invalid or missing header, another content type, malformed JSON, a body
that does not validate, a traced request) goes to FastAPI's own handler for the same request, so every error answer
is FastAPI's.

The short way validates the body from its JSON text (pydantic's JSON mode, no Python dicts in between), FastAPI from
`json.loads`' values: for the shapes where the two readings could differ (numbers as strings, floats and booleans for
ints, duplicate keys, NaN, surrogates, a BOM, UTF-16...), the tests compare both answers.

Validation has no side effects, so checking it before the dependencies (FastAPI calls them first) changes nothing a
client sees: when it fails, FastAPI's handler calls the dependencies (and a 401 or 429 they raise still wins over a
422); when it passes, they are called here. Either way each dependency runs once per request.
"""

import inspect
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.telemetry import get_telemetry_data
from pydantic import TypeAdapter
from starlette.exceptions import HTTPException as StarletteHTTPException

try:  # FastAPI builds an included route's handler with its effective (prefixed, merged) context
    from fastapi.routing import _effective_route_context_var as _route_context
except ImportError:  # pragma: no cover - older FastAPI: the route itself is the context
    _route_context = None  # type: ignore[assignment]

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
JSON = "application/json"


class LeanRoute(APIRoute):
    """An APIRoute for an async endpoint taking one JSON body, header parameters, the Request and plain dependencies
    (async callables of the Request and further plain dependencies); refuses other endpoints when it is built."""

    def get_route_handler(self) -> Handler:
        """FastAPI's handler, behind the short way for requests that pass validation."""
        fastapi_handler = super().get_route_handler()
        effective = _route_context.get() if _route_context is not None else None
        route = effective if effective is not None and effective.original_route is self else self
        dependant: Dependant = route.dependant
        refusal = _unsupported(dependant)
        if route._embed_body_fields or getattr(route, "max_body_size", None) is not None:
            refusal = "the body is embedded, or FastAPI limits its size"
        if refusal:
            raise TypeError(f"LeanRoute cannot serve {self.path}: {refusal}")
        (body_field,) = dependant.body_params
        body_type: Any = Annotated[body_field.field_info.annotation, body_field.field_info]  # as FastAPI builds it
        body_adapter: TypeAdapter[Any] = TypeAdapter(body_type)
        headers = [(field, field.field_info.alias or field.name) for field in dependant.header_params]

        async def handler(request: Request) -> Response:
            if (
                not _is_json(request.headers.get("content-type"))
                or request.app.dependency_overrides
                or get_telemetry_data() is not None  # FastAPI's native telemetry traces its handler's steps
            ):
                return await fastapi_handler(request)
            try:
                sent = await request.body()  # kept on the request: FastAPI's handler reads it from there
            except StarletteHTTPException:
                raise  # as FastAPI's handler does (RequestSizeLimitMiddleware's 413)
            except Exception:
                return await fastapi_handler(request)  # its read fails too (the stream is spent): its 400
            try:  # the JSON text straight into the model: no Python dicts and lists in between
                body = body_adapter.validate_json(sent)
            except ValueError:  # pydantic's ValidationError: malformed or invalid; FastAPI's handler says which
                return await fastapi_handler(request)
            values: dict[str, Any] = {body_field.name: body}
            for field, alias in headers:
                raw = request.headers.get(alias)
                if raw is None:
                    return await fastapi_handler(request)
                value, errors = field.validate(raw, {}, loc=("header", alias))
                if errors:
                    return await fastapi_handler(request)
                values[field.name] = value
            for sub in dependant.dependencies:
                values[str(sub.name)] = await _call(sub, request)
            for name in (dependant.request_param_name, dependant.http_connection_param_name):
                if name:
                    values[name] = request
            response: Response = await dependant.call(**values)  # type: ignore[misc]
            return response

        return handler


def _is_json(content_type: str | None) -> bool:
    """`application/json`, in any case, with any parameters: a type FastAPI reads as JSON too (it also reads
    `+json` types, which go to its handler here)."""
    return content_type is not None and content_type.partition(";")[0].strip().lower() == JSON


async def _call(dependant: Dependant, request: Request) -> Any:
    """A dependency's value: its own dependencies first, as FastAPI solves them."""
    kwargs = {str(sub.name): await _call(sub, request) for sub in dependant.dependencies}
    for name in (dependant.request_param_name, dependant.http_connection_param_name):
        if name:
            kwargs[name] = request
    assert dependant.call is not None
    return await dependant.call(**kwargs)


def _unsupported(dependant: Dependant, top: bool = True) -> str | None:
    """Why the short way cannot serve this endpoint (or dependency), None when it can."""
    call = dependant.call
    is_async = inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(type(call).__call__)
    if not is_async:
        return f"{call!r} is not an async function (a generator, a sync function or nothing)"
    others = (dependant.path_params, dependant.query_params, dependant.cookie_params)
    special = (dependant.websocket_param_name, dependant.response_param_name, dependant.background_tasks_param_name,
               dependant.security_scopes_param_name)
    if any(others) or any(special) or dependant.own_oauth_scopes or dependant.parent_oauth_scopes:
        return f"{call!r} takes parameters other than a body, headers, the request and dependencies"
    if top and (len(dependant.body_params) != 1 or not all(map(_plain_header, dependant.header_params))):
        return "the endpoint must take exactly one body, and headers with an explicit alias and one value each"
    if not top and (dependant.body_params or dependant.header_params):
        return f"the dependency {call!r} reads the body or headers"
    calls = [sub.call for sub in dependant.dependencies]
    if len(set(map(id, calls))) != len(calls):
        return "a dependency is used twice (FastAPI would call it once)"
    return next((r for sub in dependant.dependencies if (r := _unsupported(sub, top=False))), None)


def _plain_header(field: Any) -> bool:
    """A header read by its explicit alias alone, holding one value."""
    info, annotation = field.field_info, field.field_info.annotation
    many = getattr(annotation, "__origin__", None) in (list, set, tuple, frozenset) or annotation in (list, set, tuple)
    return bool(info.alias) and info.validation_alias in (None, info.alias) and not many

