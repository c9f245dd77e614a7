"""The core's own plugin, always loaded: its tables, authentication, the default
mailer and the ``api`` and ``wordpress`` settings groups."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from .hookspecs import hookimpl
from .identity.ratelimit import ratelimit_table
from .identity.tokens import token_tables
from .identity.users import users_tables
from .identity.wordpress import SETTINGS_GROUP as WORDPRESS_SETTINGS
from .options import options_table

logger = logging.getLogger("learnomy.mail")


@hookimpl
def learnomy_register_tables(metadata: sa.MetaData, prefix: str) -> None:
    options_table(metadata, prefix)
    users_tables(metadata, prefix)
    token_tables(metadata, prefix)
    ratelimit_table(metadata, prefix)


@hookimpl
def learnomy_authenticate(request: Any) -> Any:
    return request.app.identity.authenticate(request)


@hookimpl(trylast=True)
def learnomy_send_mail(to: str, subject: str, body: str) -> bool:
    # No mail transport in the core: log it, so development setups see reset keys.
    logger.info("mail to=%s subject=%s\n%s", to, subject, body)
    return True


@hookimpl
def learnomy_settings_groups() -> dict[str, dict[str, Any]]:
    return {
        "api": {
            "type": "object",
            "properties": {
                "rate_limit_per_minute": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 100000,
                    "default": 60,
                    "description": "Requests per minute to sensitive routes, per user or client IP.",
                },
            },
        },
        "wordpress": WORDPRESS_SETTINGS,
    }
