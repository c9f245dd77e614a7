"""Finding and loading plugins.

Plugins are found through the ``learnomy.plugins`` entry point group. The Free
controllers and the Pro extension are listed there by this project's own
``setup.cfg``, exactly as a third party lists its plugin. ``create_app`` loads all
of them unless told which::

    create_app(plugins=["system", my_plugin_module], exclude=["pro"])

An item of ``plugins`` is an entry point name, a dotted module path, or a module
or object with hook implementations. Set ``LEARNOMY_TRACE_PLUGINS=1`` to print
every hook call to standard error.
"""

from __future__ import annotations

import importlib
import os
import sys
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union

import pluggy

from . import builtin, hookspecs
from .errors import MissingRequirements
from .hookspecs import hookimpl

__all__ = [
    "hookimpl",
    "ENTRY_POINT_GROUP",
    "FREE_PACKAGE",
    "available_plugins",
    "free_plugin_names",
    "build_plugin_manager",
    "plugin_callers",
    "check_requirements",
    "plugin_switches",
    "dormant_plugins",
    "PluginSpec",
]

ENTRY_POINT_GROUP = "learnomy.plugins"
FREE_PACKAGE = "learnomy.controllers"
CORE_PLUGIN = "learnomy_core"

PluginSpec = Union[str, ModuleType, Any]
_DORMANT = "learnomy_dormant"  # the manager's attribute holding its switched-off plugins


def available_plugins() -> dict[str, EntryPoint]:
    """Every installed plugin by entry point name: Free first, then the rest by name."""
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return dict(sorted(found.items(), key=lambda item: (not _is_free(item[1]), item[0])))


def free_plugin_names() -> list[str]:
    """The Free controllers' entry point names (what ``audit/manifest.json`` covers)."""
    return [name for name, ep in available_plugins().items() if _is_free(ep)]


def _is_free(ep: EntryPoint) -> bool:
    return ep.value == FREE_PACKAGE or ep.value.startswith(FREE_PACKAGE + ".")


def build_plugin_manager(
    plugins: Optional[Sequence[PluginSpec]] = None,
    exclude: Iterable[str] = (),
    switched_off: Optional[Callable[[pluggy.PluginManager], Iterable[str]]] = None,
) -> pluggy.PluginManager:
    """A plugin manager with the core and the chosen plugins loaded, in order.

    :param plugins: what to load; None loads every installed plugin.
    :param exclude: entry point (or plugin) names to leave out, with every plugin
        that requires one of them (``exclude=["pro"]`` leaves out every Pro
        extension); a requirement neither loaded nor excluded is refused.
    :param switched_off: given the manager with every chosen plugin loaded, the
        names of the plugins not to boot (``create_app`` passes the plugins whose
        ``learnomy_plugin_switches`` setting is off). They and the plugins
        requiring them are unregistered before any table or route is collected, and
        kept in :func:`dormant_plugins` (their migrations still apply).
    :raises LookupError: for a plugin name that is not installed.
    :raises pluggy.PluginValidationError: for a misspelled hook implementation.
    """
    manager = pluggy.PluginManager("learnomy")
    manager.add_hookspecs(hookspecs)
    manager.register(builtin, name=CORE_PLUGIN)
    installed = available_plugins()
    by_module = {ep.value: name for name, ep in installed.items()}
    excluded = set(exclude)
    chosen = list(installed) if plugins is None else list(plugins)
    for spec in chosen:
        name, plugin = _resolve(spec, installed, by_module)
        if name in excluded or name == CORE_PLUGIN:
            continue
        if manager.get_plugin(name) is None:
            manager.register(plugin, name=name)
    manager.check_pending()
    dormant: dict[str, Any] = {}
    if excluded:
        _switch_off(manager, set(), excluded, {})
    if switched_off is not None:
        _switch_off(manager, set(switched_off(manager)), set(), dormant)
    setattr(manager, _DORMANT, dormant)
    _load_requirements_first(manager, check_requirements(manager))
    if os.environ.get("LEARNOMY_TRACE_PLUGINS"):
        manager.trace.root.setwriter(lambda message: sys.stderr.write(message))
        manager.enable_tracing()
    return manager


def plugin_callers(manager: pluggy.PluginManager, hook_name: str) -> Iterator[tuple[str, Any]]:
    """``(plugin_name, caller)`` for each plugin implementing ``hook_name``, in load order.

    ``caller(**kwargs)`` runs through pluggy (a subset hook caller holding that
    plugin's implementation and every hook wrapper), so wrappers and tracing see
    the call while the caller still knows which plugin it is talking to::

        for name, call in plugin_callers(manager, "learnomy_register_routes"):
            with registry.registering(name):
                call(registry=registry)
    """
    impls = getattr(manager.hook, hook_name).get_hookimpls()
    plain = [impl for impl in impls if not (impl.hookwrapper or impl.wrapper)]
    for impl in plain:
        others = [other.plugin for other in plain if other is not impl]
        yield impl.plugin_name, manager.subset_hook_caller(hook_name, remove_plugins=others)


