"""The portal's response models."""

from pydantic import AwareDatetime, BaseModel, Field

from outreach_shared.signing import Jwk


class JwkOut(BaseModel):
    """One public key (Ed25519, RFC 8037)."""

    kty: str = Field(examples=["OKP"])
    crv: str = Field(examples=["Ed25519"])
    x: str
    kid: str
    alg: str = "EdDSA"
    use: str = "sig"


class JwksOut(BaseModel):
    """A JSON Web Key Set."""

    keys: list[JwkOut]

    @classmethod
    def of(cls, published: list[Jwk]) -> "JwksOut":
        """The JWKS of these public keys."""
        return cls(keys=[JwkOut.model_validate(jwk) for jwk in published])


class RotationOut(BaseModel):
    """A rotation begun: the new key, published now, and when it starts signing."""

    kid: str
    signs_from: AwareDatetime
