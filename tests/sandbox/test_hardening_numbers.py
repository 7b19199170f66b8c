"""Out-of-range numbers and deep nesting get Salesforce's 400 errors, never UNKNOWN_EXCEPTION."""

import pytest
import requests

from tests.sandbox.conftest import API, password_login

DEEP_JSON = b"[" * 100000


@pytest.fixture
def api(sandbox):
    token = password_login(sandbox.url)
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + token["access_token"]
    yield token["instance_url"], session
    session.close()


def error_code(response):
    assert response.status_code == 400, response.text[:300]
    return response.json()[0]["errorCode"]


@pytest.mark.parametrize("soql", [
    "SELECT Id FROM Account LIMIT 99999999999999999999",
    "SELECT Id FROM Account LIMIT 2147483648",
    "SELECT Id FROM Account WHERE NumberOfEmployees = 9223372036854775808",
    "SELECT Id FROM Account WHERE NumberOfEmployees = 99999999999999999999999",
    "SELECT Id FROM Account WHERE NumberOfEmployees IN (1, -99999999999999999999999)",
    "SELECT Id FROM Account WHERE NumberOfEmployees = " + "9" * 5000,
    "SELECT Id FROM Account WHERE AnnualRevenue = " + "9" * 5000 + ".5",
    "SELECT Id FROM Account LIMIT " + "9" * 5000,
    "SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:99999999999999",
    "SELECT Id FROM Account WHERE CreatedDate = NEXT_N_DAYS:2147483648",
    "SELECT Id FROM Account WHERE " + "NOT " * 500 + "Name = 'x'",
    "SELECT Id FROM Account WHERE " + "(" * 500 + "Name = 'x'" + ")" * 500,
])
def test_out_of_range_query_is_malformed(api, soql):
    base, http = api
    response = http.get(base + API + "/query", params={"q": soql}, timeout=30)

    assert error_code(response) == "MALFORMED_QUERY"


@pytest.mark.parametrize("soql", [
    "SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:2147483647",
    "SELECT Id FROM Account WHERE CreatedDate = NEXT_N_DAYS:2147483647",
    "SELECT Id FROM Account WHERE NumberOfEmployees = 9223372036854775807",
    "SELECT Id FROM Account LIMIT 2147483647",
    "SELECT Id FROM Account WHERE NumberOfEmployees = " + "0" * 5000 + "1",
    "SELECT Id FROM Account LIMIT " + "0" * 5000 + "1",
])
def test_largest_valid_numbers_accepted(api, soql):
    base, http = api
    response = http.get(base + API + "/query", params={"q": soql}, timeout=30)

    assert response.status_code == 200, response.text[:300]


def test_offset_beyond_limit_is_out_of_range(api):
    base, http = api
    response = http.get(base + API + "/query", params={"q": "SELECT Id FROM Account OFFSET 99999999999999999999"},
                        timeout=30)

    assert error_code(response) == "NUMBER_OUTSIDE_VALID_RANGE"


@pytest.mark.parametrize("body, field", [
    ({"Name": "Too Many", "NumberOfEmployees": 99999999999999999999999999}, "NumberOfEmployees"),
    ({"Name": "Too Many", "NumberOfEmployees": 1000000000}, "NumberOfEmployees"),
    ({"Name": "Too Rich", "AnnualRevenue": 1e30}, "AnnualRevenue"),
])
def test_create_with_huge_number_rejected(api, body, field):
    base, http = api
    response = http.post(base + API + "/sobjects/Account", json=body, timeout=30)

    assert error_code(response) == "NUMBER_OUTSIDE_VALID_RANGE"
    assert response.json()[0]["fields"] == [field]


def test_create_with_infinite_number_rejected(api):
    base, http = api
    response = http.post(base + API + "/sobjects/Account", data=b'{"Name": "Inf", "AnnualRevenue": 1e400}',
                         headers={"Content-Type": "application/json"}, timeout=30)

    assert error_code(response) == "NUMBER_OUTSIDE_VALID_RANGE"


@pytest.mark.parametrize("body", [DEEP_JSON, b'{"Name": ' + b"9" * 5000 + b"}"], ids=["deep", "long-number"])
def test_unparsable_record_body_is_json_parser_error(api, body):
    base, http = api
    response = http.post(base + API + "/sobjects/Account", data=body, headers={"Content-Type": "application/json"},
                         timeout=30)

    assert error_code(response) == "JSON_PARSER_ERROR"


def test_apex_echo_survives_deep_json(api):
    base, http = api
    response = http.post(base + "/services/apexrest/echo", data=DEEP_JSON, headers={"Content-Type": "application/json"},
                         timeout=30)

    assert response.status_code == 200
    assert response.json()["body"] is None
    assert response.json()["rawBody"] == DEEP_JSON.decode()
