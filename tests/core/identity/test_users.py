"""WordPress user tables, PHP-serialized roles, capabilities from plugins."""

from __future__ import annotations

import pytest

from learnomy_core.identity.users import Roles, serialize_php, unserialize_php
from tests.plugins import grants


def test_capabilities_meta_is_written_exactly_as_wordpress_writes_it(app, make_user) -> None:
    user_id = make_user("ivy", "lrn_instructor")
    with app.storage.engine.connect() as db:
        store = app.identity.store
        assert store.get_meta(db, user_id, "wp_capabilities") == 'a:1:{s:14:"lrn_instructor";b:1;}'
        assert store.get_meta(db, user_id, "wp_user_level") == "2"
        assert store.get_meta(db, user_id, "nickname") == "ivy"


def test_a_wordpress_written_row_is_read(app, make_user) -> None:
    user_id = make_user("wpadmin", "lrn_student")
    with app.storage.engine.begin() as db:
        # As WordPress would leave it: a role plus a single granted capability.
        app.identity.store.set_meta(db, user_id, "wp_capabilities",
                                    'a:2:{s:13:"administrator";b:1;s:10:"edit_posts";b:1;}')
        user = app.identity.store.from_row(app.identity.store.get(db, user_id))
    assert user.roles == ["administrator"] and user.is_admin and user.has_cap("edit_posts")


@pytest.mark.parametrize("raw, expected", [
    ('a:1:{s:10:"subscriber";b:1;}', {"subscriber": True}),
    ("not php", None),
    ("", None),
])
def test_unserialize(raw: str, expected) -> None:
    assert unserialize_php(raw) == expected


def test_serialize_counts_bytes_not_characters() -> None:
    assert serialize_php({"name": "é"}) == 'a:1:{s:4:"name";s:2:"é";}'


def test_plugins_grant_capabilities_and_roles(make_app) -> None:
    app = make_app(plugins=["system", grants])
    roles, caps = app.identity.roles.capabilities({"lrn_instructor": True})
    assert "acme_manage_widgets" in caps and "learnomy_teach" in caps
    assert "acme_reviewer" in app.identity.roles.caps


def test_subscribers_are_students() -> None:
    roles, caps = Roles().capabilities({"subscriber": True})
    assert roles == ["subscriber"] and "learnomy_learn" in caps and "learnomy_teach" not in caps


def test_unknown_role_is_refused(app, make_user) -> None:
    user_id = make_user("ann")
    with app.storage.engine.begin() as db, pytest.raises(ValueError):
        app.identity.store.set_role(db, user_id, "wizard")
