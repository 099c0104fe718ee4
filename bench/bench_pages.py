"""Benchmark: how long each page of the dashboard takes to run, first and on a rerun.

    python bench/bench_pages.py --run-dir RUN [--repeat 5] [--json OUT]

RUN is an existing run directory (e.g. one kept by ``python -m codeit_core bench --protocol
standard --no-control --run-dir DIR``: 400 tasks, 10 meta-iterations). Each page of the app
is opened on that run through Streamlit's own test harness (streamlit.testing AppTest, the
script run the server does, without a browser): the first run (which opens the run, and on
the Run page its in-process session) and `--repeat` reruns after it, as a click or a
widget change makes. On the Run page the reruns come after one whole meta-iteration taken
with its button (on a copy of the run), once with each step's view chosen (the page shows
one at a time). Printed and written: per page, the first run and the median and slowest
rerun, in seconds (the Run page: over every view; per view in `views`). A rerun under 2 s
is the target for the Run page.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("home", "tasks", "run", "metrics", "replay_buffer", "playground", "traces")


def time_page(page: str, repeat: int, step: bool = False) -> dict[str, Any]:
    """The page's first run and reruns; with `step` (the Run page), after one whole
    meta-iteration taken on the page, `repeat` reruns with each step's view chosen."""
    from streamlit.testing.v1 import AppTest

    from codeit_core.steps import STEPS

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=1800)
    at.run()
    t = time.perf_counter()
    at.switch_page(f"views/{page}.py").run()
    first = time.perf_counter() - t
    if at.exception:
        raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")
    extra = {}
    if step:
        t = time.perf_counter()
        at.button(key="rv_step_iteration").click().run()
        extra["iteration_seconds"] = round(time.perf_counter() - t, 3)
        if at.exception:
            raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")
    reruns = []
    views = [None]
    if step:
        chooser = at.segmented_control(key="rv_view")
        views, extra["views"] = list(chooser.options), {}
    for view in views:
        if view is not None:
            # the chooser's labels start with the step's label
            at.segmented_control(key="rv_view").set_value(
                next(s.name for s in STEPS if view.startswith(s.label))).run()
            if at.exception:
                raise RuntimeError(f"{page} ({view}): {[e.value for e in at.exception]}")
        these = []
        for _ in range(repeat):
            t = time.perf_counter()
            at.run()
            these.append(time.perf_counter() - t)
        if view is not None:
            extra["views"][view] = round(statistics.median(these), 3)
        reruns += these
    return {"first_seconds": round(first, 3),
            "rerun_median_seconds": round(statistics.median(reruns), 3),
            "rerun_max_seconds": round(max(reruns), 3), **extra}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-dir", required=True, help="an existing run directory")
    parser.add_argument("--repeat", type=int, default=5, help="reruns per page")
    parser.add_argument("--pages", default=",".join(PAGES),
                        help=f"comma-separated pages (default {','.join(PAGES)})")
    parser.add_argument("--json", metavar="OUT", help="also write the rows as JSON")
    args = parser.parse_args(argv)

    run = Path(args.run_dir).resolve()
    if not (run / "config.json").is_file():
        print(f"error: {run} is not a run directory (no config.json)", file=sys.stderr)
        return 2
    # the pages list the runs of CODEIT_RUNS_DIR and open the one in ?run= / the newest:
    # a folder that holds only a link to this run makes every page open on it
    # (a copy: the Run page takes one meta-iteration on it, which the run itself is spared)
    root = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    shutil.copytree(run, root / run.name, ignore=shutil.ignore_patterns("writer.*"))
    os.environ["CODEIT_RUNS_DIR"] = str(root)

    from codeit_core.runs import RunDir
    from codeit_core.store import RunStore

    with RunStore.reading(RunDir(run)) as store:
        completed = store.completed_iterations()
        sizes = store.pool_sizes()
    config = RunDir(run).config()
    rows = []
    print(f"run {run.name}: {config.dataset} tasks={config.tasks or 'all'}, {completed} "
          f"meta-iterations, buffer {sum(sizes.values()):,} experiences; {args.repeat} "
          f"reruns per page")
    print(f"{'page':<15}{'first s':>10}{'rerun median s':>16}{'rerun max s':>13}"
          f"{'  (Run: one iteration on the page, s)'}")
    for page in [p.strip() for p in args.pages.split(",") if p.strip()]:
        row = {"page": page, **time_page(page, args.repeat, step=page == "run")}
        rows.append(row)
        print(f"{page:<15}{row['first_seconds']:>10}{row['rerun_median_seconds']:>16}"
              f"{row['rerun_max_seconds']:>13}  {row.get('iteration_seconds', '')}",
              flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"run": str(run), "dataset": config.dataset, "tasks": config.tasks,
             "iterations": completed, "experiences": sum(sizes.values()),
             "repeat": args.repeat, "cpu_count": os.cpu_count(), "pages": rows},
            indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
