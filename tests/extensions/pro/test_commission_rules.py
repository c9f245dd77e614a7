"""Commission rules (``pro.commission_rules``): per-instructor rates through ``learnomy_instructor_rate``."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from learnomy_core.cli import main
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


SETTINGS = f"{API}/commissions/settings"


def test_the_overrides_are_a_field_of_the_commission_settings(client: Client, people: Any) -> None:
    assert client.get(SETTINGS, headers=people["admin"]).json["data"]["instructor_overrides"] == []
    overrides = [{"instructor_id": people.ids["oscar"], "instructor_rate": 50},
                 {"instructor_id": people.ids["ivy"], "instructor_rate": 72.5}]
    saved = client.put(SETTINGS, headers=people["admin"], json={"instructor_rate": 70, "instructor_overrides": overrides})
    assert saved.status_code == 200, saved.json
    assert saved.json["data"]["instructor_rate"] == 70 and saved.json["data"]["instructor_overrides"] == overrides
    assert client.get(SETTINGS, headers=people["admin"]).json["data"]["instructor_overrides"] == overrides
    # Left out of a PUT, they stay; an empty list clears them.
    assert client.put(SETTINGS, headers=people["admin"], json={"holding_days": 3}).json["data"][
        "instructor_overrides"] == overrides
    assert client.put(SETTINGS, headers=people["admin"], json={"instructor_overrides": []}).json["data"][
        "instructor_overrides"] == []
    schema = client.options(SETTINGS).json["schema"]
    assert schema["properties"]["instructor_overrides"]["items"]["required"] == ["instructor_id", "instructor_rate"]


def test_the_field_writes_the_settings_group(app: LearnomyApp, client: Client, people: Any) -> None:
    overrides = [{"instructor_id": people.ids["oscar"], "instructor_rate": 50}]
    client.put(SETTINGS, headers=people["admin"], json={"instructor_overrides": overrides})
    with app.storage.engine.connect() as db:
        assert app.settings.get(db, f"{GROUP}.instructor_overrides") == overrides


@pytest.mark.parametrize("overrides, params", [
    ([{"instructor_id": 10**9, "instructor_rate": 5}], ["instructor_overrides[0].instructor_id"]),
    ([{"instructor_id": "oscar", "instructor_rate": 101}], ["instructor_overrides"]),
    ([{"instructor_id": "oscar", "instructor_rate": -1}], ["instructor_overrides"]),
    ([{"instructor_id": "oscar", "instructor_rate": 5}, {"instructor_id": "ivy", "instructor_rate": 5},
      {"instructor_id": "oscar", "instructor_rate": 6}], ["instructor_overrides[2].instructor_id"]),
    ([{"instructor_id": "oscar"}], ["instructor_overrides"]),
    ({"oscar": 5}, ["instructor_overrides"]),
])
def test_bad_overrides_are_refused_and_nothing_is_written(client: Client, people: Any, overrides: Any,
                                                          params: list[str]) -> None:
    def named(entry: Any) -> Any:
        if isinstance(entry, dict) and isinstance(entry.get("instructor_id"), str):
            return {**entry, "instructor_id": people.ids[entry["instructor_id"]]}
        return entry

    sent = [named(entry) for entry in overrides] if isinstance(overrides, list) else overrides
    before = client.get(SETTINGS, headers=people["admin"]).json["data"]
    refused = client.put(SETTINGS, headers=people["admin"], json={"instructor_rate": 10, "instructor_overrides": sent})
    assert refused.status_code == 400, refused.json
    assert [d["param"] for d in refused.json["error"]["details"]] == params
    assert client.get(SETTINGS, headers=people["admin"]).json["data"] == before


@pytest.mark.parametrize("who, status", [(None, 401), ("ivy", 403), ("ann", 403)])
def test_only_administrators_see_or_set_the_overrides(client: Client, people: Any, who: Any, status: int) -> None:
    headers = people[who] if who else {}
    assert client.get(SETTINGS, headers=headers).status_code == status
    put = client.put(SETTINGS, headers=headers, json={"instructor_overrides": [
        {"instructor_id": people.ids["ivy"], "instructor_rate": 100}]})
    assert put.status_code == status


def test_switched_off_the_settings_have_no_overrides(app: LearnomyApp, people: Any,
                                                     make_app: Callable[..., LearnomyApp]) -> None:
    configure(app, **{GROUP: {"instructor_overrides": [{"instructor_id": people.ids["ivy"], "instructor_rate": 50}]}})
    client = Client(make_app(switches={"pro.commission_rules": False}))
    assert "instructor_overrides" not in client.get(SETTINGS, headers=people["admin"]).json["data"]
    assert "instructor_overrides" not in client.options(SETTINGS).json["schema"]["properties"]
    # Not an argument there: ignored, as WordPress ignores what a route does not take.
    saved = client.put(SETTINGS, headers=people["admin"], json={"holding_days": 2, "instructor_overrides": []})
    assert saved.status_code == 200 and "instructor_overrides" not in saved.json["data"]
    with app.storage.engine.connect() as db:
        assert app.settings.get(db, f"{GROUP}.instructor_overrides") != []


# -- the same list through the admin settings route and the command line --------------

ADMIN_SETTINGS = f"{API}/admin/settings"
ODD = 10**9  # no such user
LISTED = f"{GROUP}.instructor_overrides"


def entries(people: Any, *who: Any) -> list[dict[str, Any]]:
    """Overrides naming ``who`` (a person's name, or an id as is), each at 10 %."""
    return [{"instructor_id": people.ids[w] if isinstance(w, str) else w, "instructor_rate": 10} for w in who]


@pytest.mark.parametrize("who, problems", [
    ((ODD,), [("[0]", "rest_invalid_param")]),
    (("oscar", "ivy", "oscar"), [("[2]", "rest_duplicate_param")]),
    (("oscar", ODD, "oscar"), [("[1]", "rest_invalid_param"), ("[2]", "rest_duplicate_param")]),
], ids=["unknown", "twice", "both"])
def test_the_admin_settings_route_refuses_what_the_put_refuses(client: Client, people: Any, who: tuple[Any, ...],
                                                               problems: list[tuple[str, str]]) -> None:
    stored = entries(people, "ivy")
    assert client.patch(ADMIN_SETTINGS, headers=people["admin"], json={GROUP: {"instructor_overrides": stored}}
                        ).status_code == 200
    before = client.get(ADMIN_SETTINGS, headers=people["admin"]).json["data"]
    # With another group's change: all or nothing.
    refused = client.patch(ADMIN_SETTINGS, headers=people["admin"], json={
        "general": {"site_name": "Changed"}, GROUP: {"instructor_overrides": entries(people, *who)}})
    assert refused.status_code == 400, refused.json
    assert [(d["param"], d["code"]) for d in refused.json["error"]["details"]] == [
        (f"{LISTED}{index}.instructor_id", code) for index, code in problems]
    after = client.get(ADMIN_SETTINGS, headers=people["admin"]).json["data"]
    assert after == before and after[GROUP]["instructor_overrides"] == stored


def test_the_admin_settings_route_stores_good_overrides(app: LearnomyApp, client: Client, people: Any) -> None:
    overrides = entries(people, "oscar", "ivy")
    saved = client.patch(ADMIN_SETTINGS, headers=people["admin"], json={GROUP: {"instructor_overrides": overrides}})
    assert saved.status_code == 200, saved.json
    assert saved.json["data"][GROUP]["instructor_overrides"] == overrides
    assert client.get(SETTINGS, headers=people["admin"]).json["data"]["instructor_overrides"] == overrides
    # Another group's change does not check this one's stored list.
    assert client.patch(ADMIN_SETTINGS, headers=people["admin"], json={"general": {"site_name": "Acme"}}
                        ).status_code == 200


def test_the_cli_refuses_what_the_put_refuses(app: LearnomyApp, people: Any, database_url: str,
                                              monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("LEARNOMY_DATABASE_URL", database_url)
    assert main(["settings", "set", LISTED, json.dumps(entries(people, "oscar", ODD, "oscar"))]) == 1
    err = capsys.readouterr().err
    assert f"{LISTED}[1].instructor_id" in err and f"{LISTED}[2].instructor_id" in err
    with app.storage.engine.connect() as db:
        assert app.settings.get(db, LISTED) == []
    good = entries(people, "oscar")
    assert main(["settings", "set", LISTED, json.dumps(good)]) == 0
    with app.storage.engine.connect() as db:
        assert app.settings.get(db, LISTED) == good
