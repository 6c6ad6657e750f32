"""What every page for people needs: the session from its cookie (`SignedIn`), the CSRF checks of forms that post
(`SignedInForm`, `SessionForm`, `PreSessionForm`), cookies, and pages as answers from dependencies (`PageRoute`).

A router of pages is `APIRouter(route_class=PageRoute)`, so a dependency can answer with a page (a redirect to
sign in, the 403 of a refused form) by raising `PageError`. JSON routes (under /v1/, or asking for JSON only) get
problem+json instead: 401 without a session.
"""

import inspect
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, cast
from urllib.parse import quote

import structlog
from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from outreach_shared.errors import Forbidden, Unauthorized
from portal.adapters.service_apis import Refused, Unavailable
from portal.domain.sessions import NewSession, Session, looks_like_secret
from portal.entrypoints.dependencies import Begin
from portal.entrypoints.pages import render
from portal.i18n import N_
from portal.service_layer import csrf, sessions
from portal.settings import PortalSettings

log = structlog.get_logger()
SESSION_COOKIE = "portal_session"
CSRF_COOKIE = "portal_csrf"


class PageError(Exception):
    """A dependency's answer in place of the page: a redirect or a page of its own."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class PageRoute(APIRoute):
    """A route whose dependencies may answer with a page (`PageError`); a service the page called that is down or
    refuses the person (`Unavailable`, `Refused` 401/403/404 not handled by the page) gets a page saying so."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except PageError as exc:
                return exc.response
            except Unavailable:
                log.warning("service unavailable to a page", exc_info=True)
                return problem_page(request, 503)
            except Refused as exc:
                if exc.status in (401, 403, 404, 409, 410):
                    return problem_page(request, exc.status)
                raise

        return handle


PROBLEMS = {
    401: (N_("Please sign in again"), N_("Your sign-in has ended.")),
    403: (N_("You do not have access to this page"), N_("It belongs to someone else, or to another role.")),
    404: (N_("We could not find this page"), N_("It may have been removed, or the address is wrong.")),
    409: (N_("This can no longer be changed"), N_("It changed in the meantime. Go back and look again.")),
    410: (N_("This is no longer available"), N_("It has ended or been removed.")),
    503: (N_("Something is not answering right now"), N_("Wait a minute, then try again. Nothing was lost.")),
}
"""Pages for what a service said, in words for people (the service's own detail stays in the logs)."""


def problem_page(request: Request, status: int) -> Response:
    """The page for `status` (see PROBLEMS), with a link home."""
    heading, message = PROBLEMS.get(status, PROBLEMS[404])
    return render(request, "problem.html", {"heading": heading, "message": message}, status_code=status)


def settings_of(request: Request) -> PortalSettings:
    """The running portal's settings."""
    return cast(PortalSettings, request.app.state.runtime.settings)


def cookie_name(request: Request, base: str) -> str:
    """`__Host-<base>` where cookies are Secure (the browser then refuses it from anything but this host over
    HTTPS), else `<base>`."""
    return f"__Host-{base}" if settings_of(request).secure_cookies else base


def set_cookie(request: Request, response: Response, base: str, value: str, max_age: int) -> None:
    """A cookie only this site's pages send back: HttpOnly, SameSite=Lax, path /, Secure outside development."""
    response.set_cookie(cookie_name(request, base), value, max_age=max_age, path="/", httponly=True,
                        samesite="lax", secure=settings_of(request).secure_cookies)  # fmt: skip


def clear_cookie(request: Request, response: Response, base: str) -> None:
    """Remove a cookie set by `set_cookie`."""
    response.delete_cookie(cookie_name(request, base), path="/", httponly=True, samesite="lax",
                           secure=settings_of(request).secure_cookies)  # fmt: skip


def keep_session(request: Request, response: Response, started: NewSession) -> Response:
    """The response, setting the cookie of a session just begun (`sessions.start`), for its absolute lifetime."""
    seconds = int(settings_of(request).session_absolute_hours) * 3600
    set_cookie(request, response, SESSION_COOKIE, started.secret, max_age=seconds)
    return response


def client_address(request: Request) -> str | None:
    """The client's address as the server sees it (for rate limits and the audit)."""
    return request.client.host if request.client else None


def session_cookie(request: Request) -> str | None:
    """The session cookie's value, if any."""
    return request.cookies.get(cookie_name(request, SESSION_COOKIE))


async def current_session(request: Request, begin: Begin) -> Session | None:
    """The live session of the request's cookie (its use noted), or None."""
    cookie = session_cookie(request)
    if not cookie:
        return None
    async with begin() as uow:
        session = await sessions.current(uow, cookie)
        language = await sessions.language_setting(uow, session) if session is not None else None
    if session is not None:
        request.state.session = session
        request.state.csrf_token = session.csrf_token
        request.state.language_setting = language
    return session


