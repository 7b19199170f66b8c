"""Build the Tornado application: ``make_app(settings)`` and ``routes(settings)``.

Another Tornado application can mount the proxy's handlers with
``routes(settings)``, provided its application settings carry what
``make_app`` puts there (see ``application_settings``).
"""

from __future__ import annotations

import logging
from typing import Any

import tornado.web

from dialects.registry import DialectLoadError, load_dialects
from tornsf.config import Settings
from tornsf.errors import StartupError
from tornsf.handlers.apex import apex_routes
from tornsf.handlers.auth import auth_routes
from tornsf.handlers.base import NotFoundHandler, RequestTracker
from tornsf.handlers.data import data_routes
from tornsf.handlers.misc import FaviconHandler, HealthHandler, IndexHandler
from tornsf.handlers.static import static_routes
from tornsf.log import log_request
from tornsf.session import SessionSealer

logger = logging.getLogger(__name__)


def routes(settings: Settings) -> list[Any]:
    """Return every route in match order: login, health, static, Apex, then data."""
    return (
        [(r"/", IndexHandler), (r"/healthz", HealthHandler), (r"/favicon\.ico", FaviconHandler)]
        + auth_routes()
        + static_routes(settings)
        + apex_routes(settings)
        + data_routes(settings)
    )


def load_dialect_registry(settings: Settings) -> Any:
    """Load every configured dialect once, before any worker is forked."""
    try:
        return load_dialects(settings)
    except DialectLoadError as exc:
        raise StartupError(str(exc)) from None


def application_settings(settings: Settings) -> dict[str, Any]:
    """Return the Tornado application settings the proxy's handlers rely on."""
    return {
        "tornsf": settings,
        # The worker's SalesforceClient, created by the first handler that needs it.
        "salesforce": None,
        "tornsf_sealer": SessionSealer(settings),
        "tornsf_tracker": RequestTracker(),
        "tornsf_dialects": load_dialect_registry(settings),
        "cookie_secret": dict(settings.cookie_secrets),
        "key_version": settings.cookie_key_version,
        "log_function": log_request,
        "default_handler_class": NotFoundHandler,
    }


def make_app(settings: Settings) -> tornado.web.Application:
    """Return the proxy's Tornado application for ``settings``."""
    return tornado.web.Application(routes(settings), **application_settings(settings))
