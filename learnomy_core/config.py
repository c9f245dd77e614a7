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


_DEFAULTS: dict[str, Any] = {
    "database_url": "sqlite:///learnomy.sqlite",
    "secret_key": None,
    "table_prefix": "wp_",
    "site_url": None,
    "rest_root": "/wp-json",
    "environment": "production",
    "max_body_bytes": 1024 * 1024,
    "public_cache_seconds": 60,
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
    return Config(**config)  # type: ignore[typeddict-item]
