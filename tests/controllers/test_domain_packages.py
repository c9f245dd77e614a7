"""The Free domain packages: each starts alone with what it requires, declares
what it requires, and imports other packages only one way and only through
their roots."""

from __future__ import annotations

import ast
import pathlib
from typing import Any, Callable

import pytest
from werkzeug.test import Client

from learnomy_core.errors import MissingRequirements
from learnomy_core.plugins import available_plugins, build_plugin_manager, check_requirements
from tests.conftest import FREE

API = "/wp-json/learnomy/v1"
CONTROLLERS = pathlib.Path(__file__).resolve().parents[2] / "controllers"
# Which package may import which: the one direction dependencies point.
ALLOWED = {
    "system": set(),
    "identity": set(),
    "catalog": set(),
    "learning": {"catalog"},
    "assessment": {"catalog", "learning"},
    "commerce": {"catalog", "learning"},
    "communication": {"catalog"},
    "admin": {"identity", "catalog", "learning", "assessment", "commerce", "communication"},
}
# One request per package that reaches its own code and tables.
PROBES: dict[str, tuple[str, str, dict[str, Any], int]] = {
    "system": ("GET", "/health", {}, 200),
    "identity": ("POST", "/auth/token", {"json": {"username": "nobody", "password": "wrong password"}}, 401),
    "catalog": ("GET", "/courses", {}, 200),
    "learning": ("GET", "/certificates/verify/6f1c1c64-3c4c-4b6e-9a38-0b7c8b8f5e51", {}, 404),
    "assessment": ("GET", "/courses/999999/quizzes", {}, 404),
    "commerce": ("GET", "/membership-plans/999999", {}, 404),
    "communication": ("GET", "/notifications/unread-count", {}, 401),
    "admin": ("GET", "/admin/students", {}, 401),
}


def requirements_of(name: str) -> list[str]:
    """``name`` and everything it requires, transitively."""
    manager = build_plugin_manager(FREE)
    requires = check_requirements(manager)
    found: list[str] = []

    def visit(plugin: str) -> None:
        for needed in requires.get(plugin, []):
            visit(needed)
        if plugin not in found:
            found.append(plugin)

    visit(name)
    return found


def test_every_free_package_is_probed_and_has_an_import_rule() -> None:
    assert set(PROBES) == set(FREE) == set(ALLOWED)


@pytest.mark.parametrize("name", FREE)
def test_each_package_alone_with_its_requirements_answers(make_app: Callable[..., Any], name: str) -> None:
    plugins = requirements_of(name)
    app = make_app(plugins=plugins)
    assert [n for n, _ in app.plugins.list_name_plugin()][1:] == plugins
    method, path, extra, status = PROBES[name]
    response = Client(app).open(API + path, method=method, **extra)
    assert response.status_code == status, response.json


@pytest.mark.parametrize("name", [n for n in FREE if n not in ("system", "identity", "catalog")])
def test_a_package_without_its_requirements_is_refused_at_start_up(name: str) -> None:
    with pytest.raises(MissingRequirements) as caught:
        build_plugin_manager([name])
    assert name in caught.value.missing


def _imports(path: pathlib.Path) -> list[tuple[str, list[str]]]:
    """``(package, names)`` of every import of another Free package in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith(
                "learnomy.controllers."):
            found.append((node.module.split(".", 2)[2], [alias.name for alias in node.names]))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependencies_point_one_way_through_package_roots(package: str) -> None:
    problems = []
    for path in sorted((CONTROLLERS / package).glob("**/*.py")):
        for module, names in _imports(path):
            target = module.split(".")[0]
            if target not in ALLOWED:
                continue
            if target not in ALLOWED[package]:
                problems.append(f"{path.name}: {package} may not import {target}")
            elif "." in module:
                problems.append(f"{path.name}: imports {module}; import from the {target} package root")
            problems += [f"{path.name}: imports {target}.{n}" for n in names if n.startswith("_")]
    assert problems == []


def test_package_roots_export_what_others_import() -> None:
    import importlib

    for package in ALLOWED:
        module = importlib.import_module(f"learnomy.controllers.{package}")
        exported = set(getattr(module, "__all__", []))
        for path in (CONTROLLERS).glob("*/*.py"):
            for imported, names in _imports(path):
                if imported == package:
                    assert set(names) <= exported, f"{path}: {set(names) - exported} not in {package}.__all__"


def test_free_packages_are_the_installed_free_plugins() -> None:
    installed = available_plugins()
    assert all(installed[name].value == f"learnomy.controllers.{name}" for name in FREE)
