"""Helpers for the sandbox org's own tests: demo logins and a small REST client."""

import pytest
import requests

from tornsf.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERNAME

API = "/services/data/v62.0"


def password_login(base_url: str) -> dict:
    """Log in with the password grant and return the token response."""
    response = requests.post(base_url + "/services/oauth2/token", data={
        "grant_type": "password", "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET,
        "username": DEMO_USERNAME, "password": DEMO_PASSWORD,
    })
    assert response.status_code == 200, response.text
    return response.json()


class Api:
    """A ``requests`` session bound to one org's data API with a bearer token."""

    def __init__(self, base_url: str, token: str):
        self.base_url = base_url
        self.http = requests.Session()
        self.http.headers["Authorization"] = "Bearer " + token

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/services") else API + path)

    def get(self, path, **kwargs):
        return self.http.get(self.url(path), **kwargs)

    def post(self, path, **kwargs):
        return self.http.post(self.url(path), **kwargs)

    def patch(self, path, **kwargs):
        return self.http.patch(self.url(path), **kwargs)

    def put(self, path, **kwargs):
        return self.http.put(self.url(path), **kwargs)

    def delete(self, path, **kwargs):
        return self.http.delete(self.url(path), **kwargs)

    def query(self, soql: str, **kwargs):
        return self.get("/query", params={"q": soql}, **kwargs)

    def records(self, soql: str) -> list:
        response = self.query(soql)
        assert response.status_code == 200, response.text
        return response.json()["records"]


@pytest.fixture
def api(sandbox) -> Api:
    """A data API client logged in to the shared sandbox org."""
    return Api(sandbox.url, password_login(sandbox.url)["access_token"])
