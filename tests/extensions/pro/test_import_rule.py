"""Pro is built as a third party builds a plugin: every module of extensions/pro,
read by ``ast``, imports only the documented public API (docs/plugins.md, "The
public API": learnomy_core modules by their ``__all__``, the Free packages' roots by
their ``__all__``), its own package by relative imports, and allowed libraries."""

from __future__ import annotations

import ast
import importlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# The installed package's own files: in CI the suite runs against the wheel, from a
# directory that holds the tests but not the sources.
PRO = Path(importlib.import_module("learnomy.extensions.pro").__file__ or "").parent
DOC = (ROOT / "docs" / "plugins.md").read_text()
PUBLIC_SECTION = re.search(r"^## The public API\n(.*?)(?=^## )", DOC, re.S | re.M)
assert PUBLIC_SECTION, "docs/plugins.md has no '## The public API' section"
CORE_MODULES = set(re.findall(r"`(learnomy_core(?:\.[a-z_.]+)?)`", PUBLIC_SECTION.group(1)))
FREE_ROOT = "learnomy.controllers"
THIRD_PARTY = {"sqlalchemy", "alembic", "werkzeug", "nh3", "sympy"}
MODULES = sorted(p for p in PRO.rglob("*.py") if "__pycache__" not in p.parts)


def public_names(module: str) -> set[str]:
    return set(getattr(importlib.import_module(module), "__all__", ()))


def problems_of(path: Path) -> list[str]:
    """Every import of ``path`` that breaks the rule, one line each."""
    relative = path.relative_to(PRO)
    # The package a module belongs to: "" for the root, else its extension's folder.
    extension = relative.parts[0] if len(relative.parts) > 1 else ""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        where = f"{relative}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                found += [f"{where}: {p}" for p in _absolute(alias.name, None)]
        elif isinstance(node, ast.ImportFrom):
            names = [alias.name for alias in node.names]
            underscored = [n for n in names if n.startswith("_")]
            if underscored:
                found.append(f"{where}: underscore names {underscored}")
            if node.level == 0:
                found += [f"{where}: {p}" for p in _absolute(node.module or "", names)]
            else:
                found += [f"{where}: {p}" for p in _relative(path, extension, node.level, node.module, names)]
    return found


def _absolute(module: str, names: list[str] | None) -> list[str]:
    top = module.split(".")[0]
    if any(part.startswith("_") for part in module.split(".")) and module != "__future__":
        return [f"{module} is private"]
    if module == "__future__" or top in sys.stdlib_module_names or top in THIRD_PARTY:
        return []
    if top == "learnomy_core":
        if module not in CORE_MODULES:
            return [f"{module} is not in docs/plugins.md's public API"]
        if names is None:
            return []
        unknown = [n for n in names if n not in public_names(module)]
        return [f"{module} does not export {unknown}"] if unknown else []
    if module.startswith(FREE_ROOT + "."):
        if module.count(".") != 2:
            return [f"{module}: a Free package is imported through its root only"]
        if names is None:
            return [f"import {module}: import names from its __all__"]
        unknown = [n for n in names if n not in public_names(module)]
        return [f"{module} does not export {unknown}"] if unknown else []
    if module.startswith("learnomy.extensions"):
        return [f"{module}: Pro imports its own modules relatively"]
    return [f"{module} is not an allowed library"]


def _relative(path: Path, extension: str, level: int, module: str | None, names: list[str]) -> list[str]:
    """Inside one's own package; an extension reaches the root only for its ``__all__``."""
    folder = path.parent
    for _ in range(level - 1):
        folder = folder.parent
    if not folder.is_relative_to(PRO):
        return [f"relative import above extensions/pro ({'.' * level}{module or ''})"]
    target = folder.relative_to(PRO).parts
    if not extension:
        return [] if not target else [f"the root imports an extension ({'.' * level}{module or ''})"]
    if target and target[0] == extension:
        return []  # its own package
    if target == () and module is None:
        root = public_names("learnomy.extensions.pro")
        unknown = [n for n in names if n not in root]
        return [f"the Pro root does not export {unknown}"] if unknown else []
    return [f"{'.' * level}{module or ''}: an extension imports only its own package and the root's __all__"]


def test_the_rule_reads_every_module_and_the_documented_modules() -> None:
    assert PRO / "__init__.py" in MODULES and len(MODULES) > 9
    assert {"learnomy_core", "learnomy_core.errors", "learnomy_core.cursors"} <= CORE_MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PRO)))
def test_pro_imports_only_the_public_api(path: Path) -> None:
    assert problems_of(path) == []


@pytest.mark.parametrize("source, expected", [
    ("from learnomy_core.app import create_app", "not in docs/plugins.md's public API"),
    ("from learnomy_core.cursors import _sign", "underscore names"),
    ("from learnomy_core.errors import Nope", "does not export"),
    ("from learnomy.controllers.catalog.access import lesson_locks", "through its root only"),
    ("from learnomy.controllers.catalog import _later", "underscore names"),
    ("from learnomy.controllers.catalog import not_public", "does not export"),
    ("from learnomy.extensions.pro import NAMESPACE", "relatively"),
    ("import requests", "not an allowed library"),
    ("from ..cohorts import something", "only its own package"),
    ("from .. import secret_thing", "does not export"),
])
def test_the_rule_catches(source: str, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    module = PRO / "drip" / "rule_probe.py"
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: source if self == module else _read(self))
    assert any(expected in line for line in problems_of(module))


_read = Path.read_text


def test_allowed_forms_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    module = PRO / "drip" / "rule_probe.py"
    source = "\n".join([
        "from __future__ import annotations",
        "import json",
        "import sqlalchemy as sa",
        "from learnomy_core import hookimpl",
        "from learnomy_core.errors import NotFound",
        "from learnomy.controllers.catalog import editor_policy",
        "from .. import NAMESPACE",
        "from . import routes",
        "from .routes import register",
    ])
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: source if self == module else _read(self))
    assert problems_of(module) == []
