"""Salesforce tokens in log text are redacted when they arrive percent-encoded too."""

import pytest

from tornsf.log import redact

TOKEN = "00D5g000004ABCD!AQ4AQFakeTokenValue.With_Dots-and-Dashes1234567890"


@pytest.mark.parametrize("text", [
    "GET /Account?auth=Bearer%20" + TOKEN.replace("!", "%21"),
    "GET /Account?auth=Bearer+" + TOKEN,
    "GET /Account?x=" + TOKEN.replace("!", "%21") + "&y=1",
    "Authorization: Bearer " + TOKEN,
])
def test_encoded_token_redacted(text):
    redacted = redact(text)

    assert "FakeTokenValue" not in redacted
    assert "[redacted" in redacted


def test_prose_about_bearer_kept():
    assert redact("Rejected bearer session") == "Rejected bearer session"
