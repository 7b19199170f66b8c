"""Object schemas of the second Salesforce stand-in, written from Salesforce's describe documentation.

Field describes carry the properties the REST API documents (createable,
updateable, nillable, defaultedOnCreate, calculated, autoNumber, type,
soapType, length, referenceTo, relationshipName, picklistValues and more).
As in real orgs, the describe-global list mixes standard, custom, share,
history and feed objects, some of them without a key prefix.
"""

from __future__ import annotations

from typing import Any, Optional

_SOAP_TYPES = {
    "id": "tns:ID", "reference": "tns:ID", "string": "xsd:string", "textarea": "xsd:string",
    "picklist": "xsd:string", "phone": "xsd:string", "url": "xsd:string", "email": "xsd:string",
    "boolean": "xsd:boolean", "int": "xsd:int", "double": "xsd:double", "currency": "xsd:double",
    "percent": "xsd:double", "date": "xsd:date", "datetime": "xsd:dateTime", "address": "urn:address",
}


def field(name: str, field_type: str, *, label: Optional[str] = None, length: int = 0, createable: bool = True,
          updateable: bool = True, nillable: bool = True, defaulted: bool = False, calculated: bool = False,
          auto_number: bool = False, reference_to: Optional[list[str]] = None,
          relationship_name: Optional[str] = None, picklist: Optional[list[str]] = None,
          external_id: bool = False, required: bool = False) -> dict[str, Any]:
    """Return one field describe with the members Salesforce documents for ``fields[]``."""
    if required:
        nillable = False
    return {
        "aggregatable": field_type not in ("textarea", "address"),
        "autoNumber": auto_number,
        "byteLength": length * 3,
        "calculated": calculated,
        "calculatedFormula": "Amount__c * 1.2" if calculated else None,
        "caseSensitive": False,
        "createable": createable,
        "custom": name.endswith("__c"),
        "defaultValue": None,
        "defaultedOnCreate": defaulted,
        "dependentPicklist": False,
        "digits": 0,
        "externalId": external_id,
        "filterable": field_type not in ("textarea", "address"),
        "groupable": field_type not in ("double", "currency", "textarea", "address", "datetime"),
        "htmlFormatted": False,
        "idLookup": field_type == "id" or external_id,
        "inlineHelpText": None,
        "label": label or name.replace("__c", "").replace("_", " "),
        "length": length,
        "name": name,
        "nameField": name == "Name",
        "nillable": nillable,
        "picklistValues": [
            {"active": True, "defaultValue": False, "label": value, "validFor": None, "value": value}
            for value in (picklist or [])
        ],
        "precision": 18 if field_type in ("currency", "double") else 0,
        "referenceTo": reference_to or [],
        "relationshipName": relationship_name,
        "relationshipOrder": None,
        "restrictedPicklist": False,
        "scale": 2 if field_type in ("currency", "double") else 0,
        "soapType": _SOAP_TYPES.get(field_type, "xsd:string"),
        "sortable": field_type not in ("textarea", "address"),
        "type": field_type,
        "unique": False,
        "updateable": updateable,
    }


def _system_fields() -> list[dict[str, Any]]:
    read_only = {"createable": False, "updateable": False, "nillable": False, "defaulted": True}
    return [
        field("Id", "id", label="Record ID", length=18, **read_only),
        field("IsDeleted", "boolean", label="Deleted", **read_only),
        field("OwnerId", "reference", label="Owner ID", length=18, updateable=True, createable=True,
              nillable=False, defaulted=True, reference_to=["User"], relationship_name="Owner"),
        field("CreatedDate", "datetime", label="Created Date", **read_only),
        field("CreatedById", "reference", label="Created By ID", length=18, reference_to=["User"],
              relationship_name="CreatedBy", **read_only),
        field("LastModifiedDate", "datetime", label="Last Modified Date", **read_only),
        field("SystemModstamp", "datetime", label="System Modstamp", **read_only),
    ]


INDUSTRIES = ["Agriculture", "Banking", "Energy", "Retail", "Technology"]

OBJECTS: dict[str, dict[str, Any]] = {
    "Account": {
        "keyPrefix": "001", "label": "Account", "labelPlural": "Accounts", "custom": False,
        "fields": _system_fields() + [
            field("Name", "string", label="Account Name", length=255, required=True),
            field("Type", "picklist", label="Account Type", length=255, picklist=["Customer", "Partner", "Prospect"]),
            field("Industry", "picklist", length=255, picklist=INDUSTRIES),
            field("Phone", "phone", label="Account Phone", length=40),
            field("BillingStreet", "textarea", label="Billing Street", length=255),
            field("BillingCity", "string", label="Billing City", length=40),
            field("BillingCountry", "string", label="Billing Country", length=80),
            field("BillingAddress", "address", label="Billing Address", createable=False, updateable=False),
            field("NumberOfEmployees", "int", label="Employees"),
            field("AnnualRevenue", "currency", label="Annual Revenue"),
            field("Description", "textarea", label="Account Description", length=32000),
            field("AccountNumber__c", "string", label="Account Number", length=40, external_id=True),
        ],
        "childRelationships": [
            {"childSObject": "Contact", "field": "AccountId", "relationshipName": "Contacts",
             "cascadeDelete": False, "deprecatedAndHidden": False, "restrictedDelete": False},
            {"childSObject": "Invoice__c", "field": "Account__c", "relationshipName": "Invoices__r",
             "cascadeDelete": True, "deprecatedAndHidden": False, "restrictedDelete": False},
        ],
    },
    "Contact": {
        "keyPrefix": "003", "label": "Contact", "labelPlural": "Contacts", "custom": False,
        "fields": _system_fields() + [
            field("FirstName", "string", label="First Name", length=40),
            field("LastName", "string", label="Last Name", length=80, required=True),
            field("Name", "string", label="Full Name", length=121, createable=False, updateable=False),
            field("Email", "email", length=80),
            field("Birthdate", "date"),
            field("AccountId", "reference", label="Account ID", length=18, reference_to=["Account"],
                  relationship_name="Account"),
        ],
        "childRelationships": [],
    },
    "Invoice__c": {
        "keyPrefix": "a0B", "label": "Invoice", "labelPlural": "Invoices", "custom": True,
        "fields": _system_fields() + [
            field("Name", "string", label="Invoice Number", length=80, createable=False, updateable=False,
                  nillable=False, defaulted=True, auto_number=True),
            field("Amount__c", "currency", label="Amount"),
            field("Due_Date__c", "date", label="Due Date"),
            field("Paid__c", "boolean", label="Paid", nillable=False, defaulted=True),
            field("Total_With_Tax__c", "currency", label="Total With Tax", createable=False, updateable=False,
                  calculated=True),
            field("Account__c", "reference", label="Account", length=18, reference_to=["Account"],
                  relationship_name="Account__r"),
        ],
        "childRelationships": [],
    },
    "Contact_Role__c": {
        "keyPrefix": "a0C", "label": "Contact Role", "labelPlural": "Contact Roles", "custom": True,
        "fields": _system_fields() + [
            field("Name", "string", label="Contact Role Name", length=80, required=True),
            field("Role__c", "picklist", label="Role", length=255, picklist=["Buyer", "Champion", "User"]),
            field("Contact__c", "reference", label="Contact", length=18, reference_to=["Contact"],
                  relationship_name="Contact__r"),
        ],
        "childRelationships": [],
    },
}

