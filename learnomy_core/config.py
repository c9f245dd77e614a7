"""Configuration: arguments to ``create_app`` first, then environment variables.

============================  ==========================  =====================
key                           environment variable        default
============================  ==========================  =====================
``database_url``              ``LEARNOMY_DATABASE_URL``   ``sqlite:///learnomy.sqlite``
``secret_key``                ``LEARNOMY_SECRET_KEY``     generated once, kept in the database
``table_prefix``              ``LEARNOMY_TABLE_PREFIX``   ``wp_``
``site_url``                  ``LEARNOMY_SITE_URL``       taken from each request
``rest_root``                 ``LEARNOMY_REST_ROOT``      ``/wp-json``
``environment``               ``LEARNOMY_ENVIRONMENT``    ``production``
``max_body_bytes``            ``LEARNOMY_MAX_BODY_BYTES`` 1 MiB
``public_cache_seconds``      ``LEARNOMY_PUBLIC_CACHE``   60
``access_token_ttl``          ``LEARNOMY_ACCESS_TTL``     900 (15 minutes)
``refresh_token_ttl``         ``LEARNOMY_REFRESH_TTL``    2592000 (30 days)
``bcrypt_cost``               ``LEARNOMY_BCRYPT_COST``    10 (WordPress's default)
============================  ==========================  =====================
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Optional, TypedDict

__all__ = ["Config", "load_config"]


class Config(TypedDict):
    """The app's settings that come from its host, not from the database."""

    database_url: str
    secret_key: Optional[str]
    table_prefix: str
    site_url: Optional[str]
    rest_root: str
    environment: str
    max_body_bytes: int
    public_cache_seconds: int
    access_token_ttl: int
    refresh_token_ttl: int
    bcrypt_cost: int


_DEFAULTS: dict[str, Any] = {
    "database_url": "sqlite:///learnomy.sqlite",
    "secret_key": None,
    "table_prefix": "wp_",
    "site_url": None,
    "rest_root": "/wp-json",
    "environment": "production",
    "max_body_bytes": 1024 * 1024,
    "public_cache_seconds": 60,
    "access_token_ttl": 15 * 60,
    "refresh_token_ttl": 30 * 24 * 3600,
    "bcrypt_cost": 10,
}
_ENVIRONMENT = {
    "database_url": "LEARNOMY_DATABASE_URL",
    "secret_key": "LEARNOMY_SECRET_KEY",
    "table_prefix": "LEARNOMY_TABLE_PREFIX",
    "site_url": "LEARNOMY_SITE_URL",
    "rest_root": "LEARNOMY_REST_ROOT",
    "environment": "LEARNOMY_ENVIRONMENT",
    "max_body_bytes": "LEARNOMY_MAX_BODY_BYTES",
    "public_cache_seconds": "LEARNOMY_PUBLIC_CACHE",
    "access_token_ttl": "LEARNOMY_ACCESS_TTL",
    "refresh_token_ttl": "LEARNOMY_REFRESH_TTL",
    "bcrypt_cost": "LEARNOMY_BCRYPT_COST",
}


def load_config(overrides: Optional[Mapping[str, Any]] = None, environ: Optional[Mapping[str, str]] = None) -> Config:
    """Merge ``overrides``, then the environment, then defaults.

    :raises TypeError: on an unknown key.
    :raises ValueError: on a malformed value.
    """
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown configuration key(s): {', '.join(sorted(unknown))}")
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for key, default in _DEFAULTS.items():
        if key in overrides:
            value = overrides[key]
        elif environ.get(_ENVIRONMENT[key]):
            value = environ[_ENVIRONMENT[key]]
        else:
            value = default
        if isinstance(default, int) and not isinstance(value, int):
            value = int(value)
        config[key] = value
    config["rest_root"] = "/" + str(config["rest_root"]).strip("/")
    if config["site_url"]:
        config["site_url"] = str(config["site_url"]).rstrip("/")
    if config["max_body_bytes"] < 1:
        raise ValueError("max_body_bytes must be positive")
    if not 4 <= config["bcrypt_cost"] <= 31:
        raise ValueError("bcrypt_cost must be between 4 and 31")
    return Config(**config)  # type: ignore[typeddict-item]
