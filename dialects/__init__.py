"""Response dialects: one module per front-end model library, plus the registry."""

from dialects.base import (  # noqa: F401  (re-exported for dialect authors)
    Dialect,
    DialectError,
    ListInfo,
    ListRequest,
    Problem,
    Reply,
    RequestContext,
    dump_json,
)
