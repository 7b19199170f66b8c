"""The SOQL parser and compiler on their own: syntax trees, error positions, arbitrary input."""

import hypothesis
import hypothesis.strategies as st
import pytest

from tornsf.sandbox import SandboxOrg, soql
from tornsf.sandbox.errors import ApiError


def test_parse_builds_tree():
    query = soql.parse("SELECT Id, Account.Name FROM Contact WHERE (Name LIKE 'a%' OR Title = null) "
                       "AND NOT Email IN ('x@y.z') ORDER BY Name DESC NULLS LAST LIMIT 5 OFFSET 2")
    assert [item.parts for item in query.select] == [("Id",), ("Account", "Name")]
    assert query.sobject.text == "Contact"
    assert isinstance(query.where, soql.BoolOp)
    assert query.where.operator == "AND"
    assert isinstance(query.where.items[0], soql.BoolOp)
    assert query.where.items[0].operator == "OR"
    assert isinstance(query.where.items[1], soql.Not)
    assert query.order_by[0].descending is True
    assert query.order_by[0].nulls_first is False
    assert (query.limit, query.offset) == (5, 2)


def test_nulls_sort_first_by_default():
    assert soql.parse("SELECT Id FROM Account ORDER BY Name DESC").order_by[0].nulls_first is True


def test_string_escapes_decode():
    literal = soql.parse(r"SELECT Id FROM Account WHERE Name = 'a\'b\\c\nd'").where.value
    assert literal.value == "a'b\\c\nd"


def test_like_escapes_stay_in_pattern():
    literal = soql.parse(r"SELECT Id FROM Account WHERE Name LIKE '100\%\_x'").where.value
    assert literal.value is None
    assert literal.like_pattern == r"100\%\_x"


def test_date_literals_parse():
    where = soql.parse("SELECT Id FROM Account WHERE CreatedDate > LAST_N_DAYS:7 AND CreatedDate < "
                       "2024-01-01T00:00:00Z AND CloseDate = 2024-02-29").where
    assert where.items[0].value.kind == "date_literal"
    assert where.items[0].value.value == ("LAST_N_DAYS", 7)
    assert where.items[1].value.kind == "datetime"
    assert where.items[2].value.kind == "date"


def test_error_points_at_token():
    with pytest.raises(ApiError) as caught:
        soql.parse("SELECT Id\nFROM Account\nWHERE Name = = 'x'")
    assert caught.value.error_code == "MALFORMED_QUERY"
    assert "ERROR at Row:3:Column:14" in caught.value.message
    assert "\nWHERE Name = = 'x'\n             ^\n" in caught.value.message


def test_mixing_and_or_needs_parentheses():
    with pytest.raises(ApiError):
        soql.parse("SELECT Id FROM Account WHERE A = 1 AND B = 2 OR C = 3")
    assert soql.parse("SELECT Id FROM Account WHERE A = 1 AND (B = 2 OR C = 3)").where.operator == "AND"


@pytest.fixture(scope="module")
def org():
    org = SandboxOrg(seed="demo")
    yield org
    org.close()


FRAGMENTS = st.sampled_from([
    "SELECT", "FROM", "WHERE", "Id", "Name", "Account", "Contact", ".", ",", "(", ")", "=", "!=", "<", ">=",
    "LIKE", "IN", "NOT", "AND", "OR", "NULL", "TRUE", "'a%'", "'x\\''", "5", "-1.5", "2024-01-01",
    "2024-01-01T00:00:00Z", "TODAY", "LAST_N_DAYS:3", "ORDER BY", "DESC", "NULLS LAST", "LIMIT", "OFFSET",
    "COUNT()", "COUNT(Id)", "Owner.Name", "'; DROP TABLE sobject_Account; --", "\"", "`", "\\",
])


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(st.lists(FRAGMENTS, min_size=1, max_size=14))
def test_any_text_gives_result_or_api_error(org, fragments):
    text = " ".join(fragments)
    try:
        result = org.queries.run(text, "62.0", include_deleted=False, batch_size=2000)
    except ApiError as error:
        assert error.status == 400
    else:
        assert "totalSize" in result
    assert org.store.count(org.schema.get("Account")) == 36


@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(st.text(max_size=60))
def test_arbitrary_literal_is_data(org, value):
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    try:
        result = org.queries.run("SELECT Id FROM Account WHERE Name = '%s'" % escaped, "62.0", False, 2000)
    except ApiError as error:
        assert error.error_code == "MALFORMED_QUERY"
    else:
        assert result["totalSize"] <= 1
