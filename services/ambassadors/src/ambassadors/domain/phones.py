"""Phone numbers: parsed (Norway by default) and stored in E.164."""

import phonenumbers

DEFAULT_REGION = "NO"


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """The number in E.164 (e.g. +4791234567); raises ValueError when it is not a valid number."""
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        raise ValueError(f"{raw!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{raw!r} is not a valid phone number (Norwegian numbers have 8 digits)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
