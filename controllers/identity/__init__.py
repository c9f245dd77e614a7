"""Identity: log in, tokens, registration, password reset, the own account,
instructor applications, and WordPress's ``wp/v2`` user routes (application
passwords). The machinery (users, hashes, tokens, rate limits) is the core's
(``learnomy_core.identity``); this package is its HTTP face."""

from __future__ import annotations

import sqlalchemy as sa

from learnomy_core import RouteRegistry, hookimpl
from learnomy_core.openapi import register_openapi_routes

from .. import migration_folders
from . import account, auth, wp_users

PLUGIN_NAME = "identity"


@hookimpl
def learnomy_register_tables(metadata: sa.MetaData, prefix: str) -> None:
    account.declare_tables(metadata, prefix)


@hookimpl
def learnomy_migration_locations() -> list[str]:
    return migration_folders(__file__)


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    for module in (auth, account, wp_users):
        module.register_routes(registry)
    # WordPress's own namespace has a document too: its routes are held to it.
    register_openapi_routes(registry, wp_users.NAMESPACE)
