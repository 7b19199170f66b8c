"""Unit tests of the naming rules and of SObject resolution from path segments."""

import pytest

from dialects.base import DialectError
from dialects.names import camelize, fold, pluralize, singularize
from dialects.resolve import SObjectNames, resolve_sobject
from tests.dialects.samples import DESCRIBE_GLOBAL


@pytest.mark.parametrize("singular, plural", [
    ("account", "accounts"),
    ("Opportunity", "Opportunities"),
    ("contactRole", "contactRoles"),
    ("contact-role", "contact-roles"),
    ("Address", "Addresses"),
    ("Person", "People"),
    ("invoiceC", "invoiceCs"),
    ("Invoice__c", "Invoice__cs"),
    ("OpportunityLineItem", "OpportunityLineItems"),
    ("Case", "Cases"),
    ("Day", "Days"),
])
def test_pluralize_and_singularize(singular, plural):
    assert pluralize(singular) == plural
    assert singularize(plural) == singular


@pytest.mark.parametrize("api_name, camel", [
    ("Name", "name"),
    ("BillingCity", "billingCity"),
    ("Invoice_Total__c", "invoiceTotalC"),
    ("Invoice__c", "invoiceC"),
    ("Id", "id"),
])
def test_camelize_api_names(api_name, camel):
    assert camelize(api_name) == camel
    assert fold(camel) == fold(api_name)


def test_fold_drops_case_and_separators():
    assert fold("Contact-Role") == fold("contact_role") == fold("ContactRole") == "contactrole"


@pytest.mark.parametrize("segment, sobject", [
    ("Account", "Account"),
    ("account", "Account"),
    ("ACCOUNT", "Account"),
    ("accounts", "Account"),
    ("Accounts", "Account"),
    ("opportunities", "Opportunity"),
    ("opportunityLineItems", "OpportunityLineItem"),
    ("opportunity-line-items", "OpportunityLineItem"),
    ("OpportunityLineItems", "OpportunityLineItem"),
    ("addresses", "Address"),
    ("Invoice__c", "Invoice__c"),
    ("invoice__c", "Invoice__c"),
    ("invoiceC", "Invoice__c"),
    ("invoiceCs", "Invoice__c"),
    ("invoice-cs", "Invoice__c"),
    ("Invoice__cs", "Invoice__c"),
    ("invoices", "Invoice__c"),
    ("people", "Person__c"),
    ("cases", "Case"),
    ("foos", "Foo"),
    ("Foo__c", "Foo__c"),
])
def test_resolve_path_segments(segment, sobject):
    assert resolve_sobject(segment, DESCRIBE_GLOBAL) == sobject


def test_resolve_unknown_segment_is_404():
    with pytest.raises(DialectError) as caught:
        SObjectNames(DESCRIBE_GLOBAL).resolve("widgets")

    assert caught.value.problem.status == 404
    assert caught.value.problem.code == "unknown_sobject"
    assert "widgets" in caught.value.problem.message


def test_resolve_ambiguous_segment_names_candidates():
    describe_global = {"sobjects": [{"name": "Invoice__c"}, {"name": "InvoiceC"}]}
    names = SObjectNames(describe_global)

    with pytest.raises(DialectError) as caught:
        names.resolve("invoiceCs")

    assert caught.value.problem.status == 404
    assert caught.value.problem.code == "ambiguous_sobject"
    assert "Invoice__c" in caught.value.problem.message
    assert "InvoiceC" in caught.value.problem.message
    # The exact API name still wins over folded forms.
    assert names.resolve("invoicec") == "InvoiceC"
    assert names.resolve("Invoice__c") == "Invoice__c"
