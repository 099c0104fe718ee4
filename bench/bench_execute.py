"""Benchmark: program x example executions per second through the sandboxed Executor.

    python bench/bench_execute.py [--workers 2] [--seconds 5] [--json OUT]

Two workloads, each run through ``Executor.run_batch`` with the cache disabled, so every
number includes worker IPC, chunking and result transfer (not process start-up, which is
paid once per pool):

  reference  hand-written programs for ARC-AGI-1 *training* tasks, on all of their task's
             demonstration and test inputs (the bench also says how many solve their task)
  random     random well-typed programs (``codeit_core.dsl.random_programs``, 1..6 lines)
             on ARC-AGI-1 *evaluation* demonstration inputs

Reported per workload: executions/s over whole batches; p50 / p99 compute time of one
program x example (measured in-process with ``dsl.run``, the code the workers run); p50 /
p99 round trip of a single ``run_program(text, [grid])`` call through the Executor; and
the mix of error kinds. Target: >= 2,000 executions/s on 2 cores.
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
from codeit_core.dsl.random_programs import random_program_text  # noqa: E402
from codeit_core.execute import Executor  # noqa: E402
from codeit_core.tasks import load_dataset  # noqa: E402

# ARC-AGI-1 training task id -> a hand-written program in the DSL.
REFERENCE_PROGRAMS: dict[str, str] = {
    "3c9b0459": "O = rotate_180(I)\n",
    "6150a2bd": "O = rotate_180(I)\n",
    "67a3c6ac": "O = flip_horizontal(I)\n",
    "68b16354": "O = flip_vertical(I)\n",
    "74dd1130": "O = transpose(I)\n",
    "9dfd6313": "O = transpose(I)\n",
    "ed36ccf7": "O = rotate_ccw(I)\n",
    "a416b8f3": "O = hconcat(I, I)\n",
    "c8f0f002": "O = replace_colour(I, ORANGE, GREY)\n",
    "b1948b0a": "O = replace_colour(I, MAGENTA, RED)\n",
    "d511f180": "O = swap_colours(I, GREY, AZURE)\n",
    "c59eb873": "O = upscale(I, 2)\n",
    "9172f3a0": "O = upscale(I, 3)\n",
    "6d0aefbc": "x1 = flip_horizontal(I)\nO = hconcat(I, x1)\n",
    "c9e6f938": "x1 = flip_horizontal(I)\nO = hconcat(I, x1)\n",
    "8be77c9e": "x1 = flip_vertical(I)\nO = vconcat(I, x1)\n",
    "6fa7a44f": "x1 = flip_vertical(I)\nO = vconcat(I, x1)\n",
    "4c4377d9": "x1 = flip_vertical(I)\nO = vconcat(x1, I)\n",
    "2dee498d": "O = left_third(I)\n",
    "3af2c5a8": "O = mirror_tile(I)\n",
    "0d3d703e": ("x1 = swap_colours(I, GREEN, YELLOW)\nx2 = swap_colours(x1, BLUE, GREY)\n"
                 "x3 = swap_colours(x2, RED, MAGENTA)\nO = swap_colours(x3, AZURE, MAROON)\n"),
    "5582e5ca": "x1 = most_common_colour(I)\nx2 = grid_size(I)\nO = canvas(x1, x2)\n",
    "1cf80156": "O = crop_to_foreground(I)\n",
    "be94b721": ("x1 = colour_components(I)\nx2 = largest_object(x1)\n"
                 "O = crop_to_patch(I, x2)\n"),
    "28bf18c6": "x1 = crop_to_foreground(I)\nO = hconcat(x1, x1)\n",
    "25ff71a9": "O = shift_grid(I, DOWN)\n",
    "7b7f7511": ("x1 = left_half(I)\nx2 = top_half(I)\nx3 = hconcat(x1, x1)\n"
                 "x4 = equal(x3, I)\nO = branch(x4, x1, x2)\n"),
    "f25ffba3": "x1 = bottom_half(I)\nx2 = flip_vertical(x1)\nO = vconcat(x2, x1)\n",
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def reference_jobs() -> tuple[list[tuple[str, list]], int]:
    tasks = {t.id: t for t in load_dataset("arc1-train")}
    jobs, solved = [], 0
    for task_id, text in REFERENCE_PROGRAMS.items():
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
        jobs.append((random_program_text(rng, rng.randint(1, 6)), [p.input for p in task.train]))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--seconds", type=float, default=5.0, help="time per workload")
    parser.add_argument("--random-programs", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    ref, solved = reference_jobs()
    rand = random_jobs(rng, args.random_programs)
    t = time.perf_counter()
    with Executor(workers=args.workers, timeout=args.timeout, cache_size=0) as ex:
        ex.start()
        startup = time.perf_counter() - t
        rows = [measure(ex, "reference", ref, args.seconds, rng),
                measure(ex, "random", rand, args.seconds, rng)]
        info = ex.cache_info()

    print(f"workers={args.workers} timeout={args.timeout}s pool start-up={startup:.3f}s "
          f"reference programs solving their arc1-train task: {solved}/{len(ref)} "
          f"worker restarts={info['worker_restarts']}")
    header = (f"{'workload':<10} {'programs':>8} {'exec/s':>9} {'compute p50':>12} "
              f"{'p99':>8} {'round trip p50':>15} {'p99':>8}  outcomes")
    print(header)
    for r in rows:
        outcomes = " ".join(f"{k}={v:.0%}" for k, v in r["outcomes"].items())
        print(f"{r['workload']:<10} {r['programs']:>8} {r['executions_per_s']:>9,.0f} "
              f"{r['compute_p50_ms']:>10.3f}ms {r['compute_p99_ms']:>6.2f}ms "
              f"{r['round_trip_p50_ms']:>13.3f}ms {r['round_trip_p99_ms']:>6.2f}ms  {outcomes}")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"workers": args.workers, "timeout": args.timeout, "startup_s": round(startup, 3),
             "reference_solved": solved, "reference_programs": len(ref), "results": rows},
            indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
