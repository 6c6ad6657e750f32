"""Pages anyone may read without signing in: the accessibility statement and the privacy page."""

from datetime import date

from fastapi import Request
from fastapi.responses import HTMLResponse

from outreach_shared.settings import BROKER_RETENTION_DAYS
from portal.entrypoints.pages import render
from portal.entrypoints.security_headers import page_router

STATEMENT_MADE = date(2026, 12, 4)
STATEMENT_REVIEWED = date(2026, 12, 4)
CONTACT_KEEP_DAYS = 365
"""Booking's BOOKING_CONTACT_KEEP_DAYS default: a school contact is erased this long after the visit ended."""
SURVEY_COOKIE_DAYS = 7
"""Booking's survey window after a visit (OPEN_AFTER_VISIT), which its cookie lasts."""

router = page_router()


@router.get("/tilgjengelighet", response_class=HTMLResponse)
async def accessibility_statement(request: Request) -> HTMLResponse:
    """The accessibility statement, as Norway's uustatus expects it: standard, deviations, contact, date."""
    settings = request.app.state.runtime.settings
    return render(request, "statement.html", {"site": settings.public_url, "contact": settings.contact_email,
                                              "made": STATEMENT_MADE, "reviewed": STATEMENT_REVIEWED})  # fmt: skip


@router.get("/personvern", response_class=HTMLResponse)
async def privacy(request: Request) -> HTMLResponse:
    """What is kept about whom, and for how long."""
    return render(request, "privacy.html", {
        "contact": request.app.state.runtime.settings.contact_email, "contact_keep_days": CONTACT_KEEP_DAYS,
        "survey_days": SURVEY_COOKIE_DAYS, "message_days": BROKER_RETENTION_DAYS,
    })  # fmt: skip
