"""The CLI's settings (env prefix OUTREACH_)."""

from functools import cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from outreach_shared.cli.errors import EXIT_USAGE, fail
from outreach_shared.signing import SigningKey


class CliSettings(BaseSettings):
    """Where the services are and the key that signs tokens (a development key the portal also trusts: `make up`
    writes one to its CLI env file)."""

    model_config = SettingsConfigDict(env_prefix="OUTREACH_", extra="ignore")

    signing_key: SecretStr | None = None
    """OUTREACH_SIGNING_KEY: the Ed25519 private key (PKCS#8 PEM) tokens are signed with."""
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    booking_url: str = "http://127.0.0.1:8001"
    ambassadors_url: str = "http://127.0.0.1:8002"
    training_url: str = "http://127.0.0.1:8003"
    notify_url: str = "http://127.0.0.1:8004"
    portal_url: str = "http://127.0.0.1:8000"
    token: SecretStr | None = None


@cache
def get_settings() -> CliSettings:
    """Settings from the environment, read once."""
    return CliSettings()


def signing_key() -> SigningKey:
    """The key of OUTREACH_SIGNING_KEY; exits with a usage error naming the variable when it is unset or bad."""
    pem = get_settings().signing_key
    if pem is None or not pem.get_secret_value().strip():
        fail("OUTREACH_SIGNING_KEY is not set: give it the development signing key (PEM) the services trust "
             "(`make up` writes it to its CLI env file), or set OUTREACH_TOKEN to a token", EXIT_USAGE)
    try:
        return SigningKey.from_pem(pem.get_secret_value().strip().replace("\\n", "\n"))
    except (ValueError, TypeError):
        fail("OUTREACH_SIGNING_KEY is not an Ed25519 private key in PEM", EXIT_USAGE)
