"""Run requests at the same moment, for race tests on both databases."""

from __future__ import annotations

import threading
from typing import Any, Callable, Sequence


def race(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Start every call at once, each in its own thread; their results, in order.

    Give each call its own app (``Client(make_app())``) so that each has its own
    connection, as separate worker processes would.
    """
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
