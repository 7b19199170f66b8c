"""The state of one sandbox org: records, tokens, knobs, call counts and demo credentials."""

import hmac
import logging

from tornsf.sandbox import ids
from tornsf.sandbox import seed as seed_module
from tornsf.sandbox.knobs import CallLog, Knobs
from tornsf.sandbox.query import QueryEngine
from tornsf.sandbox.schema import build_schema
from tornsf.sandbox.store import Store
from tornsf.sandbox.tokens import TokenStore

log = logging.getLogger(__name__)

DEMO_CLIENT_ID = "tornsf-sandbox"
DEMO_CLIENT_SECRET = "tornsf-sandbox-secret"
DEMO_USERNAME = "demo@example.com"
DEMO_PASSWORD = "demo1234"

# Developer Edition's daily API allocation, shown in Sforce-Limit-Info.
DAILY_API_LIMIT = 15000

# API versions the org serves: Summer '14 (31.0) to Winter '25 (62.0).
API_VERSIONS = tuple("%d.0" % number for number in range(31, 63))


def version_label(version: str) -> str:
    """Return the release name of an API version, e.g. ``Winter '25`` for 62.0."""
    steps = int(float(version)) - 31
    season = ("Summer", "Winter", "Spring")[steps % 3]
    year = 14 + steps // 3 + (0 if season == "Summer" else 1)
    return "%s '%02d" % (season, year)


class SandboxOrg:
    """Everything one running sandbox serves; handlers reach it through ``self.org``.

    Args:
        seed: ``"demo"``, ``"large:N"`` or None (only the demo user).
        db: SQLite file to keep records in, or None for memory. An existing file keeps
            its records and is seeded only when it contains no Accounts.
        knobs: initial values of :class:`Knobs` fields; ``reset-knobs`` returns to them.
    """

    def __init__(self, seed: str | None = "demo", db: str | None = None, **knobs):
        self.schema = build_schema()
        self.store = Store(self.schema, db)
        self.queries = QueryEngine(self.store, self.schema)
        self.default_knobs = dict(knobs)
        self.knobs = Knobs()
        self.knobs.update(self.default_knobs)
        self.calls = CallLog()
        self.api_usage = 0
        self.base_url = ""

        self.client_id = DEMO_CLIENT_ID
        self.client_secret = DEMO_CLIENT_SECRET
        self.org_id = ids.make_id("00D", 424242)
        self.user_id = seed_module.ensure_demo_user(self.store, self.schema, DEMO_USERNAME)
        self.passwords = {DEMO_USERNAME: (DEMO_PASSWORD, self.user_id)}
        self.tokens = TokenStore(self.org_id[:15])

        seed_module.apply(seed, self.store, self.schema, self.user_id)

    def close(self):
        self.store.close()

    def reset_knobs(self):
        self.knobs = Knobs()
        self.knobs.update(self.default_knobs)

    def check_password(self, username: str, password: str) -> str | None:
        """Return the user id for a correct username and password, else None."""
        expected = self.passwords.get(username.strip().lower())
        if expected is None or not hmac.compare_digest(password.encode(), expected[0].encode()):
            return None
        return expected[1]

    def user(self) -> dict:
        return self.store.get(self.schema.get("User"), self.user_id)

    def identity_url(self, user_id: str) -> str:
        return "%s/id/%s/%s" % (self.base_url, self.org_id, user_id)

    def limit_info(self) -> str:
        return "api-usage=%d/%d" % (self.api_usage, DAILY_API_LIMIT)

