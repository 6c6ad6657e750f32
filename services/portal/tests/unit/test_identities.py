"""The rules of signing in through a provider: whose identity a token names, which school Feide gives, and how
long a redirect and a waiting identity last."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.identities import (
    LOGIN_TTL,
    PENDING_TTL,
    Identity,
    PendingLogin,
    Provider,
    SignInRefused,
    email_of,
    identity_of,
    orgnr_from,
    school_of,
)
from portal.settings import OidcProviderSetting, PortalSettings

IDPORTEN = Provider("idporten", "idporten", "https://idporten.example/", "portal")
FEIDE = Provider("feide", "feide", "https://auth.dataporten.example", "portal", orgnr_claim="org")
GENERIC = Provider("kommune", "generic", "https://login.example/tenant/v2.0", "portal")
KEY = b"k" * 32
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_idporten_identity_is_a_keyed_hash_of_the_pid_never_the_number() -> None:
    identity = identity_of(IDPORTEN, {"sub": "pairwise-1", "pid": "24079409630"}, KEY)
    assert "24079409630" not in repr(identity) and "24079409630" not in identity.person
    assert identity == identity_of(IDPORTEN, {"sub": "pairwise-2", "pid": "24079409630"}, KEY)
    assert identity != identity_of(IDPORTEN, {"pid": "24079409630"}, b"x" * 32)


def test_generic_identity_is_the_subject_of_its_issuer() -> None:
    mine = identity_of(GENERIC, {"sub": "abc"}, KEY)
    assert mine.issuer == GENERIC.issuer
    other_issuer = Provider("other", "generic", "https://other.example", "portal")
    assert mine.subject_hash != identity_of(other_issuer, {"sub": "abc"}, KEY).subject_hash


@pytest.mark.parametrize("claims", [{}, {"sub": ""}, {"sub": 12}, {"sub": "x" * 256}])
def test_a_token_without_a_usable_subject_is_refused(claims: dict[str, object]) -> None:
    with pytest.raises(SignInRefused, match="no_subject"):
        identity_of(GENERIC, claims, KEY)


def test_idporten_without_pid_is_refused_even_with_a_sub() -> None:
    with pytest.raises(SignInRefused, match="no_subject"):
        identity_of(IDPORTEN, {"sub": "pairwise-1"}, KEY)


@pytest.mark.parametrize(
    ("value", "orgnr"),
    [("974760673", "974760673"), ("NO974760673", "974760673"), (" no974760673 ", "974760673"),
     ("974760674", None), ("97476067", None), ("NO97476067３", None), (None, None), (974760673, None)],
)  # fmt: skip
def test_orgnr_from_a_claim_needs_nine_digits_and_a_valid_check_digit(value: object, orgnr: str | None) -> None:
    assert orgnr_from(value) == orgnr


def test_feide_gives_the_one_school_of_the_claim() -> None:
    assert school_of(FEIDE, {"org": "NO974760673"}) == "974760673"
    assert school_of(FEIDE, {"org": ["NO974760673", "974760673"]}) == "974760673"


@pytest.mark.parametrize("claims", [{}, {"org": "NO123"}, {"org": ["NO974760673", "NO971524960"]}])
def test_feide_without_exactly_one_valid_school_is_refused(claims: dict[str, object]) -> None:
    with pytest.raises(SignInRefused, match="no_school"):
        school_of(FEIDE, claims)


@pytest.mark.parametrize("value", [None, "", "no-at-sign", "a@b@c", "x\x00@y.no", "a" * 250 + "@x.no"])
def test_feide_needs_a_plausible_address(value: object) -> None:
    with pytest.raises(SignInRefused, match="no_email"):
        email_of(FEIDE, {"email": value})


def test_a_redirect_answers_one_callback_within_its_ttl() -> None:
    login = PendingLogin(b"h", "idporten", "n", "v", "/", created_at=NOW)
    assert login.usable(NOW + LOGIN_TTL - timedelta(seconds=1))
    assert not login.usable(NOW + LOGIN_TTL)
    assert not PendingLogin(b"h", "idporten", "n", "v", "/", created_at=NOW, used_at=NOW).usable(NOW)


def test_an_identity_waits_to_be_linked_for_a_while_after_its_callback() -> None:
    identity = Identity("idporten", "https://idporten.example/", "ab" * 32)
    login = PendingLogin(b"h", "idporten", "n", "v", "/", created_at=NOW, used_at=NOW, identity=identity)
    assert login.waiting_identity(NOW + PENDING_TTL - timedelta(seconds=1)) == identity
    assert login.waiting_identity(NOW + PENDING_TTL) is None
    assert PendingLogin(b"h", "idporten", "n", "v", "/", created_at=NOW, used_at=NOW).waiting_identity(NOW) is None


def test_providers_are_read_from_json_and_always_ask_for_openid(monkeypatch: pytest.MonkeyPatch) -> None:
    item = {"name": "feide", "kind": "feide", "issuer": "https://f.example", "client_id": "c",
            "client_secret": "s3cr3t-value", "scopes": ["email"], "orgnr_claim": "org"}  # fmt: skip
    monkeypatch.setenv("PORTAL_OIDC_PROVIDERS", json.dumps([item]))
    (setting,) = PortalSettings().oidc_providers
    assert setting.client_secret.get_secret_value() == "s3cr3t-value" and "s3cr3t" not in repr(setting)
    provider = setting.provider()
    assert provider.scopes == ("openid", "email") and provider.orgnr_claim == "org" and provider.email_claim == "email"


@pytest.mark.parametrize(
    "item",
    [{"name": "Feide!", "kind": "feide"}, {"name": "x", "kind": "bankid"}, {"name": "x", "issuer": "ftp://x"}],
)
def test_a_provider_setting_that_cannot_work_is_refused(item: dict[str, str]) -> None:
    base = {"name": "x", "kind": "generic", "issuer": "https://x.example", "client_id": "c"}
    with pytest.raises(ValueError):
        OidcProviderSetting.model_validate({**base, **item})


def test_two_providers_of_one_name_or_one_named_connect_are_refused() -> None:
    item = {"name": "x", "kind": "generic", "issuer": "https://x.example", "client_id": "c"}
    with pytest.raises(ValueError, match="name of its own"):
        PortalSettings(oidc_providers=[item, item])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="name of its own"):
        PortalSettings(oidc_providers=[{**item, "name": "connect"}])  # type: ignore[list-item]
