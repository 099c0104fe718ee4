"""Benchmark: the loop process's memory, iteration by iteration.

    python bench/bench_memory.py [--iterations 8] [--tasks N] [--run-dir DIR] [--json OUT]

A default run (neural policy, all 400 ARC-AGI-1 evaluation tasks unless ``--tasks``) is
seeded and iterated in this process; after each meta-iteration it prints the resident size
now, the peak so far (ru_maxrss), the executor cache's size, the iteration's wall time and
its solve counts. Set CODEIT_CACHE_DIR to a folder holding a search result of the default
seed to skip the search (the counts do not depend on it being cached).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codeit_core.bench import peak_memory_mb, resident_mb  # noqa: E402
from codeit_core.loop import CodeItLoop  # noqa: E402
from codeit_core.runs import RunConfig, RunDir  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--tasks", default="", help="first N tasks (default all)")
    parser.add_argument("--run-dir", help="where the run goes (default a temporary folder)")
    parser.add_argument("--json", metavar="OUT", help="also write the rows as JSON")
    args = parser.parse_args(argv)

    folder = Path(args.run_dir) if args.run_dir else Path(tempfile.mkdtemp()) / "run"
    rows = []
    try:
        with CodeItLoop.create(RunDir(folder), RunConfig(tasks=args.tasks,
                                                         iterations=args.iterations)) as loop:
            loop.seed()
            for _ in range(args.iterations):
                started = time.perf_counter()
                m = loop.run_iteration()
                row = {"iteration": loop.state.iteration,
                       "resident_mb": resident_mb(),
                       "peak_mb": peak_memory_mb()["self"],
                       "executor_cache": loop.executor.cache_info()["size"],
                       "seconds": round(time.perf_counter() - started, 1),
                       **{k: m.get(k) for k in ("policy_only_solved", "cumulative_solved",
                                                "headline_cumulative_solved")}}
                rows.append(row)
                print(json.dumps(row), flush=True)
    finally:
        if not args.run_dir:
            shutil.rmtree(folder.parent, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
