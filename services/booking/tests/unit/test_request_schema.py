"""Field rules of a visit request body: each failure names its field."""

from typing import Any

import pytest
from pydantic import ValidationError

from booking.entrypoints.schemas import VisitRequestIn


def body(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "school": {"orgnr": "974760673", "name": "Byskolen", "kommunenummer": "0301", "address": "Gata 1"},
        "contact": {"name": "Kari Lærer", "email": "kari@skole.no", "phone": "412 34 567"},
        "kind": "school_visit",
        "audience": {"description": "10. trinn", "pupils": 60},
        "professions": ["nurse"],
        "language": "nb",
        "windows": [{"start": "2026-04-01T09:00:00+02:00", "end": "2026-04-01T12:00:00+02:00"}],
    }
    for path, value in changes.items():
        target = base
        *parents, leaf = path.split("__")
        for p in parents:
            target = target[p]
        target[leaf] = value
    return base


def error_fields(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as err:
        VisitRequestIn.model_validate(data)
    return [".".join(str(p) for p in e["loc"]) for e in err.value.errors()]


def test_a_good_body_normalises_the_phone_to_e164_and_defaults_the_team_size() -> None:
    parsed = VisitRequestIn.model_validate(body())
    assert parsed.contact.phone == "+4741234567"
    assert parsed.team_size == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"school__orgnr": "974760674"}, "school.orgnr"),
        ({"school__kommunenummer": "301"}, "school.kommunenummer"),
        ({"school__name": "  "}, "school.name"),
        ({"contact__email": "not-an-email"}, "contact.email"),
        ({"contact__phone": "123"}, "contact.phone"),
        ({"kind": "party"}, "kind"),
        ({"audience__pupils": 0}, "audience.pupils"),
        ({"professions": []}, "professions"),
        ({"professions": ["nurse", "nurse"]}, "professions"),
        ({"professions": ["doctor"]}, "professions.0"),
        ({"language": "de"}, "language"),
        ({"windows": []}, "windows"),
        ({"windows": [{"start": "2026-04-01T09:00:00", "end": "2026-04-01T12:00:00+02:00"}]}, "windows.0.start"),
        ({"team_size": 5}, "team_size"),
    ],
)
def test_each_bad_field_is_named(change: dict[str, Any], field: str) -> None:
    assert error_fields(body(**change)) == [field]


def test_more_than_five_windows_are_refused() -> None:
    window = {"start": "2026-04-01T09:00:00+02:00", "end": "2026-04-01T12:00:00+02:00"}
    assert error_fields(body(windows=[window] * 6)) == ["windows"]