# Objects that only appear in describe global: (name, key prefix or None, custom, queryable).
LISTED_ONLY = [
    ("AcceptedEventRelation", "0Ea", False, True), ("AccountContactRole", "02Z", False, True),
    ("AccountFeed", "0D5", False, True), ("AccountHistory", "017", False, True),
    ("AccountShare", "00r", False, True), ("AggregateResult", None, False, False),
    ("ApexClass", "01p", False, True), ("Asset", "02i", False, True), ("Attachment", "00P", False, True),
    ("Case", "500", False, True), ("CaseContactRole", "03j", False, True),
    ("ContactHistory", "017", False, True), ("ContentDocument", "069", False, True),
    ("Contact_Role__Share", None, True, True), ("Event", "00U", False, True),
    ("FieldDefinition", None, False, True), ("Invoice__Feed", None, True, True),
    ("Invoice__History", "017", True, True), ("Invoice__Share", None, True, True), ("Lead", "00Q", False, True),
    ("Name", None, False, True), ("Note", "002", False, True), ("Opportunity", "006", False, True),
    ("OpportunityContactRole", "00K", False, True), ("OpportunityLineItem", "00k", False, True),
    ("Order", "801", False, True), ("Organization", "00D", False, True), ("PermissionSet", "0PS", False, True),
    ("Product2", "01t", False, True), ("Task", "00T", False, True), ("User", "005", False, True),
    ("UserRecordAccess", None, False, True), ("acme__Shipment__c", "a0D", True, True),
]


def global_entry(name: str, key_prefix: Optional[str], custom: bool, queryable: bool, version: str,
                 label: Optional[str] = None, plural: Optional[str] = None) -> dict[str, Any]:
    """Return one ``sobjects[]`` entry of describe global."""
    base = "/services/data/v%s/sobjects/%s" % (version, name)
    return {
        "activateable": False, "associateEntityType": None, "associateParentEntity": None,
        "createable": queryable, "custom": custom, "customSetting": False, "deepCloneable": False,
        "deletable": queryable, "deprecatedAndHidden": False, "feedEnabled": not custom, "hasSubtypes": False,
        "isInterface": False, "isSubtype": False, "keyPrefix": key_prefix, "label": label or name,
        "labelPlural": plural or (label or name) + "s", "layoutable": queryable, "mergeable": False,
        "mruEnabled": queryable, "name": name, "queryable": queryable, "replicateable": queryable,
        "retrieveable": queryable, "searchable": queryable, "triggerable": queryable, "undeletable": queryable,
        "updateable": queryable,
        "urls": {"rowTemplate": base + "/{ID}", "defaultValues": base + "/defaultValues?recordTypeId&fields",
                 "describe": base + "/describe", "sobject": base},
    }


def describe_global(version: str) -> dict[str, Any]:
    entries = [
        global_entry(name, spec["keyPrefix"], spec["custom"], True, version, spec["label"], spec["labelPlural"])
        for name, spec in OBJECTS.items()
    ]
    entries += [global_entry(*listed, version) for listed in LISTED_ONLY]
    entries.sort(key=lambda entry: entry["name"].lower())
    return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": entries}


def describe_sobject(name: str, version: str) -> dict[str, Any]:
    spec = OBJECTS[name]
    result = global_entry(name, spec["keyPrefix"], spec["custom"], True, version, spec["label"], spec["labelPlural"])
    result.update({
        "fields": spec["fields"],
        "childRelationships": spec["childRelationships"],
        "recordTypeInfos": [],
        "supportedScopes": [{"label": "All", "name": "everything"}],
        "actionOverrides": [],
        "namedLayoutInfos": [],
    })
    return result


def field_map(name: str) -> dict[str, dict[str, Any]]:
    """Return the fields of object ``name`` keyed by lower-case API name."""
    return {entry["name"].lower(): entry for entry in OBJECTS[name]["fields"]}


def canonical_object(name: str) -> Optional[str]:
    """Return the API name of a data object given in any case, or None."""
    for candidate in OBJECTS:
        if candidate.lower() == name.lower():
            return candidate
    return None
