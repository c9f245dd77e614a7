"""A plugin's additional field on Free's course resource (``register_rest_field``):
every route answering courses shows it, their writes take it in the same
transaction, and revalidation covers it. The course controllers make no call for
it: the core completes their answers."""

from __future__ import annotations

from typing import Any, Callable

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp, RouteRegistry, hookimpl
from learnomy_core.errors import Conflict
from tests.conftest import ALL_PLUGINS

API = "/wp-json/learnomy/v1"


class Badges:
    """``acme_badge`` on courses, kept in the options table."""

    PLUGIN_NAME = "badges"

    @staticmethod
    def _name(item: Any) -> str:
        return f"acme_badge_{item['id']}"

    def get(self, request: Any, item: Any) -> Any:
        options = request.app.tables["options"]
        return request.db.execute(sa.select(options.c.option_value)
                                  .where(options.c.option_name == self._name(item))).scalar()

    def put(self, request: Any, value: str, item: Any) -> None:
        if value == "refused":
            raise Conflict("No such badge.", code="acme_badge_refused")
        options = request.app.tables["options"]
        request.db.execute(sa.delete(options).where(options.c.option_name == self._name(item)))
        request.db.execute(sa.insert(options).values(option_name=self._name(item), option_value=value,
                                                     autoload="no"))

    @hookimpl
    def learnomy_register_routes(self, registry: RouteRegistry) -> None:
        registry.register_rest_field("course", "acme_badge", {
            "get_callback": self.get, "update_callback": self.put,
            "schema": {"type": ["string", "null"], "maxLength": 20, "description": "A badge."}})


@pytest.fixture
def app(make_app: Callable[..., LearnomyApp]) -> LearnomyApp:
    return make_app(plugins=[*ALL_PLUGINS, Badges()])


def test_every_course_answer_shows_the_field(client: Client, people: Any, make_course: Any) -> None:
    course = make_course()
    url = f"{API}/courses/{course['id']}"
    assert client.get(url).json["data"]["acme_badge"] is None
    changed = client.patch(url, json={"acme_badge": "gold"}, headers=people["ivy"])
    assert changed.status_code == 200 and changed.json["data"]["acme_badge"] == "gold"
    assert client.get(url).json["data"]["acme_badge"] == "gold"
    assert [c["acme_badge"] for c in client.get(f"{API}/courses").json["data"]] == ["gold"]
    made = client.post(f"{API}/courses", json={"title": "New", "acme_badge": "silver"}, headers=people["ivy"])
    assert made.status_code == 201 and made.json["data"]["acme_badge"] == "silver"
    assert client.get(f"{API}/courses/{made.json['data']['id']}", headers=people["ivy"]).json["data"]["acme_badge"] == "silver"


def test_a_refused_field_rolls_the_whole_write_back(client: Client, people: Any, make_course: Any) -> None:
    course = make_course(title="Before")
    url = f"{API}/courses/{course['id']}"
    refused = client.patch(url, json={"title": "After", "acme_badge": "refused"}, headers=people["ivy"])
    assert refused.status_code == 409 and refused.json["error"]["code"] == "acme_badge_refused"
    assert client.get(url).json["data"]["title"] == "Before"


def test_the_field_is_validated_by_its_schema(client: Client, people: Any, make_course: Any) -> None:
    course = make_course()
    bad = client.patch(f"{API}/courses/{course['id']}", json={"acme_badge": "x" * 21}, headers=people["ivy"])
    assert bad.status_code == 400 and bad.json["error"]["details"][0]["param"] == "acme_badge"


def test_the_field_cannot_be_written_by_the_wrong_user(client: Client, people: Any, make_course: Any) -> None:
    course = make_course()
    url = f"{API}/courses/{course['id']}"
    assert client.patch(url, json={"acme_badge": "gold"}).status_code == 401
    assert client.patch(url, json={"acme_badge": "gold"}, headers=people["oscar"]).status_code == 403
    assert client.get(url).json["data"]["acme_badge"] is None


def test_revalidation_covers_the_field(app: LearnomyApp, client: Client, people: Any, make_course: Any) -> None:
    """The course's validator does not know the field: the body's hash answers instead."""
    course = make_course()
    for url in (f"{API}/courses/{course['id']}", f"{API}/courses"):
        etag = client.get(url).headers["ETag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        with app.storage.engine.begin() as db:  # by hand: no course row changes
            options = app.tables["options"]
            db.execute(sa.delete(options).where(options.c.option_name == f"acme_badge_{course['id']}"))
            db.execute(sa.insert(options).values(option_name=f"acme_badge_{course['id']}",
                                                 option_value=url[-7:], autoload="no"))
        fresh = client.get(url, headers={"If-None-Match": etag})
        assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
