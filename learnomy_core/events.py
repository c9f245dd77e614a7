"""The one internal event API: ``emit(request, "course.created", data)``.

Every area reports its changes here; plugins receive them through the
``learnomy_event`` hook inside the same transaction (webhook outbox,
notifications), and the request keeps a list of what it emitted.
"""

from __future__ import annotations

from typing import Any

from .request import RestRequest

__all__ = ["emit"]


def emit(request: RestRequest, event: str, data: Any) -> None:
    """Announce ``event`` with the resource ``data`` to every plugin."""
    request.events.append((event, data))
    request.app.plugins.hook.learnomy_event(request=request, event=event, data=data)
