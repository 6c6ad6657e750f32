"""PATCH bodies: a field left out stays as it is; `null` is refused, except where it means "clear this field"."""

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

NULL = {"type": "null"}


def _document_nulls(schema: dict[str, Any], model: type["PatchBody"]) -> None:
    """Mark only the clearable fields nullable, and give no `default: null` (leaving a field out is the default)."""
    for name, prop in schema.get("properties", {}).items():
        if prop.get("default", ...) is None:
            del prop["default"]
        if name in model.CLEARABLE or NULL not in prop.get("anyOf", []):
            continue
        variants = [v for v in prop.pop("anyOf") if v != NULL]
        if len(variants) == 1:
            prop.update(variants[0])
        else:
            prop["anyOf"] = variants


class PatchBody(BaseModel):
    """A PATCH body: only the fields given change. A field may be `null` only when it is named in `CLEARABLE` (null
    then clears it); for every other field `null` is refused with 422 naming it, and the OpenAPI says so (the
    field is not nullable there), so a generated client never sends what the server refuses."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_document_nulls)
    CLEARABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.CLEARABLE:
            raise ValueError("may be left out to keep it, but cannot be null")
        return value
