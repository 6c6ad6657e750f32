"""The OpenAPI of a gathering states what the server enforces on each field."""

from training.entrypoints.schemas import CheckInIn, GatheringIn, RegistrationIn


def test_a_gathering_states_its_text_patterns_and_the_places_it_takes() -> None:
    schema = GatheringIn.model_json_schema()
    venue = schema["$defs"]["VenueIn"]["properties"]
    assert "\\u202a-\\u202e" in schema["properties"]["title"]["pattern"]
    assert (
        "\\u202a-\\u202e" in venue["name"]["pattern"] and venue["address"]["pattern"] == "^[^\\x00-\\x1f\\x7f-\\x9f]*$"
    )
    assert "0000" not in venue["kommunenummer"]["enum"] and "4601" in venue["kommunenummer"]["enum"]
    counties = schema["properties"]["region"]["items"]["enum"]
    assert "46" in counties and "00" not in counties and "99" not in counties


def test_notes_and_ids_state_their_rules() -> None:
    dietary = RegistrationIn.model_json_schema()["properties"]["dietary"]["anyOf"][0]
    assert dietary["pattern"] == "^[^\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]*$" and dietary["maxLength"] == 1000
    assert CheckInIn.model_json_schema()["properties"]["member_id"]["pattern"] == "^[^\\x00-\\x1f\\x7f-\\x9f]*$"
