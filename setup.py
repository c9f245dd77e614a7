"""Which packages the distribution holds; everything else is in ``setup.cfg``.

The Free controllers, the extensions and the route manifest live in generic
folders of the repository (``controllers/``, ``extensions/``, ``audit/``) and
install under the project's own name (``learnomy.controllers``, ...), so that
site-packages gains no ``controllers`` or ``extensions``. ``setup.cfg``'s
``find:`` keeps a folder's own name, so the packages are found here: every folder
under each root, found anew at every build, so a new subpackage cannot be
forgotten (``tests/test_packaging.py`` checks the built wheel file by file).
"""

from setuptools import find_namespace_packages, setup

# Installed name -> folder in the repository.
ROOTS = {
    "learnomy_core": "learnomy_core",
    "learnomy.controllers": "controllers",
    "learnomy.extensions": "extensions",
    "learnomy.audit": "audit",
}


def packages() -> list[str]:
    """Each root and every folder below it (``__init__.py`` or not), renamed."""
    found = []
    for name, folder in ROOTS.items():
        found.append(name)
        found += [f"{name}.{sub}" for sub in find_namespace_packages(folder, exclude=["*__pycache__*"])]
    return found


setup(package_dir=ROOTS, packages=packages())
