"""``python -m bench [--quick] [--check] [--database-url URL]``: learnomy against its floor and a peer
(``python -m bench load``: the load mode, see ``bench/load.py``).

Builds the data set, then measures in one process, calls interleaved (ours, peer,
ours, peer ...) so machine drift cancels:

- dispatch: a bench plugin's route that does no database work, through learnomy,
  against a bare werkzeug app with the same number of rules (the floor of our stack);
- catalog reads: ``GET /courses`` and ``GET /courses/{id}`` against the same reads
  written plainly in Flask over the same database and SQL;
- authenticated reads (bearer JWT, application password), a 304 revalidation, a
  write (``POST /enrollments``) and a login (bcrypt-bound; its cost is reported);
- revalidation: a 304 (the route's validator) against the full read of the same
  route, for a course, the course list and a student's progress (target 0.3x);
- scaling: dispatch with 50, 200 and 1,000 routes, a list at page 1 and page
  1,000 of its cursor, queries per request at ``per_page`` 1, 20 and 100, and the
  course list, a course, a student's enrollments, an instructor's gradebook page and
  an administrator's student search at ten times the users and enrollments
  (1,000,000 against 100,000 in the full size; target 1.2x);
- ``--database-url mysql+pymysql://...``: every measure on MySQL/MariaDB instead;
- over real HTTP: the app under gunicorn and a loopback load generator.

Prints a table and writes ``bench/results/<size>.json``; ``--check`` exits 1 when
a ratio or scaling figure misses its target.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from statistics import median
from typing import Any, Callable, Iterable, Optional

import sqlalchemy as sa
from werkzeug.test import EnvironBuilder

from learnomy_core import PUBLIC, READABLE, create_app, hookimpl

from .data import FREE_PLUGINS, PASSWORD, DataSet, build
from .floor import make_floor
from .http import load_test
from .peer import make_peer

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {"dispatch": 1.3, "course_list": 1.0, "course_read": 1.0, "routes_1000_vs_50": 1.2, "cursor_page_1000_vs_1": 1.2,
           "revalidate_course_list": 0.3, "revalidate_course_read": 0.3, "revalidate_progress": 0.3,
           **{f"scale_{name}": 1.2 for name in ("course_list", "course_read", "my_enrollments", "gradebook",
                                                "admin_student_search")}}

WsgiApp = Callable[..., Iterable[bytes]]


class Request:
    """A prepared request: its environ is built once and copied per call."""

    def __init__(self, method: str, path: str, headers: Optional[dict[str, str]] = None, body: Any = None) -> None:
        builder = EnvironBuilder(path=path, method=method, headers=headers or {},
                                 json=body if body is not None else None)
        self.environ = builder.get_environ()
        self.payload = builder.input_stream.read() if builder.input_stream is not None else b""
        builder.close()

    def environ_copy(self) -> dict[str, Any]:
        environ = dict(self.environ)
        environ["wsgi.input"] = io.BytesIO(self.payload)
        return environ


def call(app: WsgiApp, request: Request) -> tuple[int, bytes]:
    status: list[str] = []
    chunks = app(request.environ_copy(), lambda s, h, e=None: status.append(s))
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return int(status[0].split()[0]), body


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"rps": round(len(ordered) / sum(ordered), 1), "p50_ms": round(median(ordered) * 1000, 3),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 3)}


def interleaved(contenders: list[tuple[WsgiApp, Callable[[int], Request], int]], n: int) -> list[list[float]]:
    """Time ``n`` calls of each contender, alternating which goes first; each must
    answer its expected status."""
    samples: list[list[float]] = [[] for _ in contenders]
    for i in range(n + max(3, n // 10)):  # the first tenth warms up
        # Each contender goes first as often as the others: a request costs more
        # right after a heavier one (caches), which must not favour either side.
        order = list(enumerate(contenders))
        shift = i % len(order)
        for index, (app, make, expected) in order[shift:] + order[:shift]:
            request = make(i)
            begin = time.perf_counter()
            status, body = call(app, request)
            elapsed = time.perf_counter() - begin
            if status != expected:
                raise SystemExit(f"unexpected {status} (wanted {expected}): {body[:300]!r}")
            if i >= max(3, n // 10):
                samples[index].append(elapsed)
    return samples


def filler_plugin(count: int) -> Any:
    """A plugin that registers ``count`` extra routes (for the route-count scaling)."""

    class Filler:
        PLUGIN_NAME = f"filler{count}"

        @staticmethod
        @hookimpl
        def learnomy_register_routes(registry: Any) -> None:
            for i in range(count):
                registry.register_rest_route("filler/v1", rf"/route{i}/(?P<id>[\d]+)", {
                    "methods": READABLE, "callback": lambda request: {}, "permission_callback": PUBLIC})

    return Filler()


def ping(request: Any) -> dict[str, Any]:
    """The bench plugin's route: what the floor answers, and no database work."""
    return {"status": "ok", "time": datetime.now(timezone.utc)}


