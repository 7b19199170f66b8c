"""Unit tests of what each built-in dialect renders and parses, without a server."""

import json

import pytest
from tornado.httputil import HTTPHeaders

from dialects.base import DialectError, ListInfo, Problem, RequestContext
from dialects.registry import load_dialects
from tests.dialects.samples import ACCOUNT_RECORD

DIALECTS = load_dialects(type("Settings", (), {"dialects": (), "default_dialect": "clay"})())
NEXT_URL = "/services/data/v62.0/query/01gRO0000016PIAYA2-500"
FIELD_ERROR = Problem(400, [{"message": "Required fields are missing: [Name]", "errorCode": "REQUIRED_FIELD_MISSING",
                             "fields": ["Name"]}])
NOT_FOUND = Problem(404, [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}])


def context(method="GET", segment="accounts", record_id=None, arguments=None, headers=None, base_path=""):
    return RequestContext(method=method, sobject="Account", path_segment=segment, record_id=record_id,
                          arguments=arguments or {}, headers=HTTPHeaders(headers or {}), base_path=base_path)


def render_list(dialect, ctx, records, next_url=None):
    start = dialect.list_start(ctx, ListInfo("Account", total_size=42, next_records_url=next_url))
    body = start.body + b"".join(dialect.list_record(ctx, record, i) for i, record in enumerate(records))
    body += dialect.list_end(ctx, ListInfo("Account", total_size=42, returned=len(records),
                                           next_records_url=next_url, done=next_url is None))
    return start, json.loads(body)


def test_salesforce_passes_raw_record_bytes():
    raw = json.dumps(ACCOUNT_RECORD).encode()

    reply = DIALECTS["salesforce"].record(context(), ACCOUNT_RECORD, raw)

    assert reply.status == 200
    assert reply.body is raw


def test_salesforce_list_keeps_envelope_and_counts():
    start, body = render_list(DIALECTS["salesforce"], context(), [ACCOUNT_RECORD], NEXT_URL)

    assert start.headers["X-Total-Count"] == "42"
    assert body["totalSize"] == 42
    assert body["returnedSize"] == 1
    assert body["done"] is False
    assert body["nextRecordsUrl"] == NEXT_URL
    assert body["records"] == [ACCOUNT_RECORD]


def test_clay_shapes():
    clay = DIALECTS["clay"]
    ctx = context(segment="Account")

    created = clay.created(ctx, {"id": "001NEW000000001AAA", "success": True, "errors": []},
                           dict(ACCOUNT_RECORD, Id="001NEW000000001AAA"))
    assert created.status == 200
    assert json.loads(created.body)["Id"] == "001NEW000000001AAA"
    assert json.loads(created.body)["Name"] == "Acme"

    updated = clay.updated(ctx, "001000000000001AAA", None)
    assert json.loads(updated.body) == {"Id": "001000000000001AAA"}

    start, body = render_list(clay, ctx, [ACCOUNT_RECORD, ACCOUNT_RECORD])
    assert body == [ACCOUNT_RECORD, ACCOUNT_RECORD]
    assert start.headers["X-Total-Count"] == "42"

    assert clay.parse_record_body(context("PUT", "Account", "001000000000001AAA"), b"") == {}
    assert clay.wants_record_after_create is True
    assert clay.wants_record_after_update is False


def test_backbone_shapes():
    backbone = DIALECTS["backbone"]
    ctx = context(base_path="/api", arguments={"dialect": ["backbone"]})

    record = json.loads(backbone.record(ctx, ACCOUNT_RECORD).body)
    assert record["Id"] == record["id"] == "001000000000001AAA"
    assert "attributes" not in record
    assert "attributes" not in record["Owner"]

    created = backbone.created(ctx, {"id": "001000000000001AAA"}, ACCOUNT_RECORD)
    assert created.status == 201
    assert created.headers["Location"] == "/api/accounts/001000000000001AAA"
    assert json.loads(created.body)["Name"] == "Acme"

    updated = backbone.updated(ctx, "001000000000001AAA", ACCOUNT_RECORD)
    assert updated.status == 200
    assert json.loads(updated.body)["id"] == "001000000000001AAA"

    start, body = render_list(backbone, ctx, [ACCOUNT_RECORD], NEXT_URL)
    assert isinstance(body, list)
    assert body[0]["id"] == "001000000000001AAA"
    assert start.headers["X-Total-Count"] == "42"
    assert start.headers["Link"] == '</api/accounts?dialect=backbone&cursor=01gRO0000016PIAYA2-500>; rel="next"'


