"""Keyset cursors: tamper-evident, bound to their list, stable under writes."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from learnomy_core.cursors import binding_of, decode_cursor, encode_cursor
from learnomy_core.errors import InvalidParams
from tests.conftest import ALICE

SECRET = b"k" * 32
WIDGETS = "/wp-json/acme/v1/widgets"


def test_round_trip() -> None:
    cursor = encode_cursor(SECRET, "b1", ["gear", 7])
    assert decode_cursor(SECRET, "b1", cursor) == ["gear", 7]
    assert decode_cursor(SECRET, "b1", None) is None


@pytest.mark.parametrize("mutate", [
    lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),
    lambda c: "x" + c,
    lambda c: "not a cursor",
])
def test_a_changed_cursor_is_refused(mutate) -> None:
    with pytest.raises(InvalidParams):
        decode_cursor(SECRET, "b1", mutate(encode_cursor(SECRET, "b1", ["gear", 7])))


def test_a_cursor_is_bound_to_its_list_and_secret() -> None:
    cursor = encode_cursor(SECRET, binding_of("widgets", "red"), ["gear", 7])
    with pytest.raises(InvalidParams):
        decode_cursor(SECRET, binding_of("widgets", "blue"), cursor)
    with pytest.raises(InvalidParams):
        decode_cursor(b"other" * 8, binding_of("widgets", "red"), cursor)


def _names(client: Client, url: str) -> tuple[list[str], str]:
    body = client.get(url).json
    return [w["name"] for w in body["data"]], body["meta"]["cursor_next"]


def test_pages_walk_the_whole_list_without_skips_or_repeats_under_writes(client: Client) -> None:
    for name in "bdfhj":
        client.post(WIDGETS, json={"name": name}, headers=ALICE)
    first, cursor = _names(client, f"{WIDGETS}?per_page=2")
    assert first == ["b", "d"]
    # Rows inserted before and after the cursor, and one deleted behind it.
    client.post(WIDGETS, json={"name": "a"}, headers=ALICE)
    client.post(WIDGETS, json={"name": "e"}, headers=ALICE)
    second, cursor = _names(client, f"{WIDGETS}?per_page=2&cursor={cursor}")
    assert second == ["e", "f"]
    third, cursor = _names(client, f"{WIDGETS}?per_page=2&cursor={cursor}")
    assert third == ["h", "j"] and cursor is None


def test_a_tampered_or_foreign_cursor_answers_400(client: Client) -> None:
    for name in "abc":
        client.post(WIDGETS, json={"name": name, "color": "#ff0000"}, headers=ALICE)
    cursor = client.get(f"{WIDGETS}?per_page=1").json["meta"]["cursor_next"]
    for url in (f"{WIDGETS}?per_page=1&cursor={cursor}x", f"{WIDGETS}?per_page=1&color=%23ff0000&cursor={cursor}"):
        response = client.get(url)
        assert response.status_code == 400
        assert response.json["error"]["details"][0]["param"] == "cursor"


def test_lists_carry_wordpress_paging_headers(client: Client) -> None:
    for name in ("a", "b", "c"):
        assert client.post(WIDGETS, json={"name": name}, headers=ALICE).status_code == 201
    first = client.get(f"{WIDGETS}?per_page=2&color=%23000000")
    assert first.headers["X-WP-Total"] == "3"
    assert first.headers["X-WP-TotalPages"] == "2"
    cursor = first.json["meta"]["cursor_next"]
    next_link = f'<http://localhost/wp-json/acme/v1/widgets?per_page=2&color=%23000000&cursor={cursor}>; rel="next"'
    # The next page's link comes first; the discovery link stays beside it.
    assert first.headers["Link"] == f'{next_link}, <http://localhost/wp-json/>; rel="https://api.w.org/"'
    # Following the link, as node-wpapi and api-fetch do, reaches the last page: no next link.
    last = client.get(next_link[1:next_link.index(">")])
    assert [w["name"] for w in last.json["data"]] == ["c"]
    assert last.headers["Link"] == '<http://localhost/wp-json/>; rel="https://api.w.org/"'


def test_an_empty_list_has_no_pages(client: Client) -> None:
    response = client.get(WIDGETS)
    assert response.headers["X-WP-Total"] == "0" and response.headers["X-WP-TotalPages"] == "0"
