"""Load the dialects once at start-up and pick one per request.

Dialects come from three places, loaded in this order: the built-ins below,
the ``tornsf.dialects`` entry-point group of installed packages, and the
dotted paths in the ``DIALECTS`` setting (``package.module:ClassName`` or
``package.module.ClassName``).  Each is instantiated and exercised once with a
sample record, list and error, so a broken dialect stops start-up with a
``DialectLoadError`` that names the setting and the cause instead of failing
requests later.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import re
from typing import Any, Iterable, Mapping, Optional

from tornado.httputil import HTTPHeaders, HTTPServerRequest

from dialects.base import Dialect, DialectError, ListInfo, Problem, Reply, RequestContext

logger = logging.getLogger("tornsf.dialects.registry")

ENTRY_POINT_GROUP = "tornsf.dialects"
HEADER = "X-Model-Dialect"
ARGUMENT = "dialect"

BUILTIN_DIALECTS = {
    "salesforce": "dialects.salesforce:SalesforceDialect",
    "clay": "dialects.clay:ClayDialect",
    "backbone": "dialects.backbone:BackboneDialect",
    "ember": "dialects.ember:EmberDialect",
    "jsonapi": "dialects.jsonapi:JsonApiDialect",
}

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class DialectLoadError(Exception):
    """A dialect could not be loaded or failed its start-up check."""

    def __init__(self, setting: str, message: str):
        super().__init__("%s: %s" % (setting, message))
        self.setting = setting


def import_path(path: str) -> Any:
    """Import ``package.module:Name`` or ``package.module.Name`` and return the object."""
    module_name, colon, attribute = path.partition(":")
    if not colon:
        module_name, _, attribute = path.rpartition(".")
    if not module_name or not attribute:
        raise ImportError("'%s' is not a dotted path such as mypackage.dialects:MyDialect" % path)

    module = importlib.import_module(module_name)
    target: Any = module
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ImportError("module '%s' has no attribute '%s'" % (module_name, attribute)) from None
    return target


def _instantiate(target: Any) -> Dialect:
    if isinstance(target, type) and issubclass(target, Dialect):
        return target()
    if isinstance(target, Dialect):
        return target
    raise TypeError("%r is neither a dialects.base.Dialect subclass nor an instance of one" % (target,))


def _sample_context() -> RequestContext:
    return RequestContext(
        method="GET", sobject="Account", path_segment="accounts", record_id="001000000000001AAA",
        arguments={}, headers=HTTPHeaders(), base_path="",
    )


def check_dialect(dialect: Dialect) -> None:
    """Render a sample record, list and error with ``dialect``; raise TypeError on a wrong result."""
    ctx = _sample_context()
    record = {"attributes": {"type": "Account", "url": "/services/data/v62.0/sobjects/Account/001000000000001AAA"},
              "Id": "001000000000001AAA", "Name": "Sample"}
    info = ListInfo(sobject="Account", total_size=1, returned=1)

    checks: list[tuple[str, Any, type]] = [
        ("record", dialect.record(ctx, record), Reply),
        ("list_start", dialect.list_start(ctx, info), Reply),
        ("list_record", dialect.list_record(ctx, record, 0), bytes),
        ("list_records", dialect.list_records(ctx, [record, record], 1), bytes),
        ("list_end", dialect.list_end(ctx, info), bytes),
        ("error", dialect.error(ctx, Problem(404, [{"errorCode": "NOT_FOUND", "message": "Sample"}])), Reply),
    ]
    for method, result, expected in checks:
        if not isinstance(result, expected):
            raise TypeError("%s() returned %s instead of %s" % (method, type(result).__name__, expected.__name__))
        if isinstance(result, Reply) and not (isinstance(result.status, int) and isinstance(result.body, bytes)):
            raise TypeError("%s() returned a Reply whose status is not an int or whose body is not bytes" % method)


def _load_one(setting: str, target_path: str, loader, name: Optional[str] = None) -> Dialect:
    try:
        dialect = _instantiate(loader())
    except Exception as exc:
        raise DialectLoadError(setting, "cannot load '%s': %s: %s" % (target_path, type(exc).__name__, exc)) from exc

    if name and not dialect.name:
        dialect.name = name
    if name and dialect.name.lower() != name.lower():
        raise DialectLoadError(setting, "'%s' is registered as '%s' but its name is '%s'" % (target_path, name, dialect.name))
    if not isinstance(dialect.name, str) or not _NAME.match(dialect.name.lower()):
        raise DialectLoadError(
            setting, "'%s' has the name %r: set the class attribute name to lower-case letters, digits, '-', '_' or '.'"
            % (target_path, dialect.name),
        )

    try:
        check_dialect(dialect)
    except Exception as exc:
        raise DialectLoadError(setting, "'%s' failed its start-up check: %s: %s" % (target_path, type(exc).__name__, exc)) from exc
    return dialect


def _entry_points() -> Iterable[importlib.metadata.EntryPoint]:
    return importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)


def load_dialects(settings: Any) -> dict[str, Dialect]:
    """Return every dialect by lower-case name, checked; raise DialectLoadError on any problem.

    ``settings`` needs ``dialects`` (dotted paths from DIALECTS) and
    ``default_dialect`` (DEFAULT_DIALECT), which must name a loaded dialect.
    """
    registry: dict[str, Dialect] = {}
    sources: dict[str, str] = {}

    def add(setting: str, dialect: Dialect, source: str) -> None:
        key = dialect.name.lower()
        if key in registry:
            raise DialectLoadError(setting, "'%s' and %s both register the dialect '%s'" % (source, sources[key], key))
        registry[key] = dialect
        sources[key] = "'%s'" % source

    for name, path in BUILTIN_DIALECTS.items():
        add("built-in dialects", _load_one("built-in dialects", path, lambda path=path: import_path(path), name), path)

    setting = "entry point group %s" % ENTRY_POINT_GROUP
    for entry_point in _entry_points():
        add(setting, _load_one(setting, entry_point.value, entry_point.load, entry_point.name), entry_point.value)

    for path in getattr(settings, "dialects", ()) or ():
        add("DIALECTS", _load_one("DIALECTS", path, lambda path=path: import_path(path)), path)

    default = (getattr(settings, "default_dialect", "") or "clay").lower()
    if default not in registry:
        raise DialectLoadError("DEFAULT_DIALECT", "'%s' is not a loaded dialect; choose one of %s"
                               % (default, ", ".join(sorted(registry))))

    logger.info("Dialects loaded: %s (default %s)", ", ".join(sorted(registry)), default)
    return registry


def requested_dialect_name(request: HTTPServerRequest) -> Optional[str]:
    """Return the dialect name a request selects: the header, else the query argument, else None."""
    name = request.headers.get(HEADER, "").strip()
    if not name:
        values = request.query_arguments.get(ARGUMENT) or []
        name = values[-1].decode("utf-8", "replace").strip() if values else ""
    return name.lower() or None


def select_dialect(request: HTTPServerRequest, registry: Mapping[str, Dialect], default: str) -> Dialect:
    """Return the dialect for ``request``; raise DialectError 400 naming the choices for an unknown one."""
    name = requested_dialect_name(request) or default.lower()
    dialect = registry.get(name)
    if dialect is None:
        raise DialectError(
            400, "unknown_dialect",
            "Unknown dialect '%s' in the %s header or the %s argument: use one of %s."
            % (name, HEADER, ARGUMENT, ", ".join(sorted(registry))),
        )
    return dialect
