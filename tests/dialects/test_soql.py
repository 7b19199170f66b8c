"""Unit tests of the SOQL built for lists without SOQL."""

import re

import pytest
from hypothesis import given, strategies

from dialects.base import DialectError, ListRequest
from dialects.soql import build_list_soql, default_fields, quote_string, soql_literal
from dialects.fields import FieldIndex
from tests.dialects.samples import ACCOUNT_DESCRIBE

FIELDS = {field["name"]: field for field in ACCOUNT_DESCRIBE["fields"]}


def build(**kwargs):
    return build_list_soql(ACCOUNT_DESCRIBE, ListRequest(**kwargs))


def test_no_arguments_lists_recent_records_with_default_fields():
    soql = build()

    assert soql.startswith("SELECT Id, IsDeleted, Name, ")
    assert "BillingAddress" not in soql
    assert "Invoice_Total__c" in soql
    assert soql.endswith(" FROM Account ORDER BY LastModifiedDate DESC, Id DESC")


def test_default_fields_skip_compound_fields():
    names = default_fields(FieldIndex(ACCOUNT_DESCRIBE))

    assert "BillingAddress" not in names
    assert names[0] == "Id"


def test_filters_fields_sort_limit_offset():
    soql = build(fields=["name", "billingcity"], filters=[("industry", "Energy"), ("BillingCity", "Zürich")],
                 order_by=[("name", False), ("CreatedDate", True)], limit=10, offset=20)

    assert soql == ("SELECT Id, Name, BillingCity FROM Account WHERE Industry = 'Energy' AND BillingCity = 'Zürich' "
                    "ORDER BY Name ASC, CreatedDate DESC LIMIT 10 OFFSET 20")


def test_repeated_filter_becomes_in_and_null():
    soql = build(fields=["Name"], filters=[("Industry", "Energy"), ("Industry", "Banking"), ("Industry", "null")])

    assert "WHERE (Industry IN ('Energy', 'Banking') OR Industry = null)" in soql


@pytest.mark.parametrize("field, value, literal", [
    ("Name", "O'Brien", "'O\\'Brien'"),
    ("Name", "back\\slash", "'back\\\\slash'"),
    ("Name", "line\nbreak", "'line\\nbreak'"),
    ("Name", "x' OR Name != 'y", "'x\\' OR Name != \\'y'"),
    ("Active__c", "TRUE", "true"),
    ("NumberOfEmployees", "-12", "-12"),
    ("AnnualRevenue", "1500.50", "1500.50"),
    ("Score__c", ".5", ".5"),
    ("SLAExpirationDate__c", "2024-01-31", "2024-01-31"),
    ("CreatedDate", "2024-01-31T10:00:00Z", "2024-01-31T10:00:00Z"),
    ("CreatedDate", "2024-01-31T10:00:00.000+0000", "2024-01-31T10:00:00.000+00:00"),
    ("CreatedDate", "2024-01-31T10:00:00 0100", "2024-01-31T10:00:00+01:00"),
    ("CreatedDate", "2024-01-31T10:00:00-05:30", "2024-01-31T10:00:00-05:30"),
    ("OwnerId", "005000000000001AAA", "'005000000000001AAA'"),
    ("Phone", "null", "null"),
    ("Active__c", "null", "null"),
])
def test_values_become_typed_literals(field, value, literal):
    assert soql_literal(FIELDS[field], value) == literal


@pytest.mark.parametrize("field, value", [
    ("Active__c", "yes"),
    ("NumberOfEmployees", "1.5"),
    ("NumberOfEmployees", "1 OR Id != null"),
    ("AnnualRevenue", "1e9"),
    ("SLAExpirationDate__c", "2024-01-31T00:00:00Z"),
    ("SLAExpirationDate__c", "TODAY"),
    ("CreatedDate", "2024-01-31"),
    ("OwnerId", "005' OR Name != '"),
])
def test_values_of_wrong_type_are_rejected(field, value):
    with pytest.raises(DialectError) as caught:
        build(filters=[(field.lower(), value)])

    assert caught.value.problem.status == 400
    assert caught.value.problem.code == "invalid_filter"
    assert caught.value.problem.errors[0]["fields"] == [field.lower()]


@pytest.mark.parametrize("kwargs, code", [
    ({"filters": [("Nope", "x")]}, "invalid_filter"),
    ({"filters": [("Name) OR (Id", "x")]}, "invalid_filter"),
    ({"filters": [("Description", "x")]}, "invalid_filter"),
    ({"order_by": [("Description", False)]}, "invalid_sort"),
    ({"order_by": [("Name; DELETE", False)]}, "invalid_sort"),
    ({"fields": ["Name, (SELECT Id FROM Contacts)"]}, "invalid_field_list"),
    ({"fields": ["Owner.Name FROM User --"]}, "invalid_field_list"),
    ({"limit": 0}, "invalid_limit"),
    ({"offset": 2001}, "invalid_offset"),
    ({"offset": -1}, "invalid_offset"),
])
def test_bad_list_requests_are_rejected(kwargs, code):
    with pytest.raises(DialectError) as caught:
        build(**kwargs)

    assert caught.value.problem.status == 400
    assert caught.value.problem.code == code


def test_parent_fields_need_a_known_relationship():
    assert build(fields=["owner.Name"], order_by=[("Owner.Name", False)]) == (
        "SELECT Id, Owner.Name FROM Account ORDER BY Owner.Name ASC")

    with pytest.raises(DialectError):
        build(fields=["Manager.Name"])


@given(strategies.text())
def test_quoted_strings_never_end_early(value):
    literal = quote_string(value)

    # Every quote inside is escaped, so the literal is exactly one token.
    inner = literal[1:-1]
    assert literal[0] == literal[-1] == "'"
    assert not re.search(r"(?<!\\)(\\\\)*'", inner)
    assert "\n" not in inner
    assert "\r" not in inner
