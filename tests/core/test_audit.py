"""The manifest audit, both ways, and the ``learnomy`` command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from learnomy_core import create_app
from learnomy_core.audit import compare, load_manifest, manifest_of, packaged_manifest
from learnomy_core.cli import main
from learnomy_core.plugins import free_plugin_names
from tests.plugins import stray

# The manifest installed with learnomy: in a checkout, audit/manifest.json itself.
MANIFEST = packaged_manifest()


def live(*extra: object) -> list[dict]:
    return create_app(plugins=[*free_plugin_names(), *extra], database_url="sqlite://").registry.entries()


def test_the_free_registry_matches_the_manifest() -> None:
    assert compare(load_manifest(MANIFEST), live()) == []


def test_the_audit_catches_a_stray_route() -> None:
    problems = compare(load_manifest(MANIFEST), live(stray))
    assert problems == ["not in the manifest: GET /learnomy/v1/stray (plugin tests.plugins.stray, permission public)"]


def test_the_audit_catches_a_missing_route() -> None:
    manifest = load_manifest(MANIFEST) + [{
        "namespace": "learnomy/v1", "route": "/gone", "methods": ["GET"],
        "permission": "public", "sensitive": False, "plugin": "system",
    }]
    assert compare(manifest, live()) == ["missing from the registry: GET /learnomy/v1/gone"]


@pytest.mark.parametrize("field, change", [
    ("permission", lambda old: old + "_changed"),
    ("sensitive", lambda old: not old),
    ("plugin", lambda old: "other"),
])
def test_the_audit_catches_a_changed_entry(field: str, change) -> None:
    manifest = load_manifest(MANIFEST)
    manifest[0] = {**manifest[0], field: change(manifest[0][field])}
    (problem,) = compare(manifest, live())
    assert problem.startswith("changed: ") and field in problem


def test_manifest_file_is_in_its_canonical_form() -> None:
    document = json.loads(MANIFEST.read_text())
    assert document == manifest_of(document["routes"])


def test_cli_audit_passes_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["audit", "--manifest", str(MANIFEST)]) == 0
    broken = tmp_path / "manifest.json"
    document = json.loads(MANIFEST.read_text())
    document["routes"].pop()
    broken.write_text(json.dumps(document))
    assert main(["audit", "--manifest", str(broken)]) == 1
    assert "not in the manifest" in capsys.readouterr().out


def test_cli_audit_defaults_to_the_installed_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture) -> None:
    # Anywhere, not only at the checkout's root: a deployed copy audits itself.
    monkeypatch.chdir(tmp_path)
    assert main(["audit"]) == 0
    assert str(MANIFEST) in capsys.readouterr().out


def test_cli_audit_write_then_check(tmp_path: Path) -> None:
    target = tmp_path / "audit" / "manifest.json"
    assert main(["audit", "--manifest", str(target), "--write"]) == 0
    assert main(["audit", "--manifest", str(target)]) == 0
    assert main(["audit", "--manifest", str(tmp_path / "absent.json")]) == 1


def test_cli_routes_table(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNOMY_DATABASE_URL", "sqlite://")
    assert main(["routes"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["METHODS", "ROUTE", "PERMISSION", "SENSITIVE", "PLUGIN"]
    assert "/learnomy/v1/health" in out


def test_cli_plugins(capsys: pytest.CaptureFixture) -> None:
    assert main(["plugins"]) == 0
    names = [row["name"] for row in json.loads(capsys.readouterr().out)]
    assert names[0] == "learnomy_core" and {"system", "identity", "pro"} <= set(names)


def test_cli_db_upgrade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "sub" / "cli.sqlite"
    monkeypatch.setenv("LEARNOMY_DATABASE_URL", f"sqlite:///{database}")
    assert main(["db", "upgrade"]) == 0
    app = create_app(database_url=f"sqlite:///{database}")
    assert app.storage.pending_revisions(app.migration_locations()) == set()
    fresh = create_app(database_url=f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    assert "core_0001" in fresh.storage.pending_revisions(fresh.migration_locations())
    fresh.storage.dispose()
    app.storage.dispose()


def test_every_shipped_manifest_matches_with_every_switch_on() -> None:
    from learnomy_core.audit import audit

    results = audit(create_app(database_url="sqlite://", switches=True))
    assert {m.owner for m, _ in results} >= {"learnomy_core", "pro"}
    assert all(problems == [] for _, problems in results)


def test_a_third_party_manifest_gets_the_same_check_both_ways(tmp_path: Path) -> None:
    from learnomy_core.audit import audit
    from tests.plugins import gadget
    from tests.plugins.gadget import reports

    app = create_app(plugins=["system", gadget, reports], database_url="sqlite://", switches=True)
    ((core, free), (mine, problems)) = audit(app)
    assert (mine.owner, mine.path, mine.plugins) == ("gadget", gadget.MANIFEST, ("gadget", "gadget.reports"))
    assert problems == []
    broken = tmp_path / "manifest.json"
    document = json.loads(gadget.MANIFEST.read_text())
    document["routes"] = [document["routes"][0], {**document["routes"][0], "route": "/gone"}]
    broken.write_text(json.dumps(document))
    (_, (_, problems)) = audit(app, paths={"gadget": broken})
    assert problems == ["missing from the registry: GET /gadget/v1/gone",
                        "not in the manifest: GET /gadget/v1/reports (plugin gadget.reports, "
                        "permission capability:manage_options)"]
    assert audit(app, paths={"gadget": tmp_path / "absent.json"})[1][1][0].startswith("no manifest at")
    written = tmp_path / "written.json"
    audit(app, write=True, paths={"gadget": written, "learnomy_core": tmp_path / "free.json"})
    assert json.loads(written.read_text()) == json.loads(gadget.MANIFEST.read_text())


def test_cli_audit_checks_pros_manifest_too(capsys: pytest.CaptureFixture) -> None:
    from learnomy.extensions.pro import MANIFEST as PRO_MANIFEST

    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    assert f"The registry matches {PRO_MANIFEST}" in out and f"The registry matches {MANIFEST}" in out
