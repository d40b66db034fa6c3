"""Benchmark of `triage classify`: tickets per second on 10,000 tickets, time of one ticket.

Run: ``.venv/bin/python bench/classify_bench.py`` (builds a model from the shipped corpus in
a temporary instance folder first). Prints figures; asserts nothing.
"""

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from classifiers.corpus import load_corpus
from triage.config import Settings
from triage.services.routing import classify, classify_lines
from triage.services.training import ensure_model, get_router

COUNT = 10_000


def _lines(count: int) -> list[str]:
    """``count`` input lines drawn from the shipped corpus (with ids)."""
    records = load_corpus()
    rng = random.Random(7)
    return [
        json.dumps({"id": i, **{k: r[k] for k in ("title", "description")}}, ensure_ascii=False)
        for i, r in enumerate(rng.choice(records) for _ in range(count))
    ]


def main() -> int:
    """Time the command end to end, the service in process, and single classifications."""
    with tempfile.TemporaryDirectory() as instance:
        settings = Settings.from_mapping({"MODEL_DIR": str(Path(instance) / "models")})
        started = time.perf_counter()
        card = ensure_model(settings=settings)
        print(
            f"model {card['version']} ({card['kind']}, {card['data']['tickets']} tickets) "
            f"built in {time.perf_counter() - started:.1f} s"
        )
        lines = _lines(COUNT)
        path = Path(instance) / "in.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        env = dict(
            os.environ,
            TRIAGE_INSTANCE_PATH=instance,
            TRIAGE_DATABASE_URL=f"sqlite:///{instance}/bench.db",
        )
        script = str(Path(sys.executable).parent / "triage")
        started = time.perf_counter()
        done = subprocess.run(
            [script, "classify", str(path)], capture_output=True, text=True, env=env, check=True
        )
        elapsed = time.perf_counter() - started
        answered = len(done.stdout.splitlines())
        print(
            f"`triage classify` on {answered} tickets: {elapsed:.2f} s including start-up, "
            f"{answered / elapsed:,.0f} tickets/s"
        )
        started = time.perf_counter()
        one = subprocess.run(
            [script, "classify"],
            input=lines[0] + "\n",
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        print(
            f"`triage classify` on one ticket (start-up included): "
            f"{time.perf_counter() - started:.2f} s -> {one.stdout.strip()}"
        )

        get_router(settings)  # loaded once per process, as in the web app
        started, cpu = time.perf_counter(), time.process_time()
        count = sum(1 for _ in classify_lines(settings=settings, lines=lines))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"in process (model loaded): {count} tickets in {elapsed:.2f} s, "
            f"{count / elapsed:,.0f} tickets/s ({count / cpu:,.0f} per CPU-second; "
            f"load average {os.getloadavg()[0]:.1f})"
        )
        times = []
        for line in lines[:200]:
            item = json.loads(line)
            started = time.perf_counter()
            classify(settings=settings, title=item["title"], description=item["description"])
            times.append(time.perf_counter() - started)
        print(
            f"one classification in process: median {statistics.median(times) * 1000:.2f} ms, "
            f"p95 {sorted(times)[int(len(times) * 0.95)] * 1000:.2f} ms"
        )
        explained = []
        for line in lines[:50]:
            item = json.loads(line)
            started = time.perf_counter()
            classify(
                settings=settings,
                title=item["title"],
                description=item["description"],
                explain=True,
            )
            explained.append(time.perf_counter() - started)
        print(
            f"one classification with explanation: median "
            f"{statistics.median(explained) * 1000:.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
