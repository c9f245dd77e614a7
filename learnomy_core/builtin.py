"""The core's own plugin, always loaded: its tables, authentication, the default
mailer and the ``api``, ``wordpress`` and ``smtp`` settings groups."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .hookspecs import hookimpl
from .idempotency import idempotency_table
from .identity.api_keys import api_keys_table
from .identity.ratelimit import ratelimit_table
from .jobs import jobs_table
from .mail import SMTP_SETTINGS_GROUP, deliver, mail_job_kinds, send_mail
from .identity.tokens import token_tables
from .identity.users import users_tables
from .identity.wordpress import SETTINGS_GROUP as WORDPRESS_SETTINGS
from .options import options_table
from .table_versions import table_versions_table


@hookimpl
def learnomy_register_tables(metadata: sa.MetaData, prefix: str) -> None:
    options_table(metadata, prefix)
    users_tables(metadata, prefix)
    token_tables(metadata, prefix)
    ratelimit_table(metadata, prefix)
    idempotency_table(metadata, prefix)
    jobs_table(metadata, prefix)
    api_keys_table(metadata, prefix)
    table_versions_table(metadata, prefix)


@hookimpl
def learnomy_route_manifest() -> dict[str, Any]:
    # The Free controllers' manifest, installed with learnomy (audit/manifest.json).
    from .audit import packaged_manifest
    from .plugins import free_plugin_names

    return {"path": packaged_manifest(), "plugins": free_plugin_names()}


@hookimpl
def learnomy_authenticate(request: Any) -> Any:
    return request.app.identity.authenticate(request)


@hookimpl(trylast=True)
def learnomy_send_mail(to: str, subject: str, body: str, request: Any = None) -> bool:
    # Through a job, so that SMTP never slows the request; the job logs the
    # message when no SMTP server is configured (development sees reset keys).
    if request is not None:
        send_mail(request.db, to, subject, body)
    else:
        deliver(to, subject, body)
    return True


@hookimpl
def learnomy_job_kinds() -> dict[str, Any]:
    return dict(mail_job_kinds())


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
                    "description": "Requests per minute to each sensitive route: per user, or per client address and account for routes that let someone in.",
                },
                "cors_origins": {
                    "type": "array",
                    "items": {"type": "string", "pattern": r"^(\*|https?://[^/\s?#]+)$"},
                    "default": ["*"],
                    "description": "Origins whose web apps may call the API (CORS): \"*\" for any "
                                   "(WordPress's default), or origins such as https://app.example.org.",
                },
                "jsonp_enabled": {
                    "type": "boolean",
                    "default": True,
                    "description": "Answer ?_jsonp=callback with JavaScript, as WordPress does.",
                },
            },
        },
        "wordpress": WORDPRESS_SETTINGS,
        "smtp": SMTP_SETTINGS_GROUP,
    }
