"""Commission rules (``pro.commission_rules``): per-instructor rates through ``learnomy_instructor_rate``."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from learnomy_core.errors import InvalidParams
from tests.controllers.commerce.conftest import API, configure, paid_course, post  # noqa: F401 - a fixture

GROUP = "pro.commission_rules"


def sell(client: Client, people: Any, course: dict[str, Any]) -> None:
    order = post(client, "/checkout", people["ann"], items=[{"type": "course", "id": course["id"]}],
                 gateway="manual").json["data"]
    assert post(client, f"/orders/{order['id']}/complete", people["admin"]).status_code == 200


def nets(client: Client, people: Any, who: str) -> dict[int, int]:
    return {e["course_id"]: e["net"] for e in client.get(f"{API}/earnings", headers=people[who]).json["data"]}


def test_an_instructors_rate_applies_below_course_overrides(app: LearnomyApp, client: Client, people: Any,
                                                           paid_course: Callable[..., dict[str, Any]]) -> None:
    course, overridden = paid_course(1000), paid_course(1000)
    for item in (course, overridden):
        client.post(f"{API}/courses/{item['id']}/instructors", json={"user_id": people.ids["oscar"]},
                    headers=people["ivy"])
    configure(app, commissions={"instructor_rate": 80, "holding_days": 0,
                                "course_overrides": [{"course_id": overridden["id"], "instructor_rate": 60}]})
    configure(app, **{GROUP: {"instructor_overrides": [
        {"instructor_id": people.ids["oscar"], "instructor_rate": 50},
        {"instructor_id": people.ids["oscar"], "instructor_rate": 10},  # listed twice: the first counts
    ]}})
    for item in (course, overridden):
        sell(client, people, item)
    # 500 each: Oscar 50 % by his rate, Ivy the global 80 %; the course override (60 %) wins for both.
    assert nets(client, people, "oscar") == {course["id"]: 250, overridden["id"]: 300}
    assert nets(client, people, "ivy") == {course["id"]: 400, overridden["id"]: 300}


def test_switched_off_the_global_rate_applies(app: LearnomyApp, people: Any, make_app: Callable[..., LearnomyApp],
                                              paid_course: Callable[..., dict[str, Any]]) -> None:
    configure(app, commissions={"instructor_rate": 80, "holding_days": 0},
              **{GROUP: {"instructor_overrides": [{"instructor_id": people.ids["ivy"], "instructor_rate": 50}]}})
    client = Client(make_app(switches={"pro.commission_rules": False}))
    course = paid_course(1000)
    sell(client, people, course)
    assert nets(client, people, "ivy") == {course["id"]: 800}


@pytest.mark.parametrize("overrides", [
    [{"instructor_id": 2, "instructor_rate": 101}],
    [{"instructor_id": 2, "instructor_rate": -1}],
    [{"instructor_id": 0, "instructor_rate": 5}],
    [{"instructor_rate": 5}],
    [{"instructor_id": 2, "instructor_rate": 5, "course_id": 3}],
    [{"instructor_id": "two", "instructor_rate": 5}],
    {"2": 5},
])
def test_the_rates_are_validated_by_schema(app: LearnomyApp, overrides: Any) -> None:
    with pytest.raises(InvalidParams) as caught, app.storage.engine.begin() as db:
        app.settings.update(db, {GROUP: {"instructor_overrides": overrides}})
    assert caught.value.details[0]["param"].startswith(GROUP)
