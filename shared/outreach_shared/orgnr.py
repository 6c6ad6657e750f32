"""Norwegian organisation numbers (organisasjonsnummer): nine digits, the last the mod-11 check digit of the first
eight. Schools are known by theirs in every service, so the check lives here once."""

WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def check_digit(first_eight: str) -> int | None:
    """The check digit of eight ASCII digits, or None where the remainder leaves none (it would be 10)."""
    remainder = sum(int(d) * w for d, w in zip(first_eight, WEIGHTS, strict=True)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return None if check == 10 else check


def is_valid_orgnr(orgnr: str) -> bool:
    """True when `orgnr` is nine ASCII digits whose last is the check digit of the first eight."""
    if len(orgnr) != 9 or not orgnr.isascii() or not orgnr.isdigit():
        return False
    return check_digit(orgnr[:8]) == int(orgnr[8])


def with_check_digit(first_eight: str) -> str | None:
    """The organisation number the eight digits begin (None when no check digit exists for them)."""
    check = check_digit(first_eight)
    return None if check is None else f"{first_eight}{check}"
