"""Text a request may carry: no control characters (newline and tab only where a field holds several lines), no
bidirectional overrides in names, bounded lengths. Each type documents its rule in the OpenAPI as a pattern."""

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, GetCoreSchemaHandler, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

CONTROLS = r"\x00-\x1f\x7f-\x9f"
"""C0 controls (NUL, escape, carriage return...), DEL and the C1 controls."""
CONTROLS_BUT_LINES = r"\x00-\x08\x0b-\x1f\x7f-\x9f"
"""The same, less tab and newline."""
BIDI_CONTROLS = r"\u202a-\u202e\u2066-\u2069"
"""Bidirectional embeddings, overrides and isolates: they make a name read differently from what it is."""
SURROGATES = "\ud800-\udfff"
"""Halves of UTF-16 pairs that came alone (JSON may carry them escaped): no text encoding can store them."""


def _refusal(forbidden: str, what: str) -> "_Refusal":
    return _Refusal(re.compile(f"[{forbidden}{SURROGATES}]"), f"^[^{forbidden}]*$", what)


@dataclass(frozen=True)
class _Refusal:
    """Refuses text holding one of a set of characters; documents the rule as a JSON Schema pattern."""

    found: re.Pattern[str]
    pattern: str
    what: str

    def __call__(self, value: Any) -> Any:
        hit = self.found.search(value) if isinstance(value, str) else None
        if hit is not None:
            raise ValueError(f"holds {self.what} (U+{ord(hit.group()):04X}) at position {hit.start()}")
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        documented = handler(schema)
        documented["pattern"] = self.pattern
        return documented


NO_CONTROLS = _refusal(CONTROLS, "a control character")
NO_CONTROLS_BUT_LINES = _refusal(CONTROLS_BUT_LINES, "a control character other than newline and tab")
NO_CONTROLS_OR_BIDI = _refusal(CONTROLS + BIDI_CONTROLS, "a control character or a bidirectional override")


def _unix_newlines(value: Any) -> Any:
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


UNIX_NEWLINES = BeforeValidator(_unix_newlines)
"""Put last in a multi-line type's metadata (before-validators run last to first): CRLF becomes LF first."""
_TRIMMED = StringConstraints(strip_whitespace=True)

Name = Annotated[str, _TRIMMED, StringConstraints(min_length=1, max_length=200), NO_CONTROLS_OR_BIDI]
"""A name (of a person, a school, a venue, a gathering): one line of up to 200 characters, no bidirectional
overrides. A field of another length writes its own: `Annotated[str, StringConstraints(...), NO_CONTROLS]`."""
Line = Annotated[str, _TRIMMED, StringConstraints(min_length=1, max_length=300), NO_CONTROLS]
"""One line of text of up to 300 characters (an address, a description, a reason)."""
Lines = Annotated[str, _TRIMMED, StringConstraints(max_length=2000), NO_CONTROLS_BUT_LINES, UNIX_NEWLINES]
"""Free text of several lines (notes, comments) of up to 2,000 characters: newlines (CRLF read as LF) and tabs."""


def first_control_character(value: str) -> int | None:
    """The position of the first control character (or lone surrogate) in `value`, None if it has none."""
    hit = NO_CONTROLS.found.search(value)
    return hit.start() if hit else None
