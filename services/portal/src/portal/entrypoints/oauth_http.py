"""POST /oauth/token: the OAuth2 client-credentials grant (RFC 6749 §4.4) for schools' own systems, as Maskinporten.
Errors follow RFC 6749 §5.2 (JSON `{error, error_description}`), never problem+json, and nothing is cached."""

import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from portal.entrypoints.browser import client_address
from portal.entrypoints.dependencies import Begin
from portal.service_layer import clients

router = APIRouter(tags=["oauth"])
MAX_BODY = 4096
MAX_FIELD = 512
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
CHALLENGE = {"WWW-Authenticate": 'Basic realm="oauth"'}


class TokenOut(BaseModel):
    """An access token for the client's school (RFC 6749 §5.1)."""

    access_token: str
    token_type: str = Field(description="Always `Bearer`")
    expires_in: int = Field(description="Seconds: 900")
    scope: str = Field(description="The services the token is for (its audience), space-separated")


class TokenErrorOut(BaseModel):
    """Why no token (RFC 6749 §5.2)."""

    error: str = Field(description="invalid_request, invalid_client, unsupported_grant_type, invalid_scope, "
                       "too_many_attempts")  # fmt: skip
    error_description: str


def _error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status,
                        headers={**NO_STORE, **(headers or {})})  # fmt: skip


class _BadRequest(Exception):
    def __init__(self, description: str) -> None:
        self.description = description


def _form(body: bytes) -> dict[str, str]:
    """The form's fields (each at most once, printable, bounded)."""
    try:
        text = body.decode("ascii")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        raise _BadRequest("the body is not a form of printable ASCII (application/x-www-form-urlencoded)") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise _BadRequest(f"{name} is given more than once")
        if len(value) > MAX_FIELD or not value.isprintable():
            raise _BadRequest(f"{name} is too long or holds control characters")
        form[name] = value
    return form


def _basic(header: str | None) -> tuple[str, str] | None:
    """The client id and secret of an HTTP Basic header (each form-encoded, RFC 6749 §2.3.1)."""
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        raise _BadRequest("client authentication is HTTP Basic or the form's client_id and client_secret")
    try:
        client_id, colon, secret = base64.b64decode(value.strip(), validate=True).decode("ascii").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _BadRequest("the Basic credentials are not base64 of id:secret") from None
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    if not colon or not all(v.isprintable() and len(v) <= MAX_FIELD for v in (client_id, secret)):
        raise _BadRequest("the Basic credentials are not id:secret")
    return client_id, secret


TOKEN_DOC: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "required": ["grant_type"],
        "properties": {
            "grant_type": {"type": "string", "enum": ["client_credentials"]},
            "client_id": {"type": "string", "maxLength": MAX_FIELD, "description": "Unless HTTP Basic is used"},
            "client_secret": {"type": "string", "maxLength": MAX_FIELD, "description": "Unless HTTP Basic is used"},
            "scope": {"type": "string", "maxLength": MAX_FIELD, "description": "Services, space-separated: booking"},
            "audience": {"type": "string", "maxLength": MAX_FIELD, "description": "As scope (default booking)"},
        },
    }}}},
}  # fmt: skip


@router.post("/oauth/token", response_model=TokenOut, summary="Exchange client credentials for an access token",
             openapi_extra=TOKEN_DOC,
             responses={400: {"model": TokenErrorOut}, 401: {"model": TokenErrorOut}, 413: {"model": TokenErrorOut},
                        429: {"model": TokenErrorOut}})  # fmt: skip
async def token(request: Request, begin: Begin) -> JSONResponse:
    """RFC 6749 §4.4: `grant_type=client_credentials`, the client authenticated by HTTP Basic or by `client_id`
    and `client_secret` in the form; a 15-minute token acting as the client's school (role school, its orgnr), for
    `booking` unless `scope` (or `audience`) names otherwise. A revoked client gets none."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        return _error(413, "invalid_request", f"the form may be at most {MAX_BODY} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return _error(413, "invalid_request", f"the form may be at most {MAX_BODY} bytes")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if media != "application/x-www-form-urlencoded":
            raise _BadRequest("the body must be application/x-www-form-urlencoded")
        form = _form(body)
        basic = _basic(request.headers.get("authorization"))
    except _BadRequest as bad:
        return _error(400, "invalid_request", bad.description)
    if "grant_type" not in form:
        return _error(400, "invalid_request", "grant_type is missing")
    if form["grant_type"] != "client_credentials":
        return _error(400, "unsupported_grant_type", "only client_credentials is supported")
    in_form = "client_id" in form or "client_secret" in form
    if basic is not None and in_form:
        return _error(400, "invalid_request", "authenticate the client one way only: Basic or the form")
    if "scope" in form and "audience" in form and form["scope"] != form["audience"]:
        return _error(400, "invalid_request", "give scope or audience, not two different ones")
    credentials = basic or (form.get("client_id", ""), form.get("client_secret", ""))
    if not credentials[0] or not credentials[1]:
        return _error(401, "invalid_client", "client authentication failed", CHALLENGE)
    async with begin() as uow:
        issued = await clients.exchange(uow, credentials[0], credentials[1], form.get("scope", form.get("audience")),
                                        client=client_address(request))  # fmt: skip
    if issued == "too_many_attempts":
        return _error(429, "too_many_attempts", "too many failed attempts for this client; wait a minute",
                      {"Retry-After": "60"})  # fmt: skip
    if issued == "invalid_scope":
        return _error(400, "invalid_scope", "a school's token may be for: booking")
    if issued == "invalid_client":
        return _error(401, "invalid_client", "client authentication failed", CHALLENGE)
    return JSONResponse({"access_token": issued.access_token, "token_type": "Bearer", "expires_in": issued.expires_in,
                         "scope": issued.scope}, headers=NO_STORE)  # fmt: skip
