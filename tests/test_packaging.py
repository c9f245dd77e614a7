"""What ``pip install .`` installs: every module and data file of the project,
under the project's own names, and no generic top-level import names."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import distribution
from pathlib import Path

import pytest

from learnomy_core.audit import packaged_manifest

GENERIC = {"controllers", "extensions", "tests", "audit", "bench", "docs"}
CHECKOUT = Path(__file__).resolve().parents[1]
# Folder in the repository -> where its files sit in the wheel.
INSTALLED_AS = {"learnomy_core": "learnomy_core", "controllers": "learnomy/controllers",
                "extensions": "learnomy/extensions", "audit": "learnomy/audit"}
in_checkout = pytest.mark.skipif(
    not (CHECKOUT / "setup.cfg").is_file(),
    reason="the suite runs against an installed copy, away from the checkout (.ci/run)",
)


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


def source_files() -> list[str]:
    """The checkout's files that a clean clone would have (tracked or new, not ignored)."""
    try:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=CHECKOUT,
                                check=True, capture_output=True, text=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        listed = [str(p.relative_to(CHECKOUT)) for p in CHECKOUT.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and ".git" not in p.parts]
    return sorted(name for name in listed if (CHECKOUT / name).is_file())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """The wheel ``pip wheel .`` builds, from a clean copy (no stale ``build/`` to hide a missing file)."""
    source = tmp_path_factory.mktemp("source")
    for name in source_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(CHECKOUT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
                   check=True, capture_output=True)
    (built,) = out.glob("learnomy-*.whl")
    return zipfile.ZipFile(built)


@in_checkout
def test_the_wheel_holds_every_file_of_the_packages(wheel: zipfile.ZipFile) -> None:
    expected = set()
    for name in source_files():
        folder, _, rest = name.partition("/")
        if folder in INSTALLED_AS and rest:
            expected.add(f"{INSTALLED_AS[folder]}/{rest}")
    assert "learnomy_core/identity/users.py" in expected and "learnomy/audit/manifest.json" in expected
    assert "learnomy/extensions/pro/manifest.json" in expected
    missing = expected - set(wheel.namelist())
    assert not missing, f"pip install . would leave out {sorted(missing)}"


@in_checkout
def test_the_wheel_claims_no_generic_names(wheel: zipfile.ZipFile) -> None:
    (top_level,) = [n for n in wheel.namelist() if n.endswith(".dist-info/top_level.txt")]
    assert set(wheel.read(top_level).decode().split()) == {"learnomy", "learnomy_core"}
    roots = {name.split("/")[0] for name in wheel.namelist() if not name.split("/")[0].endswith(".dist-info")}
    assert roots == {"learnomy", "learnomy_core"}


@in_checkout
def test_the_checkout_manifest_is_the_packaged_one() -> None:
    # Developers edit audit/manifest.json; an editable install audits against that very file.
    assert packaged_manifest() == CHECKOUT / "audit" / "manifest.json"


def test_the_manifest_is_installed() -> None:
    assert packaged_manifest().is_file()
