"""The test provider is a real, strict OpenID Connect provider, configured as the portal's tests
assume: PKCE S256 required, the claims come from the userinfo endpoint (the ID token carries
only `sub`), and codes work once."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.oidc import fixtures
from tests.oidc.fixtures import CLIENT_ID, CLIENT_SECRET, TEST_APP, Provider, provider_browser

oidc_provider = fixtures.oidc_provider
REDIRECT = f"{TEST_APP}/auth/callback"


def _metadata(provider: Provider) -> dict:
    return httpx.get(provider.discovery_url, timeout=5).json()


def test_discovery_names_the_endpoints_and_only_s256(oidc_provider):
    metadata = _metadata(oidc_provider)
    assert metadata["issuer"] == oidc_provider.issuer
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["userinfo_endpoint"] == f"{oidc_provider.issuer}/me"
    assert {"openid", "email", "profile"} <= set(metadata["scopes_supported"])


def test_an_authorization_request_without_pkce_is_refused(oidc_provider):
    metadata = _metadata(oidc_provider)
    with provider_browser() as browser:
        response = browser.get(
            metadata["authorization_endpoint"],
            params={
                "client_id": CLIENT_ID,
                "response_type": "code",
                "scope": "openid email",
                "redirect_uri": REDIRECT,
                "state": "s",
            },
        )
    assert response.is_redirect
    answer = parse_qs(urlsplit(response.headers["location"]).query)
    assert answer["error"] == ["invalid_request"]
    assert "PKCE" in answer["error_description"][0]


def test_the_id_token_carries_only_sub_and_userinfo_the_rest(oidc_provider):
    metadata = _metadata(oidc_provider)
    verifier = generate_token(48)
    with OAuth2Client(
        CLIENT_ID,
        CLIENT_SECRET,
        scope="openid email profile",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
    ) as rp:
        url, state = rp.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier, nonce="n-0S6_WzA2Mj"
        )
        with provider_browser() as browser:
            back = fixtures.sign_in_at_provider(browser, url, "kim", TEST_APP)
        query = parse_qs(urlsplit(back).query)
        assert query["state"] == [state]
        assert query["iss"] == [oidc_provider.issuer]
        token = rp.fetch_token(
            metadata["token_endpoint"], code=query["code"][0], code_verifier=verifier
        )
        keys = KeySet.import_key_set(httpx.get(metadata["jwks_uri"], timeout=5).json())
        id_token = jwt.decode(token["id_token"], keys).claims
        userinfo = rp.get(metadata["userinfo_endpoint"]).json()

        # The code works once only.
        again = httpx.post(
            metadata["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "code_verifier": verifier,
                "redirect_uri": REDIRECT,
            },
            auth=(CLIENT_ID, CLIENT_SECRET),
            timeout=5,
        )
    assert id_token["sub"] == "kim"
    assert id_token["nonce"] == "n-0S6_WzA2Mj"
    assert "email" not in id_token and "name" not in id_token
    assert userinfo == {
        "sub": "kim",
        "email": "kim@example.org",
        "email_verified": True,
        "name": "Person kim",
    }
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
