"""A page rendered at once is byte for byte the records rendered one by one."""

import json

import pytest
from tornado.httputil import HTTPHeaders

from dialects.backbone import BackboneDialect
from dialects.base import Dialect, RequestContext, dump_json, dump_json_items
from dialects.clay import ClayDialect
from dialects.jsonapi import JsonApiDialect
from dialects.registry import load_dialects
from tests.dialects.samples import ACCOUNT_RECORD

DIALECTS = load_dialects(type("Settings", (), {"dialects": (), "default_dialect": "clay"})())


def account(number, **fields):
    record_id = "001000000000%03dAAA" % number
    return {"attributes": {"type": "Account", "url": "/services/data/v62.0/sobjects/Account/" + record_id},
            "Id": record_id, "Name": "Account %d" % number, **fields}


RECORDS = [
    ACCOUNT_RECORD,
    account(1, Description="Zürich, 東京, emoji \U0001F600", AnnualRevenue=1.5e7, NumberOfEmployees=0),
    account(2, Owner={"attributes": {"type": "User"}, "Name": "Ann \"quoted\" <b>"}, IsDeleted=False, Fax=None),
    account(3, Description="line\nbreak\ttab \\ backslash \u2028 separator"),
    {"attributes": {"type": "AggregateResult"}, "expr0": 42},
    account(4, Description="lone \ud800 surrogate"),
]


def context(segment="accounts"):
    return RequestContext(method="GET", sobject="Account", path_segment=segment, record_id=None, arguments={},
                          headers=HTTPHeaders(), base_path="")


def one_by_one(dialect, ctx, records, first_index):
    return b"".join(dialect.list_record(ctx, record, first_index + offset) for offset, record in enumerate(records))


@pytest.mark.parametrize("name", sorted(DIALECTS))
@pytest.mark.parametrize("first_index", [0, 1, 2000])
@pytest.mark.parametrize("records", [RECORDS, RECORDS[:5], RECORDS[1:2], []], ids=["all", "no-surrogate", "one", "none"])
def test_page_equals_records_one_by_one(name, first_index, records):
    dialect = DIALECTS[name]
    ctx = context()

    assert dialect.list_records(ctx, records, first_index) == one_by_one(dialect, ctx, records, first_index)


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_pages_join_into_valid_json(name):
    dialect = DIALECTS[name]
    ctx = context()

    body = b"[" + dialect.list_records(ctx, RECORDS[:3], 0) + dialect.list_records(ctx, RECORDS[3:], 3) + b"]"

    assert len(json.loads(body)) == len(RECORDS)


def test_dump_json_items_matches_dump_json():
    values = [{"a": "é"}, [1, 2.5, None], "x", 3, {"s": "\udfff"}]

    for first_index in (0, 7):
        expected = b"".join((b"," if first_index + i else b"") + dump_json(value) for i, value in enumerate(values))
        assert dump_json_items(values, first_index) == expected
    assert dump_json_items([], 0) == b""
    assert dump_json_items([], 5) == b""


class ShoutingClay(ClayDialect):
    """A subclass that reshapes records through list_record only."""

    def list_record(self, ctx, record, index):
        return (b"," if index else b"") + dump_json({"NAME": str(record.get("Name", "")).upper()})


class ShoutingBackbone(BackboneDialect):
    def list_record(self, ctx, record, index):
        return (b"," if index else b"") + dump_json({"shout": index})


class ShoutingJsonApi(JsonApiDialect):
    def list_record(self, ctx, record, index):
        return (b"," if index else b"") + dump_json({"row": index})


class PlainSubclass(Dialect):
    name = "plain"


@pytest.mark.parametrize("dialect", [ShoutingClay(), ShoutingBackbone(), ShoutingJsonApi()],
                         ids=lambda dialect: type(dialect).__name__)
def test_subclass_list_record_is_used_for_pages(dialect):
    ctx = context()

    page = dialect.list_records(ctx, RECORDS[:4], 10)

    assert page == one_by_one(dialect, ctx, RECORDS[:4], 10)
    assert b"attributes" not in page


def test_subclass_keeping_list_record_writes_records_unchanged():
    ctx = context()

    page = PlainSubclass().list_records(ctx, RECORDS[:2], 0)

    assert json.loads(b"[" + page + b"]") == RECORDS[:2]


def test_registry_refuses_a_page_that_is_not_bytes():
    from dialects.registry import check_dialect

    class TextPages(Dialect):
        name = "text-pages"

        def list_records(self, ctx, records, first_index):
            return ",".join(json.dumps(record) for record in records)

    check_dialect(PlainSubclass())
    with pytest.raises(TypeError, match="list_records"):
        check_dialect(TextPages())
