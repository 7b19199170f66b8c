"""OAuth 2.0 endpoints: authorize form, token grants, revoke, identity URL and userinfo.

Accepted ``redirect_uri`` values: http or https URLs on a loopback address, ``localhost``,
or a host under the reserved ``.test`` and ``.localhost`` names, which never leave the
machine. Bad clients, codes, passwords and tokens get HTTP 400 with
``{"error", "error_description"}``, as Salesforce sends them.
"""

import base64
import binascii
import hashlib
import hmac
import ipaddress
import logging
import time
import urllib.parse

import tornado.escape
import tornado.web

from tornsf.sandbox.errors import OAuthError
from tornsf.sandbox.web import SandboxHandler

log = logging.getLogger(__name__)

# Scopes granted when the authorize request names none, like a connected app's defaults.
DEFAULT_SCOPE = "api refresh_token id"
_REFRESH_SCOPES = {"refresh_token", "offline_access", "full"}
_FORWARDED_PARAMS = ("response_type", "client_id", "redirect_uri", "state", "scope", "code_challenge",
                     "code_challenge_method", "prompt", "display", "login_hint", "nonce")


def redirect_uri_allowed(uri: str) -> bool:
    """Return whether ``uri`` is an http(s) URL on a host that resolves only to this machine."""
    try:
        parts = urllib.parse.urlsplit(uri)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost" or host.endswith((".localhost", ".test")):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def add_query(uri: str, params: dict) -> str:
    parts = urllib.parse.urlsplit(uri)
    query = parts.query + ("&" if parts.query else "") + urllib.parse.urlencode(params)
    return urllib.parse.urlunsplit(parts._replace(query=query))


