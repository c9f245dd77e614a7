"""The benchmark's smallest mode runs end to end (correctness only: no timing is asserted)."""

from __future__ import annotations

import json

from bench.__main__ import RESULTS, main


def test_bench_smoke_runs_every_measure() -> None:
    assert main(["--size", "smoke", "--requests", "5", "--http-seconds", "0.5", "--workers", "1"]) == 0
    report = json.loads((RESULTS / "smoke.json").read_text())
    results = report["results"]
    for name in ("dispatch", "course_list", "course_read", "bearer_read", "app_password_read", "revalidation_304",
                 "write_enrollment", "login", "routes", "cursor", "queries_per_request", "http",
                 "revalidate_course_list", "revalidate_course_read", "revalidate_progress",
                 "scale_course_list", "scale_course_read", "scale_my_enrollments", "scale_gradebook",
                 "scale_admin_student_search"):
        assert name in results, name
    assert report["scaled"]["enrollments"] == 10 * report["enrollments"]
    assert results["http"]["errors"] == 0 and results["http"]["requests"] > 0
    assert len(set(results["queries_per_request"].values())) == 1
