"""The command line: ``python -m codeit_core <command> ...``.

  datasets                          names and task counts of the bundled datasets
  exec --dataset D --task ID --program FILE
                                    run a DSL program on a task, pair by pair
  solutions --verify                check every reference program on its training task
  run --run-dir DIR ...             CodeIt meta-iterations, resumable (see cli_run.py)
  bench --protocol {mutation,tune,smoke,standard,long} --json OUT
                                    the paper's mutation baseline, or the default policy
                                    with a learning-off control (see bench.py)
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from codeit_core.tasks import DATASET_TITLES, dataset_names, load_dataset


def cmd_datasets(args: argparse.Namespace) -> int:
    """Print every bundled dataset with its task and pair counts."""
    print(f"{'name':<12} {'tasks':>6} {'demo pairs':>11} {'test pairs':>11}  title")
    for name in dataset_names():
        tasks = load_dataset(name)
        demos = sum(len(t.train) for t in tasks)
        tests = sum(len(t.test) for t in tasks)
        print(f"{name:<12} {len(tasks):>6} {demos:>11} {tests:>11}  {DATASET_TITLES[name]}")
    return 0


def cmd_solutions(args: argparse.Namespace) -> int:
    """List or verify the reference programs of the ARC-AGI-1 training set."""
    from codeit_core.solutions import DATASET, load_solutions, verify

    total = len(load_dataset(DATASET))
    if not args.verify:
        print(f"{len(load_solutions())} reference programs for {total} ARC-AGI-1 training "
              f"tasks (check them with --verify)")
        return 0
    verdicts = verify()
    failed = [v for v in verdicts if not v.ok]
    print(f"verified: {len(verdicts) - len(failed)}/{total} ARC-AGI-1 training tasks")
    for v in failed:
        print(f"FAILED {v.task_id}: {v.problem}")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m codeit_core",
                                     description="CodeIt engine, headless.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("datasets", help="list the bundled datasets with their task counts")
    p.set_defaults(func=cmd_datasets)
    p = sub.add_parser("solutions", help="the reference programs (seed library)")
    p.add_argument("--verify", action="store_true",
                   help="run every program on its task; exit 1 if one fails")
    p.set_defaults(func=cmd_solutions)
    from codeit_core import cli_bench, cli_exec, cli_run

    cli_exec.add_parser(sub)
    cli_run.add_parser(sub)
    cli_bench.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
