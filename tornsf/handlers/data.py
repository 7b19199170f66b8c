"""Record and query routes: ``/<SObject>``, ``/<SObject>/<id>`` and ``/<SObject>/<field>/<value>``.

Every path piece is checked before any Salesforce call, every response is
built by the request's dialect, and query results stream page by page.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Optional

from dialects.base import Problem, RequestContext, dump_json
from dialects.fields import clean_record_body
from dialects.soql import build_list_soql
from tornsf.errors import ProxyError, UpstreamError
from tornsf.handlers.base import BaseHandler
from tornsf.handlers.describe import DescribeMixin
from tornsf.handlers.upstream import PageStreamer, UpstreamMixin
from tornsf.salesforce import paths
from tornsf.salesforce.errors import bad_response_problem, response_problem

logger = logging.getLogger(__name__)

# The per-request default of maxFetch. MAX_FETCH caps what a request may ask for.
DEFAULT_MAX_FETCH = 10000

# A bare query locator as cursor (``01gRM000000kLmn-2000``).
_LOCATOR = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*\Z")

_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")

_JSON_BODY_HEADERS = {"Content-Type": "application/json; charset=UTF-8"}

_FORM_TYPE = "application/x-www-form-urlencoded"

# Methods a POST may stand for on a record (Backbone.emulateHTTP).
_OVERRIDABLE_METHODS = ("PUT", "PATCH", "DELETE")

# Conditional request headers that Salesforce honours on record (sObject Rows)
# reads and updates: the ETag ones on Account records, the date ones on every
# object.  Its documentation says DELETE does not support them.
CONDITIONAL_HEADERS = ("If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since")


class DataHandler(DescribeMixin, UpstreamMixin, BaseHandler):
    """Shared steps of the record and query handlers."""

    async def resolve_sobject(self, segment: str) -> str:
        """Return the SObject API name that a path segment names (``accounts``, ``contactRoles``, ``Account``).

        The segment is matched against the org's object names from the cached
        describe global, ignoring case and separators, singular or plural.
        """
        self.checked(paths.sobject_segment, segment)
        names = await self.sobject_names()
        return names.resolve(segment)

    def checked(self, check: Any, value: str) -> str:
        """Run a ``paths`` check, turning its rejection into a 400."""
        try:
            return check(value)
        except paths.PathError as exc:
            raise ProxyError(400, exc.code, exc.message) from None

    def context(self, segment: str, sobject: str, record_id: Optional[str] = None) -> RequestContext:
        ctx = self.request_context(sobject=sobject, record_id=record_id, path_segment=segment)
        self.dialect.check_request(ctx)
        return ctx

    def sobject_path(self, sobject: str, *segments: str) -> str:
        return self.salesforce.data_path("sobjects", sobject, *segments)

    def record_fields(self, ctx: RequestContext) -> dict[str, Any]:
        """Return the request body as ``{field: value}``; a body that is not empty must be JSON.

        A form body with a ``model`` field carrying the JSON is accepted too, as
        Backbone sends it with ``Backbone.emulateJSON``.
        """
        body = self.request.body
        media_type = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type == _FORM_TYPE and self.request.body_arguments.get("model"):
            body = self.request.body_arguments["model"][-1]
        elif body.strip() and not _is_json_media_type(media_type):
            raise ProxyError(
                415,
                "unsupported_media_type",
                "Record bodies must be JSON, but the Content-Type is %r: send the fields as a JSON object "
                "with Content-Type: application/json." % (media_type or "missing"),
            )

        fields = dict(self.dialect.parse_record_body(ctx, body))
        fields.pop("attributes", None)
        return fields

    async def writable_fields(self, ctx: RequestContext, sobject: str, operation: str,
                              record_id: Optional[str] = None) -> dict[str, Any]:
        """Return the request body reduced to what ``operation`` may write, under API names.

        Read-only fields, ``Id`` and ``attributes`` that a model library sends
        back are dropped using the object's describe, so saving a record as it
        was read works.
        """
        fields = self.record_fields(ctx)
        if record_id is not None:
            self._drop_own_id(fields, record_id)

        describe = await self.describe_sobject(sobject)
        cleaned = clean_record_body(describe, fields, operation)
        if cleaned.dropped:
            logger.debug("Left out fields Salesforce would reject on %s %s: %s", operation, sobject,
                         ", ".join(cleaned.dropped))
        return cleaned.fields

    def _drop_own_id(self, fields: dict[str, Any], record_id: str) -> None:
        """Remove an ``Id`` member that repeats the path's id; reject one that names another record."""
        for key in [key for key in fields if key.lower() == "id"]:
            value = fields.pop(key)
            if value not in (None, record_id) and str(value)[:15] != record_id[:15]:
                raise ProxyError(
                    400,
                    "id_mismatch",
                    "The body's %s %r differs from the record id %r in the path: remove it from the body."
                    % (key, value, record_id),
                    fields=[key],
                )

    def argument(self, name: str) -> Optional[str]:
        """Return the last value of a query argument, matching its name without regard to case."""
        wanted = name.lower()
        value = None
        for key in self.request.query_arguments:
            if key.lower() == wanted:
                value = self.get_query_argument(key)
        return value

    def flag(self, name: str) -> bool:
        value = self.argument(name)
        if value is None or value.lower() in _FALSE:
            return False
        if value.lower() in _TRUE:
            return True
        raise ProxyError(400, "invalid_argument", "%s must be true or false, not %r." % (name, value))

    def wants_record(self, after: str) -> bool:
        """Return True when the dialect wants the record read back after a ``create`` or ``update``."""
        default = self.dialect.wants_record_after_write
        return bool(getattr(self.dialect, "wants_record_after_" + after, default))

    async def read_record(self, sobject: str, *segments: str) -> dict[str, Any]:
        response = await self.call_salesforce("GET", self.sobject_path(sobject, *segments))
        return self.record_json(response)

    def record_json(self, response: Any) -> dict[str, Any]:
        """Parse a Salesforce record response, raising UpstreamError unless it is a JSON object."""
        record = self.salesforce_json(response)
        if not isinstance(record, dict):
            raise UpstreamError(self._not_a_record())
        return record

    def send_record(self, ctx: RequestContext, response: Any) -> None:
        """Send a record read from Salesforce in the dialect's shape."""
        self.send_reply(self.dialect.record(ctx, self.record_json(response), response.body))

    async def reread_after_write(self, wanted: bool, sobject: str, *segments: str) -> Optional[dict[str, Any]]:
        """Read back a record just written, for dialects that return it; None when not wanted or failed.

        The write has already succeeded, so a failed read is logged and not
        reported as an error: the client must not retry the write.
        """
        if not wanted:
            return None
        try:
            return await self.read_record(sobject, *segments)
        except (UpstreamError, ProxyError) as exc:
            logger.warning("Could not read back %s %s after writing it: %s", sobject, "/".join(segments), exc)
            return None

    def _not_a_record(self) -> Problem:
        return bad_response_problem("a record that is not a JSON object")

    def conditional_headers(self) -> dict[str, str]:
        """Return the client's conditional request headers, to forward on a record call."""
        return {name: self.request.headers[name] for name in CONDITIONAL_HEADERS if name in self.request.headers}

    async def read_record_or_not_modified(self, sobject: str, *segments: str,
                                          params: Optional[dict[str, str]] = None) -> Optional[Any]:
        """Read a record with the client's conditions; on Salesforce's 304 send an empty 304 and return None."""
        response = await self.call_salesforce("GET", self.sobject_path(sobject, *segments), params,
                                              headers=self.conditional_headers(), check=False)
        if response.code == 304:
            self.set_status(304)
            self.finish()
            return None
        if response.code >= 300:
            raise UpstreamError(response_problem(response))
        return response


