"""Query strings and form bodies read as PHP reads them (what WordPress clients send)."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from learnomy_core.phpparams import MAX_NESTING, php_params

ECHO = "/wp-json/compat/v1/echo"


@pytest.mark.parametrize("pairs, expected", [
    ([("ids[]", "1"), ("ids[]", "2")], {"ids": ["1", "2"]}),
    ([("ids[0]", "1"), ("ids[1]", "2")], {"ids": ["1", "2"]}),
    ([("ids[1]", "1"), ("ids[0]", "2")], {"ids": {"1": "1", "0": "2"}}),  # keys out of order: a map
    ([("a[k]", "v"), ("a[j]", "w")], {"a": {"k": "v", "j": "w"}}),
    ([("a[x][]", "1"), ("a[x][]", "2"), ("a[y][z]", "3")], {"a": {"x": ["1", "2"], "y": {"z": "3"}}}),
    ([("n", "1"), ("n", "2")], {"n": "2"}),  # a repeated plain key keeps the last value
    ([("a", "1"), ("a[]", "2")], {"a": ["2"]}),  # a later shape replaces an earlier one
    ([("a[]", "1"), ("a", "2")], {"a": "2"}),
    ([("a[5]", "x"), ("a[]", "y")], {"a": {"5": "x", "6": "y"}}),  # [] takes the next index
    ([("a[01]", "x")], {"a": {"01": "x"}}),  # not a canonical integer: a string key
    ([("a[ ]", "x"), ("a[ ]", "y")], {"a": ["x", "y"]}),
    ([("a.b c", "x")], {"a_b_c": "x"}),  # dots and spaces in a name become _
    ([(" a", "x")], {"a": "x"}),  # leading spaces dropped
    ([("a[b", "x")], {"a_b": "x"}),  # never closed at the first level: part of the name
    ([("a[b][c", "x")], {"a": {"b": "x"}}),  # never closed deeper: dropped
    ([("a[b]c", "x")], {"a": {"b": "x"}}),  # text after ] ignored
    ([("[a]", "x"), ("", "y")], {}),  # no name: dropped
])
def test_php_parsing(pairs: list[tuple[str, str]], expected: dict[str, Any]) -> None:
    assert php_params(pairs) == expected


def test_names_nested_deeper_than_php_allows_are_dropped() -> None:
    assert php_params([("a" + "[]" * (MAX_NESTING + 1), "deep"), ("b", "kept")]) == {"b": "kept"}
    value: Any = php_params([("a" + "[]" * MAX_NESTING, "ok")])["a"]
    for _ in range(MAX_NESTING - 1):
        value = value[0]
    assert value == ["ok"]


def test_plain_keys_keep_their_order_and_last_value() -> None:
    assert php_params([("b", "1"), ("a", "2"), ("b", "3")]) == {"b": "3", "a": "2"}


# -- over HTTP: the query and form bodies ------------------------------------------------

def params(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["data"]["params"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("query", ["ids[]=1&ids[]=2", "ids[0]=1&ids[1]=2", "ids%5B%5D=1&ids%5B%5D=2", "ids=1,2"])
def test_array_parameters_in_the_query(compat: Client, query: str) -> None:
    assert params(compat.get(f"{ECHO}?{query}"))["ids"] == [1, 2]


def test_integer_keyed_maps_are_arrays_too(compat: Client) -> None:
    # PHP's numeric array: WordPress's rest_is_array takes it, in the order sent.
    assert params(compat.get(f"{ECHO}?ids[1]=5&ids[0]=6"))["ids"] == [5, 6]


def test_map_parameters_in_the_query(compat: Client) -> None:
    assert params(compat.get(f"{ECHO}?meta[k]=v"))["meta"] == {"k": "v"}


def test_a_repeated_plain_key_keeps_the_last_value(compat: Client) -> None:
    assert params(compat.get(f"{ECHO}?n=1&n=2"))["n"] == 2


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_php_style_form_bodies(compat: Client, method: str) -> None:
    body = "ids[]=3&ids[]=4&meta[k]=v&n=1&n=7"
    response = compat.open(ECHO, method=method, data=body, content_type="application/x-www-form-urlencoded")
    assert params(response) == {"ids": [3, 4], "meta": {"k": "v"}, "n": 7}


def test_array_item_errors_name_the_arg(compat: Client) -> None:
    response = compat.get(f"{ECHO}?ids[]=1&ids[]=x")
    assert response.status_code == 400
    assert response.json["error"]["details"] == [
        {"param": "ids", "code": "rest_invalid_type", "message": "ids[1] is not of type integer."}
    ]
    assert response.json["error"]["message"] == "Invalid parameter(s): ids"


def test_a_gets_body_is_not_merged_into_its_params(compat: Client) -> None:
    assert "n" not in params(compat.get(ECHO, json={"n": 5}))
    assert params(compat.post(ECHO, json={"n": 5}))["n"] == 5
    # Not even read: a body that is no JSON does not fail a GET.
    assert compat.get(ECHO, data="{nope", content_type="application/json").status_code == 200


def test_rate_limits_count_the_account_the_merge_reads(app: Any, client: Client) -> None:
    # A repeated key: the login reads the last value, so the limiter must count that one.
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"api": {"rate_limit_per_minute": 1}})
    token = "/wp-json/learnomy/v1/auth/token"
    first = client.post(f"{token}?username=someone&username=victim", json={"password": "wrong password"},
                        environ_overrides={"REMOTE_ADDR": "192.0.2.1"})
    assert first.status_code == 401
    again = client.post(token, json={"username": "victim", "password": "wrong password"},
                        environ_overrides={"REMOTE_ADDR": "192.0.2.2"})
    assert again.status_code == 429
