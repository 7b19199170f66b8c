"""tornsf: a Tornado proxy that gives browser apps a plain REST face on the Salesforce REST API.

``tornsf.make_app(settings)`` builds the application and ``tornsf.routes(settings)``
returns its routes; ``tornsf.config.load_settings`` reads the settings.
"""

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Imported on first use, so ``python -m tornsf.sandbox`` does not load the proxy.
    if name in ("make_app", "routes"):
        from tornsf import app

        return getattr(app, name)
    raise AttributeError("module 'tornsf' has no attribute %r" % name)
