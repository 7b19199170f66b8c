"""The REST data API: versions, resources, describe, record CRUD, query and limits."""

import base64
import hashlib
import json
import logging
import re

from tornsf.sandbox import errors, ids, records, values
from tornsf.sandbox.errors import ApiError
from tornsf.sandbox.org import API_VERSIONS, DAILY_API_LIMIT, version_label
from tornsf.sandbox.query import parse_batch_size
from tornsf.sandbox.store import quote
from tornsf.sandbox.web import DataHandler, SandboxHandler

log = logging.getLogger(__name__)

_EXTERNAL_ID_SHAPE = re.compile(r"^[A-Za-z0-9]+$")


class VersionsHandler(SandboxHandler):
    """``GET /services/data/``: the API versions, readable without a token."""

    def get(self):
        self.send_json([
            {"label": version_label(version), "url": "/services/data/v" + version, "version": version}
            for version in API_VERSIONS
        ])


class ResourcesHandler(DataHandler):
    """``GET /services/data/vNN.N/``: the map of resource names to paths."""

    def get(self, version):
        base = "/services/data/v" + version
        self.send_json({
            "limits": base + "/limits",
            "sobjects": base + "/sobjects",
            "query": base + "/query",
            "queryAll": base + "/queryAll",
            "identity": self.org.identity_url(self.token.user_id),
        })


class LimitsHandler(DataHandler):
    def get(self, version):
        self.send_json({
            "DailyApiRequests": {"Max": DAILY_API_LIMIT, "Remaining": max(DAILY_API_LIMIT - self.org.api_usage, 0)},
        })


class DescribeGlobalHandler(DataHandler):
    def get(self, version):
        self.send_json(self.org.schema.describe_global(version))


