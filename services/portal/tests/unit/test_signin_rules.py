"""The pure rules of signing in: addresses worth looking up, safe `next` pages, the mail's language, a link's state,
a session's timeouts and account choice, and the CSRF tokens."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from portal.domain.accounts import Account
from portal.domain.sessions import Session, SessionPolicy, digest, looks_like_secret, new_secret, person_of_address
from portal.domain.signin import SignInLink, address_from, language_of, safe_next
from portal.service_layer import csrf

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["kari@example.no", "  Kari.Nordmann+jobb@skole.oslo.kommune.no  ", "å@æøå.no"])
def test_addresses_people_type_are_looked_up_trimmed(raw: str) -> None:
    assert address_from(raw) == raw.strip()


@pytest.mark.parametrize("raw", ["", "kari", "kari@", "@example.no", "kari@example", "ka ri@example.no",
                                 "kari\x00@example.no", "kari@exa\nmple.no", "a@b@example.no",
                                 "x" * 300 + "@example.no", "kari@" + "d" * 260 + ".no", "kari@exa_mple.no",
                                 "kari..n@example.no"])  # fmt: skip
def test_anything_else_is_not_an_address(raw: str) -> None:
    assert address_from(raw) is None


@pytest.mark.parametrize(("value", "expected"), [
    ("/offers/1?tab=open", "/offers/1?tab=open"), (None, "/"), ("", "/"), ("//evil.example/x", "/"),
    ("https://evil.example/", "/"), ("/\\evil.example", "/"), ("javascript:alert(1)", "/"), ("/a\x00b", "/"),
    ("/" + "a" * 600, "/"),
])  # fmt: skip
def test_only_paths_on_this_site_are_places_to_go_after_signing_in(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


@pytest.mark.parametrize(("header", "language"), [
    ("nn-NO,nn;q=0.9,en;q=0.5", "nn"), ("en-GB,en;q=0.9", "en"), ("no", "nb"), ("de-DE,en;q=0.5", "en"),
    ("de-DE", "nb"), (None, "nb"), ("x" * 10_000, "nb"),
])  # fmt: skip
def test_the_mail_is_written_in_the_first_language_the_browser_names_that_we_write(
    header: str | None, language: str
) -> None:
    assert language_of(header) == language


def test_a_link_is_valid_until_it_expires_or_is_used() -> None:
    link = SignInLink(b"h", expires_at=T0 + timedelta(minutes=15), email="kari@example.no")
    assert link.state(T0) == "valid" and link.state(T0 + timedelta(minutes=15)) == "expired"
    assert SignInLink(b"h", T0 + timedelta(minutes=15), used_at=T0).state(T0) == "used"


def session(**changes: object) -> Session:
    values: dict[str, object] = {"id": uuid4(), "person": "email:x", "how": "email_link", "csrf_token": "t",
                                 "created_at": T0, "last_seen_at": T0}  # fmt: skip
    return Session(**(values | changes))  # type: ignore[arg-type]


def test_a_session_ends_when_idle_or_old_whichever_comes_first() -> None:
    policy = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    fresh = session()
    assert fresh.alive(T0 + timedelta(minutes=29), policy) and not fresh.alive(T0 + timedelta(minutes=30), policy)
    busy = session(last_seen_at=T0 + timedelta(hours=11, minutes=59))
    assert busy.alive(T0 + timedelta(hours=11, minutes=59, seconds=59), policy)
    assert not busy.alive(T0 + timedelta(hours=12), policy)
    assert not session(revoked_at=T0).alive(T0, policy)


def test_a_session_acts_only_as_one_of_its_accounts() -> None:
    school, member = Account("school", "974760673"), Account("member", str(uuid4()))
    pending = session(choices=(school, member))
    assert pending.account is None and pending.choice("school:974760673") == school
    assert pending.acting_as(school).account == school
    with pytest.raises(ValueError):
        pending.choice("school:999999999")


def test_secrets_are_random_shaped_and_stored_only_as_hashes() -> None:
    secret = new_secret()
    assert looks_like_secret(secret) and secret != new_secret() and len(digest(secret)) == 32
    assert not looks_like_secret(secret[:-1]) and not looks_like_secret(secret + "=")
    assert person_of_address(" Kari@Example.no ") == person_of_address("kari@example.no")
    assert "kari" not in person_of_address("kari@example.no")


def test_the_pre_session_token_is_bound_to_its_cookie_and_key() -> None:
    key, nonce = b"k" * 32, csrf.new_nonce()
    token = csrf.presession_token(key, nonce)
    assert csrf.presession_ok(key, nonce, token)
    assert not csrf.presession_ok(key, csrf.new_nonce(), token)
    assert not csrf.presession_ok(b"other" * 8, nonce, token)
    assert not csrf.presession_ok(key, None, token) and not csrf.presession_ok(key, nonce, None)
    assert not csrf.presession_ok(key, "short", csrf.presession_token(key, "short"))


def test_a_browser_form_from_another_origin_is_not_ours() -> None:
    ours = {"https://portal.test"}
    assert csrf.same_origin("https://portal.test", None, ours)
    assert not csrf.same_origin("https://evil.example", "https://portal.test/login", ours)
    assert not csrf.same_origin("null", None, ours)
    assert csrf.same_origin(None, "https://portal.test/login?x=1", ours)
    assert not csrf.same_origin(None, "https://portal.test.evil.example/", ours)
    assert csrf.same_origin(None, None, ours)  # not a browser: the token alone decides
    assert csrf.same("a", "a") and not csrf.same("a", "b") and not csrf.same(None, None) and not csrf.same("", "")
