"""Login, identity, session and logout routes.

Two OAuth 2.0 flows log a user in:

- the web-server flow (recommended): ``GET /login`` redirects to Salesforce's
  authorize page with a signed, expiring ``state`` and a PKCE S256
  challenge; ``/login/callback`` checks the state against the nonce cookie,
  exchanges the code and sets the session cookie;
- the username-password flow (legacy: Salesforce retires it for connected
  apps on 2027-02-20): ``POST /login/password`` with ``username`` and
  ``password`` as a form or JSON.

The nonce cookie holds the nonce and the PKCE verifier, signed and HttpOnly,
for ten minutes; the state carries only a hash of the nonce, so a state
without the browser's cookie is useless, and the cookie is cleared on first
use, so a replayed state fails.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import logging
import secrets
from typing import Any, Optional

import tornado.auth
import tornado.escape

from dialects.base import load_json
from tornsf.errors import ProxyError, UpstreamError
from tornsf.handlers.base import BaseHandler
from tornsf.handlers.upstream import UpstreamMixin, session_expired
from tornsf.security import is_safe_redirect, salesforce_host_allowed, url_origin
from tornsf.session import SalesforceSession

logger = logging.getLogger(__name__)

STATE_NAME = "tornsf_state"
NONCE_COOKIE = "tornsf_oauth"
STATE_MAX_AGE = 600
AUTHORIZE_PATH = "/services/oauth2/authorize"
CALLBACK_PATH = "/login/callback"
DEFAULT_LANDING = "/login/whoami"

INVALID_STATE = (
    "The login state is missing, expired, already used or from another browser: start again at /login."
)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_pair() -> tuple[str, str]:
    """Return a PKCE code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(64)
    challenge = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
    return verifier, challenge


def nonce_hash(nonce: str) -> str:
    return _b64url(hashlib.sha256(nonce.encode("ascii")).digest())


def identity_summary(identity: dict[str, Any], session: SalesforceSession) -> dict[str, Any]:
    """Return who is logged in, from Salesforce's identity response; never tokens."""
    return {
        "user_id": identity.get("user_id") or session.user_id,
        "org_id": identity.get("organization_id") or session.org_id,
        "username": identity.get("username") or session.username,
        "display_name": identity.get("display_name"),
        "email": identity.get("email"),
        "instance_url": session.instance_url,
        "login_url": session.login_url,
        "flow": session.flow,
    }


