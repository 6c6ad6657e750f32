"""Jinja2 templates per notice type and language: subject, plain text, HTML (autoescaped) and SMS."""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape

from notify.domain import formatting
from notify.domain.formatting import LANGUAGES
from notify.domain.notices import SECRET_NOTICES, NoticeType, audience
from notify.domain.rendered import Rendered

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
REQUIRED_BLOCKS = ("subject", "body")
FRAME_BLOCKS = (
    "greeting", "signature", "settings_url", "footer", "school_footer", "organiser_footer", "address_footer"
)  # fmt: skip
_FOOTERS = {
    "member": "footer", "school": "school_footer", "organiser": "organiser_footer", "address": "address_footer"
}  # fmt: skip
CONTENT_CACHE_SIZE = 256


class MissingTemplate(RuntimeError):
    """A notice type has no usable template in some language: the service must not start."""


def _lang_filter(fn: Any) -> Any:
    @pass_context
    def apply(ctx: Context, value: Any) -> str:
        return str(fn(value, ctx["lang"]))

    return apply


_URL = re.compile(r"https?://[^\s<>\"']+")
_URL_TRAILING = ".,:;!?)"


def linkify(value: Any) -> Markup:
    """`value` escaped, with its http(s) URLs made links: the output of Jinja's `urlize` for them, at a fraction
    of the cost (one precompiled pattern, and nothing at all for the many lines without a URL)."""
    text = value if isinstance(value, str) else str(value)
    if "://" not in text:
        return escape(text)
    out, pos = [], 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_URL_TRAILING)
        link = escape(url)
        out += [escape(text[pos : match.start()]), Markup(f'<a href="{link}" rel="noopener">{link}</a>')]
        pos = match.start() + len(url)
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def _environment(directory: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # templates ship with the code: no stat() of the file on every render
    )
    env.filters |= {
        "when": _lang_filter(formatting.when),
        "day": _lang_filter(formatting.day),
        "kind": _lang_filter(formatting.kind_label),
        "names": _lang_filter(formatting.names),
        "clock": formatting.clock,
        "linkify": linkify,
    }
    return env


def _blocks(text: str) -> list[dict[str, list[str]]]:
    out: list[dict[str, list[str]]] = []
    for para in (p for p in text.split("\n\n") if p.strip()):
        lines = para.strip().splitlines()
        if all(line.startswith("- ") for line in lines):
            out.append({"bullets": [line[2:] for line in lines], "lines": []})
        else:
            out.append({"bullets": [], "lines": lines})
    return out


class Renderer:
    """Renders notices; `validate()` at start-up refuses a missing type or language."""

    def __init__(self, *, app_url: str, directory: Path = TEMPLATES) -> None:
        self._env = _environment(directory)
        self._app_url = app_url
        self._contents: dict[tuple[NoticeType, str, str], _Content] = {}

    def validate(self) -> None:
        """Every notice type has a template with subject and body in every language; else MissingTemplate."""
        for lang in LANGUAGES:
            for frame_block in FRAME_BLOCKS:
                self._block(f"{lang}/_frame.txt", frame_block)
            for notice_type in NoticeType:
                for block in REQUIRED_BLOCKS:
                    self._block(f"{lang}/{notice_type.value}.txt", block)
        self._env.get_template("layout.html")

    def _template(self, name: str) -> Template:
        try:
            return self._env.get_template(name)
        except Exception as exc:
            raise MissingTemplate(f"template {name} is missing or broken: {exc}") from exc

    def _block(self, name: str, block: str) -> Template:
        template = self._template(name)
        if block not in template.blocks:
            raise MissingTemplate(f"template {name} has no block {block!r}")
        return template

    def _render_block(self, template: Template, block: str, values: dict[str, Any]) -> str:
        return "".join(template.blocks[block](template.new_context(values))).strip()

    def render(
        self, notice_type: NoticeType, lang: str, context: dict[str, Any], recipient_name: str | None = None
    ) -> Rendered:
        """Subject, plain text, HTML and SMS text of a notice in `lang`."""
        content = self._content(notice_type, lang, context)
        values = {**context, "lang": lang, "app_url": self._app_url, "recipient_name": recipient_name}
        greeting = self._render_block(self._template(f"{lang}/_frame.txt"), "greeting", values)
        return Rendered(
            subject=content.subject,
            text=f"{greeting}\n\n{content.text_after_greeting}",
            html=content.html.replace(_GREETING, escape(greeting), 1),
            sms=content.sms,
            settings_url=content.settings_url,
        )

    def _content(self, notice_type: NoticeType, lang: str, context: dict[str, Any]) -> "_Content":
        """Everything but the greeting, rendered once per notice type, language and context.

        A fan-out sends one context to thousands of members: only their names differ, and only the greeting may
        use them (the content is rendered without `recipient_name`, so a template using it elsewhere fails loudly).
        """
        key = (notice_type, lang, json.dumps(context, sort_keys=True, default=str))
        if (cached := self._contents.get(key)) is not None:
            return cached
        values = {**context, "lang": lang, "app_url": self._app_url}
        template = self._template(f"{lang}/{notice_type.value}.txt")
        frame = self._template(f"{lang}/_frame.txt")
        subject = " ".join(self._render_block(template, "subject", values).split())
        body = self._render_block(template, "body", values)
        footer_block = _FOOTERS[audience(notice_type)]  # a school contact is not "with Jobbvinner in the app"
        signature, footer, settings_url = (
            self._render_block(frame, b, values) for b in ("signature", footer_block, "settings_url")
        )
        html = self._template("layout.html").render(
            lang=lang, subject=subject, greeting=_GREETING, blocks=_blocks(body), signature=signature, footer=footer
        )
        sms = self._render_block(template, "sms", values) if "sms" in template.blocks else f"Jobbvinner: {subject}"
        content = _Content(subject, f"{body}\n\n{signature}\n\n--\n{footer}\n", html, sms, settings_url)
        if notice_type in SECRET_NOTICES:
            return content  # a secret is not kept in memory longer than its rendering
        if len(self._contents) >= CONTENT_CACHE_SIZE:
            del self._contents[next(iter(self._contents))]  # the oldest
        self._contents[key] = content
        return content


_GREETING = "\x00greeting\x00"
"""Stands for the greeting in cached HTML (NUL never comes from a context: Postgres refuses it in JSON)."""


@dataclass(frozen=True)
class _Content:
    subject: str
    text_after_greeting: str
    html: str
    sms: str
    settings_url: str
