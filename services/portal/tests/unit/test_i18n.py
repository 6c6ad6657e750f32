"""The pages' language: which one a request gets, dates the Norwegian way, and catalogues with every text."""

import re
from datetime import UTC, date, datetime

import pytest
from catalogues import LANGUAGES, extracted, files, read

from portal import i18n


@pytest.mark.parametrize(("asked", "cookie", "setting", "accept", "chosen"), [
    ("nn", "en", "en", "en", "nn"),          # the switcher (?lang=) first
    (None, "en", "nn", "nn", "en"),          # then the choice it left in the cookie
    (None, None, "nn", "en", "nn"),          # then the person's own setting
    (None, None, None, "en-GB,en;q=0.9", "en"),  # then the browser's
    (None, None, None, "sv, da;q=0.8", "nb"),    # nb when nothing of ours is asked for
    ("xx", "\x00", "de", "", "nb"),          # nonsense is ignored
])  # fmt: skip
def test_language_chosen_in_order(asked, cookie, setting, accept, chosen) -> None:
    assert i18n.choose(asked=asked, cookie=cookie, setting=setting, accept_language=accept) == chosen


@pytest.mark.parametrize(("header", "lang"), [
    ("nn-NO;q=0.8, nb;q=0.9", "nb"), ("en;q=0.1, nn;q=0.2", "nn"), ("no", "nb"), ("NB-no", "nb"),
    ("nn;q=0, en", "en"), ("nn;q=abc, en;q=0.5", "en"), ("*", None), ("," * 10_000, None),
])  # fmt: skip
def test_accept_language_weights_decide(header: str, lang: str | None) -> None:
    assert i18n.from_accept_language(header) == lang


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_times_are_written_in_oslo_the_norwegian_way() -> None:
    nine_in_oslo = datetime(2027, 3, 4, 8, 0, tzinfo=UTC)  # winter time: UTC+1
    assert i18n.when(nine_in_oslo, "nb") == "torsdag 4. mars 2027 kl. 09:00"
    assert i18n.when(nine_in_oslo, "nn") == "torsdag 4. mars 2027 kl. 09:00"
    assert i18n.when(nine_in_oslo, "en") == "Thursday 4 March 2027 at 09:00"
    assert i18n.when(datetime(2027, 6, 3, 7, 30, tzinfo=UTC), "nb") == "torsdag 3. juni 2027 kl. 09:30"  # summer
    with i18n.speaking("en"):
        assert i18n.day(date(2026, 12, 4)) == "4 December 2026"
    assert i18n.day(date(2026, 12, 4), "nn") == "4. desember 2026"


@pytest.mark.parametrize("lang", ["nb", "nn"])
def test_every_text_is_translated(lang: str) -> None:
    catalogue, texts = read(lang), extracted()
    assert len(texts) > 50  # the extraction found the templates' and the code's texts
    missing = [m.id for m in texts if m.id and not (catalogue.get(m.id) and all(_strings(catalogue, m.id)))]
    assert missing == [], f"untranslated in {lang} (run `python services/portal/tests/catalogues.py`): {missing}"


def test_each_text_sits_in_one_catalogue_file_of_a_language() -> None:
    for lang in LANGUAGES:
        seen: dict[str, str] = {}
        for area, catalogue in files(lang).items():
            for message in catalogue:
                if message.id:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    assert key not in seen, f"{key!r} is in both {seen[key]}.po and {area}.po ({lang})"
                    seen[key] = area


def test_translations_keep_their_placeholders() -> None:
    for lang in ("nb", "nn"):
        for message in read(lang):
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            for text in message.string if isinstance(message.string, tuple) else (message.string,):
                if text:
                    assert set(PLACEHOLDER.findall(ids[0])) == set(PLACEHOLDER.findall(text)), (lang, ids[0])


def test_texts_follow_the_language_being_rendered() -> None:
    with i18n.speaking("nn"):
        assert i18n.gettext("Skip to content") == "Hopp til innhaldet"
        with i18n.speaking("en"):
            assert i18n.gettext("Skip to content") == "Skip to content"
        assert i18n.ngettext(
            "They are erased %(num)s day after the visit has ended.",
            "They are erased %(num)s days after the visit has ended.",
            2,
        ).startswith("Dei blir")
    assert i18n.current() == "nb"


def _strings(catalogue, message_id):
    string = catalogue.get(message_id).string
    return string if isinstance(string, tuple) else (string,)