class LoginSteps(BaseHandler):
    """Steps shared by the login handlers: target checks, token exchange, landing."""

    def login_server(self, requested: Optional[str]) -> str:
        """Return the login server's origin: the requested one if allowed, else ``SALESFORCE_LOGIN_URL``."""
        if not requested:
            return self.tornsf.login_url

        origin = url_origin(requested.strip())
        if origin is None or not salesforce_host_allowed(origin, self.tornsf.allowed_hosts):
            raise ProxyError(
                400,
                "login_server_rejected",
                "login_server %r is not a Salesforce login host: use https://login.salesforce.com, "
                "https://test.salesforce.com or your My Domain, e.g. https://NAME.my.salesforce.com." % requested[:200],
            )
        return origin

    def check_target(self, app_url: Optional[str]) -> Optional[str]:
        """Return ``app_url`` if it is safe to redirect to after login; raise 400 if not."""
        if not app_url:
            return None
        if not is_safe_redirect(app_url, self.own_origin or "", self.tornsf.origins):
            raise ProxyError(
                400,
                "redirect_rejected",
                "app_url must be a path on this server or a URL whose origin is listed in ORIGINS.",
            )
        return app_url

    def landing_url(self, app_url: Optional[str]) -> str:
        return app_url or self.tornsf.final_url or DEFAULT_LANDING

    def redirect_uri(self) -> str:
        return self.tornsf.redirect_url or "%s%s" % (self.own_origin, CALLBACK_PATH)

    def is_json_client(self) -> bool:
        accept = self.request.headers.get("Accept", "")
        content_type = self.request.headers.get("Content-Type", "")
        return "application/json" in accept or content_type.startswith("application/json")

    async def exchange(self, login_server: str, fields: dict[str, str]) -> dict[str, Any]:
        """Call the token endpoint; a rejected grant becomes 401 ``login_failed``."""
        from tornsf.salesforce.errors import OAuthError
        from tornsf.salesforce.oauth import request_token

        self.upstream_calls += 1
        try:
            return await request_token(self.salesforce, login_server, fields)
        except OAuthError as exc:
            logger.info("Login failed at %s: %s", login_server, exc.error)
            raise ProxyError(
                401,
                "login_failed",
                "Salesforce rejected the login (%s): %s" % (exc.error, exc.description or "no description"),
            ) from None

    async def start_session(
        self, token: dict[str, Any], login_server: str, flow: str, username: Optional[str] = None
    ) -> tuple[SalesforceSession, dict[str, Any]]:
        """Build the session from a token response, read the identity, and store the session."""
        from tornsf.salesforce.errors import OAuthError
        from tornsf.salesforce.oauth import fetch_identity

        for field, what in (("instance_url", "an instance URL"), ("id", "an identity URL")):
            if not salesforce_host_allowed(token.get(field), self.tornsf.allowed_hosts):
                raise ProxyError(
                    502,
                    "instance_rejected",
                    "Salesforce returned %s (%s) outside the allowed Salesforce hosts: add the host to "
                    "SALESFORCE_ALLOWED_HOSTS if it is yours." % (what, field),
                )

        session = dataclasses.replace(SalesforceSession.from_token_response(token, login_server, flow), username=username)
        self.upstream_calls += 1
        try:
            identity = await fetch_identity(self.salesforce, session)
        except OAuthError as exc:
            raise ProxyError(
                502, "identity_failed", "Salesforce did not return the user's identity (%s): log in again." % exc.error
            ) from None

        session = dataclasses.replace(session, username=identity.get("username") or username)
        self.store_sf_session(session)
        return session, identity


class LoginHandler(tornado.auth.OAuth2Mixin, LoginSteps):
    """``GET /login``: start the web-server flow."""

    def get(self) -> None:
        app_url = self.check_target(self.get_query_argument("app_url", None))
        login_server = self.login_server(self.get_query_argument("login_server", None))
        nonce = secrets.token_urlsafe(32)
        verifier, challenge = pkce_pair()

        state_payload = json.dumps({"h": nonce_hash(nonce), "a": app_url or "", "l": login_server})
        state = self.create_signed_value(STATE_NAME, state_payload).decode("ascii")
        self.set_signed_cookie(
            NONCE_COOKIE,
            json.dumps({"n": nonce, "v": verifier}),
            expires_days=None,
            max_age=STATE_MAX_AGE,
            path="/login",
            httponly=True,
            # Lax: the callback is a top-level navigation from Salesforce.
            secure=self._cookie_attributes()["secure"],
            samesite="Lax",
        )

        self._OAUTH_AUTHORIZE_URL = login_server + AUTHORIZE_PATH
        self.set_header("Cache-Control", "no-store")
        self.authorize_redirect(
            redirect_uri=self.redirect_uri(),
            client_id=self.tornsf.client_id,
            scope=list(self.tornsf.scope) or None,
            extra_params={"state": state, "code_challenge": challenge, "code_challenge_method": "S256"},
        )


