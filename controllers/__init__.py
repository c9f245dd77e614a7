"""The Free plugins of Learnomy: one domain package per area, one plugin each.

Installed as ``learnomy.controllers``. Each package (``system``, ``identity``,
``catalog``, ``learning``, ``assessment``) holds its tables, its Alembic branch,
its access rules and its routes, states the plugins it requires
(``learnomy_requires``), and is listed in the ``learnomy.plugins`` entry point
group of ``setup.cfg`` like any third-party plugin. Dependencies point one way:
assessment → learning → catalog → the core, communication → catalog; identity and system need only the core.
A package imports another only through that package's root (its ``__all__``).

``migrations/`` is the Free history as it stood before the domain packages: one
linear chain (``free_0001`` ...) that every Free package's migrations build on;
each package's own changes go into its own branch, in its own ``migrations/``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FREE_HISTORY", "migration_folders"]

FREE_HISTORY = Path(__file__).with_name("migrations")
"""The Free revisions made before the domain packages (shared history)."""


def migration_folders(package_file: str) -> list[str]:
    """A Free package's Alembic folders: the shared history, then its own branch."""
    return [str(FREE_HISTORY), str(Path(package_file).with_name("migrations"))]
