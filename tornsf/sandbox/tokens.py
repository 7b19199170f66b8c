"""OAuth state of the sandbox org: authorization codes, access tokens and refresh tokens.

Access tokens look like Salesforce's: the 15-character org id, ``!``, then ``AQ`` and
94 more characters (112 in all). Refresh tokens start with ``5Aep861``. Each web-server
login starts a refresh-token family. With rotation on, presenting a refresh token that
was already rotated out revokes the whole family and its access tokens, as Salesforce does.
"""

import dataclasses
import secrets
import string
import time

_TOKEN_ALPHABET = string.ascii_letters + string.digits + "._"

# Salesforce documents codes as short-lived; 15 minutes is the commonly quoted figure.
CODE_LIFETIME = 15 * 60


def _random_text(length: int) -> str:
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(length))


@dataclasses.dataclass
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    user_id: str
    scope: str
    code_challenge: str | None
    created: float


@dataclasses.dataclass
class AccessToken:
    user_id: str
    serial: int
    issued: float
    family: int | None
    revoked: bool = False


@dataclasses.dataclass
class RefreshFamily:
    user_id: str
    client_id: str
    scope: str
    current: str
    revoked: bool = False


class TokenStore:
    """Issue, look up, expire and revoke the org's OAuth tokens."""

    def __init__(self, org_id15: str):
        self.org_id15 = org_id15
        self.codes = {}
        self.access = {}
        self.refresh = {}
        self.families = {}
        self.serial = 0
        self.expired_below = 0

    def new_code(self, **fields) -> str:
        code = "aPrx" + _random_text(72) + "=="
        self.codes[code] = AuthorizationCode(created=time.time(), **fields)
        return code

    def take_code(self, code: str) -> AuthorizationCode | None:
        """Return and forget a code (codes are single use); None if unknown or too old."""
        grant = self.codes.pop(code, None)
        if grant is None or time.time() - grant.created > CODE_LIFETIME:
            return None
        return grant

    def issue_access(self, user_id: str, family: int | None = None) -> str:
        self.serial += 1
        token = "%s!AQ%s" % (self.org_id15, _random_text(94))
        self.access[token] = AccessToken(user_id, self.serial, time.time(), family)
        return token

    def start_family(self, user_id: str, client_id: str, scope: str) -> tuple[int, str]:
        family = len(self.families) + 1
        refresh = self._new_refresh(family)
        self.families[family] = RefreshFamily(user_id, client_id, scope, refresh)
        return family, refresh

    def _new_refresh(self, family: int) -> str:
        token = "5Aep861" + _random_text(80)
        self.refresh[token] = family
        return token

    def rotate(self, family: int) -> str:
        refresh = self._new_refresh(family)
        self.families[family].current = refresh
        return refresh

    def family_of(self, refresh_token: str) -> tuple[int | None, RefreshFamily | None]:
        family = self.refresh.get(refresh_token)
        if family is None:
            return None, None
        return family, self.families[family]

    def check_access(self, token: str, lifetime: float | None) -> AccessToken | None:
        """Return the token's record if it is valid now, else None."""
        record = self.access.get(token)
        if record is None or record.revoked or record.serial <= self.expired_below:
            return None
        if record.family is not None and self.families[record.family].revoked:
            return None
        if lifetime is not None and time.time() - record.issued > lifetime:
            return None
        return record

    def expire_all(self) -> None:
        """Expire every access token issued so far; refresh tokens stay valid."""
        self.expired_below = self.serial

    def revoke_family(self, family: int) -> None:
        self.families[family].revoked = True

    def revoke(self, token: str) -> bool:
        """Revoke an access token, or a refresh token with its access tokens; False if unknown."""
        if token in self.access:
            self.access[token].revoked = True
            return True
        family = self.refresh.get(token)
        if family is not None:
            self.revoke_family(family)
            return True
        return False
