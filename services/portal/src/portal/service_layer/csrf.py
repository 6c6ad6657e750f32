"""CSRF tokens: a signed-in form carries its session's token; the forms before a session (sign in, follow a link)
carry a token that is the HMAC of a random value kept in a cookie (the signed double-submit pattern), so neither a
forged form nor a cookie planted by a neighbouring site can pass."""

import base64
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from portal.domain.sessions import looks_like_secret, new_secret


def same(a: str | None, b: str | None) -> bool:
    """Two tokens equal (in constant time); an absent one equals nothing."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


def presession_token(key: bytes, nonce: str) -> str:
    """The form token that goes with the cookie's random value."""
    mac = hmac.new(key, b"portal.csrf:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def new_nonce() -> str:
    """A fresh value for the pre-session cookie."""
    return new_secret()


def presession_ok(key: bytes, cookie_nonce: str | None, form_token: str | None) -> bool:
    """Whether a pre-session form's token matches its cookie."""
    if not cookie_nonce or not looks_like_secret(cookie_nonce) or not form_token or len(form_token) > 100:
        return False
    return secrets.compare_digest(presession_token(key, cookie_nonce), form_token)


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL, lower-cased."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(origin: str | None, referer: str | None, allowed: set[str]) -> bool:
    """Whether a browser's Origin (or, without one, its Referer) names one of our origins; with neither (not a
    browser) the token alone decides."""
    if origin:
        return origin.lower() in allowed
    if referer:
        return origin_of(referer) in allowed
    return True
