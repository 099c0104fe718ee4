"""``python -m codeit_core bench``: a policy through benchmark protocols, with its control.

    python -m codeit_core bench --protocol mutation --json bench/mutation.json
    python -m codeit_core bench --protocol smoke --json bench/smoke.json
    python -m codeit_core bench --protocol standard --json bench/standard.json \\
        [--policy neural] [--ablation A2] [--run-dir DIR] [--no-control]

(also ``python -m codeit_core.cli_bench ...``). See codeit_core/bench.py for the protocols.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from typing import Sequence

from codeit_core.runs import ABLATIONS, POLICIES, ConfigError


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench", help="benchmark a policy (and its learning-off "
                              "control), or the paper's mutation baseline",
                              description=__doc__.splitlines()[0])
    _arguments(p)
    p.set_defaults(func=main)
    return p


def _arguments(p: argparse.ArgumentParser) -> None:
    from codeit_core.bench import PROTOCOLS

    p.add_argument("--protocol", choices=sorted(PROTOCOLS), default="smoke")
    p.add_argument("--json", required=True, help="where to write the report (JSON)")
    p.add_argument("--policy", choices=POLICIES, default="neural")
    p.add_argument("--ablation", choices=sorted(ABLATIONS), default="",
                   help="; ".join(f"{k}: {v}" for k, v in ABLATIONS.items()))
    p.add_argument("--run-dir", help="keep the run directories here (default: a temporary "
                   "directory)")
    p.add_argument("--no-control", action="store_true",
                   help="skip the learning-switched-off control run")
    p.add_argument("--iterations", type=int, help="override the protocol's meta-iterations")
    p.add_argument("--tasks", help="override the protocol's task subset")
    p.add_argument("--seed", type=int, help="run seed (default 0)")
    p.add_argument("--seed-mutants", type=int, help="override the seed pool's mutants")
    p.add_argument("--search-mutants", type=int,
                   help="override the mutants run on every search task")
    p.add_argument("--policy-options", default="{}",
                   help="JSON object of extra policy options")
    p.add_argument("--wall-budget", type=float, metavar="SECONDS",
                   help="start no meta-iteration that would end after this many seconds "
                        "(seeding included; the long protocol's default is 3600)")
    p.add_argument("--mutants", help="mutation protocol: comma-separated mutant budgets "
                   "(default 9600,19200)")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help="override any run config field, e.g. --set search_experiences=8 "
                        "(repeatable; `run --help` lists the fields)")


def config_overrides(pairs: Sequence[str]) -> dict[str, object]:
    """`FIELD=VALUE` pairs as RunConfig overrides, each value of its field's type (the
    types `run`'s options use)."""
    from codeit_core.cli_run import OVERRIDES, TYPES
    from codeit_core.runs import RunConfig

    kinds = {f.name: TYPES[f.type] for f in fields(RunConfig)
             if f.name in OVERRIDES and f.name not in ("ablation", "policy")}
    words = {int: "an integer", float: "a number"}
    out: dict[str, object] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in kinds:
            raise ValueError(f"--set {pair!r}: expected FIELD=VALUE with FIELD one of "
                             f"{', '.join(sorted(kinds))}")
        try:
            out[name] = kinds[name](text)
        except ValueError:
            raise ValueError(f"--set {pair!r}: {name} takes "
                             f"{words.get(kinds[name], 'text')}") from None
    return out


def main(args: argparse.Namespace) -> int:
    from codeit_core.bench import run_protocol

    overrides = {k: getattr(args, k) for k in ("iterations", "tasks", "seed", "seed_mutants",
                                               "search_mutants")
                 if getattr(args, k) is not None}
    try:
        budgets = None
        if args.mutants:
            try:
                budgets = [int(x) for x in args.mutants.split(",") if x.strip()]
            except ValueError:
                raise ValueError(f"--mutants {args.mutants!r}: expected numbers like "
                                 f"9600,19200") from None
            if not budgets or min(budgets) < 1:
                raise ValueError("--mutants: every budget must be at least 1")
        overrides.update(config_overrides(args.set))
        options = json.loads(args.policy_options)
        if not isinstance(options, dict):
            raise ValueError("--policy-options must be a JSON object")
        report = run_protocol(args.protocol, args.json, policy=args.policy,
                              ablation=args.ablation or "", run_dir=args.run_dir,
                              control=not args.no_control, overrides=overrides,
                              policy_options=options, mutation_budgets=budgets,
                              wall_budget=args.wall_budget)
    except (ConfigError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(report["summary"], indent=2))
    return 0


def run(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codeit_core.cli_bench",
                                     description=__doc__.splitlines()[0])
    _arguments(parser)
    return main(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(run())
