"""Server-rendered pages: one Jinja2 environment (autoescaped, with gettext for the texts), one `render`.

Templates live in `portal/templates/`, extend `base.html` and fill its blocks `title` and `content`; texts are
written `{{ _("Sign in") }}` so the message catalogues can translate them (nb default, nn, en).
"""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(default=True), extensions=["jinja2.ext.i18n"]
)
environment.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
templates = Jinja2Templates(env=environment)


@pass_context
def csrf_field(context: Context) -> Markup:
    """`{{ csrf_field() }}` in a form that posts: the hidden CSRF token of this request's session (or of the
    pre-session cookie), set on `request.state.csrf_token` by the page's dependency."""
    token = getattr(context["request"].state, "csrf_token", "")
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(token)


environment.globals["csrf_field"] = csrf_field


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """The page `name` rendered for this request."""
    return templates.TemplateResponse(request, name, {"lang": "nb", **(context or {})}, status_code=status_code)
