"""The survey's three fixed questions and their options, in nb, nn and en."""

from dataclasses import dataclass

from outreach_shared.contracts.common import Language


@dataclass(frozen=True)
class Question:
    """One question as a pupil sees it: its id (the answer's field), its text and its options (value, label)."""

    id: str
    text: str
    options: tuple[tuple[str, str], ...]


_TEXTS: dict[Language, dict[str, str]] = {
    "nb": {
        "imagine": "Kan du tenke deg å jobbe i helse- og omsorgstjenesten?",
        "learned": "Lærte du noe nytt om hvordan det er å jobbe der?",
        "good": "Var besøket bra?",
        "yes": "Ja", "maybe": "Kanskje", "no": "Nei", "ok": "Greit",
    },
    "nn": {
        "imagine": "Kan du tenkje deg å jobbe i helse- og omsorgstenesta?",
        "learned": "Lærte du noko nytt om korleis det er å jobbe der?",
        "good": "Var besøket bra?",
        "yes": "Ja", "maybe": "Kanskje", "no": "Nei", "ok": "Greitt",
    },
    "en": {
        "imagine": "Could you imagine working in health care?",
        "learned": "Did you learn something new about what the job is like?",
        "good": "Was the visit good?",
        "yes": "Yes", "maybe": "Maybe", "no": "No", "ok": "OK",
    },
}  # fmt: skip
_OPTIONS = {"imagine": ("yes", "maybe", "no"), "learned": ("yes", "no"), "good": ("yes", "ok", "no")}


def questions(language: Language) -> list[Question]:
    """The three questions in the visit's language."""
    texts = _TEXTS[language]
    return [Question(q, texts[q], tuple((o, texts[o]) for o in options)) for q, options in _OPTIONS.items()]
