"""Benchmark: the loop process's memory, iteration by iteration.

    python bench/bench_memory.py [--iterations 8] [--tasks N] [--run-dir DIR] [--resume]
                                 [--json OUT]

A default run (neural policy, all 400 ARC-AGI-1 evaluation tasks unless ``--tasks``) is
seeded and iterated in this process; after each meta-iteration it prints the resident size
now, the peak so far (ru_maxrss), the highest resident size seen during each step (sampled
every 5 ms by a thread: what each step adds on top of what the process holds between
steps), the executor cache's size, the iteration's wall time and its solve counts. Set
CODEIT_CACHE_DIR to a folder holding a search result of the default seed to skip the
search (the counts do not depend on it being cached). ``--resume`` continues the run
already in ``--run-dir`` for ``--iterations`` more (any run: its own config).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codeit_core.bench import peak_memory_mb, resident_mb  # noqa: E402
from codeit_core.loop import CodeItLoop  # noqa: E402
from codeit_core.runs import RunConfig, RunDir  # noqa: E402
from codeit_core.steps import ITERATION  # noqa: E402


class StepPeaks:
    """The highest resident size (MB) seen while each step runs, sampled by a thread."""

    def __init__(self, every: float = 0.005) -> None:
        import psutil

        self.step: str | None = None
        self.peaks: dict[str, float] = {}
        self._process, self._every = psutil.Process(), every
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while True:
            step = self.step
            if step is not None:
                rss = self._process.memory_info().rss / 2**20
                if rss > self.peaks.get(step, 0.0):
                    self.peaks[step] = rss
            time.sleep(self._every)

    def take(self) -> dict[str, float]:
        peaks, self.peaks = self.peaks, {}
        return {k: round(v, 1) for k, v in peaks.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--tasks", default="", help="first N tasks (default all)")
    parser.add_argument("--run-dir", help="where the run goes (default a temporary folder)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --run-dir instead of starting one")
    parser.add_argument("--json", metavar="OUT", help="also write the rows as JSON")
    args = parser.parse_args(argv)

    if args.resume and not args.run_dir:
        parser.error("--resume needs --run-dir")
    folder = Path(args.run_dir) if args.run_dir else Path(tempfile.mkdtemp()) / "run"
    rows = []
    watch = StepPeaks()
    last = ITERATION[-1].name
    try:
        loop = (CodeItLoop.open(RunDir(folder)) if args.resume else
                CodeItLoop.create(RunDir(folder), RunConfig(tasks=args.tasks,
                                                            iterations=args.iterations)))
        with loop:
            if not loop.is_seeded():
                loop.seed()
            for _ in range(args.iterations):
                started = time.perf_counter()
                watch.take()
                while True:
                    watch.step = loop.next_step
                    name = loop.step()
                    watch.step = None
                    if name == last:
                        break
                m = loop.state.metrics
                row = {"iteration": loop.state.iteration,
                       "resident_mb": resident_mb(),
                       "peak_mb": peak_memory_mb()["self"],
                       "step_peak_mb": watch.take(),
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
