"""Hostile bodies that used to crash a handler: deep nesting, lone surrogates, huge numbers, broken forms."""

import pytest
import requests

from tests.security.helpers import assert_error, assert_no_leak, bearer_headers

DEEP_ARRAY = b"[" * 100000
DEEP_OBJECT = b'{"Name":' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"}"
LONE_SURROGATE = b'{"Name":"\\ud800"}'
HUGE_NUMBER = b'{"NumberOfEmployees":' + b"9" * 5000 + b"}"
JSON_TYPE = {"Content-Type": "application/json"}
DIALECT_TYPES = {
    "clay": "application/json",
    "backbone": "application/json",
    "ember": "application/json",
    "salesforce": "application/json",
    "jsonapi": "application/vnd.api+json",
}


class LogWatch:
    """The part of the proxy's log written since the watch started."""

    def __init__(self, proxy):
        self.proxy = proxy
        self.start = len(proxy.log_text())

    def new_text(self):
        return self.proxy.log_text()[self.start:]


def assert_quiet_log(watch):
    text = watch.new_text()
    assert "Traceback" not in text, text[-2000:]
    assert "Exception in callback" not in text, text[-2000:]
    assert "internal_error" not in text, text[-2000:]


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT, LONE_SURROGATE, HUGE_NUMBER],
                         ids=["deep-array", "deep-object", "surrogate", "huge-number"])
def test_password_login_rejects_body(proxy, body):
    watch = LogWatch(proxy)
    response = requests.post(proxy.url + "/login/password", data=body, headers=JSON_TYPE, timeout=30)

    body_json = assert_error(response, 400, "invalid_json")
    assert "sys." not in body_json["message"]
    assert_quiet_log(watch)


@pytest.mark.parametrize("dialect", sorted(DIALECT_TYPES))
@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT, LONE_SURROGATE, HUGE_NUMBER],
                         ids=["deep-array", "deep-object", "surrogate", "huge-number"])
def test_create_rejects_body_every_dialect(proxy, sealed, sandbox, dialect, body):
    watch = LogWatch(proxy)
    headers = bearer_headers(sealed, **{"Content-Type": DIALECT_TYPES[dialect], "X-Model-Dialect": dialect,
                                        "Accept": DIALECT_TYPES[dialect]})
    sandbox.reset_calls()
    response = requests.post(proxy.url + "/Account", data=body, headers=headers, timeout=30)

    assert response.status_code == 400, response.text[:300]
    assert_no_leak(response.text)
    assert "set_int_max_str_digits" not in response.text
    assert sandbox.count("POST", "/services/data/v62.0/sobjects/Account") == 0
    assert_quiet_log(watch)


@pytest.mark.parametrize("body", [DEEP_ARRAY, LONE_SURROGATE], ids=["deep-array", "surrogate"])
def test_record_updates_reject_body(proxy, sealed, account_id, body):
    watch = LogWatch(proxy)
    headers = bearer_headers(sealed, **JSON_TYPE)

    for path in ("/Account/" + account_id, "/Account/Name/abc"):
        response = requests.patch(proxy.url + path, data=body, headers=headers, timeout=30)
        assert_error(response, 400, "invalid_json")
    assert_quiet_log(watch)


def test_surrogate_message_names_problem(proxy, sealed):
    response = requests.post(proxy.url + "/Account", data=LONE_SURROGATE, headers=bearer_headers(sealed, **JSON_TYPE),
                             timeout=30)

    body = assert_error(response, 400, "invalid_json")
    assert "surrogate" in body["message"]


def test_deep_nesting_message_names_limit(proxy, sealed):
    response = requests.post(proxy.url + "/Account", data=DEEP_ARRAY, headers=bearer_headers(sealed, **JSON_TYPE),
                             timeout=30)

    body = assert_error(response, 400, "invalid_json")
    assert "nested" in body["message"]


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary=zz"])
def test_broken_multipart_login_is_400(proxy, content_type):
    watch = LogWatch(proxy)
    response = requests.post(proxy.url + "/login/password", data=b"username=x", headers={"Content-Type": content_type},
                             timeout=30)

    assert_error(response, 400, "invalid_body")
    assert_quiet_log(watch)


def test_broken_multipart_record_is_415(proxy, sealed):
    watch = LogWatch(proxy)
    headers = bearer_headers(sealed, **{"Content-Type": "multipart/form-data"})
    response = requests.post(proxy.url + "/Account", data=b"xx", headers=headers, timeout=30)

    assert_error(response, 415, "unsupported_media_type")
    assert_quiet_log(watch)
