"""The portal's settings (env prefix PORTAL_)."""

from datetime import timedelta
from functools import cache

from pydantic import BaseModel, Field, SecretStr, model_validator

from outreach_shared.settings import PLACEHOLDER_SECRETS, ServiceSettings, service_config
from portal.domain.identities import Provider, ProviderKind
from portal.domain.rotation import KeyPolicy
from portal.domain.sessions import SessionPolicy
from portal.domain.signin import RateLimits
from portal.service_layer.config import SignInConfig

DEV_COOKIE_SECRET = "dev-only-portal-cookie-secret-change-me"
DEV_OIDC_SUBJECT_KEY = "dev-only-portal-oidc-subject-key-change-me"


class OidcProviderSetting(BaseModel):
    """One OpenID Connect provider people may sign in with (an item of `PORTAL_OIDC_PROVIDERS`, a JSON list)."""

    name: str = Field(pattern=r"^[a-z0-9-]{1,32}$", description="In the sign-in URLs: /login/oidc/{name}.")
    kind: ProviderKind
    issuer: str = Field(pattern=r"^https?://[^\s]{1,500}$", description="Discovery is read from the issuer.")
    client_id: str = Field(min_length=1, max_length=255)
    client_secret: SecretStr = SecretStr("")
    scopes: list[str] = Field(default_factory=lambda: ["openid"], max_length=20)
    orgnr_claim: str | None = Field(default=None, description="Feide: the claim naming the school's orgnr.")
    email_claim: str | None = Field(default=None, description="Feide: the claim with the person's address.")

    def provider(self) -> Provider:
        """The provider as sign-in sees it."""
        scopes = tuple(dict.fromkeys(["openid", *self.scopes]))
        return Provider(name=self.name, kind=self.kind, issuer=self.issuer, client_id=self.client_id, scopes=scopes,
                        orgnr_claim=self.orgnr_claim or "orgnr", email_claim=self.email_claim or "email")  # fmt: skip


class PortalSettings(ServiceSettings):
    """Settings of the portal."""

    model_config = service_config("PORTAL_")

    http_port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    """Where people reach the portal: the base of every link it sends."""
    signin_link_ttl_minutes: int = Field(default=15, ge=1, le=60, description="How long a sign-in link works.")
    signin_per_address_per_hour: int = Field(default=5, ge=1, description="Links mailed to one address an hour.")
    signin_per_client_per_hour: int = Field(default=30, ge=1, description="Sign-in requests from one client an hour.")
    session_idle_minutes: int = Field(default=30, ge=1, description="A session unused this long ends.")
    session_absolute_hours: int = Field(default=12, ge=1, description="A session ends this long after it began.")
    cookie_secret: SecretStr = Field(
        default=SecretStr(DEV_COOKIE_SECRET), description="Signs the CSRF cookie of the forms before sign-in."
    )

    oidc_providers: list[OidcProviderSetting] = Field(
        default_factory=list, description="OpenID Connect providers (Feide, ID-porten, Ansattporten, any other)."
    )
    oidc_subject_key: SecretStr = Field(
        default=SecretStr(DEV_OIDC_SUBJECT_KEY),
        description="Keys the hash kept of a provider's subject (never the national identity number itself).",
    )

    @model_validator(mode="after")
    def _refuse_placeholder_oidc_key(self) -> "PortalSettings":
        key = self.oidc_subject_key.get_secret_value()
        if self.environment == "production" and (key in PLACEHOLDER_SECRETS | {DEV_OIDC_SUBJECT_KEY} or len(key) < 32):
            raise ValueError("oidc_subject_key must be a real secret of at least 32 characters outside development")
        names = [p.name for p in self.oidc_providers]
        if len(names) != len(set(names)) or "connect" in names:
            raise ValueError("oidc_providers: each provider needs a name of its own")
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_cookie_secret(self) -> "PortalSettings":
        secret = self.cookie_secret.get_secret_value()
        placeholder = secret in PLACEHOLDER_SECRETS | {DEV_COOKIE_SECRET} or len(secret) < 32
        if self.environment == "production" and placeholder:
            raise ValueError("cookie_secret must be a real secret of at least 32 characters outside development")
        return self

    @property
    def secure_cookies(self) -> bool:
        """Cookies are Secure (and `__Host-`) everywhere but local development over plain HTTP."""
        return self.environment != "development"

    def key_policy(self) -> KeyPolicy:
        """How the signing key rotates."""
        return KeyPolicy(every=timedelta(days=self.key_rotation_days),
                         publish_ahead=timedelta(seconds=self.key_publish_ahead_seconds))  # fmt: skip

    def signin_config(self) -> SignInConfig:
        """What sign-in and sessions need from the settings."""
        return SignInConfig(
            public_url=self.public_url,
            link_ttl=timedelta(minutes=self.signin_link_ttl_minutes),
            limits=RateLimits(per_address=self.signin_per_address_per_hour,
                              per_client=self.signin_per_client_per_hour),
            sessions=SessionPolicy(idle=timedelta(minutes=self.session_idle_minutes),
                                   absolute=timedelta(hours=self.session_absolute_hours)),
        )  # fmt: skip

    key_rotation_days: float = Field(default=30, gt=0, le=365, description="How often the signing key rotates.")
    key_publish_ahead_seconds: float = Field(
        default=600, ge=0, le=86400, description="How long a new signing key is published before it signs."
    )
    key_rotation_check_seconds: float = Field(default=3600, gt=0, description="How often rotation is checked.")
    web_dir: str = Field(default="", description="Where `npm ci` put the browser assets (default: portal/web).")
    booking_url: str = Field(default="http://127.0.0.1:8001", description="Booking's public HTTP API.")
    ambassadors_url: str = Field(default="http://127.0.0.1:8002", description="Ambassadors' public HTTP API.")
    training_url: str = Field(default="http://127.0.0.1:8003", description="Training's public HTTP API.")
    notify_url: str = Field(default="http://127.0.0.1:8004", description="Notify's public HTTP API.")
    """The pages call these as the signed-in person (PORTAL_BOOKING_URL, ...); the pupils' survey calls booking's."""
    audit_keep_days: int = Field(default=730, ge=30, le=3650, description="Audit records are kept this long.")
    contact_email: str = "post@jobbvinner.no"
    """Where people write about accessibility and privacy (shown on those pages)."""


@cache
def get_settings() -> PortalSettings:
    """The settings, read once from the environment."""
    return PortalSettings()
