"""The local stack's dev token for the console: only on its path, only on a loopback-bound adapter."""

import jwt
import pytest

from local.dev_token import ROUTE, SCOPES, dev_token_document
from local.jwt_issuer import LocalIssuer


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    return LocalIssuer.start(3999, tmp_path_factory.mktemp("issuer"))


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_a_loopback_adapter_serves_a_token_of_its_issuer(issuer: LocalIssuer, host: str):
    document = dev_token_document(issuer, ROUTE, host)
    assert document is not None
    claims = jwt.decode(
        document["access_token"],
        issuer.private_key.public_key(),
        algorithms=["RS256"],
        audience=issuer.audience,
        issuer=issuer.issuer,
    )
    assert claims["scope"].split() == list(SCOPES) == document["scope"].split()
    assert claims["exp"] - claims["iat"] == document["expires_in"]


def test_the_token_cannot_write_the_catalog_export_or_erase():
    assert {"catalog:write", "users:export", "users:erase"}.isdisjoint(SCOPES)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.org"])
def test_an_adapter_reachable_from_other_machines_serves_none(issuer: LocalIssuer, host: str):
    assert dev_token_document(issuer, ROUTE, host) is None


def test_other_paths_are_not_the_token(issuer: LocalIssuer):
    assert dev_token_document(issuer, ROUTE + "/", "127.0.0.1") is None
    assert dev_token_document(issuer, "/v1/health", "127.0.0.1") is None
