"""The command line: ``python -m codeit_core <command> ...``.

  datasets                          names and task counts of the bundled datasets
  exec --dataset D --task ID --program FILE
                                    run a DSL program on a task, pair by pair
  solutions --verify                check every reference program on its training task
  check --run-dir DIR               say, file by file, whether a run is intact
  recover --run-dir DIR --to NEW    copy what a damaged run still holds into a new run
  run --run-dir DIR ...             CodeIt meta-iterations, resumable (see cli_run.py)
  pretrain --out FILE               the neural policy pretrained on the seed pool, for
                                    init_checkpoint (see pretrain.py)
  bench --protocol {mutation,tune,smoke,standard,long} --json OUT
                                    the paper's mutation baseline, or the default policy
                                    with a learning-off control (see bench.py)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
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


def cmd_check(args: argparse.Namespace) -> int:
    """Say, file by file, whether a run directory is intact."""
    from codeit_core.repair import check
    from codeit_core.runlock import describe, writer
    from codeit_core.runs import RunDir

    run = RunDir(args.run_dir)
    if not run.path.is_dir():
        print(f"error: {run.path} is not a directory", file=sys.stderr)
        return 2
    findings = check(run)
    for f in findings:
        print(f)
    holder = writer(run)
    if holder is not None:
        print(f"note: the run is being written right now by {describe(holder)}")
    bad = [f for f in findings if not f.ok]
    print(f"{len(findings) - len(bad)} of {len(findings)} checks passed" +
          (f"; copy what is readable into a new run with `python -m codeit_core recover "
           f"--run-dir {run.path} --to NEW_DIR`" if bad else ""))
    return 1 if bad else 0


def cmd_recover(args: argparse.Namespace) -> int:
    """Copy every readable row and intact checkpoint of a run into a new run."""
    from codeit_core.repair import recover
    from codeit_core.runs import ConfigError, RunDir

    try:
        counts = recover(RunDir(args.run_dir), RunDir(args.to))
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for part, c in counts.items():
        print(f"{part:<18} {c['copied']:>8} copied" +
              (f", {c['unreadable']} unreadable (left behind)" if c["unreadable"] else ""))
    print(f"recovered into {args.to}; continue it with `python -m codeit_core run --run-dir "
          f"{args.to} --resume`")
    return 0


def cmd_pretrain(args: argparse.Namespace) -> int:
    """Pretrain the neural policy on a default run's seed pool and write its weights."""
    from codeit_core.cli_run import ProgressBar, policy_options
    from codeit_core.pretrain import metadata_path, pretrain_checkpoint
    from codeit_core.runs import ConfigError

    try:
        options = policy_options(args.policy_option)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    progress = ProgressBar()
    try:
        meta = pretrain_checkpoint(Path(args.out), seed=args.seed,
                                   seed_mutants=args.seed_mutants, options=options,
                                   workers=args.workers, progress=progress)
    except (ConfigError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    p = meta["pretrain"]
    print(f"pretrained on {meta['seed_pool']['experiences']} seed experiences "
          f"({p.get('epochs', 0):g} epochs, loss {p.get('first_loss', '?')} → "
          f"{p.get('loss', '?')}) in {meta['seconds']:g} s")
    print(f"wrote {args.out} and {metadata_path(Path(args.out))}; start a run from it with "
          f"--policy-option init_checkpoint={args.out}")
    return 0


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
    p = sub.add_parser("check", help="say whether a run directory's files are intact")
    p.add_argument("--run-dir", required=True)
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("recover", help="copy what a damaged run still holds into a new run")
    p.add_argument("--run-dir", required=True, help="the damaged run (only read)")
    p.add_argument("--to", required=True, help="the new run directory (must not exist)")
    p.set_defaults(func=cmd_recover)
    p = sub.add_parser("pretrain", help="pretrain the neural policy on the seed pool and "
                       "write its weights (for the policy option init_checkpoint)",
                       description="Pretrain the neural policy on the seed pool a default run "
                       "builds (reference programs and their mutants on ARC-AGI-1 training "
                       "tasks), as a run's first Learn step does, and write its weights; a "
                       "run starts from them with --policy-option init_checkpoint=FILE.")
    p.add_argument("--out", required=True, help="the checkpoint file to write (its "
                   "metadata goes beside it, .json)")
    p.add_argument("--seed", type=int, default=0, help="seed of the seed pool's mutants and "
                   "of pretraining, as a run's --seed (default 0)")
    p.add_argument("--seed-mutants", type=int, default=None, help="mutants in the seed pool "
                   "(default: a run's default)")
    p.add_argument("--workers", type=int, default=0, help="executor worker processes for "
                   "seeding (0: one per core)")
    p.add_argument("--policy-option", action="append", default=[], metavar="KEY=VALUE",
                   help="a neural policy option, as for run (e.g. epochs_pretrain=8)")
    p.set_defaults(func=cmd_pretrain)
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
