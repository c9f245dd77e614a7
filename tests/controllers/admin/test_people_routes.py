"""The people and jobs routes of administration: registered as ENDPOINTS.md lists
them, with schemas, and refused to anonymous callers (401) and to everyone but
administrators (403)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from werkzeug.test import Client

from learnomy_core import create_app
from tests.conftest import ALL_PLUGINS

API = "/wp-json/learnomy/v1"

# ENDPOINTS.md's Administration rows this package's people and jobs modules answer.
TABLE = {
    ("GET", "admin/students"),
    ("GET", "admin/students/{id}"),
    ("PATCH", "admin/students/{id}"),
    ("DELETE", "admin/students/{id}"),
    ("GET", "admin/instructors"),
    ("POST", "admin/instructors/{id}/approve"),
    ("POST", "admin/instructors/{id}/reject"),
    ("GET", "admin/jobs"),
    ("POST", "admin/jobs/{id}/retry"),
}
# Valid bodies: arguments are checked before the role (as in WordPress), so a bad one would answer 400.
BODIES = {("POST", "admin/instructors/{id}/reject"): {"reason": "Not yet."},
          ("PATCH", "admin/students/{id}"): {"status": "blocked"}}


def _routes() -> dict[tuple[str, str], Any]:
    app = create_app(plugins=ALL_PLUGINS, database_url="sqlite://")
    found = {}
    for route in app.registry.routes.values():
        if route.namespace != "learnomy/v1":
            continue
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route.pattern).split("/", 3)[3]
        for method in route.by_method:
            if (method, path) in TABLE:
                found[(method, path)] = route
    app.storage.dispose()
    return found


ROUTES = _routes()


def test_every_row_is_registered_with_its_schema() -> None:
    assert set(ROUTES) == TABLE
    for route in ROUTES.values():
        assert route.schema is not None and route.schema()["title"].startswith("admin_")


@pytest.mark.parametrize("method, route", sorted(TABLE))
def test_anonymous_callers_get_401(client: Client, method: str, route: str) -> None:
    response = client.open(f"{API}/{route.replace('{id}', '1')}", method=method, json=BODIES.get((method, route), {}))
    assert response.status_code == 401 and response.json["error"]["code"] == "rest_not_logged_in"


@pytest.mark.parametrize("who", ["ann", "ivy"])
@pytest.mark.parametrize("method, route", sorted(TABLE))
def test_students_and_instructors_get_403(client: Client, people: Any, who: str, method: str, route: str) -> None:
    response = client.open(f"{API}/{route.replace('{id}', str(people.ids['bob']))}", method=method,
                           json=BODIES.get((method, route), {}), headers=people[who])
    assert response.status_code == 403, response.json


@pytest.mark.parametrize("method, route", [r for r in sorted(TABLE) if "{id}" in r[1]])
def test_unknown_ids_are_404(client: Client, people: Any, method: str, route: str) -> None:
    response = client.open(f"{API}/{route.replace('{id}', '999999')}", method=method,
                           json=BODIES.get((method, route), {}), headers=people["admin"])
    assert response.status_code == 404, response.json


@pytest.mark.parametrize("method, route", [r for r in sorted(TABLE) if "{id}" in r[1]])
def test_id_zero_is_400(client: Client, people: Any, method: str, route: str) -> None:
    response = client.open(f"{API}/{route.replace('{id}', '0')}", method=method,
                           json=BODIES.get((method, route), {}), headers=people["admin"])
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == "id"
