"""State of the second Salesforce stand-in: users, OAuth grants, tokens, records and query cursors.

Everything follows Salesforce's documented behaviour rather than the sandbox
org's choices.  Ids have 18 characters with the case-checksum suffix, and
access tokens start with the org id and ``!``.  Only the web-server flow gets
a refresh token.  Query locators look like ``01g...-<offset>`` and date-times
like ``2024-01-31T12:00:00.000+0000``.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import hmac
import itertools
import random
import secrets
import string
import threading
import time
from typing import Any, Optional

from tests.conformance import schema

CLIENT_ID = "3MVG9conformance.client.id"
CLIENT_SECRET = "C0nformance-secret-9876543210"
USERNAME = "ada@conformance.example.org"
PASSWORD = "Analytical-Engine-1843"
SECURITY_TOKEN = "tKn0Conformance"
ORG_ID = "00DHp000003xQzLMAU"
USER_ID = "005Hp00000AbCdEIA3"

_ID_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_CHARS = string.ascii_letters + string.digits


def id18(id15: str) -> str:
    """Return the 18-character form of a 15-character id (the suffix encodes upper-case positions)."""
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << offset for offset, char in enumerate(id15[start:start + 5]) if "A" <= char <= "Z")
        suffix += _ID_SUFFIX[bits]
    return id15 + suffix


def timestamp(moment: Optional[float] = None) -> str:
    """Return a Salesforce date-time: milliseconds and an offset without a colon."""
    value = datetime.datetime.fromtimestamp(moment if moment is not None else time.time(), datetime.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+0000" % (value.microsecond // 1000)


class ApiError(Exception):
    """A REST API error: status and Salesforce's error array."""

    def __init__(self, status: int, code: str, message: str, fields: Optional[list[str]] = None,
                 headers: Optional[dict[str, str]] = None):
        super().__init__(message)
        self.status = status
        error: dict[str, Any] = {"message": message, "errorCode": code}
        # Salesforce names fields only for errors about field values.
        if fields is not None:
            error["fields"] = fields
        self.errors = [error]
        self.headers = headers or {}


