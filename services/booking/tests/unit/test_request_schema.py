"""Field rules of a visit request body: each failure names its field."""

import random
from typing import Any

import phonenumbers
import pytest
from pydantic import BaseModel, EmailStr, ValidationError
from request_bodies import body

from booking.entrypoints.schemas import Email, VisitRequestIn, _e164, _email, _parsed


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


def slow_e164(value: str) -> str:
    """The check as it was before the Norwegian E.164 short cut: always through phonenumbers.parse."""
    try:
        number = phonenumbers.parse(value, "NO")
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number (Norwegian by default, or give +country code)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def outcome(check: Any, value: str) -> str:
    try:
        return check(value)
    except ValueError as exc:
        return f"refused: {exc}"


def norwegian_e164_sample() -> list[str]:
    """Every three-digit start of an eight-digit number (mobile, fixed line, Svalbard, toll-free, premium, shared
    cost...), each with suffixes from a seeded generator, as +47 numbers."""
    rng = random.Random(47)
    return [f"+47{start}{rng.randrange(100_000):05d}" for start in range(100, 1000) for _ in range(6)]


def test_a_norwegian_e164_number_is_read_as_phonenumbers_parses_it() -> None:
    for value in norwegian_e164_sample():
        assert _parsed(value) == phonenumbers.parse(value, "NO"), value


def test_the_phone_check_answers_as_it_did_through_phonenumbers_parse() -> None:
    others = [
        "+4701234567",
        "+47912345678",
        "+479123456",
        "+47 912 34 567",
        "91234567",
        "004791234567",
        "+46701234567",
        "+47٩١٢٣٤٥٦٧",
        "+4791234567 ",
        "+47-91234567",
        "+4780012345",
        "+4779012345",
        "12",
    ]
    for value in norwegian_e164_sample() + others:
        assert outcome(_e164, value) == outcome(slow_e164, value), value


class WithEmailStr(BaseModel):
    email: EmailStr


class WithEmail(BaseModel):
    email: Email


def email_outcome(model: type[BaseModel], value: str) -> Any:
    try:
        return model.model_validate({"email": value}).model_dump()
    except ValidationError as exc:
        return [(e["type"], e["msg"]) for e in exc.errors()]


def test_the_remembered_email_check_answers_as_email_str_twice_over() -> None:
    values = [
        "kari.nordmann@example.no",
        "Kari@EXAMPLE.NO",
        "kari@bølgen.no",
        "ola@xn--blgen-zua.no",
        "Kari Nordmann <kari@example.no>",
        "not-an-email",
        "a@b",
        "kari@@example.no",
        "kari@example..no",
        " kari@example.no",
        "kari@example.no\n",
        "x" * 70 + "@example.no",
        "",
    ]
    for value in values * 2:  # the second time from the cache where the first passed
        assert email_outcome(WithEmail, value) == email_outcome(WithEmailStr, value), value


def test_valid_contacts_are_checked_once_and_invalid_ones_every_time() -> None:
    _email.cache_clear()
    _e164.cache_clear()
    for _ in range(3):
        VisitRequestIn.model_validate(body())
        for check, bad in ((_email, "not-an-email"), (_e164, "123")):
            with pytest.raises(ValueError):
                check(bad)
    assert (_email.cache_info().misses, _email.cache_info().hits) == (4, 2)  # one valid address, three refusals
    assert (_e164.cache_info().misses, _e164.cache_info().hits) == (4, 2)
    assert _email.cache_info().currsize == _e164.cache_info().currsize == 1


def test_the_openapi_states_what_the_server_enforces_on_each_text_field() -> None:
    defs = VisitRequestIn.model_json_schema()["$defs"]
    school, contact = defs["SchoolIn"]["properties"], defs["ContactIn"]["properties"]
    assert school["orgnr"]["pattern"] == r"^\d{9}$" and school["orgnr"]["format"] == "no-orgnr"
    assert contact["phone"]["pattern"] == r"^[0-9 +().-]{8,24}$" and contact["phone"]["format"] == "phone"
    listed = school["kommunenummer"]["enum"]
    assert "0301" in listed and "0000" not in listed and "3001" not in listed  # refused numbers are not listed
    for text in (school["name"], school["address"], contact["name"], defs["AudienceIn"]["properties"]["description"]):
        assert text["pattern"].startswith("^[^\\x00-\\x1f") and text["maxLength"] <= 300
    assert "\\u202e" not in school["address"]["pattern"] and "\\u202a-\\u202e" in school["name"]["pattern"]
    notes = VisitRequestIn.model_json_schema()["properties"]["notes"]["anyOf"][0]
    assert notes["pattern"] == "^[^\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]*$" and notes["maxLength"] == 2000


@pytest.mark.parametrize("phone", ["41234567", "+47 412 34 567", "(+47) 412-34-567", "0047 41234567", "412.34.567"])
def test_every_phone_the_server_takes_fits_the_documented_pattern(phone: str) -> None:
    import re

    assert re.fullmatch(r"[0-9 +().-]{8,24}", phone) and _e164(phone) == "+4741234567"