def test_ember_shapes():
    ember = DIALECTS["ember"]
    ctx = context(segment="contactRoles")

    record = json.loads(ember.record(ctx, ACCOUNT_RECORD).body)
    assert list(record) == ["contactRole"]
    assert record["contactRole"]["id"] == "001000000000001AAA"
    assert record["contactRole"]["billingCity"] == "Zürich"
    assert record["contactRole"]["invoiceTotalC"] == 12.5
    assert "attributes" not in record["contactRole"]

    _start, body = render_list(ember, ctx, [ACCOUNT_RECORD], NEXT_URL)
    assert list(body) == ["contactRoles", "meta"]
    assert body["meta"]["totalSize"] == 42
    assert body["meta"]["returnedSize"] == 1
    assert body["meta"]["next"] == "/contactRoles?cursor=01gRO0000016PIAYA2-500"

    unwrapped = ember.parse_record_body(context("POST"), b'{"account": {"name": "Acme", "phone": null}}')
    assert unwrapped == {"name": "Acme", "phone": None}
    with pytest.raises(DialectError):
        ember.parse_record_body(context("POST"), b'{"name": "Acme"}')


def test_ember_field_error_is_422_with_pointers():
    reply = DIALECTS["ember"].error(context("POST"), FIELD_ERROR)

    assert reply.status == 422
    error = json.loads(reply.body)["errors"][0]
    assert error["source"] == {"pointer": "/data/attributes/name"}
    assert error["detail"] == "Required fields are missing: [Name]"
    assert error["status"] == "422"


def test_ember_other_errors_keep_status():
    reply = DIALECTS["ember"].error(context("GET"), NOT_FOUND)

    assert reply.status == 404
    assert json.loads(reply.body)["errors"][0]["code"] == "NOT_FOUND"
    # A field error on a read is not a validation error.
    assert DIALECTS["ember"].error(context("GET"), FIELD_ERROR).status == 400


def test_jsonapi_documents():
    jsonapi = DIALECTS["jsonapi"]
    ctx = context(segment="Accounts")

    reply = jsonapi.record(ctx, ACCOUNT_RECORD)
    assert reply.headers["Content-Type"] == "application/vnd.api+json"
    data = json.loads(reply.body)["data"]
    assert data["type"] == "Accounts"
    assert data["id"] == "001000000000001AAA"
    assert "Id" not in data["attributes"]
    assert "attributes" not in data["attributes"]
    assert "attributes" not in data["attributes"]["Owner"]

    created = jsonapi.created(ctx, {"id": "001000000000001AAA"}, ACCOUNT_RECORD)
    assert created.status == 201
    assert created.headers["Location"] == "/Accounts/001000000000001AAA"

    arguments = {"filter[Name]": ["Acme"], "filter[Type][]": ["A", "B"]}
    _start, body = render_list(jsonapi, context(arguments=arguments), [ACCOUNT_RECORD], NEXT_URL)
    assert body["meta"] == {"totalSize": 42, "returnedSize": 1, "done": False}
    assert body["links"]["next"] == "/accounts?page%5Bcursor%5D=01gRO0000016PIAYA2-500"
    assert body["links"]["self"] == "/accounts?filter%5BName%5D=Acme&filter%5BType%5D%5B%5D=A&filter%5BType%5D%5B%5D=B"


def test_jsonapi_offset_next_link_when_page_full():
    args = {"page[size]": ["1"], "page[offset]": ["3"]}
    _start, body = render_list(DIALECTS["jsonapi"], context(arguments=args), [ACCOUNT_RECORD])

    assert body["links"]["next"] == "/accounts?page%5Bsize%5D=1&page%5Boffset%5D=4"


def test_jsonapi_parses_resource_objects():
    jsonapi = DIALECTS["jsonapi"]
    body = {"data": {"type": "accounts", "attributes": {"Name": "Acme", "billing-city": "Paris"},
                     "relationships": {"Owner": {"data": {"type": "users", "id": "005000000000001AAA"}},
                                       "Parent": {"data": None}}},
            "meta": {}}

    fields = jsonapi.parse_record_body(context("POST"), json.dumps(body).encode())

    assert fields == {"Name": "Acme", "billing-city": "Paris", "Owner": "005000000000001AAA", "Parent": None}


