"""Server-rendered pages: one Jinja2 environment (autoescaped, with gettext for the texts), one `render`.

Templates live in `portal/templates/`, extend `base.html` and fill its blocks `title` and `content`; texts are
written `{{ _("Sign in") }}` so the message catalogues can translate them (nb default, nn, en).
"""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(default=True), extensions=["jinja2.ext.i18n"]
)
environment.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
templates = Jinja2Templates(env=environment)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """The page `name` rendered for this request."""
    return templates.TemplateResponse(request, name, {"lang": "nb", **(context or {})}, status_code=status_code)
