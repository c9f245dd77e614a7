"""GET /health and GET /settings/public, end to end from the Free plugin."""

from __future__ import annotations

from werkzeug.test import Client

from tests.conftest import ALICE

HEALTH = "/wp-json/learnomy/v1/health"
PUBLIC_SETTINGS = "/wp-json/learnomy/v1/settings/public"


def test_health_reports_the_database(client: Client) -> None:
    response = client.get(HEALTH)
    assert response.status_code == 200
    body = response.json["data"]
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["time"].endswith("Z")


def test_health_answers_503_when_the_database_is_unreachable(make_app, tmp_path) -> None:
    missing = tmp_path / "no-such-dir" / "db.sqlite"
    app = make_app(database_url=f"sqlite:///{missing}")
    response = Client(app).get(HEALTH)
    assert response.status_code == 503
    assert response.json["error"]["code"] == "learnomy_unavailable"
    assert response.headers["Retry-After"]
    # The database comes back: the same app recovers by itself.
    missing.parent.mkdir()
    app.upgrade_database()
    assert Client(app).get(HEALTH).status_code == 200


def test_public_settings_defaults(client: Client) -> None:
    response = client.get(PUBLIC_SETTINGS)
    assert response.status_code == 200
    assert response.json["data"] == {
        "site_name": "Learnomy", "currency": "USD", "registration_open": True,
        "features": {"pro": True},
    }


def test_public_settings_follow_stored_settings(app, client: Client) -> None:
    with app.storage.engine.begin() as connection:
        app.settings.update(connection, {"general": {"site_name": "Acme Academy", "currency": "EUR"}})
    data = client.get(PUBLIC_SETTINGS).json["data"]
    assert data["site_name"] == "Acme Academy" and data["currency"] == "EUR"


def test_public_settings_without_pro(make_app) -> None:
    client = Client(make_app(plugins=["system"]))
    assert client.get(PUBLIC_SETTINGS).json["data"]["features"] == {"pro": False}


def test_public_settings_are_publicly_cacheable_for_anonymous_callers(client: Client) -> None:
    assert client.get(PUBLIC_SETTINGS).headers["Cache-Control"] == "public, max-age=60"
    assert client.get(PUBLIC_SETTINGS, headers=ALICE).headers["Cache-Control"] == "private, no-cache"


def test_system_routes_take_no_writes(client: Client) -> None:
    for path in (HEALTH, PUBLIC_SETTINGS):
        response = client.post(path)
        assert response.status_code == 405
        assert response.json["error"]["code"] == "rest_method_not_allowed"


def test_an_unreachable_mariadb_answers_503(make_app) -> None:
    # Nothing listens on port 1 of the loopback address.
    app = make_app(database_url="mysql+pymysql://root@127.0.0.1:1/test?connect_timeout=2")
    response = Client(app).get(HEALTH)
    assert response.status_code == 503
    assert response.json["error"]["code"] == "learnomy_unavailable"
    assert "pymysql" not in response.get_data(as_text=True)