@pytest.mark.parametrize("method, body, status, code", [
    ("POST", {"data": {"attributes": {}}}, 400, "invalid_body"),
    ("POST", {"data": {"type": "contacts", "attributes": {}}}, 409, "type_mismatch"),
    ("POST", {"data": {"type": "accounts", "id": "001000000000001AAA", "attributes": {}}}, 403, "client_id_unsupported"),
    ("PATCH", {"data": {"type": "accounts", "id": "001000000000009AAA", "attributes": {}}}, 409, "id_mismatch"),
    ("PATCH", {"data": [{"type": "accounts"}]}, 400, "invalid_body"),
])
def test_jsonapi_rejects_bad_documents(method, body, status, code):
    with pytest.raises(DialectError) as caught:
        DIALECTS["jsonapi"].parse_record_body(context(method, record_id="001000000000001AAA"), json.dumps(body).encode())

    assert caught.value.problem.status == status
    assert caught.value.problem.code == code


@pytest.mark.parametrize("method, headers, status", [
    ("POST", {"Content-Type": "application/vnd.api+json; charset=utf-8"}, 415),
    ("POST", {"Content-Type": 'application/vnd.api+json; ext="https://example.test/ext"'}, 415),
    ("POST", {"Content-Type": "text/plain"}, 415),
    ("GET", {"Accept": "application/vnd.api+json; charset=utf-8"}, 406),
    ("GET", {"Accept": 'application/vnd.api+json; ext="https://example.test/ext", */*'}, 406),
    ("POST", {"Content-Type": 'application/vnd.api+json; profile="https://example.test/p"'}, None),
    ("POST", {"Content-Type": "application/vnd.api+json"}, None),
    ("GET", {"Accept": "application/vnd.api+json; charset=utf-8, application/vnd.api+json"}, None),
    ("GET", {"Accept": "*/*", "Content-Type": "application/vnd.api+json; charset=utf-8"}, None),
])
def test_jsonapi_content_negotiation(method, headers, status):
    ctx = context(method, headers=headers)

    if status is None:
        DIALECTS["jsonapi"].check_request(ctx)
        return
    with pytest.raises(DialectError) as caught:
        DIALECTS["jsonapi"].check_request(ctx)
    assert caught.value.problem.status == status


def test_jsonapi_list_arguments():
    ctx = context(arguments={"filter[Industry]": ["Energy"], "sort": ["-Name"], "page[size]": ["5"],
                             "fields[accounts]": ["Name,Phone"], "fields[users]": ["Email"]})

    request = DIALECTS["jsonapi"].parse_list_request(ctx)

    assert request.filters == [("Industry", "Energy")]
    assert request.order_by == [("Name", True)]
    assert request.limit == 5
    assert request.fields == ["Name", "Phone"]


def test_jsonapi_errors_carry_pointer_and_parameter():
    jsonapi = DIALECTS["jsonapi"]

    reply = jsonapi.error(context("POST"), FIELD_ERROR)
    assert reply.status == 422
    assert json.loads(reply.body)["errors"][0]["source"] == {"pointer": "/data/attributes/Name"}

    problem = DialectError(400, "invalid_filter", "no such field", fields=["Nope"]).problem
    reply = jsonapi.error(context("GET", arguments={"filter[Nope]": ["x"]}), problem)
    error = json.loads(reply.body)["errors"][0]
    assert error["status"] == "400"
    assert error["source"] == {"parameter": "filter[Nope]"}
    assert reply.headers["Content-Type"] == "application/vnd.api+json"


def test_plain_list_arguments():
    ctx = context(arguments={"Industry": ["Energy", "Banking"], "filter[BillingCity]": ["Zürich"],
                             "fields": ["Name", "Phone"], "sort": ["Name,-CreatedDate"], "limit": ["10"],
                             "offset": ["5"], "dialect": ["backbone"], "_": ["1700000000"], "ids[]": ["a,b"],
                             "filter[Type][]": ["Customer", "Partner"]})

    request = DIALECTS["backbone"].parse_list_request(ctx)

    assert request.filters == [("Industry", "Energy"), ("Industry", "Banking"), ("BillingCity", "Zürich"),
                               ("Id", "a"), ("Id", "b"), ("Type", "Customer"), ("Type", "Partner")]
    assert request.fields == ["Name", "Phone"]
    assert request.order_by == [("Name", False), ("CreatedDate", True)]
    assert request.limit == 10
    assert request.offset == 5


def test_bad_limit_is_400():
    with pytest.raises(DialectError) as caught:
        DIALECTS["clay"].parse_list_request(context(arguments={"limit": ["ten"]}))

    assert caught.value.problem.status == 400
    assert caught.value.problem.code == "invalid_limit"
