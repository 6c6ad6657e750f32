"""The OpenAPI of a member states what the server enforces on each field."""

from ambassadors.entrypoints.schemas import DeclineIn, MemberIn, MemberPatch


def test_member_fields_state_their_patterns_lengths_and_the_municipalities() -> None:
    for model in (MemberIn, MemberPatch):
        properties = model.model_json_schema()["properties"]

        def schema(name: str, properties: dict = properties) -> dict:
            field = properties[name]
            return next((b for b in field.get("anyOf", []) if b.get("type") == "string"), field)

        assert schema("name")["pattern"] == "^[^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$"
        assert schema("name")["maxLength"] == 200 and schema("employer")["maxLength"] == 200
        assert schema("phone")["pattern"] == r"^[0-9 +().-]{8,24}$"
        listed = schema("kommunenummer")["enum"]
        assert len(listed) == 357 and "0000" not in listed


def test_a_decline_reason_may_hold_lines_but_no_other_control_character() -> None:
    reason = DeclineIn.model_json_schema()["properties"]["reason"]["anyOf"][0]
    assert reason["pattern"] == "^[^\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]*$" and reason["maxLength"] == 500
    assert DeclineIn.model_validate({"reason": "Syk\r\ni dag"}).reason == "Syk\ni dag"
