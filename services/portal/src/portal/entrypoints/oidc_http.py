"""Signing in through an OpenID Connect provider: the redirect to it, its callback, and linking an identity to an
account after one e-mail-link sign-in. The sign-in page lists the providers configured (`oidc_buttons.html`)."""

from typing import Annotated, cast
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.oidc_client import ProviderClient, ProviderClients
from portal.domain.identities import LOGIN_TTL, PENDING_TTL, Provider, SignInRefused
from portal.domain.signin import safe_next
from portal.entrypoints.browser import (
    PageRoute,
    PreSessionPage,
    SignedIn,
    SignedInForm,
    clear_cookie,
    client_address,
    cookie_name,
    keep_session,
    redirect,
    session_cookie,
    set_cookie,
    settings_of,
)
from portal.entrypoints.dependencies import Begin
from portal.entrypoints.pages import environment, render
from portal.service_layer import oidc, sessions

router = APIRouter(route_class=PageRoute, include_in_schema=False)
OIDC_COOKIE = "portal_oidc"
"""Holds the `state` of this browser's redirect to a provider: its callback must bring the same."""
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}
_FAILED_STATUS = {"provider_unavailable": 502, "contact_removed": 403, "no_school": 403, "not_linkable": 403}


def _clients(request: Request) -> ProviderClients:
    return cast(ProviderClients, request.app.state.runtime.ports.oidc)


def providers_for_page(request: Request) -> list[Provider]:
    """The providers to offer on the sign-in page (`{{ oidc_providers(request) }}`)."""
    return _clients(request).providers()


environment.globals["oidc_providers"] = providers_for_page


def _client(request: Request, name: str) -> ProviderClient | None:
    return _clients(request).get(name) if len(name) <= 32 else None


def _oidc_cookie(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request, OIDC_COOKIE))


def _redirect_uri(request: Request, provider: Provider) -> str:
    return f"{settings_of(request).public_url.rstrip('/')}/login/oidc/{provider.name}/callback"


async def _failed(request: Request, begin: Begin, provider: str, reason: str) -> Response:
    """The page of a failed sign-in (the reason audited)."""
    async with begin() as uow:
        oidc.refused(uow, provider, reason, client=client_address(request))
    response = render(request, "oidc_failed.html", {"reason": reason}, status_code=_FAILED_STATUS.get(reason, 400))
    response.headers.update(NO_STORE)
    return response


@router.get("/login/oidc/connect", response_class=HTMLResponse)
async def connect_page(request: Request, session: SignedIn, begin: Begin) -> Response:
    """After the e-mail-link sign-in: a button that links the waiting identity to the account signed in as."""
    async with begin() as uow:
        login = await oidc.waiting(uow, _oidc_cookie(request))
    if login is None:
        return render(request, "oidc_failed.html", {"reason": "nothing_to_link"}, status_code=404)
    client = _client(request, login.provider)
    context = {"provider": client.provider if client else None, "account": session.account}
    return render(request, "oidc_link.html", context)


@router.post("/login/oidc/connect", response_class=HTMLResponse)
async def connect(request: Request, session: SignedInForm, begin: Begin) -> Response:
    """Link the waiting identity to the account signed in as: next time the provider signs in straight away."""
    try:
        async with begin() as uow:
            login = await oidc.link(uow, session, _oidc_cookie(request),
                                    client=client_address(request))  # fmt: skip
    except SignInRefused as exc:
        return await _failed(request, begin, "connect", exc.reason)
    response = redirect(login.next_path)
    clear_cookie(request, response, OIDC_COOKIE)
    return response


@router.get("/login/oidc/{provider}", response_class=HTMLResponse)
async def login_with_provider(
    request: Request, provider: str, begin: Begin, next: Annotated[str | None, Query(max_length=2000)] = None
) -> Response:
    """Off to the provider's login (authorization code with PKCE S256, state and nonce kept here)."""
    client = _client(request, provider)
    if client is None:
        return render(request, "oidc_failed.html", {"reason": "unknown_provider"}, status_code=404)
    async with begin() as uow:
        state, login = await oidc.begin_login(uow, client.provider, next_path=safe_next(next))
    try:
        url = await client.authorization_url(redirect_uri=_redirect_uri(request, client.provider), state=state,
                                             nonce=login.nonce, code_verifier=login.code_verifier)  # fmt: skip
    except SignInRefused as exc:
        return await _failed(request, begin, client.provider.name, exc.reason)
    response = RedirectResponse(url, status_code=302)
    set_cookie(request, response, OIDC_COOKIE, state, max_age=int(LOGIN_TTL.total_seconds()))
    response.headers.update(NO_STORE)
    return response


@router.get("/login/oidc/{provider}/callback", response_class=HTMLResponse)
async def provider_callback(
    request: Request,
    provider: str,
    begin: Begin,
    pre: PreSessionPage,
    state: Annotated[str | None, Query(max_length=200)] = None,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The provider's answer: the login it answers used up, the code exchanged, the ID token verified; then signed
    in, or asked to sign in once by e-mail link to link this identity."""
    client = _client(request, provider)
    if client is None:
        return render(request, "oidc_failed.html", {"reason": "unknown_provider"}, status_code=404)
    try:
        async with begin() as uow:
            login = await oidc.take_login(uow, client.provider, state, _oidc_cookie(request))
            now = uow.now
        if error is not None:
            raise SignInRefused("provider_error")
        claims = await oidc.verify(client, login, code, redirect_uri=_redirect_uri(request, client.provider), now=now)
        async with begin() as uow:
            key = settings_of(request).oidc_subject_key.get_secret_value().encode()
            outcome = await oidc.sign_in(uow, client.provider, login, claims, key=key, client=client_address(request))
            previous = await sessions.current(uow, session_cookie(request))
            if previous is not None and isinstance(outcome, oidc.SignedIn):
                await sessions.end(uow, previous)  # one session per browser: the new one replaces it
    except SignInRefused as exc:
        return await _failed(request, begin, client.provider.name, exc.reason)
    if isinstance(outcome, oidc.NotLinked):
        page = render(request, "oidc_connect.html", {"provider": client.provider, "next": "/login/oidc/connect"})
        page.headers.update(NO_STORE)
        set_cookie(request, page, OIDC_COOKIE, state or "", max_age=int(PENDING_TTL.total_seconds()))
        return pre.keep(request, page)
    session = outcome.started.session
    target = outcome.next_path if session.account else f"/session/account?next={quote(outcome.next_path, safe='')}"
    response = keep_session(request, redirect(target), outcome.started)
    clear_cookie(request, response, OIDC_COOKIE)
    return response
