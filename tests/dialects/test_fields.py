"""Unit tests of the describe-based cleaning of record bodies."""

import pytest

from dialects.base import DialectError
from dialects.fields import FieldIndex, clean_record_body
from tests.dialects.samples import ACCOUNT_DESCRIBE, ACCOUNT_RECORD


def test_clean_drops_read_only_and_id_on_update():
    body = {
        "attributes": {"type": "Account"}, "Id": "001000000000001AAA", "id": "001000000000001AAA",
        "Name": "Acme 2", "CreatedDate": "2024-01-01T00:00:00.000+0000", "AccountNumber": "A-1",
        "Invoice_Total__c": 3, "Phone": "555",
    }

    cleaned = clean_record_body(ACCOUNT_DESCRIBE, body, "update")

    assert cleaned.fields == {"Name": "Acme 2", "Phone": "555"}
    assert set(cleaned.dropped) == {"attributes", "Id", "id", "CreatedDate", "AccountNumber", "Invoice_Total__c"}


def test_clean_keeps_createable_only_fields_on_create():
    cleaned = clean_record_body(ACCOUNT_DESCRIBE, {"Name": "Acme", "AccountNumber": "A-1"}, "create")

    assert cleaned.fields == {"Name": "Acme", "AccountNumber": "A-1"}
    assert cleaned.dropped == []


def test_clean_maps_keys_to_api_names():
    body = {"name": "Acme", "billingCity": "Paris", "billing-city": None, "sla_expiration_date__c": None}
    with pytest.raises(DialectError):
        clean_record_body(ACCOUNT_DESCRIBE, body, "create")

    cleaned = clean_record_body(ACCOUNT_DESCRIBE, {"name": "Acme", "billing-city": "Paris", "active__C": True}, "create")
    assert cleaned.fields == {"Name": "Acme", "BillingCity": "Paris", "Active__c": True}


def test_clean_rejects_keys_differing_by_case():
    with pytest.raises(DialectError) as caught:
        clean_record_body(ACCOUNT_DESCRIBE, {"Name": "A", "name": "B"}, "update")

    assert caught.value.problem.status == 400
    assert caught.value.problem.code == "duplicate_field"
    assert caught.value.problem.errors[0]["fields"] == ["Name", "name"]


def test_clean_drops_nested_records_and_child_lists():
    body = dict(ACCOUNT_RECORD, Contacts={"totalSize": 0, "done": True, "records": []})

    cleaned = clean_record_body(ACCOUNT_DESCRIBE, body, "update")

    assert cleaned.fields == {"Name": "Acme", "BillingCity": "Zürich"}
    assert "Owner" in cleaned.dropped
    assert "Contacts" in cleaned.dropped


def test_clean_maps_relationship_id_to_reference_field():
    cleaned = clean_record_body(ACCOUNT_DESCRIBE, {"owner": "005000000000001AAA", "Parent": None}, "update")

    assert cleaned.fields == {"OwnerId": "005000000000001AAA", "ParentId": None}


def test_clean_keeps_unknown_keys_for_salesforce_to_report():
    cleaned = clean_record_body(ACCOUNT_DESCRIBE, {"Nmae": "typo"}, "create")

    assert cleaned.fields == {"Nmae": "typo"}


def test_clean_cuts_timestamps_sent_for_dates():
    cleaned = clean_record_body(ACCOUNT_DESCRIBE, {"slaExpirationDateC": "2024-01-31T00:00:00.000Z"}, "update")

    assert cleaned.fields == {"SLAExpirationDate__c": "2024-01-31"}


def test_clean_rejects_unknown_operation():
    with pytest.raises(ValueError):
        clean_record_body(ACCOUNT_DESCRIBE, {}, "upsert")


def test_field_index_fold_skips_colliding_names():
    index = FieldIndex({"name": "X", "fields": [{"name": "Foo_Bar__c"}, {"name": "FooBar__c"}]})

    assert index.field("foo_bar__c")["name"] == "Foo_Bar__c"
    assert index.field("foobar__c")["name"] == "FooBar__c"
    assert index.field("foo-bar-c") is None
