"""Running one piece of work in several threads at once (races between workers)."""

import threading
from collections.abc import Callable
from typing import Any


def run_together(work: Callable[[], Any], *, workers: int = 2, timeout: float = 60) -> list[Any]:
    """Start ``work`` in ``workers`` threads released together; their results (errors raised)."""
    barrier = threading.Barrier(workers)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=timeout)
            results.append(work())
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    return results
