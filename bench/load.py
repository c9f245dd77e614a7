"""``python -m bench load``: the app under gunicorn on MariaDB, loaded as the mobile app loads it.

Builds (or, with ``--reuse``, keeps) the full data set plus 100,000 users and
1,000,000 enrollments on the MySQL/MariaDB server named by ``--database-url``,
gives a few courses a quiz, logs a pool of students in, starts gunicorn (gthread
workers) and drives it with Locust, headless and closed loop, from
``bench/locustfile.py`` on the loopback. Reports throughput, p50/p95/p99 per kind
of request, errors, and the server's CPU time per request (its processes' user
and system time over the run, from ``/proc``); writes ``bench/results/load.json``.

Needs the ``bench`` extra (``pip install -e '.[bench]'``: gunicorn and locust).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import create_app

from .data import FREE_PLUGINS, PASSWORD, SITE_URL, SIZES, build, server_database
from .http import _free_port, _wait_for, _warm_up

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench secret key, not for production"
API = "/wp-json/learnomy/v1"
KINDS = ("login", "catalog", "revalidate", "dashboard", "lesson_write", "sync", "quiz_attempt")
QUIZ_COURSES = 20


def _database_exists(server: str, name: str) -> bool:
    engine = sa.create_engine(server)
    try:
        with engine.connect() as db:
            return bool(db.exec_driver_sql("SHOW DATABASES LIKE %s", (name,)).first())
    finally:
        engine.dispose()


def prepare(server: str, users: int, enrollments: int, reuse: bool) -> str:
    """The load's database: built (minutes), or kept from an earlier run with ``reuse``."""
    name = "bench-load"
    url = sa.engine.make_url(server_database(server, name))
    if reuse and _database_exists(server, url.database or ""):
        return url.render_as_string(hide_password=False)
    began = time.perf_counter()
    data = build(RESULTS, "full", server=server, counts=(users, enrollments), name=name)
    print(f"built {users} users, {SIZES['full'][1]} courses, {enrollments} enrollments "
          f"in {time.perf_counter() - began:.0f} s", flush=True)
    data.app.storage.dispose()
    return data.url


