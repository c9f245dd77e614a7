"""Installed, the project claims no generic top-level import names."""

from __future__ import annotations

from importlib.metadata import distribution

GENERIC = {"controllers", "extensions", "tests", "audit", "bench", "docs"}


def test_top_level_names_are_the_projects_own() -> None:
    dist = distribution("learnomy")
    top_level = set((dist.read_text("top_level.txt") or "").split())
    assert top_level and top_level <= {"learnomy", "learnomy_core"}
    assert not (top_level & GENERIC)


def test_controllers_and_extensions_install_under_learnomy() -> None:
    import learnomy.controllers.system
    import learnomy.extensions.pro

    assert learnomy.controllers.system.__file__.replace("\\", "/").endswith("controllers/system/__init__.py")
    assert learnomy.extensions.pro.PLUGIN_NAME == "pro"
