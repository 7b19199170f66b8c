"""The Salesforce session a client carries, sealed so it can be neither read nor forged.

A session is JSON with short keys, encrypted with Fernet (AES-128-CBC and
HMAC-SHA256 from the ``cryptography`` package) under a key derived from the
cookie secret with HKDF, then signed as a Tornado signed value (version 2,
with a key version) under the cookie name.  The result is the cookie value
and also the ``Authorization: Bearer`` value.

Each cookie secret has a stable key version (see ``config.key_version_for``),
so a value sealed under ``COOKIE_SECRET_OLD`` still opens and is re-sealed
under ``COOKIE_SECRET``.

Opening a value (signature check, decryption, JSON) is a good part of a
request's CPU time, so each worker remembers the values it opened recently:
a ``SessionSealer`` keeps up to ``OPENED_CACHE_SIZE`` of them, keyed by a
SHA-256 digest of the whole sealed value, each until the earlier of its
signature's and its encryption's age limit.  Only values that passed every
check are remembered, and sessions are immutable, so a renewal seals a new
object instead of changing a remembered one.
"""

from __future__ import annotations

import base64
import binascii
import collections
import dataclasses
import functools
import hashlib
import json
import time
from typing import Any, Optional

import tornado.web
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tornsf.config import Settings

COOKIE_NAME = "tornsf_session"

# Browsers drop cookies over 4096 bytes (name, value and attributes), and a
# value this long is not one we issued.
MAX_SEALED_LENGTH = 3800

# Maximum number of opened sessions a worker caches. An entry takes a few hundred bytes.
OPENED_CACHE_SIZE = 10000

# Short keys keep the cookie small; the mapping is fixed because sealed
# values outlive a deployment.
_FIELD_KEYS = {
    "access_token": "a",
    "refresh_token": "r",
    "instance_url": "i",
    "login_url": "l",
    "id_url": "d",
    "user_id": "u",
    "org_id": "o",
    "username": "n",
    "issued_at": "t",
    "flow": "f",
    "created": "c",
}


@dataclasses.dataclass(frozen=True)
class SalesforceSession:
    """One user's Salesforce login: tokens, where to call, and who it is.

    Frozen: the sealer hands the same object to every request that carries
    the same sealed value, so a change is a new object (``dataclasses.replace``).
    """

    access_token: str = dataclasses.field(repr=False)
    refresh_token: Optional[str] = dataclasses.field(repr=False)
    instance_url: str
    login_url: str
    id_url: str
    user_id: str
    org_id: str
    username: Optional[str]
    issued_at: str
    flow: str  # "web" or "password"
    created: int  # epoch seconds of the login

    def to_payload(self) -> dict[str, Any]:
        return {key: getattr(self, name) for name, key in _FIELD_KEYS.items()}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> "SalesforceSession":
        return cls(**{name: payload.get(key) for name, key in _FIELD_KEYS.items()})

    @classmethod
    def from_token_response(
        cls, token: dict[str, Any], login_url: str, flow: str, previous: Optional["SalesforceSession"] = None
    ) -> "SalesforceSession":
        """Build a session from a token endpoint response.

        A refresh response usually has no ``refresh_token`` (unless rotation is
        on) and may lack ``id``: those are kept from ``previous``.
        """
        id_url = token.get("id") or (previous.id_url if previous else "")
        org_id, user_id = _ids_from_identity_url(id_url)
        refresh_token = token.get("refresh_token") or (previous.refresh_token if previous else None)
        return cls(
            access_token=token["access_token"],
            refresh_token=refresh_token,
            instance_url=token["instance_url"].rstrip("/"),
            login_url=login_url,
            id_url=id_url,
            user_id=user_id or (previous.user_id if previous else ""),
            org_id=org_id or (previous.org_id if previous else ""),
            username=previous.username if previous else None,
            issued_at=str(token.get("issued_at") or int(time.time() * 1000)),
            flow=flow,
            created=previous.created if previous else int(time.time()),
        )


def _ids_from_identity_url(id_url: str) -> tuple[str, str]:
    # The identity URL ends in /id/<org id>/<user id>.
    parts = [part for part in id_url.split("?")[0].split("/") if part]
    if len(parts) >= 3 and parts[-3] == "id":
        return parts[-2], parts[-1]
    return "", ""