MaybeSession = Annotated[Session | None, Depends(current_session)]


def wants_json(request: Request) -> bool:
    """An API call rather than a page."""
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/v1/") or ("application/json" in accept and "text/html" not in accept)


def _here(request: Request) -> str:
    query = request.url.query
    return quote(request.url.path + (f"?{query}" if query else ""), safe="")


async def session_any(request: Request, session: MaybeSession) -> Session:
    """The session, whether or not it has chosen an account yet (else sign in: a redirect, or 401 for JSON)."""
    if session is None:
        if wants_json(request):
            raise Unauthorized("sign in first")
        raise PageError(RedirectResponse(f"/login?next={_here(request)}", status_code=303))
    return session


async def signed_in(request: Request, session: Annotated[Session, Depends(session_any)]) -> Session:
    """The session acting as an account (one with several is sent to choose first)."""
    if session.account is None:
        if wants_json(request):
            raise Forbidden("choose an account first")
        raise PageError(RedirectResponse(f"/session/account?next={_here(request)}", status_code=303))
    return session


SessionAny = Annotated[Session, Depends(session_any)]
SignedIn = Annotated[Session, Depends(signed_in)]
"""The signed-in person's session, with its account (pages: a redirect to /login?next=...; JSON: 401)."""


def refused(request: Request) -> PageError:
    """The 403 page of a form that failed its CSRF check."""
    return PageError(render(request, "login_refused.html", status_code=403))


def _same_origin(request: Request) -> bool:
    allowed = {csrf.origin_of(settings_of(request).public_url), csrf.origin_of(str(request.base_url))}
    return csrf.same_origin(request.headers.get("origin"), request.headers.get("referer"), allowed)


async def _form_token(request: Request) -> str | None:
    token = (await request.form()).get("csrf_token")
    return token if isinstance(token, str) else None


async def session_form(request: Request, session: SessionAny) -> Session:
    """A form posted in a session: same origin and the session's CSRF token (else the 403 page)."""
    if not _same_origin(request) or not csrf.same(await _form_token(request), session.csrf_token):
        raise refused(request)
    return session


async def signed_in_form(request: Request, session: SignedIn) -> Session:
    """A form posted by someone signed in as an account: same origin and the session's CSRF token."""
    return await session_form(request, session)


SessionForm = Annotated[Session, Depends(session_form)]
SignedInForm = Annotated[Session, Depends(signed_in_form)]
"""Use on every POST of a signed-in page: the session, once the form's `csrf_token` and origin are checked."""


@dataclass(frozen=True)
class PreSession:
    """The pre-session CSRF cookie of a form shown before signing in; `new` when the page must set it."""

    nonce: str
    new: bool

    def keep(self, request: Request, response: Response) -> Response:
        """The page's response, setting the cookie when it is new."""
        if self.new:
            set_cookie(request, response, CSRF_COOKIE, self.nonce, max_age=12 * 3600)
        return response


def _key(request: Request) -> bytes:
    return settings_of(request).cookie_secret.get_secret_value().encode()


async def presession(request: Request) -> PreSession:
    """The form token of a page shown before signing in (its cookie made if absent): `{{ csrf_field() }}`."""
    nonce = request.cookies.get(cookie_name(request, CSRF_COOKIE))
    new = nonce is None or not looks_like_secret(nonce)
    if new or nonce is None:
        nonce = csrf.new_nonce()
    request.state.csrf_token = csrf.presession_token(_key(request), nonce)
    return PreSession(nonce, new)


async def presession_form(request: Request) -> PreSession:
    """A form posted before signing in: same origin and the token matching its cookie (else the 403 page)."""
    nonce = request.cookies.get(cookie_name(request, CSRF_COOKIE))
    if not _same_origin(request) or not csrf.presession_ok(_key(request), nonce, await _form_token(request)):
        raise refused(request)
    request.state.csrf_token = csrf.presession_token(_key(request), nonce or "")
    return PreSession(nonce or "", new=False)


PreSessionPage = Annotated[PreSession, Depends(presession)]
PreSessionForm = Annotated[PreSession, Depends(presession_form)]


def redirect(url: str) -> RedirectResponse:
    """See other (after a form that posted)."""
    return RedirectResponse(url, status_code=303)


def pages_for_people(app: FastAPI) -> None:
    """A browser asking for a page the portal does not have (or with a method it does not take) gets a page saying
    so, in its language; API calls (under /v1/, or asking for JSON) keep the kit's problem+json."""
    answer_in_json = app.exception_handlers[StarletteHTTPException]

    async def on_http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        if status in (404, 405) and not wants_json(request) and "text/html" in request.headers.get("accept", ""):
            return problem_page(request, 404)
        answered = answer_in_json(request, exc)
        return await answered if inspect.isawaitable(answered) else answered

    app.add_exception_handler(StarletteHTTPException, on_http_error)