class CallbackHandler(LoginSteps):
    """``GET|POST /login/callback``: check the state, exchange the code, set the session."""

    # The state and its nonce cookie protect this route; Salesforce's origin
    # is not in ORIGINS.
    csrf_exempt = True

    async def get(self) -> None:
        # min_version=2: Tornado fails with an exception, not None, on a value
        # in the old version-1 format when the secrets are versioned.
        nonce_cookie = self.get_signed_cookie(NONCE_COOKIE, max_age_days=STATE_MAX_AGE / 86400.0, min_version=2)
        # Single use: whatever happens next, this state cannot be replayed.
        self.clear_cookie(NONCE_COOKIE, path="/login")
        state = self._check_state(nonce_cookie)

        error = self.get_argument("error", None)
        if error:
            description = self.get_argument("error_description", "")
            raise ProxyError(401, "login_failed", "Salesforce did not log you in (%s): %s" % (error, description[:300]))

        code = self.get_argument("code", None)
        if not code:
            raise ProxyError(400, "missing_code", "The callback has no authorization code: start again at /login.")

        login_server = self.login_server(state["l"])
        token = await self.exchange(
            login_server,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri(),
                "code_verifier": state["v"],
            },
        )
        await self.start_session(token, login_server, "web")
        self.redirect(self.landing_url(state["a"] or None))

    post = get

    def _check_state(self, nonce_cookie: Optional[bytes]) -> dict[str, str]:
        state_value = self.get_argument("state", None)
        if not state_value or nonce_cookie is None:
            raise ProxyError(400, "invalid_state", INVALID_STATE)

        decoded = self.get_signed_cookie(
            STATE_NAME, value=state_value, max_age_days=STATE_MAX_AGE / 86400.0, min_version=2
        )
        if decoded is None:
            raise ProxyError(400, "invalid_state", INVALID_STATE)

        try:
            state = json.loads(decoded)
            nonce = json.loads(nonce_cookie)
            matches = hmac.compare_digest(state["h"], nonce_hash(nonce["n"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            matches = False
        if not matches:
            raise ProxyError(400, "invalid_state", INVALID_STATE)

        return {"a": state.get("a", ""), "l": state["l"], "v": nonce["v"]}


class PasswordLoginHandler(LoginSteps):
    """``POST /login/password`` (username-password flow, legacy); ``GET`` in dev only."""

    async def get(self) -> None:
        if self.tornsf.is_prod:
            raise ProxyError(404, "not_found", "GET /login/password is only available with --env dev.")
        if not (self.tornsf.dev_username and self.tornsf.dev_password):
            raise ProxyError(
                400,
                "missing_credentials",
                "Set SALESFORCE_USERNAME and SALESFORCE_PASSWORD in .denv to log in with GET /login/password.",
            )
        self._check_navigation()
        app_url = self.check_target(self.get_query_argument("app_url", None))
        await self._login(self.tornsf.dev_username, self.tornsf.dev_password, None, app_url)

    def _check_navigation(self) -> None:
        """Reject a GET that a page of another site started: it would log that browser in unasked.

        Browsers send ``Sec-Fetch-Site``; ``none`` is a typed URL or a bookmark.
        Clients without the header (curl, scripts) are not browsers.
        """
        fetch_site = self.request.headers.get("Sec-Fetch-Site")
        if fetch_site is not None and fetch_site not in ("same-origin", "none"):
            raise ProxyError(
                403,
                "cross_site_login",
                "GET /login/password was started by a page of another site (Sec-Fetch-Site: %s): open the URL "
                "directly, or POST username and password." % fetch_site[:30],
            )

    async def post(self) -> None:
        fields = self._fields()
        username = fields.get("username") or ""
        password = fields.get("password") or ""
        if not username or not password:
            raise ProxyError(400, "missing_credentials", "Send both username and password, as a form or as JSON.")

        app_url = self.check_target(fields.get("app_url"))
        await self._login(username, password, fields.get("login_server"), app_url)

    def _fields(self) -> dict[str, str]:
        content_type = self.request.headers.get("Content-Type", "")
        if not content_type.startswith("application/json"):
            return {name: self.get_body_argument(name, "") for name in ("username", "password", "login_server", "app_url")}

        try:
            value = load_json(self.request.body or b"null")
        except ValueError as exc:
            raise ProxyError(400, "invalid_json", "The request body is not valid JSON: %s." % exc) from None
        if not isinstance(value, dict):
            raise ProxyError(400, "invalid_body", "Send a JSON object with username and password.")
        return {name: item for name, item in value.items() if isinstance(item, str)}

    async def _login(self, username: str, password: str, requested_server: Optional[str], app_url: Optional[str]) -> None:
        login_server = self.login_server(requested_server)
        token = await self.exchange(
            login_server, {"grant_type": "password", "username": username, "password": password}
        )
        session, identity = await self.start_session(token, login_server, "password", username)

        if self.is_json_client():
            sealed = self.sealer.seal(session)
            self.write_json({"identity": identity_summary(identity, session), "session": sealed})
            return
        self.redirect(self.landing_url(app_url), status=303)


class WhoAmIHandler(UpstreamMixin, LoginSteps):
    """``GET /login/whoami``: the logged-in user's identity, read from Salesforce."""

    async def get(self) -> None:
        from tornsf.salesforce.errors import OAuthError
        from tornsf.salesforce.oauth import fetch_identity

        async def attempt(session: SalesforceSession) -> Any:
            self.upstream_calls += 1
            try:
                return await fetch_identity(self.salesforce, session)
            except OAuthError as exc:
                return exc

        # The identity URL returns 403 (not 401) for an expired token.
        def expired(result: Any) -> bool:
            return isinstance(result, OAuthError) and result.status in (401, 403)

        identity, _ = await self.with_renewal(attempt, expired)
        if expired(identity):
            raise session_expired("Salesforce rejected the session again right after renewing it.")
        if isinstance(identity, OAuthError):
            raise ProxyError(502, "identity_failed", "Salesforce did not return the identity: %s." % identity.error)
        self.write_json(identity_summary(identity, self.current_sf_session()))


class SessionHandler(BaseHandler):
    """``GET /session`` (dev only): the session without its tokens."""

    def get(self) -> None:
        if self.tornsf.is_prod:
            raise ProxyError(404, "not_found", "GET /session is only available with --env dev.")

        session = self.require_sf_session()
        self.write_json(
            {
                "auth_method": self.auth_method,
                "flow": session.flow,
                "instance_url": session.instance_url,
                "login_url": session.login_url,
                "id_url": session.id_url,
                "user_id": session.user_id,
                "org_id": session.org_id,
                "username": session.username,
                "issued_at": session.issued_at,
                "created": session.created,
                "access_token": {"present": True, "length": len(session.access_token), "prefix": session.access_token[:3]},
                "refresh_token": {
                    "present": bool(session.refresh_token),
                    "length": len(session.refresh_token or ""),
                },
                "sealed_length": len(self.sealer.seal(session)),
            }
        )


class LogoutHandler(LoginSteps):
    """``POST /logout``: revoke the token at Salesforce and clear the cookie."""

    async def post(self) -> None:
        try:
            session = self.get_sf_session()
        except ProxyError:
            session = None  # an unreadable cookie was cleared already
        self.clear_session_cookie()

        revoked = False
        if session is not None:
            revoked = await self._revoke(session)

        if self.is_json_client() or self.auth_method == "bearer" or not self.request.headers.get("Origin"):
            self.write_json({"logged_out": True, "revoked": revoked})
            return
        target = self.check_target(self.get_body_argument("app_url", None) or None)
        self.redirect(target or "/", status=303)

    async def _revoke(self, session: SalesforceSession) -> bool:
        from tornsf.salesforce.errors import OAuthError
        from tornsf.salesforce.oauth import revoke_token

        # Revoking the refresh token also revokes the access tokens issued from it.
        token = session.refresh_token or session.access_token
        self.upstream_calls += 1
        try:
            await revoke_token(self.salesforce, session.login_url, token)
        except (OAuthError, UpstreamError) as exc:
            logger.warning("Token revocation at %s failed: %s", session.login_url, exc)
            return False
        return True


def auth_routes() -> list[tuple[str, Any]]:
    return [
        (r"/login", LoginHandler),
        (r"/login/callback", CallbackHandler),
        (r"/login/password", PasswordLoginHandler),
        (r"/login/whoami", WhoAmIHandler),
        (r"/session", SessionHandler),
        (r"/logout", LogoutHandler),
    ]
