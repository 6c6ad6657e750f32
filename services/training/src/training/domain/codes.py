"""Codes people read aloud or type: the check-in code at the door and a proof of training's verification code.

Characters from an alphabet without 0/O and 1/I, shown in groups of four (`K7QX-M2PD`); typed in any case, with or
without the dashes and spaces.
"""

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CHECK_IN_LENGTH = 8
"""40 bits: unguessable within one gathering's few hundred places, short enough to type."""
VERIFICATION_LENGTH = 16
"""80 bits: the public verification page cannot be walked."""
_SEPARATORS = re.compile(r"[\s-]+")


def new_code(length: int) -> str:
    """A random code of `length` characters (stored without dashes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalised(typed: str, length: int) -> str | None:
    """The code as stored, from what someone typed; None unless it can be one."""
    code = _SEPARATORS.sub("", typed).upper()
    if len(code) != length or any(c not in ALPHABET for c in code):
        return None
    return code


def grouped(code: str) -> str:
    """The code for people: groups of four joined by dashes."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
