"""Benchmark: a run's Execute step again, from its database, through the Executor.

    python bench/bench_replay.py --run-dir runs/NAME [--iteration N] [--workers 2]
                                 [--repeat 3] [--in-process] [--json OUT]

The programs a meta-iteration sampled (``samples`` of that iteration, the last one by
default) run on their task's demonstration and test inputs, as the loop's Execute step
runs them, through ``Executor.run_batch`` with its result cache off: every execution is
paid. Reported per repeat: the wall time, the parent's CPU time, each worker's CPU time
(psutil) and one SHA-256 digest over every result (output, error kind, message, line), so
that a change which only makes the step faster can show the same digest. ``--in-process``
also runs the same executions in this process with ``dsl.run`` (no sandbox, no timeout):
the programs' own cost, for comparison with the workers' CPU.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codeit_core.dsl import DSLError, parse, run  # noqa: E402
from codeit_core.execute import Executor  # noqa: E402
from codeit_core.loop import select_tasks  # noqa: E402
from codeit_core.runs import RunDir  # noqa: E402


def _jobs(run_dir: Path, iteration: int | None) -> tuple[int, list[tuple[str, list]]]:
    run = RunDir(run_dir)
    tasks = {t.id: t for t in select_tasks(run.config())}
    conn = run.connect(readonly=True)
    try:
        if iteration is None:
            iteration = conn.execute("SELECT MAX(iteration) FROM samples").fetchone()[0]
            if iteration is None:
                raise SystemExit(f"{run_dir}: no samples yet")
        rows = conn.execute("SELECT task_id, program FROM samples WHERE iteration = ? "
                            "ORDER BY id", (iteration,)).fetchall()
    finally:
        conn.close()
    if not rows:
        raise SystemExit(f"{run_dir}: iteration {iteration} has no samples")
    jobs = [(program, tasks[task_id].demo_inputs + tasks[task_id].test_inputs)
            for task_id, program in rows]
    return iteration, jobs


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-dir", required=True, type=Path)
    parser.add_argument("--iteration", type=int, help="default: the run's last")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=0.5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--in-process", action="store_true")
    parser.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    args = parser.parse_args(argv)

    iteration, jobs = _jobs(args.run_dir, args.iteration)
    executions = sum(len(grids) for _, grids in jobs)
    report: dict = {"run_dir": str(args.run_dir), "iteration": iteration,
                    "programs": len(jobs), "executions": executions,
                    "workers": args.workers, "repeats": []}
    print(f"iteration {iteration}: {len(jobs)} programs, {executions} executions")
    with Executor(workers=args.workers, timeout=args.timeout, cache_size=0) as ex:
        ex.run_batch(jobs[:200])  # start the workers (not part of a step's cost)
        for _ in range(args.repeat):
            workers = [psutil.Process(pid) for pid in ex.worker_pids()]
            before = [_cpu(p) for p in workers]
            started, parent = time.perf_counter(), time.process_time()
            results = ex.run_batch(jobs)
            wall = time.perf_counter() - started
            parent = time.process_time() - parent
            worker_cpu = [round(_cpu(p) - b, 2) for p, b in zip(workers, before)]
            digest = hashlib.sha256(repr([[tuple(r) for r in rs] for rs in results])
                                    .encode()).hexdigest()[:16]
            kinds = Counter(r.error or "ok" for rs in results for r in rs)
            row = {"wall_seconds": round(wall, 2), "parent_cpu_seconds": round(parent, 2),
                   "worker_cpu_seconds": worker_cpu, "digest": digest,
                   "outcomes": dict(sorted(kinds.items()))}
            report["repeats"].append(row)
            print(json.dumps(row), flush=True)
    if args.in_process:
        started = time.process_time()
        for text, grids in jobs:
            try:
                program = parse(text)
            except DSLError:
                continue
            for grid in grids:
                try:
                    run(program, grid)
                except Exception:  # any failure: only the time matters here
                    pass
        report["in_process_cpu_seconds"] = round(time.process_time() - started, 2)
        print(f"in process: {report['in_process_cpu_seconds']} CPU s")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