class SObjectHandler(DataHandler):
    """``POST /<SObject>`` creates a record; ``GET /<SObject>?q=<SOQL>`` runs a query."""

    async def post(self, segment: str) -> None:
        sobject = await self.resolve_sobject(segment)
        ctx = self.context(segment, sobject)
        fields = await self.writable_fields(ctx, sobject, "create")

        response = await self.call_salesforce(
            "POST", self.sobject_path(sobject), body=dump_json(fields), headers=_JSON_BODY_HEADERS
        )
        result = self.salesforce_json(response)
        if not isinstance(result, dict) or not result.get("id"):
            raise UpstreamError(self._not_a_record())

        record = await self.reread_after_write(self.wants_record("create"), sobject, result["id"])
        self.send_reply(self.dialect.created(ctx, result, record))

    async def get(self, segment: str) -> None:
        # The query arguments are checked before resolving, which may call Salesforce.
        self.checked(paths.sobject_segment, segment)
        soql = self.argument("query") or self.argument("q")
        cursor = self.argument("cursor")
        if soql and cursor:
            raise ProxyError(400, "invalid_argument", "Pass either a query (q) or a cursor, not both.")
        cursor_path = self.cursor_path(cursor) if cursor else None
        follow = self.flag("autoFetch")
        limit = self.max_fetch()
        resource = "queryAll" if self.flag("queryAll") else "query"

        sobject = await self.resolve_sobject(segment)
        ctx = self.context(segment, sobject)
        if not soql and not cursor:
            # A list without SOQL: the dialect reads filters, sort and window
            # from its own arguments, and the describe turns them into SOQL.
            list_request = self.dialect.parse_list_request(ctx)
            if list_request.cursor:
                cursor_path = self.cursor_path(list_request.cursor)
            else:
                soql = build_list_soql(await self.describe_sobject(sobject), list_request)

        streamer = PageStreamer(self, ctx, sobject, follow=follow, limit=limit)
        if cursor_path:
            await streamer.run(cursor_path)
        else:
            await streamer.run(self.salesforce.data_path(resource), {"q": soql})

    # HEAD runs the GET, and Tornado sends the headers and drops the body.
    head = get

    def max_fetch(self) -> int:
        """Return how many records this request may stream: ``maxFetch``, capped by MAX_FETCH."""
        value = self.argument("maxFetch")
        ceiling = self.tornsf.max_fetch
        if value is None:
            return min(DEFAULT_MAX_FETCH, ceiling)

        try:
            number = int(value)
        except ValueError:
            number = 0
        if number < 1:
            raise ProxyError(
                400, "invalid_argument", "maxFetch must be a whole number of records from 1 to %d, not %r." % (ceiling, value)
            )
        return min(number, ceiling)

    def cursor_path(self, cursor: str) -> str:
        """Return the Salesforce path of a cursor: a ``nextRecordsUrl`` path or a bare query locator."""
        if cursor.startswith("/"):
            return self.checked(paths.locator_path, cursor)
        if _LOCATOR.match(cursor):
            return self.salesforce.data_path("query", cursor)
        raise ProxyError(
            400,
            "invalid_cursor",
            "%r is not a query cursor: pass the nextRecordsUrl of an earlier response unchanged." % cursor[:100],
        )


