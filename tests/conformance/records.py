"""Record writes and reads of the second stand-in, checked against the field describes.

Field names in request bodies match case-insensitively, as in Salesforce;
responses use the canonical names.  Errors carry Salesforce's codes and name
``fields`` only for errors about field values.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from tests.conformance import schema
from tests.conformance.org import USER_ID, ApiError, Org, id18

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$")
_ID = re.compile(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$")
_STRING_TYPES = ("string", "textarea", "picklist", "phone", "url", "email")


def _parser_error(value: Any, field_type: str) -> ApiError:
    return ApiError(400, "JSON_PARSER_ERROR",
                    "Cannot deserialize instance of %s from VALUE_STRING value %s or request may be missing a "
                    "required field at [line:1, column:2]" % (field_type, value))


def _check_value(org: Org, field: dict[str, Any], value: Any) -> Any:
    field_type = field["type"]
    if value is None:
        return None
    if field_type in _STRING_TYPES:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise _parser_error(value, "string")
        text = str(value)
        if field["length"] and len(text) > field["length"]:
            raise ApiError(400, "STRING_TOO_LONG", "%s: data value too large: %s (max length=%d)"
                           % (field["label"], text[:40], field["length"]), [field["name"]])
        if field_type == "email" and "@" not in text:
            raise ApiError(400, "INVALID_EMAIL_ADDRESS", "%s: invalid email address: %s" % (field["label"], text),
                           [field["name"]])
        return text
    if field_type == "boolean":
        if not isinstance(value, bool):
            raise _parser_error(value, "boolean")
        return value
    if field_type in ("int", "double", "currency", "percent"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _parser_error(value, "double")
        return int(value) if field_type == "int" else value
    if field_type == "date":
        if not isinstance(value, str) or not _DATE.match(value):
            raise _parser_error(value, "date")
        return value
    if field_type == "datetime":
        if not isinstance(value, str) or not _DATETIME.match(value):
            raise _parser_error(value, "datetime")
        return value
    if field_type == "reference":
        if not isinstance(value, str) or not _ID.match(value):
            raise ApiError(400, "MALFORMED_ID", "%s: id value of incorrect type: %s" % (field["label"], value),
                           [field["name"]])
        owner = org.id_owner(value)
        if value[:3] != "005" and (owner is None or owner[0] not in field["referenceTo"]):
            raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [field["name"]])
        return id18(value[:15])
    return value


def clean_body(org: Org, sobject: str, body: Any, operation: str) -> dict[str, Any]:
    """Return ``body`` under canonical field names, or raise the error Salesforce would return."""
    if not isinstance(body, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of %s from START_ARRAY value [ "
                       "or request may be missing a required field at [line:1, column:1]" % sobject)

    fields = schema.field_map(sobject)
    flag = "createable" if operation == "create" else "updateable"
    values: dict[str, Any] = {}
    for key, value in body.items():
        if key == "attributes":
            continue
        field = fields.get(key.lower())
        if field is None:
            raise ApiError(400, "INVALID_FIELD", "No such column '%s' on sobject of type %s" % (key, sobject))
        if not field[flag]:
            if field["name"] == "Id" and operation == "create":
                raise ApiError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                               "Account ID: cannot specify Id in an insert call", ["Id"])
            raise ApiError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                           "Unable to create/update fields: %s. Please check the security settings of this field "
                           "and verify that it is read/write for your profile or permission set." % field["name"],
                           [field["name"]])
        values[field["name"]] = _check_value(org, field, value)
    return values


def _required_missing(sobject: str, record: dict[str, Any]) -> list[str]:
    missing = []
    for field in schema.OBJECTS[sobject]["fields"]:
        if field["createable"] and not field["nillable"] and not field["defaultedOnCreate"] and field["type"] != "boolean":
            if record.get(field["name"]) in (None, ""):
                missing.append(field["name"])
    return missing


def _derive(org: Org, sobject: str, record: dict[str, Any]) -> None:
    """Fill formula, compound and auto-number fields."""
    if sobject == "Account":
        parts = {"street": record.get("BillingStreet"), "city": record.get("BillingCity"),
                 "country": record.get("BillingCountry")}
        record["BillingAddress"] = None if not any(parts.values()) else {
            **parts, "state": None, "postalCode": None, "countryCode": None, "stateCode": None,
            "latitude": None, "longitude": None, "geocodeAccuracy": None,
        }
    elif sobject == "Contact":
        record["Name"] = " ".join(part for part in (record.get("FirstName"), record.get("LastName")) if part)
    elif sobject == "Invoice__c":
        amount = record.get("Amount__c")
        record["Total_With_Tax__c"] = None if amount is None else round(amount * 1.2, 2)


def create(org: Org, sobject: str, body: Any) -> str:
    with org.lock:
        values = clean_body(org, sobject, body, "create")
        record: dict[str, Any] = {field["name"]: None for field in schema.OBJECTS[sobject]["fields"]}
        record.update(values)

        missing = _required_missing(sobject, record)
        if missing:
            raise ApiError(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [%s]" % ", ".join(missing),
                           missing)

        now = org.now()
        record_id = org.new_id(sobject)
        record.update({"Id": record_id, "IsDeleted": False, "CreatedDate": now, "LastModifiedDate": now,
                       "SystemModstamp": now, "CreatedById": USER_ID})
        record["OwnerId"] = record.get("OwnerId") or USER_ID
        if "Paid__c" in record and record["Paid__c"] is None:
            record["Paid__c"] = False
        if sobject == "Invoice__c":
            record["Name"] = "INV-%05d" % (len(org.records[sobject]) + 1)
        _derive(org, sobject, record)
        org.records[sobject][record_id[:15]] = record
        return record_id


def update(org: Org, sobject: str, record_id: str, body: Any) -> None:
    with org.lock:
        record = org.find(sobject, record_id)
        values = clean_body(org, sobject, body, "update")
        candidate = {**record, **values}
        missing = [name for name in _required_missing(sobject, candidate) if name in values]
        if missing:
            raise ApiError(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [%s]" % ", ".join(missing),
                           missing)
        record.update(values)
        now = org.now()
        record["LastModifiedDate"] = now
        record["SystemModstamp"] = now
        _derive(org, sobject, record)


def delete(org: Org, sobject: str, record_id: str) -> None:
    with org.lock:
        record = org.find(sobject, record_id)
        del org.records[sobject][record["Id"][:15]]
        org.deleted.add(record["Id"][:15])


def attributes(sobject: str, record_id: Optional[str], version: str) -> dict[str, str]:
    return {"type": sobject, "url": "/services/data/v%s/sobjects/%s/%s" % (version, sobject, record_id)}


def render(org: Org, sobject: str, record: dict[str, Any], names: list[str], version: str) -> dict[str, Any]:
    """Return ``record`` with ``attributes`` and the fields ``names`` (``Rel.Field`` gives a nested parent)."""
    out: dict[str, Any] = {"attributes": attributes(sobject, record["Id"], version)}
    fields = schema.field_map(sobject)
    for name in names:
        head, dot, rest = name.partition(".")
        if not dot:
            out[name] = record.get(name)
            continue
        reference = next(field for field in fields.values() if field.get("relationshipName") == head)
        out[head] = _parent(org, record.get(reference["name"]), rest, version, out.get(head))
    return out


def _parent(org: Org, parent_id: Optional[str], path: str, version: str, existing: Any) -> Any:
    if not parent_id:
        return None
    if parent_id.startswith("005"):
        sobject, record = "User", {"Id": parent_id, "Name": "Ada Lovelace", "Username": "ada@conformance.example.org"}
    else:
        found = org.id_owner(parent_id)
        if found is None:
            return None
        sobject, record = found
    nested = existing if isinstance(existing, dict) else {"attributes": attributes(sobject, record["Id"], version)}
    head, dot, rest = path.partition(".")
    nested[head] = record.get(head) if not dot else None
    return nested


def full_field_names(sobject: str) -> list[str]:
    return [field["name"] for field in schema.OBJECTS[sobject]["fields"]]
