"""Feedback links: a signed, single-purpose token naming one visit and when it expires; schools answer without
signing in. The token is `<body>.<signature>`, both base64url: the body is `feedback:<visit id>:<expiry, Unix
seconds>`, the signature its HMAC-SHA256 under booking's feedback key. Nothing is stored: the same visit and
expiry always give the same token, so the reminder carries the link the thank-you carried."""

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from booking.domain.model import Visit
from outreach_shared.errors import DomainError, NotFound

PURPOSE = "feedback"
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{1,400}\.[A-Za-z0-9_-]{43}$"
"""What a token looks like (the signature is 32 bytes, 43 base64url characters); anything else is 422."""
VALID_FOR = timedelta(days=30)
REMIND_AFTER = timedelta(days=7)


class LinkExpired(DomainError):
    """The feedback link was valid once, but its 30 days are over."""

    status = 410
    title = "Gone"


@dataclass(frozen=True)
class FeedbackLink:
    """A visit's feedback link: which visit, until when, and its token."""

    visit_id: str
    expires_at: datetime
    token: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).digest()


def link_for(visit_id: str, expires_at: datetime, key: bytes) -> FeedbackLink:
    """The visit's feedback link, valid until `expires_at` (whole seconds)."""
    expiry = int(expires_at.timestamp())
    body = f"{PURPOSE}:{visit_id}:{expiry}".encode()
    token = f"{_b64(body)}.{_b64(_signature(key, body))}"
    return FeedbackLink(visit_id, datetime.fromtimestamp(expiry, UTC), token)


def read(token: str, key: bytes, *, now: datetime) -> FeedbackLink:
    """The link a token stands for; NotFound when it is malformed, tampered with or for another purpose,
    LinkExpired (410) when it is genuine but past its expiry."""
    unknown = NotFound("no such feedback link (it may be mistyped or cut short)")
    body_text, _, signature_text = token.partition(".")
    try:
        body, signature = _unb64(body_text), _unb64(signature_text)
    except (binascii.Error, ValueError):
        raise unknown from None
    if not hmac.compare_digest(signature, _signature(key, body)):
        raise unknown
    purpose, _, rest = body.decode("utf-8", "replace").partition(":")
    visit_id, _, expiry = rest.rpartition(":")
    if purpose != PURPOSE or not visit_id or not expiry.isdigit():
        raise unknown
    try:
        link = FeedbackLink(visit_id, datetime.fromtimestamp(int(expiry), UTC), token)
    except (OverflowError, ValueError, OSError):
        raise unknown from None
    if now >= link.expires_at:
        raise LinkExpired(f"this feedback link expired at {link.expires_at.isoformat()}")
    return link


@dataclass(frozen=True)
class FeedbackPolicy:
    """The key links are signed with, how long they work and when an unanswered one is reminded of (both from
    the visit's completion)."""

    key: bytes = b"booking-unit-tests-only"
    valid_for: timedelta = VALID_FOR
    remind_after: timedelta = REMIND_AFTER

    def link(self, visit_id: str, completed_at: datetime) -> FeedbackLink:
        """The link of a visit completed at `completed_at`."""
        return link_for(visit_id, completed_at + self.valid_for, self.key)

    def read(self, token: str, *, now: datetime) -> FeedbackLink:
        """The link a token stands for (see `read`)."""
        return read(token, self.key, now=now)


@dataclass(frozen=True)
class FeedbackView:
    """What a feedback link rates: the visit, and until when the link works."""

    visit: Visit
    link: FeedbackLink

    @property
    def answered(self) -> bool:
        """Whether the school has rated the visit already."""
        return self.visit.rating is not None
