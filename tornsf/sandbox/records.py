"""Record writes and reads as the REST API performs them: field checks, defaults, rendering.

Field names in request bodies match in any letter case; responses use each field's
canonical name from the schema.
"""

from tornsf.sandbox import ids, values
from tornsf.sandbox.errors import ApiError
from tornsf.sandbox.schema import SObject
from tornsf.sandbox.store import Store

# Default Probability (percent) of each Opportunity stage, as in a new Salesforce org.
STAGE_PROBABILITY = {
    "Prospecting": 10, "Qualification": 10, "Needs Analysis": 20, "Value Proposition": 50,
    "Id. Decision Makers": 60, "Perception Analysis": 70, "Proposal/Price Quote": 75,
    "Negotiation/Review": 90, "Closed Won": 100, "Closed Lost": 0,
}


def record_url(version: str, sobject_name: str, id18: str) -> str:
    return "/services/data/v%s/sobjects/%s/%s" % (version, sobject_name, id18)


def render(sobject: SObject, stored: dict, version: str, field_names=None) -> dict:
    """Return a record as the REST API sends it: ``attributes`` first, then the fields."""
    record = {"attributes": {"type": sobject.name, "url": record_url(version, sobject.name, stored["Id"])}}
    for name in field_names or sobject.field_names:
        record[name] = values.to_json(sobject.field(name), stored[name])
    return record


def _map_fields(sobject: SObject, body: dict, for_insert: bool) -> dict:
    """Map body keys to fields in any letter case, rejecting unknown and read-only fields."""
    mapped = {}
    read_only = []
    for key, value in body.items():
        if key == "attributes":
            continue

        field = sobject.field(key)
        if field is None:
            raise ApiError(400, "INVALID_FIELD", "No such column '%s' on sobject of type %s" % (key, sobject.name), [])
        if field.name in mapped:
            # NOTE: Salesforce does not document two keys that differ only in case; this
            # sandbox rejects them rather than pick one.
            raise ApiError(400, "JSON_PARSER_ERROR", "Duplicate field '%s' in the request body" % field.name)

        if field.name == "Id" and for_insert:
            raise ApiError(400, "INVALID_FIELD", "Record ID: cannot specify Id in an insert call", ["Id"])
        if not (field.createable if for_insert else field.updateable) and field.name != "Id":
            read_only.append(field.name)
        mapped[field.name] = (field, value)

    if read_only:
        raise ApiError(
            400, "INVALID_FIELD_FOR_INSERT_UPDATE",
            "Unable to create/update fields: %s. Please check the security settings of this field and verify "
            "that it is read/write for your profile or permission set." % ", ".join(read_only),
            read_only,
        )
    return mapped


def _convert(mapped: dict, store: Store) -> dict:
    return {name: values.to_stored(field, value, store) for name, (field, value) in mapped.items()}


def _required_missing(names) -> ApiError:
    return ApiError(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [%s]" % ", ".join(names),
                    list(names))


def apply_calculated(sobject: SObject, record: dict):
    """Recompute the calculated fields of ``record`` (a dict of every stored value)."""
    if sobject.name == "Contact":
        record["Name"] = " ".join(part for part in (record.get("FirstName"), record.get("LastName")) if part)
    if sobject.name == "Opportunity":
        amount, probability = record.get("Amount"), record.get("Probability")
        record["ExpectedRevenue"] = None if amount is None or probability is None else amount * probability / 100


def prepare_insert(sobject: SObject, body, store: Store, user_id: str, now: str) -> dict:
    """Validate a create body and return every stored value of the new record except Id."""
    if not sobject.createable:
        raise ApiError(400, "INVALID_TYPE_FOR_OPERATION", "entity type %s does not support insert" % sobject.name)

    record = _convert(_map_fields(sobject, body, for_insert=True), store)

    missing = [field.name for field in sobject.fields if field.required and record.get(field.name) is None]
    if missing:
        raise _required_missing(missing)

    if sobject.name == "Opportunity" and record.get("Probability") is None:
        record["Probability"] = STAGE_PROBABILITY.get(record["StageName"])
    if sobject.field("OwnerId") and record.get("OwnerId") is None:
        record["OwnerId"] = user_id
    record.update(IsDeleted=0, CreatedDate=now, CreatedById=user_id, LastModifiedDate=now,
                  LastModifiedById=user_id, SystemModstamp=now)
    apply_calculated(sobject, record)
    return record


def prepare_update(sobject: SObject, id18: str, body, current: dict, store: Store, user_id: str, now: str) -> dict:
    """Validate an update body against the ``current`` stored record; return the changed values."""
    if not sobject.updateable:
        raise ApiError(400, "INVALID_TYPE_FOR_OPERATION", "entity type %s does not support update" % sobject.name)

    mapped = _map_fields(sobject, body, for_insert=False)
    body_id = mapped.pop("Id", (None, None))[1]
    if body_id is not None and ids.normalize_id(str(body_id)) != id18:
        raise ApiError(400, "INVALID_ID_FIELD", "The Id field should not be specified in the sobject data.")
    changes = _convert(mapped, store)

    missing = [name for name, value in changes.items() if value is None and not sobject.field(name).nillable]
    if missing:
        raise _required_missing(missing)

    changes.update(LastModifiedDate=now, LastModifiedById=user_id, SystemModstamp=now)
    merged = dict(current, **changes)
    apply_calculated(sobject, merged)
    for name in ("Name", "ExpectedRevenue"):
        field = sobject.field(name)
        if field is not None and field.calculated:
            changes[name] = merged[name]
    return changes
