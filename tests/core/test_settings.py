"""Settings groups in the options table, validated by their schemas."""

from __future__ import annotations

import pytest

from learnomy_core.errors import InvalidParams
from learnomy_core.options import add_option, get_option, update_option


def test_defaults_before_anything_is_stored(app) -> None:
    with app.storage.engine.begin() as db:
        assert app.settings.get(db, "api.rate_limit_per_minute") == 60
        assert app.settings.all(db)["general"]["site_name"] == "Learnomy"


def test_update_validates_and_keeps_other_keys(app) -> None:
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"api": {"rate_limit_per_minute": "120"}})
        app.settings.update(db, {"general": {"currency": "EUR"}})
        assert app.settings.get(db, "api.rate_limit_per_minute") == 120
        assert app.settings.group(db, "general") == {"site_name": "Learnomy", "currency": "EUR", "registration_open": True}


@pytest.mark.parametrize("changes, code", [
    ({"nope": {}}, "rest_additional_properties_forbidden"),
    ({"general": {"colour": "x"}}, "rest_additional_properties_forbidden"),
    ({"general": {"currency": "euro"}}, "rest_invalid_pattern"),
    ({"api": {"rate_limit_per_minute": 0}}, "rest_out_of_bounds"),
])
def test_bad_changes_are_refused_whole(app, changes: dict, code: str) -> None:
    with app.storage.engine.begin() as db:
        with pytest.raises(InvalidParams) as caught:
            app.settings.update(db, {"general": {"site_name": "Changed"}, **changes})
        assert caught.value.details[0]["code"] == code
        assert app.settings.get(db, "general.site_name") == "Learnomy"


def test_options_add_is_atomic_and_update_upserts(app) -> None:
    table = app.tables["options"]
    with app.storage.engine.begin() as db:
        assert add_option(db, table, "k", "one") is True
        assert add_option(db, table, "k", "two") is False
        assert get_option(db, table, "k") == "one"
        update_option(db, table, "k", "three")
        update_option(db, table, "fresh", "new")
        assert get_option(db, table, "k") == "three" and get_option(db, table, "fresh") == "new"


def test_secret_key_is_generated_once_and_shared(make_app) -> None:
    first, second = make_app(), make_app()
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32


def test_configured_secret_key_wins(make_app) -> None:
    assert make_app(secret_key="from-config").secret_key == b"from-config"


def test_secrets_are_masked_and_the_mask_changes_nothing(app) -> None:
    from learnomy_core.settings import MASK

    with app.storage.engine.begin() as db:
        app.settings.update(db, {"payments": {"stripe": {"secret_key": "sk_1", "webhook_secret": "wh_1"}}})
        app.settings.update(db, {"payments": {"stripe": {"secret_key": MASK, "publishable_key": "pk"}}})
        stored = app.settings.get(db, "payments.stripe")
        assert stored == {"secret_key": "sk_1", "webhook_secret": "wh_1", "publishable_key": "pk"}
        shown = app.settings.masked("payments", app.settings.group(db, "payments"))
        assert shown["stripe"] == {"secret_key": MASK, "webhook_secret": MASK, "publishable_key": "pk"}
        assert app.settings.masked("smtp", app.settings.group(db, "smtp"))["password"] == ""
    assert app.settings.secrets("payments") == ["stripe.secret_key", "stripe.webhook_secret"]
    assert app.settings.secrets("smtp") == ["password"]


def test_every_problem_is_listed(app) -> None:
    with app.storage.engine.begin() as db:
        with pytest.raises(InvalidParams) as caught:
            app.settings.update(db, {"nope": {}, "general": {"colour": "x", "currency": "euro"}})
    assert [(d["param"], d["code"]) for d in caught.value.details] == [
        ("nope", "rest_additional_properties_forbidden"),
        ("general.colour", "rest_additional_properties_forbidden"),
        ("general.currency", "rest_invalid_pattern")]


def test_a_locking_read_sees_what_others_committed(app) -> None:
    """A read-modify-write reads with ``lock=True``: on MySQL/MariaDB a plain read
    inside a transaction keeps the snapshot of its first read, and writing back what
    it saw would undo an update committed since."""
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"api": {"rate_limit_per_minute": 100}})
    with app.storage.engine.connect() as reader:
        with reader.begin():
            assert app.settings.get(reader, "general.currency") == "USD"  # the transaction's first read
            with app.storage.engine.begin() as writer:
                app.settings.update(writer, {"api": {"rate_limit_per_minute": 200}})
            assert app.settings.get(reader, "api.rate_limit_per_minute", lock=True) == 200
            assert app.settings.group(reader, "api", lock=True)["rate_limit_per_minute"] == 200
