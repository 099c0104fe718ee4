"""Benchmark: seeding CodeIt's replay buffer with type-aware mutants of the reference programs.

Mutates every stored reference program (``codeit_core/solutions/programs``) of its
arc1-train task, runs the candidates in a real sandboxed ``Executor`` on the demonstration
inputs, and prints mutants accepted per second, the acceptance rate, the parent process's
CPU time (mutation itself runs there) and a digest of the mutants (task and text, in order:
a speed change must leave it as it is).

    python bench/bench_mutate.py                    # 1000 mutants, seed 0, all cores
    python bench/bench_mutate.py -n 5000 --seed 1 --workers 2 --timeout 0.5
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codeit_core.execute import Executor  # noqa: E402
from codeit_core.mutate import generate_mutants  # noqa: E402
from codeit_core.solutions import load_solutions  # noqa: E402
from codeit_core.tasks import load_dataset  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--mutants", type=int, default=1000, help="mutants to accept")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=None, help="executor workers (all cores)")
    ap.add_argument("--timeout", type=float, default=0.5, help="seconds per program and input")
    ap.add_argument("--batch", type=int, default=256, help="candidates per run_batch call")
    args = ap.parse_args(argv)

    tasks = {t.id: t for t in load_dataset("arc1-train")}
    solutions = load_solutions()
    parents = [(tasks[tid], text) for tid, text in solutions.items() if tid in tasks]
    print(f"{len(parents)} reference programs as parents")
    with Executor(workers=args.workers, timeout=args.timeout) as ex:
        ex.start()
        attempted = 0

        def progress(acc: int, att: int) -> None:
            nonlocal attempted
            attempted = att

        t0, c0 = time.perf_counter(), time.process_time()
        mutants = generate_mutants(parents, args.mutants, ex, random.Random(args.seed),
                                   progress=progress, batch_size=args.batch)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        info = ex.cache_info()
    depths = collections.Counter(m.depth for m in mutants)
    per_task = collections.Counter(m.task_id for m in mutants)
    print(f"accepted {len(mutants)} of {attempted} attempts "
          f"(acceptance rate {len(mutants) / max(1, attempted):.1%}) in {elapsed:.2f} s")
    print(f"{len(mutants) / elapsed:.1f} mutants/s, {attempted / elapsed:.1f} attempts/s, "
          f"{info['executions']} executions; parent CPU {cpu:.1f} s")
    digest = hashlib.sha256("\n\n".join(f"{m.task_id}\n{m.program}" for m in mutants)
                            .encode()).hexdigest()[:16]
    print(f"mutants digest {digest}")
    print(f"depths: {dict(sorted(depths.items()))}; "
          f"tasks: {len(per_task)}, most mutants for one task: {max(per_task.values(), default=0)}")


if __name__ == "__main__":
    main()
