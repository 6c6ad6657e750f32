"""A plain Starlette endpoint in front of a FastAPI route: one operation answered without FastAPI's per-request
dependency solving, with the same statuses, headers and problem+json bodies.

Why it exists: booking's create (`POST /v1/visit-requests`) is the one operation whose throughput has a target
(`make bench ARGS=booking`: at least 60% of bare FastAPI + asyncpg). Measured in-process, FastAPI's share of a create
(dependency solving, the declared header and caller, reading the body as a dict and validating it again) was about
190 us of ~350; the target needed the service's process to drop from ~630 to ~450 us per create. With this adapter,
booking made 63.7% and 63.6% of bare in two runs (~400 us of CPU per create; 45.6-51.0% before). The runs are in
`tests/bench/README.md`, and the README of the services (`services/README.md`) says where this adapter stands.

The FastAPI route stays as it is: it is what the OpenAPI document describes, and what the tests compare the endpoint
with. The endpoint does what FastAPI does for such a route, in its order, through public API only:

1. read the body (`JsonBody.read`): a body that cannot be read is 400, one whose JSON does not parse is 422
   (`json_invalid` at `body.<position>`), both before any dependency, as FastAPI does;
2. the route's dependencies, called by the endpoint itself in the order the route declares them (the caller and
   its 401/403/429 first);
3. the declared headers and then the body, validated together (`validated`): every error of both in one
   `RequestValidationError`, with FastAPI's locations (`header.<name>`, `body.<field>`), so the kit's handler writes
   the same 422.

The body is validated from its bytes at once (`model_validate_json`) when the request says `application/json`;
anything else (another content type, invalid JSON, any validation error) takes FastAPI's own path, `json.loads`
and then the model, so the answers match FastAPI's even where pydantic's JSON parser and the standard library's
differ. `shared/tests/unit/test_fast_route.py` compares the adapter with a FastAPI route of the same shape, so it
fails when an upgrade of FastAPI or Starlette changes what the adapter copies.
"""

import email.message
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, StringConstraints, TypeAdapter, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

M = TypeVar("M", bound=BaseModel)
_JSON = "application/json"


def fast_router(path: str, endpoint: Callable[[Request], Awaitable[Response]], *, method: str = "POST") -> APIRouter:
    """A router holding `endpoint` as a plain Starlette route for `method` on `path`, left out of the OpenAPI
    document: include it before the router whose FastAPI route documents the same operation (the first route that
    matches a request answers it; other methods on the path go on to the FastAPI routes)."""
    label = _Label(path)

    async def labelled(request: Request) -> Response:
        request.scope["route"] = label  # the request metrics' label, as FastAPI's route gives it
        return await endpoint(request)

    router = APIRouter()
    router.add_route(path, labelled, methods=[method], include_in_schema=False, name=endpoint.__name__)
    return router


@dataclass(frozen=True)
class _Label:
    """What the kit's request metrics read of a matched route: its path template."""

    path: str


class Unread:
    """No body was sent (FastAPI reports the body as missing)."""


UNREAD = Unread()


@dataclass(frozen=True)
class ReceivedBody(Generic[M]):
    """A request body as FastAPI hands it to validation (`value`: the decoded JSON when the content type is JSON,
    else the bytes themselves), or already the model when pydantic parsed the bytes at once (`model`)."""

    value: Any
    model: M | None = None


def _is_json(content_type: str) -> bool:
    """FastAPI's test of a JSON content type: application/json or application/*+json, with any parameters."""
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


def _json_invalid(e: json.JSONDecodeError) -> RequestValidationError:
    error = {"type": "json_invalid", "loc": ("body", e.pos), "msg": "JSON decode error", "input": {},
             "ctx": {"error": e.msg}}  # fmt: skip
    return RequestValidationError([error], body=e.doc)


@dataclass(frozen=True)
class HeaderParam:
    """A required header, checked as FastAPI checks a `Header(alias=name, ...)` parameter of type str."""

    name: str
    adapter: TypeAdapter[str]

    @classmethod
    def text(cls, name: str, *, min_length: int, max_length: int, pattern: str) -> "HeaderParam":
        """A required text header with these bounds (the FastAPI route's `Header(...)` declares the same)."""
        bounded = Annotated[str, StringConstraints(min_length=min_length, max_length=max_length, pattern=pattern)]
        return cls(name, TypeAdapter(bounded))

    def read(self, request: Request, errors: list[Any]) -> str:
        """The header's value; an error at `header.<name>` appended to `errors` when it is missing or out of its
        bounds."""
        loc = ("header", self.name)
        value = request.headers.get(self.name)
        if value is None:
            errors.append({"type": "missing", "loc": loc, "msg": "Field required", "input": None})
            return ""
        try:
            return self.adapter.validate_python(value)
        except ValidationError as e:
            errors.extend(_located(e, loc))
            return ""


class JsonBody(Generic[M]):
    """A route's body parameter of one model type, read and validated as FastAPI does (`body`-prefixed errors)."""

    def __init__(self, model: type[M]) -> None:
        self.model = model

    async def read(self, request: Request) -> ReceivedBody[M] | Unread:
        """The request's body as FastAPI reads a JSON body parameter's, before any dependency: 400 when it cannot
        be read, 422 when its JSON does not parse. Only a body whose content type is JSON is parsed: without a
        Content-Type header, or with another one, the bytes go to validation as they are (and fail there)."""
        try:
            raw = await request.body()
            if not raw:
                return UNREAD
            content_type = request.headers.get("content-type")
            if content_type == _JSON:  # the usual case: pydantic parses and validates the bytes at once
                try:
                    return ReceivedBody(None, self.model.model_validate_json(raw))
                except ValidationError:
                    pass  # FastAPI's own path below, so that what is refused is refused in FastAPI's words
            if content_type and _is_json(content_type):
                return ReceivedBody(json.loads(raw))  # Starlette's `Request.json()`
            return ReceivedBody(raw)
        except json.JSONDecodeError as e:
            raise _json_invalid(e) from e
        except HTTPException:
            raise
        except Exception as e:
            raise HTTPException(status_code=400, detail="There was an error parsing the body") from e

    def validated(self, received: ReceivedBody[M] | Unread, errors: Sequence[Any] = ()) -> M:
        """The body as the model, or `RequestValidationError` with `errors` (the headers', found before) and the
        body's own, as FastAPI raises them together."""
        found = list(errors)
        if isinstance(received, Unread):
            found.append({"type": "missing", "loc": ("body",), "msg": "Field required", "input": None})
            raise RequestValidationError(found, body=None)
        model = received.model
        if model is None:
            try:
                model = self.model.model_validate(received.value, from_attributes=True)
            except ValidationError as e:
                found.extend(_located(e, ("body",)))
        if found or model is None:
            raise RequestValidationError(found, body=received.value)
        return model


def _located(error: ValidationError, prefix: tuple[Any, ...]) -> list[dict[str, Any]]:
    """pydantic's errors with their locations under `prefix`, as FastAPI reports a parameter's."""
    return [{**e, "loc": (*prefix, *e["loc"])} for e in error.errors(include_url=False)]
