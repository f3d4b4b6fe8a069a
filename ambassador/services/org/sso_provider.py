"""Talking to an organization's OpenID Connect provider, through Authlib over the SSRF-safe pinned transport.

The issuer is typed in by an admin, so every request (discovery, keys, token, userinfo) goes through
infra/safe_http's PinnedAdapter mounted on Authlib's requests client: the connection goes to the address that
was checked, never to a private network; loopback (a provider on this machine: development, the test suite's
oidc-provider) only when the operator sets SSO_ALLOW_LOOPBACK_ISSUERS, which also allows plain http.

The ID token is checked as Authlib's own OpenID client does it (joserfc, Authlib's JOSE library since 1.7, for
the signature against the provider's JWKS; authlib.oidc.core.CodeIDToken for the claims):
`iss`, `aud` containing our client id (`azp` when there are several audiences), `exp`/`iat`, `nonce` and
`at_hash`. Keys are cached on the configuration and fetched again when a token names a `kid` we do not have
(the provider rotated its keys).
"""
from __future__ import annotations

import base64
import json
from typing import Any, cast
from urllib.parse import urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from flask import current_app
from joserfc import jwt
from joserfc.errors import ClaimError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from ...errors import ServiceError
from ...infra import crypto, safe_http
from ...models import SsoConfig, utcnow

SCOPES = "openid email profile groups"
# Asymmetric algorithms only: a token signed with "none" or with the client secret (HS256) is refused.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
LEEWAY_SECONDS = 60


class ProviderProblem(ServiceError):
    """The provider could not be reached or answered something unusable; `reason` is a stable word for the log.
    services/org/sso.py turns it into a message for the person; the API would answer 502 (the provider, not the
    request, is at fault)."""

    code = "sso_provider"
    status = 502

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def allow_loopback() -> bool:
    return bool(current_app.config.get("SSO_ALLOW_LOOPBACK_ISSUERS"))


def timeout() -> tuple[float, float]:
    return (current_app.config["PROVIDER_CONNECT_TIMEOUT"], current_app.config["PROVIDER_READ_TIMEOUT"])


def check_url(url: str) -> None:
    """ProviderProblem unless `url` is one we may call: https (http only with loopback allowed), pinned-safe."""
    parts = urlsplit(url or "")
    if parts.scheme != "https" and not (allow_loopback() and parts.scheme == "http"):
        raise ProviderProblem("insecure_url", url)
    try:
        safe_http.check_public_url(url, allow_loopback=allow_loopback())
    except safe_http.UnsafeURL as exc:
        raise ProviderProblem("unsafe_url", f"{url}: {exc}") from exc


def client(sso: SsoConfig | None = None, **kwargs: Any) -> OAuth2Session:
    """Authlib's requests client, its transport pinned (safe_http) and blind to proxy settings of the environment."""
    session = OAuth2Session(client_id=sso.client_id if sso else None,
                            client_secret=crypto.decrypt(sso.client_secret_encrypted) if sso else None,
                            scope=SCOPES, code_challenge_method="S256", **kwargs)
    adapter = safe_http.PinnedAdapter(allow_loopback=allow_loopback())
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.trust_env = False
    return session


def _get_json(url: str) -> dict:
    check_url(url)
    try:
        response = client().get(url, timeout=timeout(), allow_redirects=False, withhold_token=True)
    except requests.RequestException as exc:
        raise ProviderProblem("unreachable", f"{url}: {exc.__class__.__name__}") from exc
    if response.status_code != 200:
        raise ProviderProblem("http_status", f"{url} answered {response.status_code}")
    try:
        document = response.json()
    except ValueError as exc:
        raise ProviderProblem("not_json", url) from exc
    if not isinstance(document, dict):
        raise ProviderProblem("not_json", url)
    return document


def discover(issuer: str) -> dict:
    """The issuer's discovery document, checked: it names the same issuer and the endpoints we need."""
    issuer = issuer.rstrip("/")
    metadata = _get_json(f"{issuer}/.well-known/openid-configuration")
    if metadata.get("issuer", "").rstrip("/") != issuer:
        raise ProviderProblem("issuer_mismatch", f"the document names {metadata.get('issuer')!r}")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(key), str):
            raise ProviderProblem("incomplete_metadata", key)
        check_url(metadata[key])
    if "S256" not in metadata.get("code_challenge_methods_supported", ["S256"]):
        raise ProviderProblem("no_pkce", "the provider does not support PKCE S256")
    return metadata


def refresh_keys(sso: SsoConfig) -> dict:
    jwks = _get_json(sso.provider_metadata["jwks_uri"])
    if not isinstance(jwks.get("keys"), list):
        raise ProviderProblem("bad_jwks", "no keys")
    sso.jwks, sso.jwks_fetched_at = jwks, utcnow()
    return jwks


