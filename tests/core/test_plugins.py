"""Plugin discovery, loading, leaving out, and the hooks' phases."""

from __future__ import annotations

from typing import Any

import pluggy
import pytest
from werkzeug.test import Client

from learnomy_core import create_app
from learnomy_core import hookimpl
from learnomy_core.errors import MissingRequirements, RegistrationError
from learnomy_core.plugins import available_plugins, build_plugin_manager, free_plugin_names, plugin_versions
from tests.plugins import acme, misspelled, override_health


def test_free_and_pro_are_entry_point_plugins() -> None:
    installed = available_plugins()
    assert installed["system"].value == "learnomy.controllers.system"
    assert installed["pro"].value == "learnomy.extensions.pro"
    assert "system" in free_plugin_names() and "pro" not in free_plugin_names()


def test_default_loads_every_installed_plugin() -> None:
    manager = build_plugin_manager()
    assert {"learnomy_core", "system", "pro"} <= {name for name, _ in manager.list_name_plugin()}


@pytest.mark.parametrize("spec", ["system", "learnomy.controllers.system"])
def test_plugins_by_entry_point_name_or_module_path(spec: str) -> None:
    manager = build_plugin_manager([spec])
    assert manager.has_plugin("system")


def test_exclude_leaves_a_plugin_out() -> None:
    manager = build_plugin_manager(exclude=["pro"])
    assert not manager.has_plugin("pro") and manager.has_plugin("system")


def test_unknown_plugin_name_fails_clearly() -> None:
    with pytest.raises(LookupError, match="no plugin named 'nope'"):
        build_plugin_manager(["nope"])


def test_misspelled_hook_fails_at_start_up() -> None:
    with pytest.raises(pluggy.PluginValidationError):
        build_plugin_manager([misspelled])


def test_a_plugins_namespace_vanishes_when_it_is_left_out(make_app) -> None:
    with_acme = Client(make_app())
    without = Client(make_app(exclude=["acme"]))
    assert "acme/v1" in with_acme.get("/wp-json/").json["namespaces"]
    assert "acme/v1" not in without.get("/wp-json/").json["namespaces"]
    response = without.get("/wp-json/acme/v1/widgets")
    assert response.status_code == 404 and response.json["error"]["code"] == "rest_no_route"


def test_pro_left_out(make_app) -> None:
    app = make_app(exclude=["pro"])
    assert not app.plugins.has_plugin("pro")
    assert "pro" not in app.settings.groups
    assert all(not ns.startswith("learnomy-pro") for ns in app.registry.namespaces)


def test_a_plugin_overrides_a_free_route_only_when_it_says_so(make_app) -> None:
    app = make_app(plugins=["system", override_health])
    assert Client(app).get("/wp-json/learnomy/v1/health").json["data"] == {"status": "overridden"}


def test_a_clash_names_both_plugins(make_app) -> None:
    from tests.plugins import stray

    with pytest.raises(RegistrationError) as caught:
        make_app(plugins=["system", stray, "tests.plugins.stray_twin"])
    message = str(caught.value)
    assert "'tests.plugins.stray'" in message and "'tests.plugins.stray_twin'" in message


def test_plugin_listing_names_versions_and_hooks() -> None:
    rows = {row["name"]: row for row in plugin_versions(build_plugin_manager(["system", acme]))}
    assert rows["system"]["version"]
    assert "learnomy_register_routes" in rows["system"]["hooks"]
    assert "learnomy_authenticate" in rows["acme"]["hooks"]


def test_tracing_writes_hook_calls(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("LEARNOMY_TRACE_PLUGINS", "1")
    manager = build_plugin_manager(["system"])
    manager.hook.learnomy_settings_groups()
    assert "learnomy_settings_groups" in capsys.readouterr().err


def test_tables_and_migrations_come_from_plugins(app) -> None:
    assert "lrn_acme_widgets" in app.tables and "options" in app.tables
    assert any(path.endswith("acme_migrations") for path in app.migration_locations())


def test_unknown_configuration_key_is_refused() -> None:
    with pytest.raises(TypeError, match="databse_url"):
        create_app(plugins=[], databse_url="sqlite://")


class _Needs:
    """A plugin that needs two others."""

    PLUGIN_NAME = "needy"

    @hookimpl
    def learnomy_requires(self) -> list[str]:
        return ["system", "ghost"]


class _AlsoNeeds:
    PLUGIN_NAME = "also_needy"

    @hookimpl
    def learnomy_requires(self) -> list[str]:
        return ["phantom"]


def test_missing_requirements_are_refused_at_start_up_all_at_once() -> None:
    with pytest.raises(MissingRequirements) as caught:
        build_plugin_manager([_Needs(), _AlsoNeeds()])
    assert caught.value.missing == {"needy": ["system", "ghost"], "also_needy": ["phantom"]}
    assert "needy requires system, ghost" in str(caught.value)


def test_requirements_met_load() -> None:
    ok = type("Fine", (), {"PLUGIN_NAME": "fine", "learnomy_requires": hookimpl(lambda self: ["system"])})()
    manager = build_plugin_manager(["system", ok])
    assert manager.has_plugin("fine")


def test_excluding_a_required_plugin_leaves_out_what_requires_it() -> None:
    ok = type("Fine", (), {"PLUGIN_NAME": "fine", "learnomy_requires": hookimpl(lambda self: ["system"])})()
    needs_ok = type("Finer", (), {"PLUGIN_NAME": "finer", "learnomy_requires": hookimpl(lambda self: ["fine"])})()
    manager = build_plugin_manager(["system", "identity", ok, needs_ok], exclude=["system"])
    assert [name for name, _ in manager.list_name_plugin()] == ["learnomy_core", "identity"]


class _Wrapper:
    """Sees every plugin's route registration, as a pluggy wrapper does any hook call."""

    PLUGIN_NAME = "wrapper"

    def __init__(self) -> None:
        self.seen: list[int] = []

    @hookimpl(wrapper=True)
    def learnomy_register_routes(self, registry: Any) -> Any:
        before = len(registry._registrations)
        result = yield
        self.seen.append(len(registry._registrations) - before)
        return result


def test_route_registration_goes_through_pluggy_so_wrappers_see_each_plugin() -> None:
    wrapper = _Wrapper()
    create_app(plugins=["system", acme, wrapper], database_url="sqlite://")
    assert len(wrapper.seen) == 2 and all(count > 0 for count in wrapper.seen)