class RecordHandler(DataHandler):
    """Retrieve, update and delete one record by id: ``/<SObject>/<id>``."""

    async def post(self, segment: str, record_id: str) -> None:
        """Run the PUT, PATCH or DELETE that a POST stands for.

        ``Backbone.emulateHTTP`` sends updates and deletes as POST with an
        ``X-HTTP-Method-Override`` header, plus a ``_method`` form field when
        ``Backbone.emulateJSON`` is also on.
        """
        override = self.request.headers.get("X-HTTP-Method-Override") or self.get_body_argument("_method", "")
        override = override.strip().upper()
        if override not in _OVERRIDABLE_METHODS:
            raise ProxyError(
                405,
                "method_not_allowed",
                "POST on a record needs X-HTTP-Method-Override: PUT, PATCH or DELETE; "
                "create records with POST /%s." % segment,
            )

        self.request.method = override
        if override == "DELETE":
            await self.delete(segment, record_id)
        else:
            await self.patch(segment, record_id)

    async def get(self, segment: str, record_id: str) -> None:
        fields = self.argument("fields")
        params = {"fields": self.checked(paths.field_list, fields)} if fields is not None else None
        sobject, ctx = await self._target(segment, record_id)

        response = await self.read_record_or_not_modified(sobject, record_id, params=params)
        if response is None:
            return
        self.send_record(ctx, response)

    head = get

    async def patch(self, segment: str, record_id: str) -> None:
        sobject, ctx = await self._target(segment, record_id)
        fields = await self.writable_fields(ctx, sobject, "update", record_id)

        # Salesforce updates records with PATCH only and returns 405 for PUT.
        # A request without a body changes nothing, so it is not sent: clay's
        # connector deletes with a bodiless PUT, which the original proxy also
        # turned into an update of nothing.
        if fields or self.request.body.strip():
            await self.call_salesforce(
                "PATCH", self.sobject_path(sobject, record_id), body=dump_json(fields),
                headers={**_JSON_BODY_HEADERS, **self.conditional_headers()},
            )
        record = await self.reread_after_write(self.wants_record("update"), sobject, record_id)
        self.send_reply(self.dialect.updated(ctx, record_id, record))

    put = patch

    async def delete(self, segment: str, record_id: str) -> None:
        sobject, ctx = await self._target(segment, record_id)
        await self.call_salesforce("DELETE", self.sobject_path(sobject, record_id))
        self.send_reply(self.dialect.deleted(ctx, record_id))

    async def _target(self, segment: str, record_id: str) -> tuple[str, RequestContext]:
        # Every check of client input comes before resolving, which may call Salesforce.
        self.checked(paths.sobject_segment, segment)
        self.checked(paths.record_id, record_id)
        sobject = await self.resolve_sobject(segment)
        return sobject, self.context(segment, sobject, record_id)


