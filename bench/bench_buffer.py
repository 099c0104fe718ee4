"""Replay-buffer speed at scale: insert, prioritized sample and sorted/filtered pages.

    python bench/bench_buffer.py [--rows 1000000] [--json OUT]

Fills a fresh run database in a temporary folder with synthetic experiences (small grids,
random demo accuracies over 400 parent tasks and 20 iterations), then times the operations
the loop and the Replay-buffer page use.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codeit_core.buffer import Filters, ReplayBuffer  # noqa: E402
from codeit_core.db import connect, transaction  # noqa: E402
from codeit_core.relabel import Experience  # noqa: E402


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--json", help="write the numbers to this file")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    grid = ((1, 2, 3), (4, 5, 6), (7, 8, 9))
    results: dict[str, float] = {"rows": args.rows}
    with tempfile.TemporaryDirectory() as tmp:
        conn = connect(Path(tmp) / "run.sqlite")
        buf = ReplayBuffer(conn)
        acc = rng.choice([0.0, 0.0, 0.0, 1 / 3, 0.5, 1.0], size=args.rows)
        t = time.perf_counter()
        batch = 50_000
        for start in range(0, args.rows, batch):
            exps = [Experience(f"task{i % 400:03d}", f"x1 = rotate_cw(I)\nO = upscale(x1, {i})\n",
                               (grid,) * 3, (grid,) * 3, float(acc[i]), 0.5, 2, i % 20,
                               "seed" if i % 10 == 0 else "policy")
                    for i in range(start, min(start + batch, args.rows))]
            with transaction(conn):
                buf.add(exps)
        results["insert_per_s"] = args.rows / (time.perf_counter() - t)
        results["sample_10k_s"], _ = timed(lambda: buf.sample(10_000, rng, 20))
        results["page_top50_s"], _ = timed(lambda: buf.page(limit=50))
        results["page_deep_offset_100k_s"], _ = timed(lambda: buf.page(offset=100_000, limit=50))
        results["page_filter_task_s"], _ = timed(
            lambda: buf.page(Filters(task_id="task123", status="solved"), limit=50))
        results["page_filter_pool_s"], _ = timed(lambda: buf.page(Filters(pool="seed"), limit=50))
        results["count_filter_status_s"], _ = timed(lambda: buf.count(Filters(status="solved")))
        results["page_filter_text_s"], _ = timed(
            lambda: buf.page(Filters(program_contains="upscale(x1, 99999)"), limit=50))
        results["priorities_all_s"], _ = timed(lambda: buf.priorities(), repeat=1)
        conn.close()
    for k, v in results.items():
        print(f"{k:<26} {v:>14,.4f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