class SObjectHandler(DataHandler):
    """``/sobjects/X``: basic information (GET) and record creation (POST)."""

    ALLOWED = "HEAD,GET,POST"

    def sobject(self, name: str):
        sobject = self.org.schema.get(name)
        if sobject is None:
            raise errors.not_found()
        return sobject

    def get(self, version, name):
        sobject = self.sobject(name)
        deleted_filter = 'WHERE "IsDeleted" = 0' if sobject.field("IsDeleted") else ""
        recent = self.org.store.db.execute(
            "SELECT \"Id\" FROM %s %s ORDER BY _seq DESC LIMIT 5" % (quote(sobject.table), deleted_filter)
        ).fetchall()
        name_field = next(field.name for field in sobject.fields if field.name_field)
        recent_items = [
            records.render(sobject, self.org.store.get(sobject, row[0]), version, ["Id", name_field])
            for row in recent
        ]
        self.send_json({"objectDescribe": sobject.describe_global_entry(version), "recentItems": recent_items})

    def post(self, version, name):
        sobject = self.sobject(name)
        body = self.json_body()
        if not isinstance(body, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of %s from START_ARRAY value [ "
                           "or request may be missing a required field at [line:1, column:1]" % sobject.name)

        record = records.prepare_insert(sobject, body, self.org.store, self.token.user_id, values.now_text())
        new_id = self.org.store.insert(sobject, record)
        self.send_json({"id": new_id, "success": True, "errors": []}, status=201)


class DescribeHandler(DataHandler):
    def get(self, version, name):
        sobject = self.org.schema.get(name)
        if sobject is None:
            raise errors.not_found()
        self.send_json(sobject.describe(version, self.org.schema))


def record_etag(stored: dict) -> str:
    """Return the ETag of an Account record: a hash of every stored value, as Salesforce's hashes its content."""
    digest = hashlib.sha256(json.dumps(stored, sort_keys=True, default=str).encode("utf-8")).digest()
    return '"%s--gzip"' % base64.b64encode(digest).decode("ascii")


def _etag_listed(header: str, etag: str) -> bool:
    listed = [item.strip() for item in header.split(",")]
    return "*" in listed or etag in listed


class RecordHandler(DataHandler):
    """``/sobjects/X/{id}``: retrieve, update (PATCH) and delete one record.

    Account records carry an ETag and honour If-Match (412 when no tag
    matches) and If-None-Match (304 on GET and HEAD, 412 on PATCH when a tag
    matches), as Salesforce's sObject Rows resource does.  Other objects get
    no ETag and ignore both headers.
    """

    ALLOWED = "HEAD,GET,PATCH,DELETE"

    def compute_etag(self):
        # Tornado would tag every response; Salesforce tags Account rows only.
        return None

    def check_preconditions(self, sobject, stored) -> bool:
        """Return False when the response is a 304 already sent; raise 412 when a precondition fails."""
        if sobject.name != "Account":
            return True

        etag = record_etag(stored)
        self.set_header("ETag", etag)
        if_match = self.request.headers.get("If-Match")
        if_none_match = self.request.headers.get("If-None-Match")
        if if_match is not None and not _etag_listed(if_match, etag):
            raise ApiError(412, "PRECONDITION_FAILED", "The record's ETag matches none in If-Match: %s" % if_match)
        if if_none_match is not None and _etag_listed(if_none_match, etag):
            if self.request.method in ("GET", "HEAD"):
                self.set_status(304)
                self.finish()
                return False
            raise ApiError(412, "PRECONDITION_FAILED", "The record's ETag matches If-None-Match: %s" % if_none_match)
        return True

    def load(self, name: str, record_id: str, allow_deleted: bool = False) -> tuple:
        """Return ``(sobject, stored record)`` or raise the error Salesforce gives for the id."""
        sobject = self.org.schema.get(name)
        if sobject is None:
            raise errors.not_found()

        id18 = ids.normalize_id(record_id)
        if id18 is None:
            if _EXTERNAL_ID_SHAPE.match(record_id):
                raise ApiError(404, "NOT_FOUND",
                               "Provided external ID field does not exist or is not accessible: %s" % record_id)
            raise errors.not_found()
        if not id18.startswith(sobject.key_prefix):
            raise ApiError(400, "MALFORMED_ID", "%s ID: id value of incorrect type: %s" % (sobject.label, record_id),
                           ["Id"])

        stored = self.org.store.get(sobject, id18)
        if stored is None:
            raise errors.not_found()
        if stored.get("IsDeleted") and not allow_deleted:
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", [])
        return sobject, stored

    def selected_fields(self, sobject) -> list | None:
        wanted = self.get_query_argument("fields", None)
        if wanted is None:
            return None

        names = []
        for name in (part.strip() for part in wanted.split(",")):
            field = sobject.field(name) if name else None
            if field is None:
                raise ApiError(400, "INVALID_FIELD", "No such column '%s' on entity '%s'. If you are attempting to use "
                               "a custom field, be sure to append the '__c' after the custom field name. Please "
                               "reference your WSDL or the describe call for the appropriate names."
                               % (name, sobject.name))
            if field.name not in names:
                names.append(field.name)
        return names

    def get(self, version, name, record_id):
        sobject, stored = self.load(name, record_id, allow_deleted=True)
        if stored.get("IsDeleted"):
            raise errors.not_found()
        if not self.check_preconditions(sobject, stored):
            return
        self.send_json(records.render(sobject, stored, version, self.selected_fields(sobject)))

    def patch(self, version, name, record_id):
        sobject, stored = self.load(name, record_id)
        self.check_preconditions(sobject, stored)
        body = self.json_body()
        if not isinstance(body, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of %s from START_ARRAY value [ "
                           "or request may be missing a required field at [line:1, column:1]" % sobject.name)

        changes = records.prepare_update(sobject, stored["Id"], body, stored, self.org.store, self.token.user_id,
                                         values.now_text())
        self.org.store.update(sobject, stored["Id"], changes)
        if sobject.name == "Account":
            self.set_header("ETag", record_etag(self.org.store.get(sobject, stored["Id"])))
        self.send_no_content()

    def delete(self, version, name, record_id):
        sobject, stored = self.load(name, record_id)
        if not sobject.deletable:
            raise ApiError(400, "INVALID_TYPE_FOR_OPERATION", "entity type %s does not support delete" % sobject.name)
        now = values.now_text()
        audit = {"LastModifiedDate": now, "LastModifiedById": self.token.user_id, "SystemModstamp": now}
        self.org.store.soft_delete(sobject, stored["Id"], audit)
        self.send_no_content()


class QueryHandler(DataHandler):
    """``/query?q=`` and ``/queryAll?q=``: run SOQL and return the first page."""

    def initialize(self, org, include_deleted: bool = False):
        super().initialize(org)
        self.include_deleted = include_deleted

    def get(self, version):
        text = self.get_query_argument("q", None)
        if text is None or not text.strip():
            raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
        batch_size = parse_batch_size(self.request.headers.get("Sforce-Query-Options"))
        self.send_json(self.org.queries.run(text, version, self.include_deleted, batch_size))


class QueryMoreHandler(DataHandler):
    """``/query/<locator>-<offset>``: a later page of a query (also for queryAll)."""

    def get(self, version, locator, offset):
        header = self.request.headers.get("Sforce-Query-Options")
        batch_size = parse_batch_size(header) if header else None
        self.send_json(self.org.queries.more(locator, int(offset), version, batch_size))


class DataNotFoundHandler(DataHandler):
    """Any other path under ``/services/data/vNN.N/``."""

    ALLOWED = "GET"

    async def prepare(self):
        await super().prepare()
        raise errors.not_found()


def data_routes(org) -> list:
    version = r"v(?P<version>\d+\.\d)"
    base = r"/services/data/" + version
    name = r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    args = {"org": org}
    return [
        (r"/services/data/?", VersionsHandler, args),
        (base + r"/?", ResourcesHandler, args),
        (base + r"/limits/?", LimitsHandler, args),
        (base + r"/sobjects/?", DescribeGlobalHandler, args),
        (base + r"/sobjects/" + name + r"/?", SObjectHandler, args),
        (base + r"/sobjects/" + name + r"/describe/?", DescribeHandler, args),
        (base + r"/sobjects/" + name + r"/(?P<record_id>[^/]+)/?", RecordHandler, args),
        (base + r"/query/?", QueryHandler, args),
        (base + r"/queryAll/?", QueryHandler, dict(args, include_deleted=True)),
        (base + r"/query(?:All)?/(?P<locator>[A-Za-z0-9]+)-(?P<offset>\d+)/?", QueryMoreHandler, args),
        (base + r"/.*", DataNotFoundHandler, args),
    ]
