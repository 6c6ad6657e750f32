"""Organisers' regions: in the token, from the CLI, as a SQL filter, and national-only routes."""

import asyncio
from types import SimpleNamespace

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from outreach_shared.auth import ISSUER, Principal
from outreach_shared.cli import app
from outreach_shared.cli.errors import EXIT_USAGE
from outreach_shared.errors import Unauthorized
from outreach_shared.http import install_problem_handlers
from outreach_shared.regions import NATIONAL, REGION_SQL, Region, UnknownArea
from outreach_shared.signing import ALGORITHM, KeySet, SigningKey, verify_token
from outreach_shared.signing import mint_token as sign
from outreach_shared.skeleton import NationalOrganiser, OrganiserCaller

runner = CliRunner()
KEY = SigningKey.generate()
KEYS = KeySet([KEY.public_jwk()])


def mint_token(role, subject=None, **kwargs):  # noqa: ANN001, ANN201
    return sign(KEY, role, subject, audience="booking", **kwargs)


def decode_token(token: str) -> Principal:
    return asyncio.run(verify_token(KEYS, token, audience="booking"))


@pytest.fixture(autouse=True)
def cli_signing_key(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    from outreach_shared.cli.settings import get_settings

    monkeypatch.setenv("OUTREACH_SIGNING_KEY", KEY.pem())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_region_covers_its_counties_and_municipalities_only() -> None:
    region = Region.of(fylker=["50"], kommuner=["0301"])
    assert region.covers("5001") and region.covers("0301")
    assert not region.covers("4601") and not region.covers("0302") and not region.covers(None)
    assert NATIONAL.covers("4601") and NATIONAL.covers(None)
    assert region.covers_any_county(["50", "46"]) and region.covers_any_county(["03"])
    assert not region.covers_any_county(["46"])
    assert "5001" in region.kommunenumre() and "4601" not in region.kommunenumre()


def test_unknown_numbers_are_refused() -> None:
    with pytest.raises(UnknownArea, match="99"):
        Region.of(fylker=["99"])
    with pytest.raises(UnknownArea, match="9999"):
        Region.of(kommuner=["9999"])


def test_the_sql_clause_names_its_column_and_its_parameters() -> None:
    clause = REGION_SQL.format(column="v.kommunenummer")
    assert "left(v.kommunenummer, 2)" in clause
    assert set(Region.of(["50"]).params()) == {"region_national", "region_fylker", "region_kommuner"}
    assert Region.of(["50"]).params()["region_national"] is False and NATIONAL.params()["region_national"] is True


def test_an_organiser_token_carries_its_region_and_a_national_one_none() -> None:
    regional = decode_token(mint_token("organiser", region=Region.of(["50"], ["0301"])))
    assert regional.region == Region(frozenset({"50"}), frozenset({"0301"}))
    national = mint_token("organiser")
    assert "region" not in jwt.decode(national, options={"verify_signature": False})
    assert decode_token(national).region.national


def test_only_organisers_carry_a_region() -> None:
    with pytest.raises(ValueError):
        mint_token("school", "974760673", region=Region.of(["50"]))


@pytest.mark.parametrize(
    "claim",
    [{"fylker": ["99"]}, {"fylker": "50"}, {"kommuner": [5001]}, {"fylker": [], "kommuner": []}, ["50"],
     {"fylker": ["50"], "everything": True}],
)
def test_a_malformed_region_claim_is_not_a_valid_token(claim: object) -> None:
    token = jwt.encode({"iss": ISSUER, "sub": "organiser", "role": "organiser", "iat": 1, "exp": 4_000_000_000,
                        "aud": "booking", "region": claim}, KEY.private, algorithm=ALGORITHM,
                       headers={"kid": KEY.kid})  # fmt: skip
    with pytest.raises(Unauthorized):
        decode_token(token)


def test_a_school_token_with_a_region_is_not_valid() -> None:
    token = jwt.encode({"iss": ISSUER, "sub": "974760673", "role": "school", "orgnr": "974760673", "iat": 1,
                        "exp": 4_000_000_000, "aud": "booking", "region": {"fylker": ["50"]}}, KEY.private,
                       algorithm=ALGORITHM, headers={"kid": KEY.kid})
    with pytest.raises(Unauthorized):
        decode_token(token)


def test_the_cli_mints_regional_organiser_tokens_with_repeatable_options() -> None:
    result = runner.invoke(app, ["token", "organiser", "--fylke", "50", "--fylke", "46", "--kommune", "0301"])
    assert result.exit_code == 0, result.output
    region = decode_token(result.stdout.strip()).region
    assert (region.fylker, region.kommuner) == (frozenset({"50", "46"}), frozenset({"0301"}))


def test_the_cli_refuses_an_unknown_county_as_a_usage_error() -> None:
    result = runner.invoke(app, ["token", "organiser", "--fylke", "99"])
    assert result.exit_code == EXIT_USAGE
    assert "99" in result.output


def test_national_only_routes_refuse_a_regional_organiser() -> None:
    api = FastAPI()
    install_problem_handlers(api)

    api.state.runtime = SimpleNamespace(keys=KEYS, audience="booking")

    @api.get("/national")
    async def national(_: NationalOrganiser) -> dict[str, str]:
        return {"ok": "yes"}

    @api.get("/any")
    async def anywhere(caller: OrganiserCaller) -> dict[str, str]:
        return {"region": caller.region.describe()}

    client = TestClient(api)
    regional = {"Authorization": f"Bearer {mint_token('organiser', region=Region.of(['50']))}"}
    whole = {"Authorization": f"Bearer {mint_token('organiser')}"}
    refused = client.get("/national", headers=regional)
    assert refused.status_code == 403 and "national" in refused.json()["detail"]
    assert client.get("/national", headers=whole).status_code == 200
    assert client.get("/any", headers=regional).json() == {"region": "fylke 50"}
