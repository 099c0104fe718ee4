"""Benchmark: program x example executions per second through the sandboxed Executor.

    python bench/bench_execute.py [--workers 2] [--seconds 5] [--json OUT]
                                  [--executor local|ray|both]

Two workloads, each run through ``Executor.run_batch`` with the cache disabled, so every
number includes worker IPC, chunking and result transfer (not process start-up, which is
paid once per pool):

  reference  hand-written programs for ARC-AGI-1 *training* tasks, on all of their task's
             demonstration and test inputs (the bench also says how many solve their task)
  random     random well-typed programs (``codeit_core.mutate.random_program``, 1..6 lines)
             on ARC-AGI-1 *evaluation* demonstration inputs

Reported per workload: executions/s over whole batches; p50 / p99 compute time of one
program x example (measured in-process with ``dsl.run``, the code the workers run); p50 /
p99 round trip of a single ``run_program(text, [grid])`` call through the Executor; and
the mix of error kinds. Target: >= 2,000 executions/s on 2 cores.

``--executor ray`` measures the same through ``RayExecutor`` on a local Ray instance
(loopback, as many CPUs as workers); ``both`` measures the two on the same machine and
reports Ray's overhead (local executions/s over Ray's, per workload).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codeit_core.dsl import DSLError, parse, run  # noqa: E402
from codeit_core.dsl import format_program  # noqa: E402
from codeit_core.mutate import random_program  # noqa: E402
from codeit_core.execute import Executor  # noqa: E402
from codeit_core.solutions import load_solutions  # noqa: E402
from codeit_core.tasks import load_dataset  # noqa: E402



def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def reference_jobs() -> tuple[list[tuple[str, list]], int]:
    tasks = {t.id: t for t in load_dataset("arc1-train")}
    jobs, solved = [], 0
    for task_id, text in load_solutions().items():
        task = tasks[task_id]
        pairs = task.train + task.test
        jobs.append((text, [p.input for p in pairs]))
        program = parse(text)
        try:
            solved += all(run(program, p.input) == p.output for p in pairs)
        except DSLError:
            pass
    return jobs, solved


def random_jobs(rng: random.Random, count: int) -> list[tuple[str, list]]:
    tasks = load_dataset("arc1-eval")
    jobs = []
    for _ in range(count):
        task = rng.choice(tasks)
        jobs.append((format_program(random_program(rng, rng.randint(1, 6))),
                     [p.input for p in task.train]))
    return jobs


def compute_latencies(jobs: list[tuple[str, list]], limit: int) -> list[float]:
    """Seconds per program x example, in-process (what a worker spends per execution)."""
    out = []
    for text, grids in jobs:
        program = parse(text)
        for grid in grids:
            t = time.perf_counter()
            try:
                run(program, grid)
            except DSLError:
                pass
            out.append(time.perf_counter() - t)
            if len(out) >= limit:
                return out
    return out


def measure(ex: Executor, name: str, jobs: list[tuple[str, list]], seconds: float,
            rng: random.Random) -> dict:
    n_exec = sum(len(g) for _, g in jobs)
    kinds: Counter = Counter()
    done, start = 0, time.perf_counter()
    while True:
        results = ex.run_batch(jobs)
        done += n_exec
        if not kinds:
            kinds.update((r.error or "ok") for row in results for r in row)
        if time.perf_counter() - start >= seconds:
            break
    wall = time.perf_counter() - start
    compute = compute_latencies(jobs, 3000)
    singles = [(text, g) for text, grids in jobs for g in grids]
    rng.shuffle(singles)
    round_trips = []
    for text, grid in singles[:300]:
        t = time.perf_counter()
        ex.run_program(text, [grid])
        round_trips.append(time.perf_counter() - t)
    total = sum(kinds.values())
    return {
        "workload": name, "programs": len(jobs), "executions_per_batch": n_exec,
        "executions": done, "seconds": round(wall, 3),
        "executions_per_s": round(done / wall, 1),
        "compute_p50_ms": round(1e3 * percentile(compute, 0.5), 3),
        "compute_p99_ms": round(1e3 * percentile(compute, 0.99), 3),
        "round_trip_p50_ms": round(1e3 * percentile(round_trips, 0.5), 3),
        "round_trip_p99_ms": round(1e3 * percentile(round_trips, 0.99), 3),
        "outcomes": {k: round(v / total, 3) for k, v in kinds.most_common()},
    }


def make_executor(kind: str, args: argparse.Namespace) -> Executor:
    if kind == "ray":
        from codeit_core.ray_exec import RayExecutor

        return RayExecutor("", workers=args.workers, timeout=args.timeout, cache_size=0)
    return Executor(workers=args.workers, timeout=args.timeout, cache_size=0)


def print_rows(rows: list[dict]) -> None:
    header = (f"{'workload':<10} {'programs':>8} {'exec/s':>9} {'compute p50':>12} "
              f"{'p99':>8} {'round trip p50':>15} {'p99':>8}  outcomes")
    print(header)
    for r in rows:
        outcomes = " ".join(f"{k}={v:.0%}" for k, v in r["outcomes"].items())
        print(f"{r['workload']:<10} {r['programs']:>8} {r['executions_per_s']:>9,.0f} "
              f"{r['compute_p50_ms']:>10.3f}ms {r['compute_p99_ms']:>6.2f}ms "
              f"{r['round_trip_p50_ms']:>13.3f}ms {r['round_trip_p99_ms']:>6.2f}ms  {outcomes}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--seconds", type=float, default=5.0, help="time per workload")
    parser.add_argument("--random-programs", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    parser.add_argument("--executor", choices=("local", "ray", "both"), default="local")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    ref, solved = reference_jobs()
    rand = random_jobs(rng, args.random_programs)
    report: dict = {"workers": args.workers, "timeout": args.timeout,
                    "reference_solved": solved, "reference_programs": len(ref)}
    kinds = ["local", "ray"] if args.executor == "both" else [args.executor]
    for kind in kinds:
        t = time.perf_counter()
        with make_executor(kind, args) as ex:
            ex.start()
            startup = time.perf_counter() - t
            rows = [measure(ex, "reference", ref, args.seconds, rng),
                    measure(ex, "random", rand, args.seconds, rng)]
            info = ex.cache_info()
        print(f"executor={kind} workers={args.workers} timeout={args.timeout}s "
              f"start-up={startup:.3f}s reference programs solving their arc1-train task: "
              f"{solved}/{len(ref)} worker restarts={info['worker_restarts']}")
        print_rows(rows)
        key = "results" if kind == "local" else kind
        report[key] = rows
        report["startup_s" if kind == "local" else f"{kind}_startup_s"] = round(startup, 3)
    if len(kinds) == 2:
        report["ray_overhead"] = {
            a["workload"]: round(a["executions_per_s"] / b["executions_per_s"], 3)
            for a, b in zip(report["results"], report["ray"])}
        print("Ray overhead (local exec/s ÷ Ray exec/s): " + ", ".join(
            f"{k} {v:.2f}×" for k, v in report["ray_overhead"].items()))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
