"""Calls to Salesforce's OAuth endpoints: token, revoke and the identity URL.

All three take the worker's ``SalesforceClient`` and only call allowed
Salesforce hosts.  OAuth errors that Salesforce describes in JSON raise
``OAuthError``.  Every other failure (no connection, a timeout, an HTML page,
a body that is not JSON) raises ``tornsf.errors.UpstreamError`` with a 502,
503 or 504.
"""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any

from tornado.httpclient import HTTPRequest, HTTPResponse

from tornsf.errors import UpstreamError
from tornsf.salesforce.errors import OAuthError, bad_response_problem, decode_json, response_problem

logger = logging.getLogger(__name__)

TOKEN_PATH = "/services/oauth2/token"
REVOKE_PATH = "/services/oauth2/revoke"

_FORM_TYPE = "application/x-www-form-urlencoded"


async def request_token(client: Any, login_url: str, fields: dict[str, str]) -> dict[str, Any]:
    """POST ``fields`` to the login server's token endpoint and return the token response.

    ``client_id`` and ``client_secret`` are added from the settings unless
    ``fields`` has them.  A success without ``access_token`` or with an
    ``instance_url`` outside the allowed hosts raises UpstreamError (502).
    """
    form = {"client_id": client.settings.client_id, "client_secret": client.settings.client_secret}
    form.update(fields)

    response = await _post_form(client, login_url, TOKEN_PATH, form)
    token = _decode_oauth_body(response, "token")

    if not isinstance(token, dict) or not token.get("access_token"):
        raise UpstreamError(bad_response_problem("the token response has no access_token"))
    if token.get("instance_url") and not client.host_allowed(token["instance_url"]):
        raise UpstreamError(
            bad_response_problem("the token response names instance %r, which is not an allowed host" % token["instance_url"])
        )
    return token


async def revoke_token(client: Any, login_url: str, token: str) -> None:
    """Revoke an access or refresh token at the login server (revoking a refresh token revokes its access tokens)."""
    response = await _post_form(client, login_url, REVOKE_PATH, {"token": token})
    if response.code != 200:
        _decode_oauth_body(response, "revoke")


async def fetch_identity(client: Any, session: Any) -> dict[str, Any]:
    """Return the identity (user id, org id, username, ...) of a session from its ``id`` URL.

    Salesforce returns 403 (not 401) on this endpoint when the access token has
    expired, and both raise OAuthError with the status.
    """
    client.origin_of(session.id_url, "identity URL")
    separator = "&" if "?" in session.id_url else "?"
    request = HTTPRequest(
        session.id_url + separator + "format=json",
        method="GET",
        headers={"Authorization": "Bearer " + session.access_token, "Accept": "application/json"},
    )
    response = await client.send(request)
    identity = _decode_oauth_body(response, "identity")
    if not isinstance(identity, dict):
        raise UpstreamError(bad_response_problem("the identity response is not a JSON object"))
    return identity


async def _post_form(client: Any, login_url: str, path: str, form: dict[str, str]) -> HTTPResponse:
    origin = client.origin_of(login_url, "login server")
    request = HTTPRequest(
        origin + path,
        method="POST",
        headers={"Content-Type": _FORM_TYPE, "Accept": "application/json"},
        body=urllib.parse.urlencode(form),
    )
    return await client.send(request)


def _decode_oauth_body(response: HTTPResponse, what: str) -> Any:
    """Decode a JSON OAuth response; raise OAuthError for JSON errors, UpstreamError for the rest."""
    try:
        value = decode_json(response.body)
    except ValueError:
        if response.code in (401, 403):
            # The identity URL rejects an expired or revoked token with a
            # plain-text 403 "Bad_OAuth_Token".
            text = (response.body or b"").decode("utf-8", "replace").strip()[:100]
            raise OAuthError("invalid_token", text, response.code) from None
        if response.code >= 300:
            raise UpstreamError(response_problem(response)) from None
        detail = "the %s endpoint returned HTTP %d without a JSON body" % (what, response.code)
        raise UpstreamError(bad_response_problem(detail)) from None

    if response.code < 300:
        return value

    if isinstance(value, dict) and "error" in value:
        raise OAuthError(str(value["error"]), str(value.get("error_description", "")), response.code)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        raise OAuthError(str(value[0].get("errorCode", "")), str(value[0].get("message", "")), response.code)

    logger.warning("Salesforce %s endpoint returned HTTP %d with an unexpected JSON body", what, response.code)
    raise UpstreamError(response_problem(response))
