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


def _task(job: tuple[str, list, float]) -> tuple[str, str, float, int]:
    task_id, grids, timeout = job
    plan = _PLAN
    digest = hashlib.sha256()
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
    return task_id, digest.hexdigest(), time.process_time() - started, stopped


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
    whole = hashlib.sha256("".join(f"{t} {d}\n" for t, d, _, _ in rows).encode())
    report = {"programs": len(programs), "tasks": len(rows), "workers": args.workers,
              "cpu_seconds": round(sum(r[2] for r in rows), 1),
              "wall_seconds": round(wall, 1), "stopped": sum(r[3] for r in rows),
              "digest": whole.hexdigest(),
              "per_task": {t: {"digest": d[:16], "cpu_seconds": round(s, 2)}
                           for t, d, s, _ in rows}}
    print(json.dumps({k: v for k, v in report.items() if k != "per_task"}))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