class OAuthFailure(Exception):
    """An OAuth error object (``{"error", "error_description"}``) with its status."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


@dataclasses.dataclass
class AccessToken:
    value: str
    refresh_token: Optional[str]
    expired: bool = False


@dataclasses.dataclass
class Cursor:
    rows: list[dict[str, Any]]
    total_size: int
    page_size: int
    version: str


class Org:
    """One org with one user, one connected app and the objects of ``schema.OBJECTS``."""

    def __init__(self, page_size: int = 2000):
        self.lock = threading.RLock()
        self.random = random.Random(1843)
        self.page_size = page_size
        self.api_usage = 0
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, bool] = {}  # token -> still valid
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in schema.OBJECTS}
        self.deleted: set[str] = set()
        self.cursors: dict[str, Cursor] = {}
        self._sequence = itertools.count(1)
        self._clock = time.time()

    # -- ids and time ----------------------------------------------------------

    def new_id(self, sobject: str) -> str:
        prefix = schema.OBJECTS[sobject]["keyPrefix"]
        body = "".join(self.random.choice(_ID_CHARS) for _ in range(7)) + "%05d" % next(self._sequence)
        return id18(prefix + body)

    def now(self) -> str:
        # Each write gets a later time, so LastModifiedDate always moves forward.
        with self.lock:
            self._clock = max(time.time(), self._clock + 0.001)
            return timestamp(self._clock)

    # -- OAuth -----------------------------------------------------------------

    def check_client(self, client_id: Optional[str], client_secret: Optional[str]) -> None:
        if client_id != CLIENT_ID:
            raise OAuthFailure("invalid_client_id", "client identifier invalid")
        if client_secret != CLIENT_SECRET:
            raise OAuthFailure("invalid_client", "invalid client credentials")

    def issue_code(self, redirect_uri: str, challenge: Optional[str]) -> str:
        # Salesforce's codes end in "==", which the callback carries as %3D%3D.
        code = "aPrx" + secrets.token_urlsafe(30).replace("-", "A").replace("_", "B") + "=="
        self.codes[code] = {"redirect_uri": redirect_uri, "challenge": challenge, "expires": time.time() + 900}
        return code

    def redeem_code(self, code: str, redirect_uri: Optional[str], verifier: Optional[str]) -> None:
        grant = self.codes.pop(code, None)
        if grant is None or grant["expires"] < time.time():
            raise OAuthFailure("invalid_grant", "invalid authorization code")
        if grant["redirect_uri"] != redirect_uri:
            raise OAuthFailure("redirect_uri_mismatch", "redirect_uri must match configuration")
        if grant["challenge"]:
            if not verifier:
                raise OAuthFailure("invalid_grant", "invalid code verifier")
            digest = hashlib.sha256(verifier.encode("ascii")).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii") != grant["challenge"]:
                raise OAuthFailure("invalid_request", "invalid code verifier")

    def check_password(self, username: Optional[str], password: Optional[str]) -> None:
        if username != USERNAME or password not in (PASSWORD, PASSWORD + SECURITY_TOKEN):
            raise OAuthFailure("invalid_grant", "authentication failure")

    def issue_access_token(self, refresh_token: Optional[str]) -> str:
        value = ORG_ID[:15] + "!AQ4AQ" + secrets.token_urlsafe(48).replace("-", ".").replace("_", "x")
        self.access_tokens[value] = AccessToken(value, refresh_token)
        return value

    def issue_refresh_token(self) -> str:
        value = "5Aep861" + secrets.token_urlsafe(60).replace("-", ".").replace("_", "x")
        self.refresh_tokens[value] = True
        return value

    def refresh(self, refresh_token: Optional[str]) -> str:
        if not refresh_token or not self.refresh_tokens.get(refresh_token):
            raise OAuthFailure("invalid_grant", "expired access/refresh token")
        return self.issue_access_token(refresh_token)

    def revoke(self, token: Optional[str]) -> None:
        if token in self.refresh_tokens and self.refresh_tokens[token]:
            # Revoking a refresh token also revokes every access token issued from it.
            self.refresh_tokens[token] = False
            for access in self.access_tokens.values():
                if access.refresh_token == token:
                    access.expired = True
            return
        access = self.access_tokens.get(token or "")
        if access is None or access.expired:
            raise OAuthFailure("invalid_token", "invalid token")
        access.expired = True

    def expire_access_tokens(self) -> None:
        with self.lock:
            for access in self.access_tokens.values():
                access.expired = True

    def token_valid(self, value: str) -> bool:
        access = self.access_tokens.get(value)
        return access is not None and not access.expired

    def signature(self, id_url: str, issued_at: str) -> str:
        digest = hmac.new(CLIENT_SECRET.encode(), (id_url + issued_at).encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode("ascii")

    # -- records ---------------------------------------------------------------

    def find(self, sobject: str, record_id: str) -> dict[str, Any]:
        """Return the stored record with a 15- or 18-character id (case-sensitive), else raise 404."""
        if len(record_id) not in (15, 18) or not record_id.isalnum():
            raise ApiError(404, "NOT_FOUND", "Provided external ID field does not exist or is not accessible: "
                           + record_id)
        key = record_id[:15]
        if len(record_id) == 18 and id18(key) != record_id:
            raise ApiError(400, "MALFORMED_ID", "%s ID: id value of incorrect type: %s" % (sobject, record_id))
        if key in self.deleted:
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
        record = self.records[sobject].get(key)
        if record is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return record

    def id_owner(self, record_id: str) -> Optional[tuple[str, dict[str, Any]]]:
        for sobject, records in self.records.items():
            record = records.get(record_id[:15])
            if record is not None:
                return sobject, record
        return None
