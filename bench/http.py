"""Real HTTP: the app under gunicorn, and a bounded load generator on loopback."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

CLIENTS = 8


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def _warm_up(port: int, path: str, workers: int, timeout: float = 60.0) -> None:
    """Wait until workers answer, so start-up is not counted as load."""
    deadline, answered = time.monotonic() + timeout, 0
    while answered < workers * 2 and time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                answered += 1
            connection.close()
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)


def load_test(url: str, secret: str, token: str, course_id: int, seconds: float, workers: int) -> dict[str, Any]:
    """Serve with gunicorn, load it from ``CLIENTS`` threads for ``seconds``; counts and errors."""
    port = _free_port()
    from .data import SITE_URL

    env = {**os.environ, "LEARNOMY_DATABASE_URL": url, "LEARNOMY_SECRET_KEY": secret, "LEARNOMY_SITE_URL": SITE_URL}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "gthread", "--threads", "4",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "bench.wsgi:application"],
        cwd=Path(__file__).resolve().parents[1], env=env)
    try:
        _wait_for(port, process)
        api = "/wp-json/learnomy/v1"
        _warm_up(port, f"{api}/health", workers)
        mix = [("GET", f"{api}/health", {}), ("GET", f"{api}/courses", {}), ("GET", f"{api}/courses/{course_id}", {}),
               ("GET", f"{api}/me", {"Authorization": f"Bearer {token}"})]
        counts = {"requests": 0, "errors": 0}
        lock = threading.Lock()
        stop = time.monotonic() + seconds

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            done = errors = 0
            while time.monotonic() < stop and done < 1_000_000:
                method, path, headers = mix[done % len(mix)]
                try:
                    connection.request(method, path, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    if response.status >= 400:
                        errors += 1
                except (OSError, http.client.HTTPException):
                    errors += 1
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                done += 1
            connection.close()
            with lock:
                counts["requests"] += done
                counts["errors"] += errors

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
        return {**counts, "seconds": round(elapsed, 2), "rps": round(counts["requests"] / elapsed, 1),
                "workers": workers, "clients": CLIENTS}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
