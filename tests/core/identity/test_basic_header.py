"""A Basic header without a colon carries no login and password: WordPress ignores it."""

from __future__ import annotations

import base64

import pytest
from werkzeug.test import Client

API = "/wp-json/learnomy/v1"
NO_COLON = {"Authorization": "Basic " + base64.b64encode(b"just-a-name").decode()}


def test_a_basic_header_without_a_colon_is_anonymous(client: Client) -> None:
    assert client.get(f"{API}/courses", headers=NO_COLON).status_code == 200
    refused = client.get(f"{API}/me", headers=NO_COLON)
    assert refused.status_code == 401
    assert refused.json["error"]["code"] == "rest_not_logged_in"  # not "invalid credentials"


@pytest.mark.parametrize("value", ["!!!", "YWRtaW46\xff", "\xe9t\xe9", base64.b64encode(b"\xff:\xfe").decode()])
def test_a_basic_header_that_is_no_base64_is_still_refused(client: Client, value: str) -> None:
    # Latin-1 as a WSGI server hands over a header's bytes past ASCII.
    response = client.get(f"{API}/courses", headers={"Authorization": f"Basic {value}"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "learnomy_invalid_credentials"
