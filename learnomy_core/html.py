"""HTML fields are sanitized on write with nh3 (the Ammonia sanitizer): no script,
event handler or ``javascript:`` URL is ever stored."""

from __future__ import annotations

import nh3

__all__ = ["sanitize_html"]

_TAGS = nh3.ALLOWED_TAGS | {"figure", "figcaption", "video", "source", "iframe"}
_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    "video": {"src", "controls", "width", "height", "poster"},
    "source": {"src", "type"},
    "iframe": {"src", "width", "height", "allowfullscreen", "title"},
}


def sanitize_html(value: str) -> str:
    """``value`` with only safe tags, attributes and URL schemes left."""
    return nh3.clean(value, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"})
