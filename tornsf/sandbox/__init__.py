"""A Salesforce-compatible org on loopback, for tests, demos and first runs.

It serves OAuth 2.0 (authorize form, token grants, revoke, identity), the REST data API
with SOQL over SQLite, demo Apex REST services, and admin endpoints for fault knobs::

    python -m tornsf.sandbox --port 8900 --seed demo

or, from Python, ``SandboxServer(seed="demo").start().url``.
"""

from tornsf.sandbox.org import (  # noqa: F401  (re-exported names)
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    SandboxOrg,
)
from tornsf.sandbox.server import SandboxServer, make_app  # noqa: F401  (re-exported names)

__all__ = ["SandboxServer", "SandboxOrg", "make_app", "DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET", "DEMO_USERNAME",
           "DEMO_PASSWORD"]
