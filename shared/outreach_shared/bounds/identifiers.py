"""Identifiers of places and people as requests carry them, stated in the OpenAPI as the server checks them."""

from functools import cache
from typing import Annotated

from pydantic import AfterValidator, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from outreach_shared.errors import Invalid
from outreach_shared.municipalities import load_register

ORGNR_PATTERN = r"^\d{9}$"
"""An organisasjonsnummer: nine digits (the last a mod-11 check digit, which the service that takes one checks)."""
PHONE_PATTERN = r"^[0-9 +().-]{8,24}$"
"""A phone number in any common format (`+47 912 34 567`, `91234567`, `(+47) 912-34-567`); the server then checks
it is a valid number (Norwegian unless it starts with a country code) and stores it in E.164."""


@cache
def _current_numbers() -> list[str]:
    return sorted(load_register().by_number)


def _known_kommunenummer(value: str) -> str:
    try:
        return load_register().get(value).number
    except Invalid as exc:
        raise ValueError(exc.detail) from None


class _ListsEveryKommunenummer:
    """Documents a kommunenummer with the register's numbers as its enum (read when the OpenAPI is built)."""

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": r"^\d{4}$",
            "enum": _current_numbers(),
            "description": "One of Norway's 357 municipality numbers (2024 structure); an older number is refused "
            "with the number that replaced it.",
            "examples": ["0301"],
        }


Kommunenummer = Annotated[
    str,
    StringConstraints(pattern=r"^\d{4}$"),
    AfterValidator(_known_kommunenummer),
    _ListsEveryKommunenummer(),
]
"""A current municipality number: the OpenAPI lists every one, and the server takes no other."""


def _known_county(value: str) -> str:
    counties = load_register().county_numbers
    if value not in counties:
        raise ValueError(f"unknown county number {value!r}: expected one of {', '.join(sorted(counties))}")
    return value


class _ListsEveryCounty:
    """Documents a county number with the register's counties as its enum."""

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": r"^\d{2}$",
            "enum": sorted(load_register().county_numbers),
            "description": "A county (fylke) number of the 2024 structure.",
            "examples": ["46"],
        }


CountyNumber = Annotated[str, StringConstraints(pattern=r"^\d{2}$"), AfterValidator(_known_county), _ListsEveryCounty()]
"""A current county number: the OpenAPI lists every one, and the server takes no other."""