class ExternalIdHandler(DataHandler):
    """Records by external id: ``/<SObject>/<field>/<value>``; PATCH and PUT upsert."""

    async def get(self, segment: str, field: str, value: str) -> None:
        sobject, ctx, encoded = await self._target(segment, field, value)
        response = await self.read_record_or_not_modified(sobject, field, encoded)
        if response is None:
            return
        self.send_record(ctx, response)

    head = get

    async def patch(self, segment: str, field: str, value: str) -> None:
        sobject, ctx, encoded = await self._target(segment, field, value)
        # NOTE: upserts are not cleaned by describe, because whether Salesforce
        # creates or updates (createable or updateable fields) is known only
        # from its response.
        fields = self.record_fields(ctx)
        # Salesforce takes the external id from the path, so the body must not repeat it.
        for key in [key for key in fields if key.lower() in ("id", field.lower())]:
            del fields[key]

        response = await self.call_salesforce(
            "PATCH", self.sobject_path(sobject, field, encoded), body=dump_json(fields),
            headers={**_JSON_BODY_HEADERS, **self.conditional_headers()},
        )
        result = self.salesforce_json(response) if response.body else {}
        if not isinstance(result, dict):
            raise UpstreamError(self._not_a_record())

        created = response.code == 201
        wanted = self.wants_record("create" if created else "update")
        record = await self.reread_after_write(wanted or not result.get("id"), sobject, field, encoded)
        record_id = result.get("id") or (record or {}).get("Id")

        if created:
            self.send_reply(self.dialect.created(ctx, result, record if wanted else None))
        else:
            self.send_reply(self.dialect.updated(ctx, record_id, record if wanted else None))

    put = patch

    async def delete(self, segment: str, field: str, value: str) -> None:
        sobject, ctx, encoded = await self._target(segment, field, value)
        await self.call_salesforce("DELETE", self.sobject_path(sobject, field, encoded))
        self.send_reply(self.dialect.deleted(ctx, value))

    async def _target(self, segment: str, field: str, value: str) -> tuple[str, RequestContext, str]:
        self.checked(paths.sobject_segment, segment)
        self.checked(paths.field_name, field)
        encoded = self.checked(paths.external_id_value, value)
        sobject = await self.resolve_sobject(segment)
        return sobject, self.context(segment, sobject), encoded


def _is_json_media_type(media_type: str) -> bool:
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def data_routes(settings: Any) -> list[tuple]:
    """Return the record and query routes, under ``API_PREFIX`` and at the root.

    Prefixed routes come first so that ``/api/Account`` is never read as the
    SObject ``api`` with the id ``Account``.
    """
    routes = []
    for prefix in _prefixes(settings):
        routes += [
            (prefix + r"/([^/]+)", SObjectHandler),
            (prefix + r"/([^/]+)/([^/]+)", RecordHandler),
            (prefix + r"/([^/]+)/([^/]+)/([^/]+)", ExternalIdHandler),
        ]
    return routes


def _prefixes(settings: Any) -> list[str]:
    prefix = (settings.api_prefix or "").rstrip("/")
    return [prefix, ""] if prefix else [""]
