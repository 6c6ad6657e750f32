"""Signing in by e-mail link: the form, the neutral answer, the link's confirmation page and its use; and the
support links (JSON) that go straight to one account."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from outreach_shared.skeleton import NationalOrganiser
from portal.domain.signin import LinkState, address_from, language_of, safe_next
from portal.entrypoints.browser import (
    PageRoute,
    PreSessionForm,
    PreSessionPage,
    client_address,
    keep_session,
    redirect,
    session_cookie,
)
from portal.entrypoints.dependencies import Begin
from portal.entrypoints.pages import render
from portal.entrypoints.signin_schemas import SignInLinkIn, SignInLinkOut
from portal.service_layer import sessions, signin

router = APIRouter(route_class=PageRoute, include_in_schema=False)
api_router = APIRouter(tags=["sign-in"])
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}
"""A link's pages are not cached, and their address (with its secret) is never sent to another site. Not
`no-referrer`: browsers then send `Origin: null` with the form, which the CSRF check refuses."""


@router.get("/login", response_class=HTMLResponse)
async def login_form(
    request: Request,
    pre: PreSessionPage,
    next: Annotated[str | None, Query(max_length=2000)] = None,
    signed_out: bool = False,
) -> Response:
    """The sign-in form: an e-mail address."""
    context = {"next": safe_next(next), "email": "", "error": None, "signed_out": signed_out}
    return pre.keep(request, render(request, "login.html", context))


@router.post("/login", response_class=HTMLResponse)
async def ask_for_link(request: Request, pre: PreSessionForm, begin: Begin) -> Response:
    """The same answer whether or not the address is known; a link is mailed if it is."""
    form = await request.form()
    raw, next_path = form.get("email"), safe_next(str(form.get("next") or "")[:2000])
    email = address_from(raw) if isinstance(raw, str) else None
    if email is None:
        typed = raw[:254].replace("\x00", "") if isinstance(raw, str) else ""
        context = {"next": next_path, "email": typed, "error": "email"}
        return render(request, "login.html", context, status_code=400)
    language = language_of(request.headers.get("accept-language"))
    async with begin() as uow:
        asked = await signin.ask_for_link(uow, email, client=client_address(request), language=language,
                                          next_path=next_path)  # fmt: skip
    if asked == "client_over_limit":
        return render(request, "login_too_many.html", status_code=429)
    return render(request, "login_sent.html")


def _gone(request: Request, state: LinkState) -> Response:
    status = 400 if state == "unknown" else 410
    return render(request, "login_link_gone.html", {"state": state}, status_code=status)


@router.get("/login/link/{secret}", response_class=HTMLResponse)
async def confirm_link(request: Request, secret: str, pre: PreSessionPage, begin: Begin) -> Response:
    """The page a mailed link opens: a button that signs in (following a link never does: mail scanners do)."""
    async with begin() as uow:
        state = await signin.link_state(uow, secret)
    page = _gone(request, state) if state != "valid" else render(request, "login_link.html", {"secret": secret})
    page.headers.update(NO_STORE)
    return pre.keep(request, page)


@router.post("/login/link/{secret}", response_class=HTMLResponse)
async def use_link(request: Request, secret: str, _: PreSessionForm, begin: Begin) -> Response:
    """Use the link once and begin the session (a person with several accounts chooses one next)."""
    async with begin() as uow:
        previous = await sessions.current(uow, session_cookie(request))
        followed = await signin.follow(uow, secret, client=client_address(request))
        if previous is not None and not isinstance(followed, str):
            await sessions.end(uow, previous)
    if isinstance(followed, str):
        page = _gone(request, followed)
        page.headers.update(NO_STORE)
        return page
    session = followed.started.session
    target = followed.next_path if session.account else f"/session/account?next={quote(followed.next_path, safe='')}"
    return keep_session(request, redirect(target), followed.started)


@api_router.post("/v1/signin-links", response_model=SignInLinkOut, status_code=201,
                 summary="A single-use sign-in link straight to one account")  # fmt: skip
async def create_signin_link(body: SignInLinkIn, caller: NationalOrganiser, request: Request,
                             begin: Begin) -> SignInLinkOut:  # fmt: skip
    """National organisers, for support and tests: a link that signs in as the account named (valid 15 minutes,
    once), without a mail."""
    account = body.account()
    async with begin() as uow:
        url, expires_at = await signin.support_link(uow, account, actor=f"organiser:{caller.subject}",
                                                    client=client_address(request))  # fmt: skip
    return SignInLinkOut(url=url, expires_at=expires_at)