def bench_plugin() -> Any:
    """A bench-only plugin with one route that does no database work (the dispatch measure)."""

    class BenchPlugin:
        PLUGIN_NAME = "bench"

        @staticmethod
        @hookimpl
        def learnomy_register_routes(registry: Any) -> None:
            registry.register_rest_route("bench/v1", "/ping", {
                "methods": READABLE, "callback": ping, "permission_callback": PUBLIC})

    return BenchPlugin()


def count_queries(data: DataSet, request: Request) -> int:
    seen: list[str] = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    sa.event.listen(data.app.storage.engine, "before_cursor_execute", listener)
    try:
        call(data.app, request)
    finally:
        sa.event.remove(data.app.storage.engine, "before_cursor_execute", listener)
    return len(seen)


API = "/wp-json/learnomy/v1"


def token_of(app: WsgiApp, login: str) -> str:
    status, body = call(app, Request("POST", f"{API}/auth/token", body={"username": login, "password": PASSWORD}))
    if status != 200:
        raise SystemExit(f"login of {login} failed: {status} {body[:200]!r}")
    return str(json.loads(body)["data"]["access_token"])


def reads(data: DataSet) -> dict[str, Request]:
    """The reads measured at both scales (and revalidated), as their callers make them."""
    student = {"Authorization": f"Bearer {token_of(data.app, data.student_login)}"}
    teacher = {"Authorization": f"Bearer {token_of(data.app, data.instructor_login)}"}
    admin = {"Authorization": f"Bearer {token_of(data.app, data.admin_login)}"}
    return {
        "course_list": Request("GET", f"{API}/courses"),
        "course_read": Request("GET", f"{API}/courses/{data.course_id}"),
        "progress": Request("GET", f"{API}/courses/{data.progress_course_id}/progress", student),
        "my_enrollments": Request("GET", f"{API}/me/enrollments", student),
        # A page the course fills at both scales (ten students a course at 1x quick).
        "gradebook": Request("GET", f"{API}/courses/{data.course_id}/gradebook?per_page=5", teacher),
        # The admin package's route, as an administrator looks an account up: the start of
        # an e-mail address (bench/data.py's user12@bench.test), which matches the same one
        # account at every size and scale (a prefix search on the users' indexes).
        "admin_student_search": Request("GET", f"{API}/admin/students?search=user12@", admin),
    }


SCALED = ("course_list", "course_read", "my_enrollments", "gradebook", "admin_student_search")


