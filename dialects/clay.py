"""The ``clay`` dialect: the responses of the original 3vot Salesforce proxy.

clay-model with its proxy-era Salesforce connector reads ``Id`` from a create
response and bare arrays of raw records from queries, and treats any status
of 400 or more as an error.  This dialect is the default, so apps written for
the original proxy work unchanged.
"""

from __future__ import annotations

from typing import Any, Optional

from dialects.base import Dialect, ListInfo, Reply, RequestContext, dump_json


class ClayDialect(Dialect):
    name = "clay"
    wants_record_after_create = True
    wants_record_after_update = False

    def parse_record_body(self, ctx: RequestContext, body: bytes) -> dict[str, Any]:
        # The connector's destroy() sends a PUT without a body.  The original
        # proxy turned it into an update that changed nothing; so does this one.
        if ctx.method in ("PUT", "PATCH") and not body.strip():
            return {}
        return super().parse_record_body(ctx, body)

    def created(self, ctx: RequestContext, result: dict[str, Any], record: Optional[dict[str, Any]]) -> Reply:
        body = {"Id": result.get("id")}
        if record:
            body.update(record)
        return Reply(200, dump_json(body), {"Content-Type": self.content_type})

    def updated(self, ctx: RequestContext, record_id: str, record: Optional[dict[str, Any]]) -> Reply:
        return Reply(200, dump_json({"Id": record_id}), {"Content-Type": self.content_type})

    def list_start(self, ctx: RequestContext, info: ListInfo) -> Reply:
        return Reply(200, b"[", {"Content-Type": self.content_type, "X-Total-Count": str(info.total_size)})

    def list_end(self, ctx: RequestContext, info: ListInfo) -> bytes:
        return b"]"
