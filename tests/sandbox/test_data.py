"""REST data API of the sandbox org: versions, describe, record CRUD, ids and errors, over HTTP."""

import re

import requests

from tornsf.sandbox import ids

DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")


def create_account(api, **fields) -> str:
    if not any(key.lower() == "name" for key in fields):
        fields["Name"] = "Test account"
    response = api.post("/sobjects/Account/", json=fields)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_versions_list_needs_no_token(sandbox):
    response = requests.get(sandbox.url + "/services/data/")
    assert response.status_code == 200
    versions = [entry["version"] for entry in response.json()]
    assert versions[0] == "31.0"
    assert "62.0" in versions
    assert {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"} in response.json()
    assert "Sforce-Limit-Info" not in response.headers


def test_resources_map_lists_query_and_identity(api, sandbox):
    response = api.get("/services/data/v62.0/")
    assert response.status_code == 200
    assert response.json()["sobjects"] == "/services/data/v62.0/sobjects"
    assert response.json()["query"] == "/services/data/v62.0/query"
    assert response.json()["identity"].startswith(sandbox.url + "/id/00D")


def test_unknown_version_is_not_found(api):
    response = api.get("/services/data/v20.0/sobjects")
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_every_listed_version_serves_data(api):
    for version in ("31.0", "50.0", "62.0"):
        response = api.get("/services/data/v%s/sobjects/Account/describe" % version)
        assert response.status_code == 200, version
        assert response.json()["urls"]["sobject"] == "/services/data/v%s/sobjects/Account" % version


def test_describe_global_lists_objects(api):
    body = api.get("/sobjects/").json()
    assert body["encoding"] == "UTF-8"
    assert body["maxBatchSize"] == 200
    prefixes = {entry["name"]: entry["keyPrefix"] for entry in body["sobjects"]}
    assert prefixes["Account"] == "001"
    assert prefixes["Contact"] == "003"
    assert prefixes["Opportunity"] == "006"
    assert prefixes["User"] == "005"


def test_describe_fields_carry_attributes(api):
    fields = {field["name"]: field for field in api.get("/sobjects/account/describe").json()["fields"]}
    for name in ("Id", "IsDeleted", "Name", "Industry", "BillingCity", "AnnualRevenue", "NumberOfEmployees", "Phone",
                 "Website", "Type", "Description", "CreatedDate", "CreatedById", "LastModifiedDate",
                 "LastModifiedById", "SystemModstamp", "OwnerId", "ParentId"):
        assert name in fields, name
        for attribute in ("label", "type", "createable", "updateable", "nillable", "defaultedOnCreate"):
            assert attribute in fields[name], (name, attribute)
    assert fields["Name"]["nillable"] is False
    assert fields["Name"]["createable"] is True
    assert fields["CreatedDate"]["updateable"] is False
    assert fields["CreatedDate"]["type"] == "datetime"
    assert fields["AnnualRevenue"]["type"] == "currency"
    assert fields["ParentId"]["referenceTo"] == ["Account"]
    assert fields["ParentId"]["relationshipName"] == "Parent"


def test_unknown_object_is_not_found(api):
    response = api.get("/sobjects/Nope__c/describe")
    assert response.status_code == 404
    assert response.json() == [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]


def test_create_returns_201_with_id(api):
    response = api.post("/sobjects/Account/", json={"Name": "Créée ünïcode"})
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    assert body["errors"] == []
    assert len(body["id"]) == 18
    assert body["id"].startswith("001")
    assert body["id"][15:] == ids.case_suffix(body["id"][:15])


def test_retrieve_returns_record_with_attributes(api):
    record_id = create_account(api, Industry="Banking", AnnualRevenue=1500000, NumberOfEmployees=12)
    response = api.get("/sobjects/Account/" + record_id)
    assert response.status_code == 200
    record = response.json()
    assert list(record)[0] == "attributes"
    assert record["attributes"] == {"type": "Account", "url": "/services/data/v62.0/sobjects/Account/" + record_id}
    assert record["Id"] == record_id
    assert record["Industry"] == "Banking"
    assert record["AnnualRevenue"] == 1500000.0
    assert record["NumberOfEmployees"] == 12
    assert record["Phone"] is None
    assert record["IsDeleted"] is False
    assert DATETIME_RE.match(record["CreatedDate"])
    assert record["CreatedById"].startswith("005")
    assert record["OwnerId"] == record["CreatedById"]


def test_retrieve_with_fields_returns_only_those(api):
    record_id = create_account(api, Industry="Energy")
    record = api.get("/sobjects/Account/%s?fields=name,INDUSTRY" % record_id).json()
    assert list(record) == ["attributes", "Name", "Industry"]


def test_retrieve_with_unknown_field_is_invalid_field(api):
    record_id = create_account(api)
    response = api.get("/sobjects/Account/%s?fields=Name,Bogus" % record_id)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"


def test_fifteen_character_id_is_accepted(api):
    record_id = create_account(api, Name="Short id")
    response = api.get("/sobjects/Account/" + record_id[:15])
    assert response.status_code == 200
    assert response.json()["Id"] == record_id


def test_lower_cased_eighteen_character_id_is_accepted(api):
    record_id = create_account(api, Name="Lower id")
    response = api.get("/sobjects/Account/" + record_id.lower())
    assert response.status_code == 200
    assert response.json()["Id"] == record_id


def test_field_names_ignore_case_on_write(api):
    record_id = create_account(api, name="lower-case keys", industry="Retail")
    assert api.patch("/sobjects/account/" + record_id, json={"NUMBEROFEMPLOYEES": 7}).status_code == 204
    record = api.get("/sobjects/Account/" + record_id).json()
    assert record["Name"] == "lower-case keys"
    assert record["Industry"] == "Retail"
    assert record["NumberOfEmployees"] == 7


def test_update_returns_204_without_body(api):
    record_id = create_account(api)
    response = api.patch("/sobjects/Account/" + record_id, json={"BillingCity": "Zürich"})
    assert response.status_code == 204
    assert response.content == b""
    assert api.get("/sobjects/Account/" + record_id).json()["BillingCity"] == "Zürich"


def test_update_changes_last_modified(api):
    record_id = create_account(api)
    before = api.get("/sobjects/Account/" + record_id).json()
    api.patch("/sobjects/Account/" + record_id, json={"Description": "later"})
    after = api.get("/sobjects/Account/" + record_id).json()
    assert after["CreatedDate"] == before["CreatedDate"]
    assert after["LastModifiedDate"] >= before["LastModifiedDate"]
    assert DATETIME_RE.match(after["SystemModstamp"])


def test_update_can_set_null(api):
    record_id = create_account(api, Industry="Media")
    api.patch("/sobjects/Account/" + record_id, json={"Industry": None})
    assert api.get("/sobjects/Account/" + record_id).json()["Industry"] is None


def test_delete_returns_204_then_entity_is_deleted(api):
    record_id = create_account(api)
    first = api.delete("/sobjects/Account/" + record_id)
    assert first.status_code == 204
    assert first.content == b""
    second = api.delete("/sobjects/Account/" + record_id)
    assert second.status_code == 404
    assert second.json()[0]["errorCode"] == "ENTITY_IS_DELETED"
    assert second.json()[0]["message"] == "entity is deleted"


def test_deleted_record_is_not_found_on_get(api):
    record_id = create_account(api)
    api.delete("/sobjects/Account/" + record_id)
    response = api.get("/sobjects/Account/" + record_id)
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_unknown_id_is_not_found(api):
    missing = ids.make_id("001", 987654321)
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"Name": "x"}} if method == "patch" else {}
        response = getattr(api, method)("/sobjects/Account/" + missing, **kwargs)
        assert response.status_code == 404, method
        assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_id_of_other_object_is_malformed(api):
    contact_id = ids.make_id("003", 1)
    response = api.get("/sobjects/Account/" + contact_id)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "MALFORMED_ID"


