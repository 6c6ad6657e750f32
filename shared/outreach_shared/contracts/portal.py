"""Events published by the portal."""

from pydantic import AwareDatetime, EmailStr, Field

from outreach_shared.contracts.common import Language, Payload


class SignInLinkRequested(Payload):
    """Someone asked to sign in with this address and it holds an account: notify mails them the single-use link.
    Personal data and a secret: it travels on the short-lived sign-in topic only, and the link is never logged."""

    email: EmailStr
    link: str = Field(max_length=2000)
    """The whole sign-in URL with its secret (valid until `expires_at`, once)."""
    expires_at: AwareDatetime
    language: Language = "nb"
