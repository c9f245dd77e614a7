"""WordPress's global parameters that shape an answer: ``_fields``, ``_envelope``, ``_jsonp``.

- ``_fields=id,author.name`` (or ``_fields[]=id&_fields[]=author.name``) keeps only
  those keys of each object: under ``data`` in the envelope, of the whole body
  for WordPress-shaped bodies (the index, ``wp/v2``); errors are never trimmed.
- ``_envelope`` (any value) answers 200 with ``{"body", "status", "headers"}``: the
  answer's own headers (``X-WP-Total``, ``Location``, ``Allow``, ``Link`` ...) move
  into the body, for clients that can read neither status nor headers.
- ``_jsonp=callback`` answers ``/**/callback(<json>)`` as JavaScript; a callback
  name of anything but letters, digits, ``_`` and ``.`` is 400
  ``rest_callback_invalid``, and when the ``api.jsonp_enabled`` setting is off,
  400 ``rest_callback_disabled`` (checked before the request runs). ``_jsonp=``
  (empty) is plain JSON, as in WordPress. A script tag sends no ``Authorization``
  header, so a JSONP caller is anonymous and reads only what anyone may read.

The server checks the raw query string for these names before parsing anything,
so an answer without them costs nothing here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping, Optional

from .errors import JsonpDisabled, JsonpInvalid
from .response import trim_fields

if TYPE_CHECKING:  # pragma: no cover
    from .request import RestRequest

__all__ = ["wanted_fields", "apply_fields", "jsonp_callback", "enveloped", "JSON_TYPE", "JAVASCRIPT_TYPE", "MARKERS"]

JSON_TYPE = "application/json; charset=UTF-8"
JAVASCRIPT_TYPE = "application/javascript; charset=UTF-8"
MARKERS = ("_fields", "_envelope", "_jsonp")
"""Substrings of a query string that may ask for one of these parameters."""

_CALLBACK = re.compile(r"[A-Za-z0-9_.]+")  # WordPress's wp_check_jsonp_callback


def wanted_fields(value: Any) -> list[str]:
    """The ``_fields`` paths: a comma or space separated string, or a list (``_fields[]=``)."""
    if isinstance(value, str):
        parts: list[Any] = re.split(r"[\s,]+", value)
    elif isinstance(value, list):
        parts = value
    else:
        return []
    return [part.strip() for part in parts if isinstance(part, str) and part.strip()]


def apply_fields(body: Any, fields: list[str], *, envelope: bool) -> Any:
    """``body`` trimmed to ``fields`` (see the module docstring)."""
    if envelope:
        if isinstance(body, dict) and "data" in body:
            return {**body, "data": trim_fields(body["data"], fields)}
        return body
    return trim_fields(body, fields)


def jsonp_callback(request: "RestRequest", enabled: bool) -> Optional[str]:
    """The JSONP callback ``request`` asks for, checked; None for plain JSON.

    :raises JsonpDisabled: ``_jsonp`` while the site has JSONP off.
    :raises JsonpInvalid: a callback name that is not a plain JavaScript name.
    """
    callback = request.query_params.get("_jsonp")
    if callback is None or callback in ("", "0"):  # PHP reads "" and "0" as no callback
        return None
    # Each a 400 naming the parameter in details, like every other refused parameter.
    if not enabled:
        raise JsonpDisabled(details=[{"param": "_jsonp", "code": JsonpDisabled.code, "message": JsonpDisabled.message}])
    if not isinstance(callback, str) or not _CALLBACK.fullmatch(callback):
        raise JsonpInvalid(details=[{"param": "_jsonp", "code": JsonpInvalid.code,
                                     "message": "_jsonp must be made of letters, digits, underscores and dots."}])
    return callback


def enveloped(body: Any, status: int, headers: Mapping[str, str]) -> dict[str, Any]:
    """WordPress's ``envelope_response``: the answer as a body, to be sent with 200."""
    return {"body": body, "status": status, "headers": dict(headers)}
