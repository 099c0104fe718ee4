"""``python -m codeit_core exec``: run one DSL program on one task, pair by pair.

    python -m codeit_core exec --dataset arc1-train --task 3c9b0459 --program prog.txt

For every demonstration pair ("train[i]") and test pair ("test[i]") it prints the program's
output grid (one row of digits per line) or its error (kind, line, message), and whether
the output equals the expected one; then ``demos solved: a/b, test solved: c/d``.
Exit status 0 once the program ran (whatever it produced); 2 for a bad program file path,
an unknown dataset or an unknown task.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codeit_core.execute import DEFAULT_TIMEOUT, ExecResult, Executor
from codeit_core.grids import Grid


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``exec`` subcommand to `subparsers` (its handler is `main`)."""
    p = subparsers.add_parser(
        "exec", help="run a DSL program on a task's demonstration and test inputs",
        description="Run a DSL program on every demonstration and test input of one task "
                    "and say which outputs match.")
    p.add_argument("--dataset", required=True,
                   help="arc1-train, arc1-eval, arc2-train, arc2-eval, or a task JSON path")
    p.add_argument("--task", required=True, help="task id, e.g. 007bbfb7")
    p.add_argument("--program", required=True, metavar="FILE",
                   help="file holding the program text (one call per line, I in, O out)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"hard time limit per input in seconds (default {DEFAULT_TIMEOUT})")
    p.set_defaults(func=main)
    return p


def format_grid(grid: Grid, indent: str = "  ") -> str:
    """Rows of digits, one row per line."""
    return "\n".join(indent + "".join(str(v) for v in row) for row in grid)


def _verdict(result: ExecResult, expected: Grid | None) -> str:
    if expected is None:
        return "no expected output"
    if result.output is None:
        return "no match"
    return "match" if result.output == expected else "no match"


def main(args: argparse.Namespace) -> int:
    """Run the program of `args` on the task's pairs and print a report; returns the exit
    status."""
    from codeit_core.tasks import TaskFormatError, UnknownDatasetError, UnknownTaskError, \
        find_task

    try:
        text = Path(args.program).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        print(f"error: cannot read program file {args.program!r}: "
              f"{getattr(e, 'strerror', None) or e}", file=sys.stderr)
        return 2
    if args.timeout <= 0:
        print(f"error: --timeout must be positive, got {args.timeout}", file=sys.stderr)
        return 2
    try:
        task = find_task(args.dataset, args.task)
    except (UnknownDatasetError, UnknownTaskError, TaskFormatError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    pairs = [(f"train[{i}]", p) for i, p in enumerate(task.train)]
    pairs += [(f"test[{i}]", p) for i, p in enumerate(task.test)]
    with Executor(workers=min(2, len(pairs)), timeout=args.timeout, cache_size=0) as ex:
        results = ex.run_program(text, [p.input for _, p in pairs])

    solved = {"train": 0, "test": 0}
    for (label, pair), result in zip(pairs, results):
        verdict = _verdict(result, pair.output)
        print(f"{label}: {verdict}")
        if result.output is not None:
            print(format_grid(result.output))
        else:
            print(f"  error: {result.describe()}")
        if verdict == "match":
            solved[label.split("[")[0]] += 1
    print(f"demos solved: {solved['train']}/{len(task.train)}, "
          f"test solved: {solved['test']}/{len(task.test)}")
    return 0
