"""The ``jsonapi`` dialect: JSON:API 1.1 documents (devour, kitsu, Ember's JSONAPIAdapter).

Records become resource objects whose ``type`` is the collection segment the
client requested (``accounts``, ``Accounts``, ``contact-roles``), so each
client finds its own model name.  Attributes keep Salesforce's API names,
without ``Id`` and ``attributes``.  The proxy supports no JSON:API extensions
and ignores profiles.  Content negotiation follows the specification: a
request body whose JSON:API media type carries any parameter other than
``profile`` gets 415, and an ``Accept`` whose JSON:API entries are all
modified by other parameters gets 406.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from dialects.base import (
    Dialect, DialectError, ListInfo, ListRequest, Problem, Reply, RequestContext, collection_path,
    cursor_from_next_url, dump_json, dump_json_items, list_link, parse_list_arguments, record_path, strip_attributes,
    with_record_id,
)
from dialects.ember import error_objects
from dialects.names import fold, pluralize, singularize

MEDIA_TYPE = "application/vnd.api+json"

_FAMILY_ARGUMENT = re.compile(r"^(page|fields)\[([^\]]*)\]$")

# The query argument that each error code of the list builder refers to.
_PARAMETER_FOR_CODE = {"invalid_sort": "sort", "invalid_limit": "page[size]", "invalid_offset": "page[offset]",
                       "invalid_cursor": "page[cursor]"}


def _media_types(header: str) -> list[tuple[str, dict[str, str]]]:
    """Split a Content-Type or Accept value into (type, parameters) pairs."""
    entries = []
    for part in header.split(","):
        pieces = [piece.strip() for piece in part.split(";")]
        if not pieces[0]:
            continue
        params = {}
        for piece in pieces[1:]:
            name, _, value = piece.partition("=")
            if name.strip():
                params[name.strip().lower()] = value.strip().strip('"')
        entries.append((pieces[0].lower(), params))
    return entries


def _usable(params: Mapping[str, str]) -> bool:
    """Return True for JSON:API media type parameters this server can honour."""
    accept_params = {name for name in params if name != "q"}
    return accept_params <= {"profile"}


def _type_matches(type_name: str, ctx: RequestContext) -> bool:
    names = {fold(ctx.path_segment), fold(singularize(ctx.path_segment))}
    if ctx.sobject:
        names |= {fold(ctx.sobject), fold(pluralize(ctx.sobject))}
    return fold(type_name) in names or fold(singularize(type_name)) in names


def _relationship_values(relationships: Any) -> dict[str, Optional[str]]:
    if not isinstance(relationships, dict):
        raise DialectError(400, "invalid_body", "The relationships member must be an object.")

    values = {}
    for name, relationship in relationships.items():
        data = relationship.get("data") if isinstance(relationship, dict) else None
        if isinstance(relationship, dict) and "data" in relationship and data is None:
            values[name] = None
        elif isinstance(data, dict) and isinstance(data.get("id"), str):
            values[name] = data["id"]
        else:
            raise DialectError(
                400, "invalid_body",
                "The relationship '%s' must be {\"data\": {\"type\", \"id\"}} or {\"data\": null}: "
                "to-many relationships cannot be written through a record." % name,
                fields=[name],
            )
    return values


class JsonApiDialect(Dialect):
    name = "jsonapi"
    media_type = MEDIA_TYPE
    content_type = MEDIA_TYPE
    wants_record_after_write = True

    def _document(self, status: int, value: Any, headers: Optional[dict[str, str]] = None) -> Reply:
        return Reply(status, dump_json(value), {"Content-Type": self.content_type, **(headers or {})})

    # -- requests ---------------------------------------------------------

    def check_request(self, ctx: RequestContext) -> None:
        # Apex REST bodies and results are whatever the Apex class defines.
        if ctx.sobject is None:
            return
        if ctx.method in ("POST", "PUT", "PATCH"):
            self._check_content_type(ctx.headers.get("Content-Type", ""))
        self._check_accept(ctx.headers.get("Accept", ""))
        if ctx.arguments.get("include"):
            raise DialectError(400, "include_unsupported",
                               "This server does not support the include argument: fetch related records separately.",
                               parameter="include")

    def _check_content_type(self, header: str) -> None:
        for media_type, params in _media_types(header)[:1]:
            if media_type == MEDIA_TYPE and not set(params) <= {"profile"}:
                raise DialectError(
                    415, "unsupported_media_type",
                    "Send Content-Type: %s without parameters other than profile (got '%s')." % (MEDIA_TYPE, header),
                )
            if media_type not in (MEDIA_TYPE, "application/json"):
                raise DialectError(415, "unsupported_media_type",
                                   "Send the request body as %s (got '%s')." % (MEDIA_TYPE, header))

    def _check_accept(self, header: str) -> None:
        instances = [params for media_type, params in _media_types(header) if media_type == MEDIA_TYPE]
        if instances and not any(_usable(params) for params in instances):
            raise DialectError(
                406, "not_acceptable",
                "Accept %s without parameters other than profile: this server supports no extensions." % MEDIA_TYPE,
            )

    def parse_record_body(self, ctx: RequestContext, body: bytes) -> dict[str, Any]:
        document = super().parse_record_body(ctx, body)
        resource = document.get("data")
        if not isinstance(resource, dict):
            raise DialectError(400, "invalid_body", 'The body must be a JSON:API document: {"data": {"type", "attributes"}}.')

        type_name = resource.get("type")
        if not isinstance(type_name, str) or not type_name:
            raise DialectError(400, "invalid_body", "The resource object has no type member.")
        if not _type_matches(type_name, ctx):
            raise DialectError(409, "type_mismatch",
                               "The resource type '%s' does not match the collection '%s'." % (type_name, ctx.path_segment))

        resource_id = resource.get("id")
        if ctx.method == "POST" and resource_id is not None:
            raise DialectError(403, "client_id_unsupported", "Salesforce assigns record ids: leave id out of a new resource.")
        if ctx.method != "POST" and resource_id is not None and resource_id != ctx.record_id:
            raise DialectError(409, "id_mismatch",
                               "The resource id '%s' does not match the URL's id '%s'." % (resource_id, ctx.record_id))

        attributes = resource.get("attributes", {})
        if not isinstance(attributes, dict):
            raise DialectError(400, "invalid_body", "The attributes member must be an object.")
        return {**attributes, **_relationship_values(resource.get("relationships", {}))}

    def parse_list_request(self, ctx: RequestContext) -> ListRequest:
        plain: dict[str, list[str]] = {}
        page: dict[str, str] = {}
        fields: list[str] = []
        for name, values in ctx.arguments.items():
            match = _FAMILY_ARGUMENT.match(name)
            if not match:
                plain[name] = values
            elif match.group(1) == "page":
                page[match.group(2)] = values[-1]
            elif _type_matches(match.group(2), ctx):
                fields.extend(values)

        translated = dict(plain)
        for member, argument in (("size", "limit"), ("offset", "offset"), ("cursor", "cursor")):
            if member in page:
                translated[argument] = [page[member]]
        if fields:
            translated["fields"] = fields
        try:
            return parse_list_arguments(translated)
        except DialectError as exc:
            error = exc.problem.errors[0]
            error["parameter"] = _PARAMETER_FOR_CODE.get(error["errorCode"], error.get("parameter"))
            raise

    # -- responses --------------------------------------------------------

    def resource(self, ctx: RequestContext, record: Mapping[str, Any]) -> dict[str, Any]:
        """Return ``record`` as a resource object of the requested collection's type."""
        record_id = record.get("Id")
        attributes = {key: value for key, value in strip_attributes(dict(record)).items() if key != "Id"}
        resource: dict[str, Any] = {"type": ctx.path_segment, "id": record_id, "attributes": attributes}
        if record_id:
            resource["links"] = {"self": record_path(ctx, record_id)}
        return resource

    def record(self, ctx: RequestContext, record: dict[str, Any], raw: Optional[bytes] = None) -> Reply:
        resource = self.resource(ctx, with_record_id(ctx, record))
        return self._document(200, {"data": resource, "links": {"self": record_path(ctx, resource["id"] or "")}})

    def created(self, ctx: RequestContext, result: dict[str, Any], record: Optional[dict[str, Any]]) -> Reply:
        record_id = result.get("id")
        resource = self.resource(ctx, record or {"Id": record_id})
        return self._document(201, {"data": resource}, {"Location": record_path(ctx, record_id)})

    def updated(self, ctx: RequestContext, record_id: str, record: Optional[dict[str, Any]]) -> Reply:
        if record is None:
            return Reply(204)
        return self._document(200, {"data": self.resource(ctx, record)})

    def list_start(self, ctx: RequestContext, info: ListInfo) -> Reply:
        return Reply(200, b'{"data":[', {"Content-Type": self.content_type, "X-Total-Count": str(info.total_size)})

    def list_record(self, ctx: RequestContext, record: dict[str, Any], index: int) -> bytes:
        return (b"," if index else b"") + dump_json(self._list_resource(ctx, record, index))

    def list_records(self, ctx: RequestContext, records: list[dict[str, Any]], first_index: int) -> bytes:
        if type(self).list_record is not JsonApiDialect.list_record:
            return super().list_records(ctx, records, first_index)
        resources = [self._list_resource(ctx, record, first_index + offset) for offset, record in enumerate(records)]
        return dump_json_items(resources, first_index)

    def _list_resource(self, ctx: RequestContext, record: dict[str, Any], index: int) -> dict[str, Any]:
        resource = self.resource(ctx, record)
        if not resource["id"]:
            # Aggregate rows (SELECT COUNT(Id) ...) have no Id, but JSON:API
            # requires a string id on every resource object in a response.
            resource["id"] = "row-%d" % index
        return resource

    def _next_link(self, ctx: RequestContext, info: ListInfo) -> Optional[str]:
        cursor = cursor_from_next_url(info.next_records_url)
        if cursor:
            return list_link(ctx, {"page[cursor]": cursor})

        # With page[size], another window may follow when this one is full.
        size = (ctx.arguments.get("page[size]") or [None])[-1]
        if size and size.isdigit() and info.returned >= int(size) > 0:
            offset = (ctx.arguments.get("page[offset]") or ["0"])[-1]
            arguments = {name: values for name, values in ctx.arguments.items()
                         if name not in ("page[offset]", "page[cursor]", "dialect")}
            arguments["page[offset]"] = str(int(offset) + int(size)) if offset.isdigit() else size
            return list_link(ctx, arguments)
        return None

    def list_end(self, ctx: RequestContext, info: ListInfo) -> bytes:
        meta = {"totalSize": info.total_size, "returnedSize": info.returned, "done": info.done}
        self_query = {name: values for name, values in ctx.arguments.items() if name != "dialect"}
        links: dict[str, Any] = {"self": list_link(ctx, self_query) if self_query else collection_path(ctx)}
        links["next"] = self._next_link(ctx, info)
        return b'],"meta":' + dump_json(meta) + b',"links":' + dump_json(links) + b"}"

    def error(self, ctx: Optional[RequestContext], problem: Problem) -> Reply:
        status, objects = error_objects(ctx, problem, key_for_field=lambda field: field)
        for error, rendered in zip(problem.errors, objects):
            parameter = error.get("parameter") or self._parameter_for(ctx, error)
            if parameter and "source" not in rendered:
                rendered["source"] = {"parameter": parameter}
        return self._document(status, {"errors": objects})

    def _parameter_for(self, ctx: Optional[RequestContext], error: Mapping[str, Any]) -> Optional[str]:
        if ctx is None or ctx.method != "GET":
            return None
        code = error.get("errorCode")
        fields = error.get("fields") or []
        if code in ("MALFORMED_QUERY", "INVALID_FIELD", "INVALID_TYPE"):
            for name in ("q", "query"):
                if ctx.arguments.get(name):
                    return name
        if code == "invalid_filter" and fields:
            for name in ("filter[%s]" % fields[0], fields[0]):
                if name in ctx.arguments:
                    return name
        if code == "invalid_field_list":
            return next((name for name in ctx.arguments if name.startswith("fields[")), "fields")
        return _PARAMETER_FOR_CODE.get(code)
