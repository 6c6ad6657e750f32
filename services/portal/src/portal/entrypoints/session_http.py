"""The session's own pages: who is signed in (the home page until the web app has its own), choosing among
several accounts, signing out here and everywhere."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from outreach_shared.errors import Invalid
from portal.domain.signin import safe_next
from portal.entrypoints.browser import (
    SESSION_COOKIE,
    PageRoute,
    SessionAny,
    SessionForm,
    SignedIn,
    clear_cookie,
    client_address,
    redirect,
)
from portal.entrypoints.dependencies import Begin
from portal.entrypoints.pages import render
from portal.service_layer import sessions

router = APIRouter(route_class=PageRoute, include_in_schema=False)


HOMES = {"member": "/me", "school": "/school", "organiser": "/organiser"}
"""Where each role's part of the app begins."""


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: SignedIn) -> Response:
    """The home of the person's role."""
    if session.account and session.account.role in HOMES:
        return redirect(HOMES[session.account.role])
    return await signed_in_as(request, session)


@router.get("/session", response_class=HTMLResponse)
async def signed_in_as(request: Request, session: SignedIn) -> Response:
    """Who is signed in, with the buttons to sign out (here, or on every device) and to change account."""
    account = session.account.describe() if session.account else ""  # SignedIn has one
    return render(request, "home.html", {"account": account, "several": bool(session.choices)})


@router.get("/session/account", response_class=HTMLResponse)
async def choose_account_form(
    request: Request, session: SessionAny, next: Annotated[str | None, Query(max_length=2000)] = None
) -> Response:
    """The accounts of the person signed in, to act as one."""
    choices = [(a.key, a.describe()) for a in session.choices]
    current = session.account.key if session.account else None
    return render(request, "session_account.html", {"choices": choices, "current": current, "next": safe_next(next),
                                                    "error": None})  # fmt: skip


@router.post("/session/account", response_class=HTMLResponse)
async def choose_account(request: Request, session: SessionForm, begin: Begin) -> Response:
    """Act as the account chosen, then go on to where the person was going."""
    form = await request.form()
    key, next_path = str(form.get("account") or "")[:200], safe_next(str(form.get("next") or "")[:2000])
    try:
        async with begin() as uow:
            await sessions.choose(uow, session, key, client=client_address(request))
    except Invalid:
        choices = [(a.key, a.describe()) for a in session.choices]
        return render(request, "session_account.html", {"choices": choices, "current": None, "next": next_path,
                                                        "error": "account"}, status_code=400)  # fmt: skip
    return redirect(next_path)


@router.post("/logout", response_class=HTMLResponse)
async def sign_out(request: Request, session: SessionForm, begin: Begin) -> Response:
    """End this session."""
    async with begin() as uow:
        await sessions.end(uow, session)
    return _signed_out(request)


@router.post("/logout/everywhere", response_class=HTMLResponse)
async def sign_out_everywhere(request: Request, session: SessionForm, begin: Begin) -> Response:
    """End every session of this person, on every device."""
    async with begin() as uow:
        await sessions.end_everywhere(uow, session)
    return _signed_out(request)


def _signed_out(request: Request) -> Response:
    response = redirect("/login?signed_out=1")
    clear_cookie(request, response, SESSION_COOKIE)
    return response
