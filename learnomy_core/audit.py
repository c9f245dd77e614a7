"""The manifest audit: the live registry against each shipped manifest, both ways.

Every loaded plugin may ship a manifest (``learnomy_route_manifest``): a JSON file
listing the routes of the plugins it covers. The core declares the Free one,
``audit/manifest.json``; Pro declares ``extensions/pro/manifest.json``; a third
party's plugin gets the same check by declaring its own. :func:`audit` compares
each with the registry entries of the plugins it covers.

The manifest ships inside the package (``learnomy.audit``, mapped from the
repository's ``audit/`` folder), so an installed learnomy audits itself against
the manifest it was built with; in a checkout that file *is* ``audit/manifest.json``.

One manifest entry per registration: namespace, route, methods, permission
policy, sensitive, plugin. :func:`compare` names every route missing from the
registry, every route the manifest lacks, and every entry whose policy,
sensitivity or plugin changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional

if TYPE_CHECKING:  # pragma: no cover
    from .app import LearnomyApp

__all__ = ["compare", "load_manifest", "write_manifest", "manifest_of", "packaged_manifest",
           "Manifest", "declared_manifests", "audit"]

_Key = tuple[str, str, tuple[str, ...]]
_COMPARED = ("permission", "sensitive", "plugin")


def _key(entry: dict[str, Any]) -> _Key:
    return (entry["namespace"], entry["route"], tuple(sorted(m for m in entry["methods"] if m != "HEAD")))


def packaged_manifest() -> Path:
    """The manifest installed with learnomy (in an editable checkout, ``audit/manifest.json``)."""
    from importlib.resources import files

    return Path(str(files("learnomy.audit").joinpath("manifest.json")))


def manifest_of(entries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The manifest document for registry entries, in a stable order."""
    rows = [{**e, "methods": [m for m in e["methods"] if m != "HEAD"]} for e in entries]
    rows.sort(key=lambda e: (e["namespace"], e["route"], e["methods"]))
    return {"version": 1, "routes": rows}


def load_manifest(path: Path) -> list[dict[str, Any]]:
    """The entries of the manifest at ``path``."""
    return json.loads(Path(path).read_text())["routes"]


def write_manifest(path: Path, entries: Iterable[dict[str, Any]]) -> None:
    """Write the manifest for ``entries`` to ``path``."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(manifest_of(entries), indent=2) + "\n")


def compare(manifest: Iterable[dict[str, Any]], live: Iterable[dict[str, Any]]) -> list[str]:
    """Every difference between the manifest and the live registry, one line each.

    :returns: an empty list when they agree.
    """
    expected = {_key(e): e for e in manifest}
    actual = {_key(e): e for e in live}
    problems = []
    for key in sorted(set(expected) - set(actual)):
        problems.append(f"missing from the registry: {_describe(key)}")
    for key in sorted(set(actual) - set(expected)):
        problems.append(
            f"not in the manifest: {_describe(key)} (plugin {actual[key]['plugin']}, "
            f"permission {actual[key]['permission']})"
        )
    for key in sorted(set(expected) & set(actual)):
        for field in _COMPARED:
            if expected[key].get(field) != actual[key].get(field):
                problems.append(
                    f"changed: {_describe(key)} {field}: manifest says "
                    f"{expected[key].get(field)!r}, registry has {actual[key].get(field)!r}"
                )
    return problems


def _describe(key: _Key) -> str:
    namespace, route, methods = key
    return f"{','.join(methods)} /{namespace}{route}"


@dataclass(frozen=True)
class Manifest:
    """A manifest a plugin ships: who declared it, where it is, which plugins it covers."""

    owner: str
    path: Path
    plugins: tuple[str, ...]


def declared_manifests(app: "LearnomyApp") -> list[Manifest]:
    """Every manifest the loaded plugins declare (``learnomy_route_manifest``), in load order."""
    from .plugins import plugin_callers

    found = []
    for owner, call in plugin_callers(app.plugins, "learnomy_route_manifest"):
        for answer in call():
            if answer:
                found.append(Manifest(owner, Path(answer["path"]), tuple(answer.get("plugins") or [owner])))
    return found


def audit(app: "LearnomyApp", *, write: bool = False,
          paths: Optional[Mapping[str, Path]] = None) -> list[tuple[Manifest, list[str]]]:
    """Check (or with ``write``, rewrite) every declared manifest against ``app``'s registry.

    :param paths: another file for some declaring plugins' manifests (``{owner: path}``).
    :returns: each manifest with its differences (``compare``); a missing file is one
        difference naming it.
    """
    live = app.registry.entries()
    results: list[tuple[Manifest, list[str]]] = []
    for manifest in declared_manifests(app):
        if paths and manifest.owner in paths:
            manifest = Manifest(manifest.owner, Path(paths[manifest.owner]), manifest.plugins)
        entries = [e for e in live if e["plugin"] in manifest.plugins]
        if write:
            write_manifest(manifest.path, entries)
            results.append((manifest, []))
        elif not manifest.path.exists():
            results.append((manifest, [f"no manifest at {manifest.path}; run 'learnomy audit --write' to create it"]))
        else:
            results.append((manifest, compare(load_manifest(manifest.path), entries)))
    return results
