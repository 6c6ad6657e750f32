"""Who a bearer token speaks for: roles organiser (a region, national by default), school (orgnr) and member
(member id). The tokens themselves are signed and verified in `outreach_shared.signing` (asymmetric keys)."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from outreach_shared.errors import Unauthorized
from outreach_shared.regions import NATIONAL, Region

Role = Literal["organiser", "school", "member"]
ISSUER = "outreach"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role and, for schools and members, whose data they may touch; for organisers, where."""

    role: Role
    subject: str
    orgnr: str | None = None
    member_id: str | None = None
    region: Region = NATIONAL


class VerifiedTokens:
    """Tokens whose signature, issuer and claims were already checked, with their expiry: a bounded LRU.

    Only valid tokens get in (so junk cannot fill it), keyed by audience and token string (a tampered or re-signed
    token is another key and is verified afresh, and a token verified for one audience is not for another), and an
    entry past its `exp` is never answered from here.
    """

    def __init__(self, size: int = 4096, clock: Callable[[], float] = time.time) -> None:
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, audience: str, token: str) -> Principal | None:
        """The principal of a verified token, None when it must be verified; Unauthorized once it expired."""
        key = (audience, token)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if self._clock() >= entry[1]:  # the same rule as PyJWT's: expired from `exp` on
                del self._entries[key]
                raise Unauthorized("the token has expired")
            self._entries.move_to_end(key)
            return entry[0]

    def clear(self) -> None:
        """Forget every token (they are verified afresh)."""
        with self._lock:
            self._entries.clear()

    def put(self, audience: str, token: str, principal: Principal, expires: float) -> None:
        """Remember a token that was just verified."""
        with self._lock:
            self._entries[(audience, token)] = (principal, expires)
            self._entries.move_to_end((audience, token))
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)
