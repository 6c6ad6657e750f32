"""A PATCH of a member states the bounds a new member has, and refuses null where it cannot clear anything."""

import pytest
from pydantic import ValidationError

from ambassadors.domain.members import MemberFields
from ambassadors.entrypoints.schemas import MemberPatch

IGNORED = {"title", "default"}


def bounds(schema: dict) -> dict:
    return {k: v for k, v in schema.items() if k not in IGNORED}


@pytest.mark.parametrize("field", sorted(MemberFields.model_fields))
def test_each_patch_field_has_the_bounds_of_the_member_field(field: str) -> None:
    patch = MemberPatch.model_json_schema()["properties"][field]
    full = MemberFields.model_json_schema(mode="validation")["properties"][field]
    assert bounds(patch) == bounds(full)


def test_only_the_employer_may_be_cleared_with_null() -> None:
    assert MemberPatch.model_validate({"employer": None}).model_dump(exclude_unset=True) == {"employer": None}
    with pytest.raises(ValidationError, match="travel_radius_km"):
        MemberPatch.model_validate({"travel_radius_km": None})
