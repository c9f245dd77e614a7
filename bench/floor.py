"""The floor of our stack: a bare werkzeug app whose Map holds as many rules as
ours and answers the bench plugin's ping JSON (no database work in either)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response


def make_floor(rule_count: int) -> Callable[..., Iterable[bytes]]:
    rules = [Rule("/wp-json/bench/v1/ping", endpoint="ping")]
    rules += [Rule(f"/wp-json/filler/v1/route{i}/<int:id>", endpoint=f"filler{i}") for i in range(max(0, rule_count - 1))]
    url_map = Map(rules)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint, _ = url_map.bind_to_environ(environ).match()
        except HTTPException as exc:
            return exc(environ, start_response)
        body = {"data": {"status": "ok", "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}}
        response = Response(json.dumps(body, separators=(",", ":")), mimetype="application/json")
        response.headers["X-Request-Id"] = request.headers.get("X-Request-Id", "floor")
        return response(environ, start_response)

    return app
