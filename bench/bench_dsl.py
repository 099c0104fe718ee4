"""Benchmark: the primitives' speed on a search's workload, and a digest of what they do.

    python bench/bench_dsl.py --from runs/.cache/search/KEY.json.gz [--tasks 12]
                              [--workers 2] [--json OUT]

Every program of a cached search result (the default seed has ~16,800) runs, through the
search's ``SharedPlan``, on every demonstration and test input of the first ``--tasks``
tasks of that result (the tuning split's 89 training tasks for the ``tune`` protocol's
cache): the workload of the search tasks, in the search's own order. It reports the CPU
seconds per task and one SHA-256 digest over every program's outcome on every input (the
output grid or value in a canonical form, or the error kind and message). A change to a
primitive that only makes it faster leaves the digest as it was: run the bench before and
after on the same tasks and compare. A program is stopped after ``--timeout`` seconds
(generous, so that a faster primitive does not turn a timeout into a result).

A second digest, ``values_digest``, writes every error as the same token: it is what a
search sees (a program's output, or that it gave none). A change that only makes one kind
of mistake raise the same error kind everywhere leaves it as it was while the first digest
changes; ``outcomes`` counts the runs by outcome (``value`` or the error kind) to show how
many moved.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import multiprocessing
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codeit_core.dsl.shared import SharedPlan  # noqa: E402
from codeit_core.tasks import load_dataset  # noqa: E402


class _Stop(BaseException):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Stop()


def canonical(value: Any) -> str:
    """A text for a DSL value that does not depend on how a set was built (a set's
    iteration order does): sets are written with their elements' texts sorted."""
    if type(value) is frozenset:
        return "{" + ",".join(sorted(canonical(v) for v in value)) + "}"
    if type(value) is tuple:
        return "(" + ",".join(canonical(v) for v in value) + ")"
    if type(value) is bool:
        return "T" if value else "F"
    if type(value) is int:
        return str(value)
    return "<" + getattr(value, "__qualname__", type(value).__name__) + ">"


_PLAN: SharedPlan | None = None


def _init(programs: list[str]) -> None:
    global _PLAN
    _PLAN = SharedPlan.of_texts(programs)
    signal.signal(signal.SIGALRM, _alarm)


def _task(job: tuple[str, list, float]) -> tuple[str, str, float, int, str, Counter]:
    task_id, grids, timeout = job
    plan = _PLAN
    digest, values = hashlib.sha256(), hashlib.sha256()
    outcomes: Counter = Counter()
    stopped = 0
    started = time.process_time()
    for grid in grids:
        state = plan.start(grid)
        for index in plan.order:
            signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                output, kind, message = plan.run(index, state)
            except _Stop:
                output, kind, message, stopped = None, "stopped", "", stopped + 1
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            text = canonical(output) if kind is None else f"!{kind}:{message}"
            digest.update(f"{index}\t{text}\n".encode())
            values.update(f"{index}\t{text if kind is None else '!error'}\n".encode())
            outcomes["value" if kind is None else kind] += 1
    return (task_id, digest.hexdigest(), time.process_time() - started, stopped,
            values.hexdigest(), outcomes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", required=True, metavar="CACHE",
                        help="a cached search result (.json.gz): its programs and tasks")
    parser.add_argument("--tasks", type=int, default=12)
    parser.add_argument("--task-ids", default="",
                        help="comma-separated task ids of the cached result instead")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    args = parser.parse_args(argv)

    with gzip.open(args.source, "rt") as f:
        cached = json.load(f)
    programs, task_ids = cached["programs"], cached["task_ids"][:args.tasks]
    if args.task_ids:
        task_ids = [t for t in args.task_ids.split(",") if t]
    datasets = {}
    for name in ("arc1-train", "arc1-eval"):
        datasets.update({t.id: t for t in load_dataset(name)})
    jobs = [(tid, [p.input for p in datasets[tid].train + datasets[tid].test], args.timeout)
            for tid in task_ids]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.workers, _init, (programs,)) as pool:
        rows = pool.map(_task, jobs, chunksize=1)
    wall = time.perf_counter() - started
    whole = hashlib.sha256("".join(f"{r[0]} {r[1]}\n" for r in rows).encode())
    values = hashlib.sha256("".join(f"{r[0]} {r[4]}\n" for r in rows).encode())
    outcomes = sum((r[5] for r in rows), Counter())
    report = {"programs": len(programs), "tasks": len(rows), "workers": args.workers,
              "cpu_seconds": round(sum(r[2] for r in rows), 1),
              "wall_seconds": round(wall, 1), "stopped": sum(r[3] for r in rows),
              "digest": whole.hexdigest(), "values_digest": values.hexdigest(),
              "outcomes": dict(sorted(outcomes.items())),
              "per_task": {r[0]: {"digest": r[1][:16], "cpu_seconds": round(r[2], 2)}
                           for r in rows}}
    print(json.dumps({k: v for k, v in report.items() if k != "per_task"}))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