def pool(url: str, size: int) -> list[dict[str, Any]]:
    """Students logged in (one bcrypt each), their courses, and a quiz each may take."""
    app = create_app(database_url=url, secret_key=SECRET, site_url=SITE_URL, plugins=FREE_PLUGINS)
    client = Client(app)
    t = app.tables
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"api": {"rate_limit_per_minute": 100000}})
        users = int(db.execute(sa.select(sa.func.max(t["users"].c.ID))).scalar_one())
    admin = client.post(f"{API}/auth/token", json={"username": "user1", "password": PASSWORD}).json["data"]
    admin_headers = {"Authorization": f"Bearer {admin['access_token']}"}
    quizzes = []
    for course_id in range(1, QUIZ_COURSES + 1):
        section = (course_id - 1) * 2 + 1  # the data set's first section of the course
        quiz = client.post(f"{API}/sections/{section}/quizzes", headers=admin_headers,
                           json={"title": "Check", "attempts_allowed": 0}).json["data"]
        question = client.post(f"{API}/quizzes/{quiz['id']}/questions", headers=admin_headers, json={
            "type": "single_choice", "title": "2 + 2?", "answer": "a",
            "options": [{"id": "a", "text": "4"}, {"id": "b", "text": "5"}]}).json["data"]
        quizzes.append((course_id, quiz["id"], [question["id"]]))
    students = []
    enrollments = t["lrn_enrollments"]
    for index, user_id in enumerate(range(users - size + 1, users + 1)):
        login = f"user{user_id}"
        answer = client.post(f"{API}/auth/token", json={"username": login, "password": PASSWORD})
        token = answer.json["data"]["access_token"]
        course_id, quiz_id, question_ids = quizzes[index % len(quizzes)]
        with app.storage.engine.begin() as db:
            if db.execute(sa.select(enrollments.c.id).where(enrollments.c.live_key == f"{user_id}:{course_id}")).first() is None:
                db.execute(sa.insert(enrollments).values(
                    user_id=user_id, course_id=course_id, status="active", source="free",
                    enrolled_at=sa.func.now(), progress_percent=0, live_key=f"{user_id}:{course_id}"))
            courses = [int(r[0]) for r in db.execute(sa.select(enrollments.c.course_id).where(
                enrollments.c.user_id == user_id, enrollments.c.status == "active"))]
        students.append({"login": login, "token": token, "courses": courses, "quiz_id": quiz_id,
                         "question_ids": question_ids})
    app.storage.dispose()
    return students


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of ``pid`` and its children (gunicorn's master and workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def run(url: str, students: list[dict[str, Any]], seconds: int, clients: int, workers: int,
        threads: int) -> dict[str, Any]:
    port = _free_port()
    env = {**os.environ, "LEARNOMY_DATABASE_URL": url, "LEARNOMY_SECRET_KEY": SECRET, "LEARNOMY_SITE_URL": SITE_URL}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "gthread",
         "--threads", str(threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "--backlog", "2048", "bench.wsgi:application"], cwd=ROOT, env=env)
    RESULTS.mkdir(parents=True, exist_ok=True)
    pool_file = RESULTS / "load-pool.json"
    pool_file.write_text(json.dumps(students))
    prefix = RESULTS / "load"
    try:
        _wait_for(port, server)
        _warm_up(port, f"{API}/courses/1", workers * threads)
        cpu_before, began = _cpu_seconds(server.pid), time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
             "-u", str(clients), "-r", str(clients), "--run-time", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
             "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5"],
            cwd=ROOT, env={**env, "LEARNOMY_LOAD_POOL": str(pool_file), "LEARNOMY_LOAD_PASSWORD": PASSWORD},
            check=False)
        elapsed, cpu = time.monotonic() - began, _cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    kinds: dict[str, Any] = {}
    with open(f"{prefix}_stats.csv") as stats:
        for row in csv.DictReader(stats):
            name = row["Name"] if row["Name"] in KINDS else ("all" if row["Name"] == "Aggregated" else None)
            if name is None:
                continue
            entry = kinds.setdefault(name, {"requests": 0, "errors": 0})
            entry["requests"] += int(row["Request Count"])
            entry["errors"] += int(row["Failure Count"])
            entry.update(rps=round(float(row["Requests/s"]), 1), p50_ms=float(row["50%"]),
                         p95_ms=float(row["95%"]), p99_ms=float(row["99%"]))
    total = kinds.get("all", {}).get("requests", 0)
    failures = []
    if Path(f"{prefix}_failures.csv").exists():
        with open(f"{prefix}_failures.csv") as found:
            failures = [dict(row) for row in csv.DictReader(found)][:20]
    return {"seconds": seconds, "clients": clients, "workers": workers, "threads": threads, "kinds": kinds,
            # Locust's own rate (over the run, start-up of its clients excluded).
            "throughput_rps": kinds.get("all", {}).get("rps", 0.0), "wall_seconds": round(elapsed, 1),
            "server_cpu_ms_per_request": round(cpu * 1000 / total, 3) if total else None,
            "server_cpu_seconds": round(cpu, 1), "failures": failures}


def table(report: dict[str, Any]) -> str:
    lines = [f"learnomy load ({report['users']} users, {report['enrollments']} enrollments on {report['database']}; "
             f"gunicorn {report['workers']} gthread workers x {report['threads']} threads; {report['clients']} "
             f"closed-loop Locust clients for {report['seconds']} s)",
             f"{'kind':<14}{'requests':>10}{'errors':>8}{'rps':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"]
    for name in (*KINDS, "all"):
        row = report["kinds"].get(name)
        if row:
            lines.append(f"{name:<14}{row['requests']:>10}{row['errors']:>8}{row['rps']:>9}{row['p50_ms']:>9}"
                         f"{row['p95_ms']:>9}{row['p99_ms']:>9}")
    lines.append(f"throughput {report['throughput_rps']} requests/s; server CPU "
                 f"{report['server_cpu_ms_per_request']} ms per request ({report['server_cpu_seconds']} s in all)")
    for failure in report["failures"]:
        lines.append(f"failure: {failure}")
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="mysql+pymysql://root@127.0.0.1:3306/test",
                        help="the MySQL/MariaDB server (a database test_bench_load is made there)")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--enrollments", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the data set of an earlier run")
    parser.add_argument("--seconds", type=int, default=60, help="length of the run")
    parser.add_argument("--clients", type=int, default=32, help="concurrent closed-loop clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (one per core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--pool", type=int, default=0, help="students logged in beforehand (default: clients)")
    args = parser.parse_args(argv)
    url = prepare(args.database_url, args.users, args.enrollments, args.reuse)
    students = pool(url, args.pool or args.clients)
    result = run(url, students, args.seconds, args.clients, args.workers, args.threads)
    report = {"database": sa.engine.make_url(url).get_backend_name(), "users": args.users,
              "enrollments": args.enrollments, **result}
    print(table(report))
    (RESULTS / "load.json").write_text(json.dumps(report, indent=2) + "\n")
    errors = report["kinds"].get("all", {}).get("errors", 0)
    return 1 if errors else 0
