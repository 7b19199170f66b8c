"""The ``backbone`` dialect: flat records and bare arrays for Backbone.js models.

Backbone merges whatever a create or update returns into the model, reads a
collection from a top-level array, and (through jQuery) fails any 2xx other
than 204 whose body is not JSON.  So records are flat objects with both
``Id`` and ``id`` and no ``attributes``, and creates and updates return the
re-read record.  The total goes in ``X-Total-Count`` and the next page in a
``Link: <...>; rel="next"`` header.
"""

from __future__ import annotations

from typing import Any, Optional

from dialects.base import (
    Dialect, ListInfo, Reply, RequestContext, cursor_from_next_url, dump_json, dump_json_items, list_link,
    record_path, strip_attributes, with_record_id,
)


def flatten(record: dict[str, Any]) -> dict[str, Any]:
    """Return ``record`` without ``attributes`` and with ``id`` next to ``Id``."""
    flat: dict[str, Any] = {}
    for key, value in strip_attributes(record).items():
        flat[key] = value
        if key == "Id":
            flat["id"] = value
    return flat


class BackboneDialect(Dialect):
    name = "backbone"
    wants_record_after_write = True

    def _json(self, status: int, value: Any, headers: Optional[dict[str, str]] = None) -> Reply:
        return Reply(status, dump_json(value), {"Content-Type": self.content_type, **(headers or {})})

    def record(self, ctx: RequestContext, record: dict[str, Any], raw: Optional[bytes] = None) -> Reply:
        return self._json(200, flatten(with_record_id(ctx, record)))

    def created(self, ctx: RequestContext, result: dict[str, Any], record: Optional[dict[str, Any]]) -> Reply:
        record_id = result.get("id")
        body = flatten(record) if record else {"Id": record_id, "id": record_id}
        return self._json(201, body, {"Location": record_path(ctx, record_id)})

    def updated(self, ctx: RequestContext, record_id: str, record: Optional[dict[str, Any]]) -> Reply:
        if record is None:
            return Reply(204)
        return self._json(200, flatten(record))

    def list_start(self, ctx: RequestContext, info: ListInfo) -> Reply:
        headers = {"Content-Type": self.content_type, "X-Total-Count": str(info.total_size)}
        cursor = cursor_from_next_url(info.next_records_url)
        if cursor:
            headers["Link"] = '<%s>; rel="next"' % list_link(ctx, {"cursor": cursor})
        return Reply(200, b"[", headers)

    def list_record(self, ctx: RequestContext, record: dict[str, Any], index: int) -> bytes:
        return (b"," if index else b"") + dump_json(flatten(record))

    def list_records(self, ctx: RequestContext, records: list[dict[str, Any]], first_index: int) -> bytes:
        if type(self).list_record is not BackboneDialect.list_record:
            return super().list_records(ctx, records, first_index)
        return dump_json_items([flatten(record) for record in records], first_index)

    def list_end(self, ctx: RequestContext, info: ListInfo) -> bytes:
        return b"]"
