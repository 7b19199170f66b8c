"""The ``ember`` dialect: Ember Data's RESTAdapter and RESTSerializer.

Ember requests pluralized camelCase paths (``/accounts``, ``/contactRoles``,
``/invoiceCs`` for ``Invoice__c``), wraps bodies in a root key named after the
model (``{"account": {...}}``), and reads responses the same way, with list
totals under ``meta``.  Attribute keys are lower camelCase (``billingCity``,
``invoiceTotalC``) and the id is ``id``.  The describe-based cleaner maps
incoming keys back to API names, ignoring case and separators.
Field validation errors get 422 with JSON:API-style error objects, the only
form that fills ``record.errors``.
"""

from __future__ import annotations

from typing import Any, Optional

from dialects.base import (
    Dialect, DialectError, ListInfo, Problem, Reply, RequestContext, cursor_from_next_url, dump_json,
    dump_json_items, is_field_error, list_link, strip_attributes, with_record_id,
)
from dialects.names import camelize, fold, pluralize, singularize


def root_keys(ctx: RequestContext) -> tuple[str, str]:
    """Return the (singular, plural) root keys for the model the path names.

    Ember's serializer maps a root key back to a model with
    ``dasherize(singularize(key))``, so the keys are derived from the path the
    adapter built from the model name, not from the SObject name.
    """
    segment = ctx.path_segment or ctx.sobject or "record"
    singular = singularize(segment)
    if fold(pluralize(singular)) != fold(segment):
        singular = segment
    singular = camelize(singular)
    return singular, pluralize(singular)


def _root_key_matches(key: str, ctx: RequestContext) -> bool:
    """Return True when a body's root key names the model of the request path, in any case or number."""
    singular, plural = root_keys(ctx)
    names = {fold(singular), fold(plural)}
    if ctx.sobject:
        names |= {fold(ctx.sobject), fold(pluralize(ctx.sobject))}
    return fold(key) in names or fold(singularize(key)) in names


def emberize(record: dict[str, Any]) -> dict[str, Any]:
    """Return ``record`` with lower camelCase keys, ``id`` for ``Id`` and no ``attributes``."""
    out: dict[str, Any] = {}
    for key, value in strip_attributes(record).items():
        out["id" if key == "Id" else camelize(key)] = value
    return out


def _title(code: str) -> str:
    return code.replace("_", " ").capitalize()


def error_objects(ctx: Optional[RequestContext], problem: Problem, key_for_field=camelize) -> tuple[int, list[dict[str, Any]]]:
    """Return the status and JSON:API error objects for ``problem``.

    A field validation error becomes 422 with one object per named field and a
    ``source.pointer`` of ``/data/attributes/<key>``; errors without fields
    point at ``/data``.  Other errors keep their status.
    """
    if not is_field_error(ctx, problem):
        return problem.status, [
            {"status": str(problem.status), "code": error.get("errorCode", ""),
             "title": _title(str(error.get("errorCode", ""))), "detail": error.get("message", "")}
            for error in problem.errors
        ]

    objects = []
    for error in problem.errors:
        base = {"status": "422", "code": error.get("errorCode", ""),
                "title": _title(str(error.get("errorCode", ""))), "detail": error.get("message", "")}
        fields = error.get("fields") or []
        if not fields:
            objects.append({**base, "source": {"pointer": "/data"}})
        for field in fields:
            objects.append({**base, "source": {"pointer": "/data/attributes/" + key_for_field(field)}})
    return 422, objects


class EmberDialect(Dialect):
    name = "ember"
    wants_record_after_write = True

    def _json(self, status: int, value: Any) -> Reply:
        return Reply(status, dump_json(value), {"Content-Type": self.content_type})

    def parse_record_body(self, ctx: RequestContext, body: bytes) -> dict[str, Any]:
        value = super().parse_record_body(ctx, body)
        singular, _plural = root_keys(ctx)
        if len(value) != 1 or not isinstance(next(iter(value.values())), dict):
            raise DialectError(
                400, "invalid_body",
                'Ember request bodies have one root key holding the record, such as {"%s": {...}}.' % singular,
            )

        key = next(iter(value))
        if not _root_key_matches(key, ctx):
            raise DialectError(
                400, "invalid_body",
                'The root key "%s" names another model than %s: send {"%s": {...}}.'
                % (key[:80], "/" + ctx.path_segment, singular),
            )
        return value[key]

    def record(self, ctx: RequestContext, record: dict[str, Any], raw: Optional[bytes] = None) -> Reply:
        return self._json(200, {root_keys(ctx)[0]: emberize(with_record_id(ctx, record))})

    def created(self, ctx: RequestContext, result: dict[str, Any], record: Optional[dict[str, Any]]) -> Reply:
        body = emberize(record) if record else {"id": result.get("id")}
        return self._json(201, {root_keys(ctx)[0]: body})

    def updated(self, ctx: RequestContext, record_id: str, record: Optional[dict[str, Any]]) -> Reply:
        if record is None:
            return Reply(204)
        return self._json(200, {root_keys(ctx)[0]: emberize(record)})

    def list_start(self, ctx: RequestContext, info: ListInfo) -> Reply:
        prefix = b"{" + dump_json(root_keys(ctx)[1]) + b":["
        return Reply(200, prefix, {"Content-Type": self.content_type, "X-Total-Count": str(info.total_size)})

    def list_record(self, ctx: RequestContext, record: dict[str, Any], index: int) -> bytes:
        return (b"," if index else b"") + dump_json(emberize(record))

    def list_records(self, ctx: RequestContext, records: list[dict[str, Any]], first_index: int) -> bytes:
        if type(self).list_record is not EmberDialect.list_record:
            return super().list_records(ctx, records, first_index)
        return dump_json_items([emberize(record) for record in records], first_index)

    def list_end(self, ctx: RequestContext, info: ListInfo) -> bytes:
        meta: dict[str, Any] = {"totalSize": info.total_size, "returnedSize": info.returned, "done": info.done}
        cursor = cursor_from_next_url(info.next_records_url)
        if cursor:
            meta["next"] = list_link(ctx, {"cursor": cursor})
        return b'],"meta":' + dump_json(meta) + b"}"

    def error(self, ctx: Optional[RequestContext], problem: Problem) -> Reply:
        status, objects = error_objects(ctx, problem)
        return self._json(status, {"errors": objects})