def dormant_plugins(manager: pluggy.PluginManager) -> dict[str, Any]:
    """The plugins installed and chosen but switched off, by name (not booted)."""
    return dict(getattr(manager, _DORMANT, {}))


def plugin_switches(manager: pluggy.PluginManager) -> dict[str, tuple[str, str, str]]:
    """Every switch the loaded plugins declare (``learnomy_plugin_switches``):
    ``{switched plugin: (declaring plugin, settings group, key)}``, for loaded plugins.

    :raises ValueError: when two plugins switch the same plugin.
    """
    found: dict[str, tuple[str, str, str]] = {}
    for owner, call in plugin_callers(manager, "learnomy_plugin_switches"):
        for answer in call():
            for target, (group, key) in (answer or {}).items():
                if not manager.has_plugin(target):
                    continue
                if target in found and found[target][0] != owner:
                    raise ValueError(f"{target!r} is switched by both {found[target][0]!r} and {owner!r}")
                found[target] = (owner, group, key)
    return found


def _requirements(manager: pluggy.PluginManager) -> dict[str, list[str]]:
    requires: dict[str, list[str]] = {}
    for name, call in plugin_callers(manager, "learnomy_requires"):
        for answer in call():
            requires.setdefault(name, []).extend(answer or [])
    return requires


def _switch_off(manager: pluggy.PluginManager, names: set[str], gone: set[str], into: dict[str, Any]) -> None:
    """Unregister ``names`` and, transitively, every plugin requiring one of them
    or one of ``gone`` (plugins already absent); what is unregistered lands in ``into``."""
    requires = _requirements(manager)
    off = {name for name in names if manager.has_plugin(name) and name != CORE_PLUGIN}
    absent = off | gone
    changed = True
    while changed:
        changed = False
        for name, needed in requires.items():
            if name not in off and set(needed) & absent:
                off.add(name)
                absent.add(name)
                changed = True
    for name in off:
        into[name] = manager.unregister(name=name)


def check_requirements(manager: pluggy.PluginManager) -> dict[str, list[str]]:
    """Refuse a plugin set in which some plugin's ``learnomy_requires`` are not loaded.

    :returns: each plugin's requirements.
    :raises MissingRequirements: naming every plugin with a gap and what it lacks.
    """
    requires: dict[str, list[str]] = {}
    missing: dict[str, list[str]] = {}
    for name, call in plugin_callers(manager, "learnomy_requires"):
        for answer in call():
            requires.setdefault(name, []).extend(answer or [])
            gaps = [needed for needed in answer or [] if not manager.has_plugin(needed)]
            if gaps:
                missing.setdefault(name, []).extend(gaps)
    if missing:
        raise MissingRequirements(missing)
    return requires


def _load_requirements_first(manager: pluggy.PluginManager, requires: dict[str, list[str]]) -> None:
    """Re-register plugins so each comes after what it requires (else in the order given).

    Load order is registration order, which decides between overlapping routes
    and which plugin's hooks run first; a plugin must see what it builds on.
    """
    loaded = [(name, plugin) for name, plugin in manager.list_name_plugin() if name != CORE_PLUGIN]
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order or name in path:
            return
        for needed in requires.get(name, []):
            visit(needed, (*path, name))
        order.append(name)

    for name, _ in loaded:
        visit(name, ())
    if order == [name for name, _ in loaded]:
        return
    plugins = dict(loaded)
    for name in order:
        manager.unregister(name=name)
    for name in order:
        manager.register(plugins[name], name=name)


def _resolve(
    spec: PluginSpec, installed: dict[str, EntryPoint], by_module: dict[str, str]
) -> tuple[str, Any]:
    if isinstance(spec, str):
        if spec in installed:
            return spec, installed[spec].load()
        try:
            module = importlib.import_module(spec)
        except ImportError:
            known = ", ".join(installed) or "none"
            raise LookupError(f"no plugin named {spec!r} (installed: {known})") from None
        return by_module.get(spec, spec), module
    module_name = getattr(spec, "__name__", None) or type(spec).__name__
    return by_module.get(module_name, getattr(spec, "PLUGIN_NAME", module_name)), spec


def plugin_versions(manager: pluggy.PluginManager) -> list[dict[str, Any]]:
    """Each loaded plugin with its distribution version and hooks (``learnomy plugins``)."""
    rows = []
    for name, plugin in manager.list_name_plugin():
        hooks = sorted(h.name for h in manager.get_hookcallers(plugin) or [])
        rows.append({"name": name, "version": _package_version(plugin), "hooks": hooks})
    return rows


def _package_version(plugin: Any) -> Optional[str]:
    from importlib.metadata import PackageNotFoundError, version

    top = (getattr(plugin, "__name__", "") or "").split(".")[0]
    for candidate in (top, "learnomy" if top in ("learnomy", "learnomy_core") else None):
        if not candidate:
            continue
        try:
            return version(candidate)
        except PackageNotFoundError:
            continue
    return None
