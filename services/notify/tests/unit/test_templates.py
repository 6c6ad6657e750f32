"""Every notice type renders in every language; HTML is escaped; a missing template stops start-up."""

from pathlib import Path

import pytest

from notify.adapters.templates import TEMPLATES, MissingTemplate, Renderer
from notify.domain.formatting import LANGUAGES
from notify.domain.notices import NoticeType

from .samples import SAMPLES


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    r = Renderer(app_url="https://app.jobbvinner.no")
    r.validate()
    return r


def test_every_notice_type_has_a_sample_context() -> None:
    assert set(SAMPLES) == set(NoticeType)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("notice_type", list(NoticeType))
def test_renders_every_notice_type_in_every_language(renderer: Renderer, notice_type: NoticeType, lang: str) -> None:
    rendered = renderer.render(notice_type, lang, SAMPLES[notice_type], recipient_name="Kari")
    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.text.startswith("Hi Kari," if lang == "en" else "Hei Kari!")
    assert "<p>" in rendered.html and rendered.sms.startswith("Jobbvinner")
    assert "{{" not in rendered.text and "{%" not in rendered.text


def test_languages_differ_in_wording(renderer: Renderer) -> None:
    ctx = SAMPLES[NoticeType.VISIT_REMINDER_MEMBER]
    nb, nn, en = (renderer.render(NoticeType.VISIT_REMINDER_MEMBER, lang, ctx).text for lang in LANGUAGES)
    assert "Husk at du skal på skolebesøk" in nb and "tirsdag 14. oktober 2025 kl. 09:00" in nb
    assert "Hugs at du skal på skulebesøk" in nn and "tysdag 14. oktober 2025 kl. 09:00" in nn
    assert "Tuesday 14 October 2025 at 09:00" in en and "Kari and Ola" in en


def test_html_escapes_values_but_plain_text_keeps_them(renderer: Renderer) -> None:
    ctx = SAMPLES[NoticeType.VISIT_CONFIRMED_SCHOOL] | {"school_name": "<script>x</script> & Co"}
    rendered = renderer.render(NoticeType.VISIT_CONFIRMED_SCHOOL, "nb", ctx)
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "<script>x</script> & Co" in rendered.text


def test_a_missing_variable_fails_rendering_instead_of_printing_nothing(renderer: Renderer) -> None:
    with pytest.raises(Exception, match="is undefined"):
        renderer.render(NoticeType.VISIT_CONFIRMED_SCHOOL, "nb", {"visit_id": "v-1"})


def test_a_missing_template_is_a_start_up_error(tmp_path: Path) -> None:
    for lang in LANGUAGES:
        (tmp_path / lang).mkdir()
        for source in (TEMPLATES / lang).iterdir():
            (tmp_path / lang / source.name).write_text(source.read_text())
    (tmp_path / "layout.html").write_text((TEMPLATES / "layout.html").read_text())
    (tmp_path / "nn" / "visit_thank_you.txt").unlink()
    with pytest.raises(MissingTemplate, match="nn/visit_thank_you.txt"):
        Renderer(app_url="x", directory=tmp_path).validate()


def test_a_template_without_a_subject_is_a_start_up_error(tmp_path: Path) -> None:
    for lang in LANGUAGES:
        (tmp_path / lang).mkdir()
        for source in (TEMPLATES / lang).iterdir():
            (tmp_path / lang / source.name).write_text(source.read_text())
    (tmp_path / "layout.html").write_text((TEMPLATES / "layout.html").read_text())
    (tmp_path / "en" / "visit_offered.txt").write_text("{% block body %}hello{% endblock %}")
    with pytest.raises(MissingTemplate, match="subject"):
        Renderer(app_url="x", directory=tmp_path).validate()


def test_members_of_one_fan_out_get_the_same_notice_greeted_by_name(renderer: Renderer) -> None:
    ctx = SAMPLES[NoticeType.GATHERING_INVITATION]
    kari, ola = (renderer.render(NoticeType.GATHERING_INVITATION, "nb", dict(ctx), name) for name in ("Kari", "<Ola>"))
    assert kari.text.startswith("Hei Kari!") and ola.text.startswith("Hei <Ola>!")
    assert "<p>Hei Kari!</p>" in kari.html and "<p>Hei &lt;Ola&gt;!</p>" in ola.html
    assert kari.text.replace("Kari", "<Ola>") == ola.text and kari.subject == ola.subject
    assert renderer.render(NoticeType.GATHERING_INVITATION, "nb", ctx | {"title": "Vårsamling"}).subject.endswith(
        "Vårsamling"
    )


def test_only_the_greeting_may_use_the_recipients_name(tmp_path: Path) -> None:
    for lang in LANGUAGES:
        (tmp_path / lang).mkdir()
        for source in (TEMPLATES / lang).iterdir():
            (tmp_path / lang / source.name).write_text(source.read_text())
    (tmp_path / "layout.html").write_text((TEMPLATES / "layout.html").read_text())
    (tmp_path / "nb" / "offer_expired.txt").write_text(
        "{% block subject %}Utløpt{% endblock %}{% block body %}{{ recipient_name }}{% endblock %}"
    )
    with pytest.raises(Exception, match="recipient_name"):
        Renderer(app_url="x", directory=tmp_path).render(NoticeType.OFFER_EXPIRED, "nb", {}, "Kari")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_unfulfilled_visit_that_was_confirmed_says_a_member_left_and_the_entry_is_withdrawn(
    renderer: Renderer, lang: str
) -> None:
    ctx = SAMPLES[NoticeType.VISIT_UNFULFILLED] | {"was_confirmed": True, "calendar_withdrawn": True}
    text = renderer.render(NoticeType.VISIT_UNFULFILLED, lang, ctx).text
    never = renderer.render(NoticeType.VISIT_UNFULFILLED, lang, SAMPLES[NoticeType.VISIT_UNFULFILLED]).text
    withdrawn = {"nb": "kalenderavtalen er trukket tilbake", "nn": "kalenderavtalen er trekt tilbake",
                 "en": "the calendar entry has been withdrawn"}[lang]  # fmt: skip
    assert withdrawn in text and withdrawn not in never
