"""Every hook is documented in docs/plugins.md, with a heading and an example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from learnomy_core import hookspecs
from learnomy_core.plugins import build_plugin_manager

DOC = (Path(__file__).resolve().parents[1] / "docs" / "plugins.md").read_text()
HOOKS = sorted(name for name in dir(build_plugin_manager([]).hook) if name.startswith("learnomy_"))


def _section(name: str) -> str:
    found = re.search(rf"^### {name}\n(.*?)(?=^### |\Z)", DOC, re.S | re.M)
    assert found, f"docs/plugins.md has no '### {name}' section"
    return found.group(1)


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_documented_section(name: str) -> None:
    section = _section(name)
    assert f"`{name}(" in section, "the section shows the signature"
    assert "```python" in section, "the section has an example"


@pytest.mark.parametrize("name", HOOKS)
def test_every_hookspec_has_a_docstring(name: str) -> None:
    assert (getattr(hookspecs, name).__doc__ or "").strip()


def test_no_section_documents_a_hook_that_does_not_exist() -> None:
    assert sorted(re.findall(r"^### (\w+)$", DOC, re.M)) == HOOKS
