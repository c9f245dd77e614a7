"""Pro's extensions switched on and off (``pro.extensions``), and the core mechanism
under it (``learnomy_plugin_switches``) as a third party uses it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import pytest
from werkzeug.test import Client

from learnomy_core import LearnomyApp, create_app
from learnomy_core.audit import load_manifest
from learnomy_core.cli import main
from learnomy_core.plugins import dormant_plugins
from learnomy.extensions.pro import EXTENSIONS, MANIFEST
from tests.conftest import FREE, PRO
from tests.plugins import gadget
from tests.plugins.gadget import reports

PRO_API = "/wp-json/learnomy-pro/v1"
_PARAM = re.compile(r"\(\?P<\w+>[^)]*\)")


def switched_off(app: LearnomyApp, names: list[str]) -> None:
    """Store ``pro.extensions`` with ``names`` off, as an administrator would."""
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"pro.extensions": {name: False for name in names}})


def one_route(name: str) -> str | None:
    """A path of the extension, from Pro's manifest (None while it has no route)."""
    for entry in load_manifest(MANIFEST):
        if entry["plugin"] == f"pro.{name}":
            return PRO_API + _PARAM.sub("1", entry["route"])
    return None


def documented_paths(name: str) -> set[str]:
    """The extension's routes as Pro's OpenAPI document names them (``/drip-rules/{rule_id}``)."""
    return {re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", e["route"])
            for e in load_manifest(MANIFEST) if e["plugin"] == f"pro.{name}"}


@pytest.mark.parametrize("name", list(EXTENSIONS))
def test_a_switched_off_extension_never_boots_and_the_rest_of_pro_works(
        name: str, app: LearnomyApp, make_app: Callable[..., LearnomyApp]) -> None:
    route = one_route(name)
    on = Client(app)
    if route is not None:
        assert on.get(route).json.get("error", {}).get("code") != "rest_no_route"
    switched_off(app, [name])
    off_app = make_app()
    off = Client(off_app)
    plugin = f"pro.{name}"
    # Never booted: not registered, so none of its hooks runs and it declares no table.
    assert not off_app.plugins.has_plugin(plugin) and plugin in dormant_plugins(off_app.plugins)
    assert all(e["plugin"] != plugin for e in off_app.registry.entries())
    if route is not None:
        response = off.get(route)
        assert response.status_code == 404 and response.json["error"]["code"] == "rest_no_route"
        assert documented_paths(name) <= set(on.get(f"{PRO_API}/openapi.json").json["paths"])
        assert not documented_paths(name) & set(off.get(f"{PRO_API}/openapi.json").json["paths"])
        registered = {f"/learnomy-pro/v1{e['route']}" for e in load_manifest(MANIFEST) if e["plugin"] == plugin}
        assert registered <= set(on.get(PRO_API).json["routes"])
        assert not registered & set(off.get(PRO_API).json["routes"])
    # The rest of Pro: every other extension loaded, Pro's document and index answer.
    assert all(off_app.plugins.has_plugin(f"pro.{other}") for other in EXTENSIONS if other != name)
    assert off.get(f"{PRO_API}/openapi.json").status_code == 200
    index = off.get(PRO_API).json
    assert "/learnomy-pro/v1/openapi.json" in index["routes"]
    for other in EXTENSIONS:
        other_route = one_route(other)
        if other != name and other_route is not None:
            assert off.get(other_route).json.get("error", {}).get("code") != "rest_no_route"


def test_switched_off_routes_leave_the_index_and_the_document(make_app: Callable[..., LearnomyApp]) -> None:
    app = make_app(plugins=[*FREE, *PRO, gadget, reports], switches={"gadget.reports": False})
    client = Client(app)
    assert client.get("/wp-json/gadget/v1/reports").json["error"]["code"] == "rest_no_route"
    assert "/gadget/v1/reports" not in client.get("/wp-json/gadget/v1").json["routes"]
    assert "/gadget/v1/gadgets" in client.get("/wp-json/gadget/v1").json["routes"]
    assert "/gadget/v1/reports" not in client.get("/wp-json/").json["routes"]


def test_a_switched_off_plugins_hooks_do_not_run(make_app: Callable[..., LearnomyApp]) -> None:
    reports.CALLS.clear()
    client = Client(make_app(plugins=["system", gadget, reports], switches={"gadget.reports": False}))
    client.get("/wp-json/gadget/v1/gadgets")
    assert reports.CALLS == []
    client = Client(make_app(plugins=["system", gadget, reports]))
    client.get("/wp-json/gadget/v1/gadgets")
    assert reports.CALLS == ["learnomy_register_routes", "learnomy_before_dispatch"]


def test_the_setting_is_read_once_at_start(app: LearnomyApp, make_app: Callable[..., LearnomyApp]) -> None:
    running = make_app()
    switched_off(app, ["drip"])
    # The running app keeps what it booted with; the next start reads the change.
    assert running.plugins.has_plugin("pro.drip")
    assert not make_app().plugins.has_plugin("pro.drip")
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"pro.extensions": {"drip": True}})
    assert make_app().plugins.has_plugin("pro.drip")


