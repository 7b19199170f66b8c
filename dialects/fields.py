"""Field lookup from an SObject describe, and cleaning of record bodies before a save.

Salesforce takes field names in request bodies case-insensitively but returns
the canonical case from describe, and it rejects a body that carries
``Id``, ``attributes`` or a field the user may not write.  Model libraries
send back whatever they read, so ``clean_record_body`` reduces a body to the
fields that the operation may write, under their API names.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Mapping, Optional

from dialects.base import DialectError
from dialects.names import fold

_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})T")


class FieldIndex:
    """Fields and relationships of one SObject describe, looked up leniently."""

    def __init__(self, describe: Mapping[str, Any]):
        self.sobject = describe.get("name", "")
        self.fields: list[dict[str, Any]] = list(describe.get("fields", []))
        self._exact = {field["name"]: field for field in self.fields}
        self._lower = {field["name"].lower(): field for field in self.fields}

        # Folded keys (``billingcity`` for ``billing-city``) that more than one
        # field folds to are left out, so a fold never picks between fields.
        folded: dict[str, list[dict[str, Any]]] = {}
        for field in self.fields:
            folded.setdefault(fold(field["name"]), []).append(field)
        self._folded = {key: found[0] for key, found in folded.items() if len(found) == 1}

        self._parents = {
            field["relationshipName"].lower(): field
            for field in self.fields if field.get("relationshipName")
        }
        self._children = {
            child["relationshipName"].lower()
            for child in describe.get("childRelationships", []) if child.get("relationshipName")
        }

    def field(self, key: str) -> Optional[dict[str, Any]]:
        """Return the describe entry of field ``key`` (any case, ``-``/``_`` folded), or None."""
        return self._exact.get(key) or self._lower.get(key.lower()) or self._folded.get(fold(key))

    def parent_relationship(self, key: str) -> Optional[dict[str, Any]]:
        """Return the reference field whose relationship is named ``key`` (``Owner`` -> ``OwnerId``)."""
        return self._parents.get(key.lower())

    def is_child_relationship(self, key: str) -> bool:
        return key.lower() in self._children


@dataclasses.dataclass
class CleanBody:
    """A record body ready for Salesforce, and the keys that were left out."""

    fields: dict[str, Any]
    dropped: list[str]


def _reject_case_duplicates(body: Mapping[str, Any], index: FieldIndex) -> None:
    seen: dict[str, str] = {}
    for key in body:
        # Backbone models carry both Id and id; both are dropped anyway.
        if key == "attributes" or key.lower() == "id":
            continue
        field = index.field(key)
        canonical = field["name"].lower() if field else key.lower()
        if canonical in seen:
            raise DialectError(
                400, "duplicate_field",
                "The body sets the field '%s' twice, as '%s' and '%s': send it once."
                % (field["name"] if field else key, seen[canonical], key),
                fields=[seen[canonical], key],
            )
        seen[canonical] = key


def _is_read_back_value(value: Any) -> bool:
    """Return True for a nested record or child list that a read returned."""
    if isinstance(value, dict):
        return "attributes" in value or "records" in value
    return isinstance(value, list)


def _writable(field: Mapping[str, Any], operation: str) -> bool:
    flag = "createable" if operation == "create" else "updateable"
    return bool(field.get(flag))


def _coerce_value(field: Mapping[str, Any], value: Any) -> Any:
    # Ember's date transform sends ``2024-01-31T00:00:00.000Z`` for a Date,
    # which Salesforce rejects with JSON_PARSER_ERROR; keep the date part.
    if field.get("type") == "date" and isinstance(value, str):
        match = _DATE_PREFIX.match(value)
        if match:
            return match.group(1)
    return value


def clean_record_body(describe: Mapping[str, Any], body: Mapping[str, Any], operation: str) -> CleanBody:
    """Reduce ``body`` to the fields that ``operation`` (``create`` or ``update``) may write.

    Drops ``attributes``, ``Id``/``id``, nested records and child lists that a
    read returned, and fields that describe marks as not createable (create) or
    not updateable (update).  Keys are renamed to API names, ignoring case,
    ``-`` and ``_``.  A parent relationship name with a plain id value
    (``"Owner": "005..."``) becomes its reference field (``OwnerId``).  Keys
    that match no field are kept, so Salesforce reports them as INVALID_FIELD.
    Raises DialectError 400 when two keys name the same field.
    """
    if operation not in ("create", "update"):
        raise ValueError("operation must be 'create' or 'update', not %r" % operation)

    index = FieldIndex(describe)
    _reject_case_duplicates(body, index)

    fields: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in body.items():
        if key == "attributes" or key.lower() == "id" or index.is_child_relationship(key):
            dropped.append(key)
            continue

        field = index.field(key)
        if field is None:
            parent = index.parent_relationship(key)
            if parent is not None and (value is None or isinstance(value, str)):
                field = parent
            elif parent is not None and _is_read_back_value(value):
                dropped.append(key)
                continue

        if field is None:
            fields[key] = value
        elif _writable(field, operation):
            fields[field["name"]] = _coerce_value(field, value)
        else:
            dropped.append(key)
    return CleanBody(fields, dropped)
