"""Fault injection: HTTP 500, slow answers, cut connections, garbled JSON, code 100."""

import threading
from typing import Any

FAULT_KINDS = ("http500", "delay", "cut", "garbled", "code100")


class Faults:
    """Faults waiting to be served, oldest first; ``count=None`` repeats until cleared."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[dict[str, Any]] = []

    def add(
        self, kind: str, *, count: int | None = 1, delay: float = 0.0, operation: str | None = None
    ) -> None:
        """Inject ``kind`` (http500, delay, cut, garbled, code100) into the next requests."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}: one of {', '.join(FAULT_KINDS)}")
        with self._lock:
            self._queue.append(
                {"kind": kind, "count": count, "delay": float(delay), "operation": operation}
            )

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._queue.clear()

    def pending(self) -> list[dict[str, Any]]:
        """The faults still queued."""
        with self._lock:
            return [dict(f) for f in self._queue]

    def take(self, operation: str | None) -> dict[str, Any] | None:
        """The fault to serve for this request, if any (consumes one use)."""
        with self._lock:
            for fault in self._queue:
                if fault["operation"] and fault["operation"] != operation:
                    continue
                if fault["count"] is not None:
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        self._queue.remove(fault)
                return dict(fault)
        return None
