"""The sandbox's admin endpoints reject state changes that a web page of another origin sends."""

import pytest
import requests

from tests.sandbox.conftest import password_login

FOREIGN = [
    {"Origin": "http://evil.test:8000"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
]


def knobs(sandbox):
    return requests.get(sandbox.url + "/_sandbox/knobs", timeout=30).json()


@pytest.mark.parametrize("headers", FOREIGN)
def test_foreign_post_cannot_expire_tokens(sandbox, headers):
    token = password_login(sandbox.url)

    response = requests.post(sandbox.url + "/_sandbox/expire-tokens", headers=headers, timeout=30)

    assert response.status_code == 403
    check = requests.get(token["instance_url"] + "/services/data/v62.0/limits",
                         headers={"Authorization": "Bearer " + token["access_token"]}, timeout=30)
    assert check.status_code == 200


@pytest.mark.parametrize("headers", FOREIGN)
def test_foreign_requests_cannot_change_knobs(sandbox, headers):
    form_post = requests.post(sandbox.url + "/_sandbox/reset-knobs", headers=headers, timeout=30)
    patch = requests.patch(sandbox.url + "/_sandbox/knobs", json={"fail_503": True}, headers=headers, timeout=30)
    delete = requests.delete(sandbox.url + "/_sandbox/calls", headers=headers, timeout=30)

    assert form_post.status_code == 403
    assert patch.status_code == 403
    assert delete.status_code == 403
    assert knobs(sandbox)["fail_503"] is False


def test_own_origin_and_scripts_still_work(sandbox):
    own = requests.post(sandbox.url + "/_sandbox/reset-knobs", headers={"Origin": sandbox.url}, timeout=30)
    script = requests.post(sandbox.url + "/_sandbox/expire-tokens", timeout=30)
    typed = requests.post(sandbox.url + "/_sandbox/reset-knobs", headers={"Sec-Fetch-Site": "none"}, timeout=30)

    assert own.status_code == 200
    assert script.status_code == 204
    assert typed.status_code == 200
