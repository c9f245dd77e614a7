"""What administrators do to accounts, at the identity layer: adding a role as
WordPress does, blocking (every credential revoked), deleting (nothing left)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


def test_add_role_keeps_the_others_and_the_highest_level(app, make_user) -> None:
    user_id = make_user("ann", "lrn_student")
    store = app.identity.store
    with app.storage.engine.begin() as db:
        store.add_role(db, user_id, "lrn_instructor")
        assert store.get_meta(db, user_id, "wp_capabilities") == \
            'a:2:{s:11:"lrn_student";b:1;s:14:"lrn_instructor";b:1;}'
        assert store.get_meta(db, user_id, "wp_user_level") == "2"
        assert store.from_row(store.get(db, user_id)).is_instructor
        with pytest.raises(ValueError):
            store.add_role(db, user_id, "emperor")
        with pytest.raises(ValueError):
            store.add_role(db, 999999, "lrn_student")


def test_block_revokes_and_unblock_revives_nothing(app, make_user) -> None:
    user_id = make_user("ann", "lrn_student")
    identity, store = app.identity, app.identity.store
    with app.storage.engine.begin() as db:
        identity.create_application_password(db, user_id, "Phone")
        identity.block(db, user_id)
        row = store.get(db, user_id)
        assert row.blocked == "1" and int(row.token_version) == 1
        assert store.get_meta(db, user_id, store.APP_PASSWORDS) is None
        identity.unblock(db, user_id)
        row = store.get(db, user_id)
        assert row.blocked is None and int(row.token_version) == 1


def test_delete_user_leaves_no_row(app, make_user) -> None:
    user_id = make_user("ann", "lrn_student")
    identity, store = app.identity, app.identity.store
    with app.storage.engine.begin() as db:
        identity.delete_user(db, user_id)
        assert store.get(db, user_id) is None
        meta = store.usermeta
        assert db.execute(sa.select(sa.func.count()).select_from(meta).where(meta.c.user_id == user_id)).scalar() == 0
