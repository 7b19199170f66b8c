"""List filters, limit and offset out of Salesforce's ranges are rejected before any query is built."""

import pytest
import requests

from tests.security.helpers import API, bearer_headers, data_calls


def queries(sandbox):
    return [entry for entry in data_calls(sandbox) if entry["path"].startswith(API + "/query")]


@pytest.mark.parametrize("params, argument", [
    ({"NumberOfEmployees": "99999999999999999999999"}, "NumberOfEmployees"),
    ({"NumberOfEmployees": "9" * 5000}, "NumberOfEmployees"),
    ({"NumberOfEmployees": "-" + "0" * 5000 + "1"}, None),
    ({"NumberOfEmployees": "2147483648"}, "NumberOfEmployees"),
    ({"NumberOfEmployees": "-2147483648"}, "NumberOfEmployees"),
    ({"NumberOfEmployees": "\u0663"}, "NumberOfEmployees"),
    ({"AnnualRevenue": "9" * 19}, "AnnualRevenue"),
    ({"AnnualRevenue": "1" + "0" * 400 + ".5"}, "AnnualRevenue"),
    ({"limit": "99999999999999999999"}, "limit"),
    ({"limit": "2147483648"}, "limit"),
    ({"limit": "9" * 5000}, "limit"),
    ({"offset": "99999999999999999999"}, "offset"),
])
def test_out_of_range_list_argument_is_400(proxy, sandbox, sealed, params, argument):
    sandbox.reset_calls()
    response = requests.get(proxy.url + "/Account", params=params, headers=bearer_headers(sealed), timeout=30)

    if argument is None:
        # Many leading zeros, but a small value: valid.
        assert response.status_code == 200, response.text[:300]
        return
    assert response.status_code == 400, response.text[:300]
    body = response.json()
    assert body["error"] in ("invalid_filter", "invalid_limit", "invalid_offset")
    assert argument.lower() in body["message"].lower()
    assert "set_int_max_str_digits" not in body["message"]
    assert len(body["message"]) < 300
    assert queries(sandbox) == []


@pytest.mark.parametrize("params", [
    {"NumberOfEmployees": "2147483647"},
    {"NumberOfEmployees": "-2147483647"},
    {"AnnualRevenue": "9" * 18 + ".99"},
    {"limit": "2147483647"},
    {"offset": "2000"},
])
def test_largest_list_arguments_accepted(proxy, sealed, params):
    response = requests.get(proxy.url + "/Account", params=params, headers=bearer_headers(sealed), timeout=30)

    assert response.status_code == 200, response.text[:300]