def test_the_override_wins_over_the_database(app: LearnomyApp, make_app: Callable[..., LearnomyApp]) -> None:
    switched_off(app, ["drip", "spaces"])
    forced = make_app(switches={"pro.drip": True})
    assert forced.plugins.has_plugin("pro.drip") and not forced.plugins.has_plugin("pro.spaces")
    assert all(make_app(switches=True).plugins.has_plugin(f"pro.{name}") for name in EXTENSIONS)
    assert not any(make_app(switches=False).plugins.has_plugin(f"pro.{name}") for name in EXTENSIONS)


def test_switching_off_the_root_switches_off_every_extension(make_app: Callable[..., LearnomyApp]) -> None:
    app = make_app(exclude=["pro"])
    assert not any(name.startswith("pro") for name, _ in app.plugins.list_name_plugin())
    assert Client(app).get(f"{PRO_API}/openapi.json").json["error"]["code"] == "rest_no_route"


def test_a_plugin_requiring_a_switched_off_one_goes_with_it(make_app: Callable[..., LearnomyApp]) -> None:
    from learnomy_core import hookimpl

    class Needs:
        PLUGIN_NAME = "needs_reports"

        @hookimpl
        def learnomy_requires(self) -> list[str]:
            return ["gadget.reports"]

    app = make_app(plugins=["system", gadget, reports, Needs()], switches={"gadget.reports": False})
    assert not app.plugins.has_plugin("needs_reports")
    assert set(dormant_plugins(app.plugins)) == {"gadget.reports", "needs_reports"}


def test_a_fresh_database_takes_the_defaults(tmp_path: Path) -> None:
    # No file yet, then a file without an options table: every extension boots.
    for url in (f"sqlite:///{tmp_path / 'none.sqlite'}", f"sqlite:///{tmp_path / 'empty.sqlite'}"):
        if "empty" in url:
            (tmp_path / "empty.sqlite").write_bytes(b"")
        app = create_app(plugins=[*FREE, *PRO], database_url=url)
        assert all(app.plugins.has_plugin(f"pro.{name}") for name in EXTENSIONS)
        app.storage.dispose()
    assert not (tmp_path / "none.sqlite").exists()


def test_switched_off_plugins_keep_their_migrations(make_app: Callable[..., LearnomyApp]) -> None:
    on = make_app().migration_locations()
    off = make_app(switches=False).migration_locations()
    assert sorted(on) == sorted(off)


@pytest.mark.parametrize("answer, message", [
    ({"identity": ("gadget.features", "nope")}, "gadget.features.nope"),
    ({"identity": ("nowhere", "reports")}, "nowhere.reports"),
])
def test_a_switch_without_its_setting_fails_at_start(answer: dict[str, Any], message: str) -> None:
    from learnomy_core import hookimpl

    class Bad:
        PLUGIN_NAME = "bad"

        @hookimpl
        def learnomy_plugin_switches(self) -> dict[str, Any]:
            return answer

    with pytest.raises(ValueError, match=re.escape(message)):
        create_app(plugins=["system", "identity", gadget, Bad()], database_url="sqlite://")


def test_two_plugins_switching_one_fail_at_start() -> None:
    from learnomy_core import hookimpl

    class Rival:
        PLUGIN_NAME = "rival"

        @hookimpl
        def learnomy_plugin_switches(self) -> dict[str, Any]:
            return {"gadget.reports": ("gadget.features", "reports")}

    with pytest.raises(ValueError, match="switched by both"):
        create_app(plugins=["system", gadget, reports, Rival()], database_url="sqlite://")


def test_the_settings_group_describes_when_a_change_applies(app: LearnomyApp) -> None:
    group = app.settings.groups["pro.extensions"]
    assert set(group["properties"]) == set(EXTENSIONS)
    assert all(p["default"] is True and p["type"] == "boolean" for p in group["properties"].values())
    assert "next start" in group["description"] or "next starts" in group["description"]


def test_the_cli_sets_a_switch_by_its_dotted_key(app: LearnomyApp, database_url: str,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("LEARNOMY_DATABASE_URL", database_url)
    assert main(["settings", "set", "pro.extensions.spaces", "false"]) == 0
    assert main(["settings", "get", "pro.extensions.spaces"]) == 0
    assert capsys.readouterr().out.strip().endswith("false")
    with app.storage.engine.connect() as db:
        assert app.settings.get(db, "pro.extensions.spaces") is False
    assert main(["settings", "set", "pro.extensions.spaces", "maybe"]) == 1


def test_an_unreachable_database_boots_with_the_defaults() -> None:
    app = create_app(plugins=[*FREE, *PRO], database_url="mysql+pymysql://root@127.0.0.1:1/none?connect_timeout=2")
    assert all(app.plugins.has_plugin(f"pro.{name}") for name in EXTENSIONS)
    app.storage.dispose()