def run(size: str, n: int, http_seconds: float, workers: int, server: Optional[str] = None,
        scale: bool = True) -> dict[str, Any]:
    began = time.perf_counter()
    data = build(RESULTS, size, server=server)
    built = time.perf_counter() - began
    app = data.app
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"api": {"rate_limit_per_minute": 100000}})
    api = API
    report: dict[str, Any] = {"size": size, "database": app.storage.engine.dialect.name, "users": data.users,
                              "courses": data.courses, "enrollments": data.enrollments,
                              "build_seconds": round(built, 2), "bcrypt_cost": data.bcrypt_cost,
                              "requests_per_measure": n, "results": {}}
    results = report["results"]

    def pair(name: str, ours: Request, peer_app: WsgiApp, peer: Request, expected: int = 200,
             our_app: Optional[WsgiApp] = None) -> None:
        mine, theirs = interleaved([(our_app or app, lambda i: ours, expected), (peer_app, lambda i: peer, expected)], n)
        results[name] = {"ours": stats(mine), "peer": stats(theirs),
                         "ratio": round(median(mine) / median(theirs), 3)}

    # Dispatch: a bench plugin's route doing no database work, against bare werkzeug
    # with as many rules.
    pinged = create_app(database_url=data.url, secret_key=app.config["secret_key"],
                        plugins=[*FREE_PLUGINS, bench_plugin()], site_url=app.config["site_url"])
    rule_count = len(pinged.registry.routes) + len(pinged.registry.namespaces)
    pair("dispatch", Request("GET", "/wp-json/bench/v1/ping"), make_floor(rule_count),
         Request("GET", "/wp-json/bench/v1/ping"), our_app=pinged)
    peer = make_peer(data.url)
    pair("course_list", Request("GET", f"{api}/courses"), peer, Request("GET", "/courses"))
    pair("course_read", Request("GET", f"{api}/courses/{data.course_id}"), peer,
         Request("GET", f"/courses/{data.course_id}"))

    token = token_of(app, data.student_login)
    admin = token_of(app, data.admin_login)
    dev_app = create_app(database_url=data.url, secret_key=app.config["secret_key"], plugins=FREE_PLUGINS,
                         environment="development", site_url=app.config["site_url"])
    basic = base64.b64encode(f"{data.student_login}:{data.app_password}".encode()).decode()
    etag_request = Request("GET", f"{api}/courses/{data.course_id}")
    etag = dict(app_headers(app, etag_request))["ETag"]
    instructors = max(2, data.users // 20)
    pairs = [(u, c) for c in range(1, data.courses + 1) for u in range(2, instructors + 1)]
    solo = {
        "bearer_read": (app, lambda i: Request("GET", f"{api}/me", {"Authorization": f"Bearer {token}"}), 200),
        "app_password_read": (dev_app, lambda i: Request("GET", f"{api}/me", {"Authorization": f"Basic {basic}"}), 200),
        "revalidation_304": (app, lambda i: Request("GET", f"{api}/courses/{data.course_id}", {"If-None-Match": etag}), 304),
        "write_enrollment": (app, lambda i: Request("POST", f"{api}/enrollments", {"Authorization": f"Bearer {admin}"},
                                                    {"user_id": pairs[i][0], "course_id": pairs[i][1]}), 201),
    }
    for name, contender in solo.items():
        results[name] = {"ours": stats(interleaved([contender], n)[0])}
    login = Request("POST", f"{api}/auth/token", body={"username": data.student_login, "password": PASSWORD})
    results["login"] = {"ours": stats(interleaved([(app, lambda i: login, 200)], max(5, n // 20))[0]),
                        "bcrypt_cost": data.bcrypt_cost}

    # Revalidation: a 304 against a full read of the same route (the ETag the full read carried).
    measured = reads(data)
    for name in ("course_list", "course_read", "progress"):
        full = measured[name]
        headers = dict(app_headers(app, full))
        conditional = Request("GET", full.environ["PATH_INFO"],
                              {**_auth_of(full), "If-None-Match": headers["ETag"]})
        revalidated, read = interleaved([(app, lambda i: conditional, 304), (app, lambda i: full, 200)], n)
        results[f"revalidate_{name}"] = {"ours": stats(revalidated), "peer": stats(read),
                                         "ratio": round(median(revalidated) / median(read), 3)}

    # Scaling: route count.
    per_count = {}
    for count in (50, 200, 1000):
        # The bench plugin (its ping route) plus fillers up to ``count`` routes.
        scaled = create_app(database_url=data.url, secret_key=app.config["secret_key"],
                            plugins=[bench_plugin(), filler_plugin(count - 1)])
        per_count[count] = (scaled, len(scaled.registry.routes))
    timings = interleaved([(a, lambda i: Request("GET", "/wp-json/bench/v1/ping"), 200) for a, _ in per_count.values()], n)
    results["routes"] = {str(routes): stats(t) for (_, routes), t in zip(per_count.values(), timings)}
    results["routes_1000_vs_50"] = {"ratio": round(median(timings[2]) / median(timings[0]), 3)}

    # Scaling: cursor depth.
    per_page = max(1, data.courses // 1000)
    depth = min(1000, data.courses // per_page)
    cursor = None
    for _ in range(depth - 1):
        _, body = call(app, Request("GET", f"{api}/courses?per_page={per_page}" + (f"&cursor={cursor}" if cursor else "")))
        cursor = json.loads(body)["meta"]["cursor_next"]
    first = Request("GET", f"{api}/courses?per_page={per_page}")
    deep = Request("GET", f"{api}/courses?per_page={per_page}&cursor={cursor}")
    shallow_t, deep_t = interleaved([(app, lambda i: first, 200), (app, lambda i: deep, 200)], n)
    results["cursor"] = {"page": depth, "per_page": per_page, "page_1": stats(shallow_t), f"page_{depth}": stats(deep_t)}
    results["cursor_page_1000_vs_1"] = {"ratio": round(median(deep_t) / median(shallow_t), 3)}

    # Scaling: queries per request.
    results["queries_per_request"] = {str(pp): count_queries(data, Request("GET", f"{api}/courses?per_page={pp}"))
                                      for pp in (1, 20, 100)}

    # Scaling: the same reads at ten times the users and enrollments.
    if scale:
        began = time.perf_counter()
        big = build(RESULTS, size, server=server, scale=10)
        report["scaled"] = {"users": big.users, "enrollments": big.enrollments,
                            "build_seconds": round(time.perf_counter() - began, 2)}
        with big.app.storage.engine.begin() as db:
            big.app.settings.update(db, {"api": {"rate_limit_per_minute": 100000}})
        small_reads, big_reads = reads(data), reads(big)
        for name in SCALED:
            at_10x, at_1x = interleaved([(big.app, lambda i: big_reads[name], 200),
                                         (app, lambda i: small_reads[name], 200)], n)
            results[f"scale_{name}"] = {"ours": stats(at_10x), "peer": stats(at_1x),
                                        "ratio": round(median(at_10x) / median(at_1x), 3)}
        big.app.storage.dispose()

    if http_seconds > 0:
        results["http"] = load_test(data.url, app.config["secret_key"], token, data.course_id, http_seconds, workers)
    return report


def _auth_of(request: Request) -> dict[str, str]:
    value = request.environ.get("HTTP_AUTHORIZATION")
    return {"Authorization": value} if value else {}


def app_headers(app: WsgiApp, request: Request) -> list[tuple[str, str]]:
    captured: list[Any] = []
    body = app(request.environ_copy(), lambda s, h, e=None: captured.append(h))
    b"".join(body)
    return captured[0]


def check(report: dict[str, Any]) -> list[str]:
    """Every figure outside its target, one line each."""
    results = report["results"]
    misses = [f"{name}: {results[name]['ratio']} > {limit}" for name, limit in TARGETS.items()
              if name in results and results[name]["ratio"] > limit]
    queries = set(results["queries_per_request"].values())
    if len(queries) != 1:
        misses.append(f"queries per request differ by per_page: {results['queries_per_request']}")
    if "http" in results and results["http"]["errors"]:
        misses.append(f"http: {results['http']['errors']} errors")
    return misses


def table(report: dict[str, Any]) -> str:
    lines = [f"learnomy bench ({report['size']} on {report.get('database', 'sqlite')}: {report['users']} users, "
             f"{report['courses']} courses, {report['enrollments']} enrollments; built in {report['build_seconds']} s)",
             "revalidate_*: ours = the 304, peer = the full read; scale_*: ours = at 10x users and enrollments "
             + (f"({report['scaled']['enrollments']}), peer = at 1x" if "scaled" in report else ""),
             f"{'measure':<26}{'ours rps':>10}{'p50 ms':>9}{'p99 ms':>9}{'peer rps':>10}{'p50 ms':>9}{'ratio':>8}"]
    for name, row in report["results"].items():
        if "ours" in row:
            ours, peer = row["ours"], row.get("peer")
            lines.append(f"{name:<26}{ours['rps']:>10}{ours['p50_ms']:>9}{ours['p99_ms']:>9}"
                         + (f"{peer['rps']:>10}{peer['p50_ms']:>9}{row['ratio']:>8}" if peer else ""))
    results = report["results"]
    lines.append("routes: " + ", ".join(f"{k} routes p50 {v['p50_ms']} ms" for k, v in results["routes"].items())
                 + f"; 1000/50 = {results['routes_1000_vs_50']['ratio']}")
    cursor = results["cursor"]
    lines.append(f"cursor: page {cursor['page']} / page 1 = {results['cursor_page_1000_vs_1']['ratio']} "
                 f"(per_page {cursor['per_page']})")
    lines.append(f"queries per request by per_page: {results['queries_per_request']}")
    lines.append(f"login: bcrypt cost {results['login']['bcrypt_cost']}, p50 {results['login']['ours']['p50_ms']} ms")
    if "http" in results:
        http = results["http"]
        lines.append(f"http (gunicorn, {http['workers']} workers, {http['clients']} clients, {http['seconds']} s): "
                     f"{http['requests']} requests, {http['rps']} rps, {http['errors']} errors")
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["load"]:
        from .load import main as load_main  # needs the bench extra (gunicorn, locust)

        return load_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the data set, fewer requests")
    parser.add_argument("--size", choices=["full", "quick", "smoke"], help="data set size (overrides --quick)")
    parser.add_argument("--requests", type=int, help="timed calls per measure")
    parser.add_argument("--http-seconds", type=float, help="seconds of HTTP load (0 skips it)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--check", action="store_true", help="exit 1 when a figure misses its target")
    parser.add_argument("--database-url", help="run every measure on this MySQL/MariaDB server instead of SQLite "
                                               "(mysql+pymysql://root@127.0.0.1:3306/test: databases test_bench_* "
                                               "are made there)")
    parser.add_argument("--no-scale", action="store_true", help="skip the 10x data set")
    args = parser.parse_args(argv)
    size = args.size or ("quick" if args.quick else "full")
    n = args.requests or {"full": 2000, "quick": 400, "smoke": 20}[size]
    seconds = args.http_seconds if args.http_seconds is not None else {"full": 10.0, "quick": 3.0, "smoke": 1.0}[size]
    report = run(size, n, seconds, args.workers, args.database_url, scale=not args.no_scale)
    print(table(report))
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "" if not args.database_url else "-" + report["database"]
    (RESULTS / f"{size}{suffix}.json").write_text(json.dumps(report, indent=2) + "\n")
    if args.check:
        misses = check(report)
        for line in misses:
            print(f"MISS {line}", file=sys.stderr)
        return 1 if misses else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
