"""Every notice in every language as the wire carries it, parsed back with the `email` package (policy=default):
marked automatic, a List-Unsubscribe to the app's notification settings, the footer of its audience, links only to
the configured web app (absolute), and user-supplied text escaped in the HTML part."""

import re
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from notify.adapters.email import Envelope, build_message
from notify.adapters.templates import Renderer
from notify.domain.formatting import LANGUAGES
from notify.domain.notices import NoticeType, audience
from notify.settings import NotifySettings

from .samples import SAMPLES

APP = "https://portal.example.org/jobbvinner"
SETTINGS_PAGE = {"nb": "/innstillinger/varsler", "nn": "/innstillingar/varsel", "en": "/settings/notifications"}
FOOTERS = {
    "member": {"nb": "fordi du er med i Jobbvinner", "nn": "fordi du er med i Jobbvinner",
               "en": "because you take part in Jobbvinner"},
    "school": {"nb": "kontaktperson for et besøk skolen har bestilt", "nn": "kontaktperson for eit besøk skulen",
               "en": "contact person for a visit your school booked"},
    "organiser": {"nb": "fordi du er arrangør i Jobbvinner", "nn": "fordi du er arrangør i Jobbvinner",
                  "en": "because you are an organiser in Jobbvinner"},
    "address": {"nb": "noen ba om en innloggingslenke", "nn": "nokon bad om ei innloggingslenkje",
                "en": "someone asked for a Jobbvinner sign-in link"},
}  # fmt: skip
HOSTILE = 'Nord <b>strand</b> & "skole"'


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    r = Renderer(app_url=APP)
    r.validate()
    return r


def on_the_wire(renderer: Renderer, notice_type: NoticeType, lang: str) -> EmailMessage:
    context = dict(SAMPLES[notice_type])
    for field in ("school_name", "title", "reason"):
        if isinstance(context.get(field), str):
            context[field] = HOSTILE
    rendered = renderer.render(notice_type, lang, context, "Åse")
    outgoing = build_message("Jobbvinner <varsel@jobbvinner.no>", Envelope("a@example.org", "Åse", "<d@x>"),
                             rendered, None)  # fmt: skip
    message = message_from_bytes(outgoing.data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert not [defect for part in message.walk() for defect in part.defects]
    return message


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("notice_type", list(NoticeType))
def test_every_mail_is_automatic_unsubscribable_and_links_only_to_the_app(
    renderer: Renderer, notice_type: NoticeType, lang: str
) -> None:
    message = on_the_wire(renderer, notice_type, lang)
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] == f"<{APP}{SETTINGS_PAGE[lang]}>"
    assert message["List-Unsubscribe-Post"] is None  # no one-click endpoint exists, so none is promised
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert plain.get_content_charset() == html.get_content_charset() == "utf-8"
    text, markup = plain.get_content(), html.get_content()
    links = re.findall(r"https?://[^\s<>\"']+", text) + re.findall(r'href="([^"]+)"', markup)
    assert links and all(link.startswith(f"{APP}/") for link in links), links


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("notice_type", list(NoticeType))
def test_every_mail_has_the_footer_of_its_audience_and_escapes_what_users_wrote(
    renderer: Renderer, notice_type: NoticeType, lang: str
) -> None:
    message = on_the_wire(renderer, notice_type, lang)
    text = message.get_body(("plain",)).get_content()
    markup = message.get_body(("html",)).get_content()
    kind = audience(notice_type)
    assert FOOTERS[kind][lang] in text and FOOTERS[kind][lang] in markup
    for other in set(FOOTERS) - {kind}:
        assert FOOTERS[other][lang] not in text
    if HOSTILE in text:
        assert "<b>" not in markup and "Nord &lt;b&gt;strand&lt;/b&gt; &amp; &#34;skole&#34;" in markup


def test_school_notices_are_written_for_schools() -> None:
    assert audience(NoticeType.VISIT_CONFIRMED_SCHOOL) == audience(NoticeType.VISIT_RESCHEDULED_SCHOOL) == "school"
    assert audience(NoticeType.ORGANISER_DIGEST) == "organiser" and audience(NoticeType.VISIT_OFFERED) == "member"


def test_the_app_base_url_is_a_setting_that_defaults_to_the_local_portal() -> None:
    assert NotifySettings.model_fields["app_base_url"].default == "http://localhost:8000"
    with pytest.raises(ValueError, match="absolute"):
        NotifySettings.model_validate({"app_base_url": "app.jobbvinner.no"})