def test_bad_checksum_is_rejected(api):
    record_id = create_account(api)
    broken = record_id[:15] + ("AAA" if record_id[15:] != "AAA" else "AAB")
    response = api.get("/sobjects/Account/" + broken)
    assert response.status_code in (400, 404)
    assert response.json()[0]["errorCode"] in ("MALFORMED_ID", "NOT_FOUND")


def test_put_on_record_is_method_not_allowed(api):
    record_id = create_account(api)
    response = api.put("/sobjects/Account/" + record_id, json={"Name": "x"})
    assert response.status_code == 405
    assert response.headers["Allow"] == "HEAD,GET,PATCH,DELETE"
    assert response.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"
    assert response.json()[0]["message"] == "HTTP Method 'PUT' not allowed. Allowed are HEAD,GET,PATCH,DELETE"


def test_patch_on_collection_is_method_not_allowed(api):
    response = api.patch("/sobjects/Account/", json={"Name": "x"})
    assert response.status_code == 405
    assert response.headers["Allow"] == "HEAD,GET,POST"


def test_writing_system_field_fails(api):
    record_id = create_account(api)
    for field in ("CreatedDate", "LastModifiedDate", "SystemModstamp", "CreatedById", "IsDeleted"):
        response = api.patch("/sobjects/Account/" + record_id, json={field: None})
        assert response.status_code == 400, field
        error = response.json()[0]
        assert error["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
        assert error["fields"] == [field]


def test_creating_with_calculated_field_fails(api):
    response = api.post("/sobjects/Contact/", json={"LastName": "Doe", "Name": "John Doe"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert response.json()[0]["fields"] == ["Name"]


def test_creating_with_id_fails(api):
    response = api.post("/sobjects/Account/", json={"Name": "x", "Id": ids.make_id("001", 5)})
    assert response.status_code == 400
    assert response.json()[0]["fields"] == ["Id"]


def test_missing_required_field(api):
    response = api.post("/sobjects/Account/", json={"Industry": "Banking"})
    assert response.status_code == 400
    assert response.json() == [{"message": "Required fields are missing: [Name]", "errorCode": "REQUIRED_FIELD_MISSING",
                                "fields": ["Name"]}]


def test_unknown_field_is_invalid_field(api):
    response = api.post("/sobjects/Account/", json={"Name": "x", "Colour__c": "blue"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"
    assert "Colour__c" in response.json()[0]["message"]


def test_invalid_json_is_parser_error(api):
    response = api.post("/sobjects/Account/", data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_wrong_value_type_is_parser_error(api):
    response = api.post("/sobjects/Account/", json={"Name": "x", "NumberOfEmployees": "many"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_reference_to_bad_id_is_malformed(api):
    response = api.post("/sobjects/Contact/", json={"LastName": "Doe", "AccountId": "nope"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "MALFORMED_ID"
    assert response.json()[0]["fields"] == ["AccountId"]


def test_datetime_input_is_normalized_to_utc(api):
    response = api.post("/sobjects/Opportunity/", json={
        "Name": "Dated", "StageName": "Prospecting", "CloseDate": "2025-02-28", "Amount": 12.5,
    })
    assert response.status_code == 201
    record = api.get("/sobjects/Opportunity/" + response.json()["id"]).json()
    assert record["CloseDate"] == "2025-02-28"
    assert record["Amount"] == 12.5
    assert record["Probability"] == 10.0
    assert record["ExpectedRevenue"] == 1.25


def test_contact_name_is_calculated(api):
    response = api.post("/sobjects/Contact/", json={"FirstName": "Zoë", "LastName": "Ødegård"})
    record = api.get("/sobjects/Contact/" + response.json()["id"]).json()
    assert record["Name"] == "Zoë Ødegård"


def test_missing_token_is_invalid_session(sandbox):
    response = requests.get(sandbox.url + "/services/data/v62.0/sobjects/Account/describe")
    assert response.status_code == 401
    assert response.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_unknown_token_is_invalid_session(sandbox):
    response = requests.get(sandbox.url + "/services/data/v62.0/sobjects/",
                            headers={"Authorization": "Bearer 00D000000000000!AQbogus"})
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_oauth_scheme_is_accepted(api, sandbox):
    token = api.http.headers["Authorization"].split(" ", 1)[1]
    response = requests.get(sandbox.url + "/services/data/v62.0/sobjects/", headers={"Authorization": "OAuth " + token})
    assert response.status_code == 200


def test_unknown_data_path_is_not_found(api):
    response = api.get("/nothing/here")
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_basic_info_lists_recent_items(api):
    create_account(api, Name="Recently made")
    body = api.get("/sobjects/Account").json()
    assert body["objectDescribe"]["name"] == "Account"
    assert body["recentItems"][0]["Name"] == "Recently made"


def test_head_on_record_has_no_body(api):
    record_id = create_account(api)
    response = api.http.head(api.url("/sobjects/Account/" + record_id))
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Content-Type"].startswith("application/json")


def test_post_with_method_override_updates(api):
    record_id = create_account(api)
    response = api.post("/sobjects/Account/%s?_HttpMethod=PATCH" % record_id, json={"Industry": "Media"})
    assert response.status_code == 204
    assert api.get("/sobjects/Account/" + record_id).json()["Industry"] == "Media"


def test_method_override_name_is_case_sensitive(api):
    record_id = create_account(api)
    response = api.post("/sobjects/Account/%s?_httpmethod=PATCH" % record_id, json={"Industry": "Media"})
    assert response.status_code == 405


def test_invalid_email_is_rejected(api):
    response = api.post("/sobjects/Contact/", json={"LastName": "Doe", "Email": "not-an-address"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_EMAIL_ADDRESS"
    assert response.json()[0]["fields"] == ["Email"]


def test_too_long_text_is_rejected(api):
    response = api.post("/sobjects/Account/", json={"Name": "x" * 256})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "STRING_TOO_LONG"
    assert response.json()[0]["fields"] == ["Name"]


def test_patch_with_empty_body_succeeds(api):
    record_id = create_account(api)
    assert api.patch("/sobjects/Account/" + record_id, json={}).status_code == 204