class SessionError(Exception):
    """A sealed value that cannot be opened: tampered, truncated, expired or too long."""


@functools.lru_cache(maxsize=16)
def _fernet_for(secret: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"tornsf session encryption",
    ).derive(secret.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


class SessionSealer:
    """Seal and open sessions with the settings' cookie secrets.

    One sealer serves a worker; it remembers opened values (see the module
    docstring).  Settings do not change while a worker runs, so a value
    sealed under a secret that is no longer configured never opens in it.
    """

    def __init__(self, settings: Settings):
        self.secrets = dict(settings.cookie_secrets)
        self.key_version = settings.cookie_key_version
        self.max_age = settings.session_max_age
        # digest -> (expiry in epoch seconds, key version, session, stale)
        self._opened: collections.OrderedDict[bytes, tuple[float, int, SalesforceSession, bool]] = (
            collections.OrderedDict()
        )

    def seal(self, session: SalesforceSession) -> str:
        """Return the sealed value of ``session`` under the current secret."""
        plain = json.dumps(session.to_payload(), separators=(",", ":")).encode("utf-8")
        token = _fernet_for(self.secrets[self.key_version]).encrypt(plain)

        # Tornado base64-encodes the signed value itself, so sign the raw
        # Fernet bytes instead of their base64 text.
        raw = base64.urlsafe_b64decode(token)
        signed = tornado.web.create_signed_value(
            self.secrets, COOKIE_NAME, raw, version=2, key_version=self.key_version
        )
        return signed.decode("ascii")

    def open(self, value: str) -> tuple[SalesforceSession, bool]:
        """Return the session in ``value`` and whether it should be re-sealed.

        Re-sealing is due when the value was sealed under an older secret.
        Raises SessionError when the value is not a valid, unexpired session.
        """
        if not value or len(value) > MAX_SEALED_LENGTH:
            raise SessionError("too long" if value else "empty")

        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()
        remembered = self._remembered(digest)
        if remembered is not None:
            return remembered

        session, key_version, expires = self._open_sealed(value)
        stale = key_version != self.key_version
        self._remember(digest, (expires, key_version, session, stale))
        return session, stale

    def _remembered(self, digest: bytes) -> Optional[tuple[SalesforceSession, bool]]:
        entry = self._opened.get(digest)
        if entry is None:
            return None

        expires, key_version, session, stale = entry
        if time.time() >= expires or key_version not in self.secrets:
            del self._opened[digest]
            return None
        self._opened.move_to_end(digest)
        return session, stale

    def _remember(self, digest: bytes, entry: tuple[float, int, SalesforceSession, bool]) -> None:
        self._opened[digest] = entry
        while len(self._opened) > OPENED_CACHE_SIZE:
            self._opened.popitem(last=False)

    def _open_sealed(self, value: str) -> tuple[SalesforceSession, int, float]:
        """Check and decrypt ``value``; return its session, key version and expiry time."""
        key_version = tornado.web.get_signature_key_version(value)
        if key_version not in self.secrets:
            raise SessionError("unknown key version")

        raw = tornado.web.decode_signed_value(
            self.secrets, COOKIE_NAME, value, max_age_days=self.max_age / 86400.0, min_version=2
        )
        if raw is None:
            raise SessionError("bad signature or expired")

        try:
            token = base64.urlsafe_b64encode(raw)
            plain = _fernet_for(self.secrets[key_version]).decrypt(token, ttl=self.max_age)
            session = SalesforceSession.from_payload(json.loads(plain))
        except (InvalidToken, binascii.Error, ValueError, TypeError) as exc:
            raise SessionError("cannot decrypt: %s" % type(exc).__name__) from None

        if not session.access_token or not session.instance_url:
            raise SessionError("incomplete session")
        return session, key_version, min(_signed_at(value), _encrypted_at(raw)) + self.max_age


def _signed_at(value: str) -> int:
    # A verified version 2 signed value reads "2|<n>:<key version>|<n>:<timestamp>|...";
    # none of the fields before the signature contains "|".
    return int(value.split("|", 3)[2].partition(":")[2])


def _encrypted_at(raw: bytes) -> int:
    # A Fernet token is a version byte, then the 64-bit big-endian time it was made.
    return int.from_bytes(raw[1:9], "big")