def pkce_challenge(verifier: str) -> str:
    """Return base64url(SHA-256(verifier)) without padding, the S256 code challenge."""
    digest = hashlib.sha256(verifier.encode("ascii", errors="replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class AuthorizeHandler(SandboxHandler):
    """``/services/oauth2/authorize``: the login form (GET) and its submission (POST)."""

    ALLOWED = "GET,POST"

    def params(self) -> dict:
        return {name: self.get_argument(name, "") for name in _FORWARDED_PARAMS}

    def check_client(self, params: dict):
        """Reject an unknown client or redirect_uri with an error page, never a redirect."""
        if params["client_id"] != self.org.client_id:
            self.error_page("invalid_client_id", "client identifier invalid")
            return False
        if not redirect_uri_allowed(params["redirect_uri"]):
            self.error_page("redirect_uri_mismatch", "redirect_uri must match configuration")
            return False
        return True

    def error_page(self, error: str, description: str):
        self.set_status(400)
        self.set_header("Content-Type", "text/html;charset=UTF-8")
        self.finish("<!DOCTYPE html><html><body><h1>OAuth error</h1><p>error=%s</p><p>error_description=%s</p>"
                    "</body></html>" % (tornado.escape.xhtml_escape(error), tornado.escape.xhtml_escape(description)))

    def redirect_error(self, params: dict, error: str, description: str):
        result = {"error": error, "error_description": description}
        if params["state"]:
            result["state"] = params["state"]
        self.redirect(add_query(params["redirect_uri"], result))

    def request_error(self, params: dict) -> tuple | None:
        if params["response_type"] != "code":
            return "unsupported_response_type", "response type not supported"
        if params["code_challenge_method"] not in ("", "S256"):
            return "invalid_request", "code_challenge_method must be S256"
        if self.get_argument("immediate", "") == "true":
            return "immediate_unsuccessful", "user is not logged in"
        return None

    def checked_params(self) -> dict | None:
        """Return the request's parameters, or None after sending the error for an invalid client or request."""
        params = self.params()
        if not self.check_client(params):
            return None
        problem = self.request_error(params)
        if problem:
            self.redirect_error(params, *problem)
            return None
        return params

    def get(self):
        params = self.checked_params()
        if params is None:
            return
        self.show_form(params)

    def show_form(self, params: dict, error: str = "", username: str = ""):
        self.set_header("Cache-Control", "no-store")
        hidden = [(name, value) for name, value in params.items() if value]
        self.render("authorize.html", hidden=hidden, error=error, username=username or params["login_hint"])

    def post(self):
        params = self.checked_params()
        if params is None:
            return
        if self.get_argument("action", "login") == "deny":
            self.redirect_error(params, "access_denied", "end-user denied authorization")
            return

        username = self.get_argument("username", "")
        user_id = self.org.check_password(username, self.get_argument("password", ""))
        if user_id is None:
            self.show_form(params, "Please check your username and password. If you still can't log in, "
                                   "contact your Salesforce administrator.", username)
            return

        code = self.org.tokens.new_code(
            client_id=params["client_id"], redirect_uri=params["redirect_uri"], user_id=user_id,
            scope=params["scope"] or DEFAULT_SCOPE, code_challenge=params["code_challenge"] or None,
        )
        result = {"code": code}
        if params["state"]:
            result["state"] = params["state"]
        self.redirect(add_query(params["redirect_uri"], result))


class TokenHandler(SandboxHandler):
    """``POST /services/oauth2/token``: authorization_code, password and refresh_token grants."""

    ALLOWED = "POST"

    def post(self):
        content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise OAuthError("unsupported_grant_type", "grant type not supported")

        client_id, secret = self.client_credentials()
        if client_id != self.org.client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")

        grant_type = self.get_body_argument("grant_type", "")
        grants = {"password": self.password_grant, "authorization_code": self.code_grant,
                  "refresh_token": self.refresh_grant}
        if grant_type not in grants:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        self.send_token(grants[grant_type](secret))

    def client_credentials(self) -> tuple:
        """Read the client id and secret from HTTP Basic auth, else from the form body."""
        header = self.request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError("invalid_client", "invalid client credentials") from None
            client_id, _, secret = decoded.partition(":")
            return urllib.parse.unquote(client_id), urllib.parse.unquote(secret)
        return self.get_body_argument("client_id", ""), self.get_body_argument("client_secret", None)

    def check_secret(self, secret: str | None, required: bool = True):
        if secret is None and not required:
            return
        if secret is None or not hmac.compare_digest(secret.encode(), self.org.client_secret.encode()):
            raise OAuthError("invalid_client", "invalid client credentials")

    def password_grant(self, secret) -> dict:
        self.check_secret(secret)
        user_id = self.org.check_password(self.get_body_argument("username", ""),
                                          self.get_body_argument("password", ""))
        if user_id is None:
            raise OAuthError("invalid_grant", "authentication failure")
        return {"access_token": self.org.tokens.issue_access(user_id), "user_id": user_id}

    def code_grant(self, secret) -> dict:
        grant = self.org.tokens.take_code(self.get_body_argument("code", ""))
        if grant is None or grant.client_id != self.org.client_id:
            raise OAuthError("invalid_grant", "invalid authorization code")
        if self.get_body_argument("redirect_uri", "") != grant.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri must match configuration")

        verifier = self.get_body_argument("code_verifier", None)
        if grant.code_challenge is not None:
            if not verifier:
                raise OAuthError("invalid_grant", "invalid code verifier")
            if not hmac.compare_digest(pkce_challenge(verifier), grant.code_challenge):
                raise OAuthError("invalid_request", "invalid code verifier")
        # A client that proved itself with PKCE may omit the secret, as a public client does.
        self.check_secret(secret, required=grant.code_challenge is None)

        token = {"scope": grant.scope, "user_id": grant.user_id}
        family = None
        if _REFRESH_SCOPES & set(grant.scope.split()):
            family, token["refresh_token"] = self.org.tokens.start_family(grant.user_id, grant.client_id, grant.scope)
        token["access_token"] = self.org.tokens.issue_access(grant.user_id, family)
        return token

    def refresh_grant(self, secret) -> dict:
        self.check_secret(secret, required=False)
        presented = self.get_body_argument("refresh_token", "")
        expired = OAuthError("invalid_grant", "expired access/refresh token")
        if self.org.knobs.refuse_refresh:
            raise expired

        tokens = self.org.tokens
        family_id, family = tokens.family_of(presented)
        if family is None or family.revoked:
            raise expired
        if self.org.knobs.rotate_refresh_tokens and presented != family.current:
            # Reuse of a rotated-out token revokes the current one and its access tokens.
            tokens.revoke_family(family_id)
            raise expired

        token = {"scope": family.scope, "user_id": family.user_id,
                 "access_token": tokens.issue_access(family.user_id, family_id)}
        if self.org.knobs.rotate_refresh_tokens:
            token["refresh_token"] = tokens.rotate(family_id)
        return token

    def send_token(self, token: dict):
        issued_at = str(int(time.time() * 1000))
        identity = self.org.identity_url(token["user_id"])
        signature = hmac.new(self.org.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256)

        response = {"access_token": token["access_token"]}
        if "refresh_token" in token:
            response["refresh_token"] = token["refresh_token"]
        response["signature"] = base64.b64encode(signature.digest()).decode("ascii")
        if "scope" in token:
            response["scope"] = token["scope"]
        response.update(instance_url=self.org.base_url, id=identity, token_type="Bearer", issued_at=issued_at)

        self.set_header("Cache-Control", "no-cache,must-revalidate,max-age=0,no-store,private")
        self.send_json(response)


class RevokeHandler(SandboxHandler):
    """``/services/oauth2/revoke``: form body ``token=`` (POST) or ``?token=`` (GET)."""

    ALLOWED = "GET,POST"

    def revoke(self):
        token = self.get_argument("token", "")
        if not token:
            raise OAuthError("unsupported_token_type", "this token type is not supported")
        if not self.org.tokens.revoke(token):
            raise OAuthError("invalid_token", "invalid token")
        self.set_header("Content-Type", "text/plain;charset=UTF-8")
        self.finish("")

    def get(self):
        self.revoke()

    def post(self):
        self.revoke()


class IdentityBase(SandboxHandler):
    """Shared token check of the identity URL and userinfo: 403 ``Bad_OAuth_Token`` when invalid."""

    ALLOWED = "GET,POST"

    def user_or_403(self) -> dict:
        header = self.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "oauth"):
            token = self.get_argument("oauth_token", "")
        record = self.org.tokens.check_access(token.strip(), self.org.knobs.token_lifetime) if token else None
        if record is None:
            raise tornado.web.HTTPError(403)
        return self.org.store.get(self.org.schema.get("User"), record.user_id)

    def write_error(self, status_code: int, **kwargs):
        error = kwargs.get("exc_info", (None, None, None))[1]
        if status_code == 403 and isinstance(error, tornado.web.HTTPError):
            self.set_header("Content-Type", "text/plain;charset=UTF-8")
            self.finish("Bad_OAuth_Token")
            return
        super().write_error(status_code, **kwargs)

    def urls(self, user: dict) -> dict:
        version = self.get_argument("version", "{version}")
        if version == "latest":
            version = "62.0"
        base = self.org.base_url
        rest = "%s/services/data/v%s/" % (base, version)
        return {
            "enterprise": "%s/services/Soap/c/%s/%s" % (base, version, self.org.org_id),
            "metadata": "%s/services/Soap/m/%s/%s" % (base, version, self.org.org_id),
            "partner": "%s/services/Soap/u/%s/%s" % (base, version, self.org.org_id),
            "rest": rest,
            "sobjects": rest + "sobjects/",
            "search": rest + "search/",
            "query": rest + "query/",
            "recent": rest + "recent/",
            "tooling_soap": "%s/services/Soap/T/%s/%s" % (base, version, self.org.org_id),
            "tooling_rest": "%s/services/data/v%s/tooling/" % (base, version),
            "profile": "%s/%s" % (base, user["Id"]),
            "feeds": rest + "chatter/feeds",
            "groups": rest + "chatter/groups",
            "users": rest + "chatter/users",
            "feed_items": rest + "chatter/feed-items",
            "feed_elements": rest + "chatter/feed-elements",
            "custom_domain": base,
        }


class IdentityHandler(IdentityBase):
    """``/id/<orgId>/<userId>``: the identity document of the token's user."""

    def get(self, org_id, user_id):
        user = self.user_or_403()
        if org_id != self.org.org_id or user_id != user["Id"]:
            raise tornado.web.HTTPError(403)
        self.send_json({
            "id": self.org.identity_url(user["Id"]),
            "asserted_user": True,
            "user_id": user["Id"],
            "organization_id": self.org.org_id,
            "username": user["Username"],
            "nick_name": user["Alias"],
            "display_name": user["Name"],
            "email": user["Email"],
            "email_verified": True,
            "first_name": user["FirstName"],
            "last_name": user["LastName"],
            "timezone": user["TimeZoneSidKey"],
            "photos": {"picture": None, "thumbnail": None},
            "addr_street": None, "addr_city": None, "addr_state": None, "addr_country": None, "addr_zip": None,
            "mobile_phone": None,
            "mobile_phone_verified": False,
            "is_lightning_login_user": False,
            "status": {"created_date": None, "body": None},
            "urls": self.urls(user),
            "active": bool(user["IsActive"]),
            "user_type": "STANDARD",
            "language": user["LanguageLocaleKey"],
            "locale": user["LanguageLocaleKey"],
            "utcOffset": -28800000,
            "last_modified_date": user["LastModifiedDate"],
            "is_app_installed": True,
        })

    def post(self, org_id, user_id):
        self.get(org_id, user_id)


class UserInfoHandler(IdentityBase):
    """``/services/oauth2/userinfo``: the OpenID Connect claims of the token's user."""

    def get(self):
        user = self.user_or_403()
        self.send_json({
            "sub": self.org.identity_url(user["Id"]),
            "user_id": user["Id"],
            "organization_id": self.org.org_id,
            "preferred_username": user["Username"],
            "nickname": user["Alias"],
            "name": user["Name"],
            "email": user["Email"],
            "email_verified": True,
            "given_name": user["FirstName"],
            "family_name": user["LastName"],
            "zoneinfo": user["TimeZoneSidKey"],
            "photos": {"picture": None, "thumbnail": None},
            "profile": "%s/%s" % (self.org.base_url, user["Id"]),
            "picture": None,
            "address": {},
            "is_salesforce_integration_user": False,
            "urls": self.urls(user),
            "active": bool(user["IsActive"]),
            "user_type": "STANDARD",
            "language": user["LanguageLocaleKey"],
            "locale": user["LanguageLocaleKey"],
            "utcOffset": -28800000,
            "updated_at": user["LastModifiedDate"],
            "is_app_installed": True,
        })

    def post(self):
        self.get()


def oauth_routes(org) -> list:
    args = {"org": org}
    return [
        (r"/services/oauth2/authorize", AuthorizeHandler, args),
        (r"/services/oauth2/token", TokenHandler, args),
        (r"/services/oauth2/revoke", RevokeHandler, args),
        (r"/services/oauth2/userinfo", UserInfoHandler, args),
        (r"/id/(?P<org_id>[A-Za-z0-9]{18})/(?P<user_id>[A-Za-z0-9]{18})", IdentityHandler, args),
    ]
