"""Norwegian organisation numbers (organisasjonsnummer): nine digits with a mod-11 check digit."""

WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def is_valid_orgnr(orgnr: str) -> bool:
    """True when `orgnr` is nine digits whose last digit is the mod-11 check digit of the first eight."""
    if len(orgnr) != 9 or not orgnr.isascii() or not orgnr.isdigit():
        return False
    remainder = sum(int(d) * w for d, w in zip(orgnr[:8], WEIGHTS, strict=True)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return check != 10 and check == int(orgnr[8])
