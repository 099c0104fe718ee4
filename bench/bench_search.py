"""Benchmark: the search tasks' wall time, local worker processes against a local Ray.

    python bench/bench_search.py --from runs/.cache/search/KEY.json.gz [--tasks 40]
                                 [--workers 2] [--executor local|ray|both] [--json OUT]

The programs come from a search result a run cached (every run with search tasks writes one
under ``<runs>/.cache/search/``; the default seed's has 16,689 programs), so the bench
searches exactly what a run searches. The tasks are a fixed sample of the ARC-AGI-1
evaluation set (shuffled with seed 7, the first ``--tasks``). With ``both`` the two
searches must find the same candidates (checked), and Ray's overhead is their time ratio.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codeit_core import ray_exec  # noqa: E402
from codeit_core.search import search  # noqa: E402
from codeit_core.tasks import load_dataset  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", required=True, metavar="CACHE",
                        help="a cached search result (.json.gz) whose programs to search")
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--executor", choices=("local", "ray", "both"), default="both")
    parser.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    args = parser.parse_args(argv)

    with gzip.open(args.source, "rt") as f:
        cached = json.load(f)
    programs, n_references = cached["programs"], cached["n_references"]
    tasks = load_dataset("arc1-eval")
    random.Random(7).shuffle(tasks)
    tasks = tasks[:args.tasks]
    report: dict = {"programs": len(programs), "tasks": len(tasks), "workers": args.workers}
    results = {}
    if args.executor in ("local", "both"):
        started = time.perf_counter()
        results["local"] = search(programs, tasks, n_references, workers=args.workers)
        report["local_seconds"] = round(time.perf_counter() - started, 1)
    if args.executor in ("ray", "both"):
        ray_exec.connect("", args.workers)  # start-up is not part of the search
        started = time.perf_counter()
        results["ray"] = ray_exec.search(programs, tasks, n_references)
        report["ray_seconds"] = round(time.perf_counter() - started, 1)
    if len(results) == 2:
        report["same_candidates"] = results["local"].candidates == results["ray"].candidates
        report["ray_overhead"] = round(report["ray_seconds"] / report["local_seconds"], 3)
    report["solved"] = {k: len(r.solved()) for k, r in results.items()}
    print(json.dumps(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0 if report.get("same_candidates", True) else 1


if __name__ == "__main__":
    sys.exit(main())