def ensure_metadata(sso: SsoConfig) -> dict:
    if not sso.provider_metadata:
        sso.provider_metadata = discover(sso.issuer)
    return sso.provider_metadata


def authorization_url(sso: SsoConfig, *, redirect_uri: str, state: str, nonce: str, code_verifier: str,
                      login_hint: str | None = None) -> str:
    extra = {"login_hint": login_hint} if login_hint else {}
    url, _state = client(sso, redirect_uri=redirect_uri).create_authorization_url(
        ensure_metadata(sso)["authorization_endpoint"], state=state, nonce=nonce, code_verifier=code_verifier,
        **extra)
    return url


def exchange_code(sso: SsoConfig, *, code: str, redirect_uri: str, code_verifier: str) -> dict:
    """The token response for `code` (client_secret_basic, PKCE verifier, the same exact redirect URI)."""
    endpoint = ensure_metadata(sso)["token_endpoint"]
    check_url(endpoint)
    try:
        token = client(sso, redirect_uri=redirect_uri).fetch_token(
            endpoint, grant_type="authorization_code", code=code, code_verifier=code_verifier,
            timeout=timeout(), allow_redirects=False)
    except requests.RequestException as exc:
        raise ProviderProblem("unreachable", f"token endpoint: {exc.__class__.__name__}") from exc
    except Exception as exc:  # noqa: BLE001 - Authlib's OAuthError and friends: the provider refused the code
        raise ProviderProblem("token_refused", str(getattr(exc, "error", "") or exc.__class__.__name__)) from exc
    if not token.get("id_token"):
        raise ProviderProblem("no_id_token")
    return dict(token)


def _kid(id_token: str) -> str | None:
    try:
        header = json.loads(base64.urlsafe_b64decode(id_token.split(".")[0] + "=="))
    except (ValueError, IndexError) as exc:
        raise ProviderProblem("malformed_id_token") from exc
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


def _known(jwks: dict, kid: str | None) -> bool:
    return kid is None or any(key.get("kid") == kid for key in jwks.get("keys", []))


def verify_id_token(sso: SsoConfig, token: dict, *, nonce: str) -> dict:
    """The ID token's claims once every check passed; ProviderProblem with the failing check's reason otherwise."""
    id_token = token["id_token"]
    jwks = sso.jwks or {}
    if not jwks.get("keys") or not _known(jwks, _kid(id_token)):
        jwks = refresh_keys(sso)  # first login, or a kid we have not seen: the provider rotated its keys
    if not _known(jwks, _kid(id_token)):
        raise ProviderProblem("unknown_key", "the ID token's kid is not in the provider's key set")
    try:
        # Only the listed asymmetric algorithms; joserfc also refuses a header it does not understand.
        decoded = jwt.decode(id_token, KeySet.import_key_set(cast(Any, jwks)),
                             registry=JWSRegistry(algorithms=ALGORITHMS))
        claims = CodeIDToken(decoded.claims, decoded.header,
                             {"iss": {"essential": True, "value": sso.issuer.rstrip("/")},
                              "aud": {"essential": True, "value": sso.client_id},
                              "sub": {"essential": True}, "nonce": {"essential": True}},
                             {"nonce": nonce, "client_id": sso.client_id, "access_token": token.get("access_token")})
        claims.validate(leeway=LEEWAY_SECONDS)
    except ClaimError as exc:
        reason = {"aud": "audience", "azp": "audience", "iss": "issuer", "nonce": "nonce"}.get(exc.claim, "claims")
        raise ProviderProblem(reason, exc.claim) from exc
    except (JoseError, ValueError) as exc:
        raise ProviderProblem("id_token", exc.__class__.__name__) from exc
    return dict(claims)


def userinfo(sso: SsoConfig, token: dict, *, subject: str) -> dict:
    """The userinfo claims (email, name, groups…), when the provider has the endpoint; its `sub` must match."""
    endpoint = ensure_metadata(sso).get("userinfo_endpoint")
    if not endpoint or not token.get("access_token"):
        return {}
    check_url(endpoint)
    try:
        response = client(sso, token=token).get(endpoint, timeout=timeout(), allow_redirects=False)
    except requests.RequestException as exc:
        raise ProviderProblem("unreachable", f"userinfo: {exc.__class__.__name__}") from exc
    if response.status_code != 200:
        raise ProviderProblem("http_status", f"userinfo answered {response.status_code}")
    info = response.json()
    if not isinstance(info, dict) or info.get("sub") != subject:
        raise ProviderProblem("userinfo_subject", "userinfo is about another subject")
    return info
