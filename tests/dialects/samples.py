"""Describe results in Salesforce's shape, trimmed to what the dialect code reads."""


def _field(name, type_="string", createable=True, updateable=True, filterable=True, sortable=True, **extra):
    return {"name": name, "type": type_, "createable": createable, "updateable": updateable,
            "filterable": filterable, "sortable": sortable, "nillable": True, **extra}


DESCRIBE_GLOBAL = {
    "encoding": "UTF-8",
    "maxBatchSize": 200,
    "sobjects": [
        {"name": "Account", "label": "Account", "labelPlural": "Accounts", "custom": False},
        {"name": "Contact", "label": "Contact", "labelPlural": "Contacts", "custom": False},
        {"name": "Opportunity", "label": "Opportunity", "labelPlural": "Opportunities", "custom": False},
        {"name": "OpportunityLineItem", "label": "Opportunity Product", "labelPlural": "Opportunity Product", "custom": False},
        {"name": "OpportunityContactRole", "label": "Opportunity Contact Role", "labelPlural": "Contact Roles", "custom": False},
        {"name": "Address", "label": "Address", "labelPlural": "Addresses", "custom": False},
        {"name": "Person__c", "label": "Person", "labelPlural": "People", "custom": True},
        {"name": "Invoice__c", "label": "Invoice", "labelPlural": "Invoices", "custom": True},
        {"name": "Case", "label": "Case", "labelPlural": "Cases", "custom": False},
        {"name": "Foo__c", "label": "Foo", "labelPlural": "Foos", "custom": True},
        {"name": "Foo", "label": "Foo standard", "labelPlural": "Foo standards", "custom": False},
    ],
}

ACCOUNT_DESCRIBE = {
    "name": "Account",
    "fields": [
        _field("Id", "id", createable=False, updateable=False),
        _field("IsDeleted", "boolean", createable=False, updateable=False),
        _field("Name", nameField=True),
        _field("Type", "picklist"),
        _field("Industry", "picklist"),
        _field("BillingCity"),
        _field("BillingAddress", "address", createable=False, updateable=False, filterable=False, sortable=False),
        _field("Phone", "phone"),
        _field("AnnualRevenue", "currency"),
        _field("NumberOfEmployees", "int"),
        _field("Description", "textarea", filterable=False, sortable=False),
        _field("OwnerId", "reference", relationshipName="Owner", referenceTo=["User"]),
        _field("ParentId", "reference", relationshipName="Parent", referenceTo=["Account"]),
        _field("CreatedDate", "datetime", createable=False, updateable=False),
        _field("LastModifiedDate", "datetime", createable=False, updateable=False),
        _field("SLAExpirationDate__c", "date"),
        _field("Active__c", "boolean"),
        _field("AccountNumber", "string", createable=True, updateable=False),
        _field("Invoice_Total__c", "currency", createable=False, updateable=False, calculated=True),
        _field("Score__c", "double"),
    ],
    "childRelationships": [
        {"childSObject": "Contact", "field": "AccountId", "relationshipName": "Contacts"},
        {"childSObject": "Opportunity", "field": "AccountId", "relationshipName": "Opportunities"},
    ],
}

ACCOUNT_RECORD = {
    "attributes": {"type": "Account", "url": "/services/data/v62.0/sobjects/Account/001000000000001AAA"},
    "Id": "001000000000001AAA",
    "Name": "Acme",
    "BillingCity": "Zürich",
    "Invoice_Total__c": 12.5,
    "Owner": {"attributes": {"type": "User", "url": "/services/data/v62.0/sobjects/User/005000000000001AAA"},
              "Name": "Demo User"},
}
