"""``python -m codeit_core run``: CodeIt meta-iterations, headless and resumable.

    python -m codeit_core run --run-dir runs/demo --dataset arc1-eval --tasks 40 \\
        --iterations 3 --policy mutation
    python -m codeit_core run --run-dir runs/demo --resume [--iterations 5]

Prints a progress bar per phase (on stderr) and a summary row per meta-iteration (on
stdout). SIGTERM or Ctrl-C, or a stop requested from the dashboard, stops the run cleanly
between steps; ``--resume`` continues it, as it does a run that was killed outright.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import sys
import traceback
from dataclasses import fields
from typing import Any

from tqdm import tqdm

from codeit_core.execute import ExecutorError
from codeit_core.ray_exec import RAY_INSTALL, ray_available
from codeit_core.runs import ABLATIONS, EXECUTORS, POLICIES, ConfigError, RunConfig, RunDir, \
    disk_full, field_docs, write_atomic
from codeit_core.runlock import RunBusyError, WriterLock
from codeit_core.tasks import TaskFormatError, UnknownDatasetError, UnknownTaskError

COLUMNS = (("iteration", "iter"), ("policy_only_solved", "policy-only"),
           ("cumulative_solved", "cumulative"), ("headline_cumulative_solved", "+search"),
           ("demo_consistent", "demo-cons."),
           ("oracle", "oracle"), ("sampled", "sampled"), ("valid", "valid"),
           ("buffer_seed", "seed pool"), ("buffer_policy", "policy pool"), ("seconds", "s"))


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("run", help="run CodeIt meta-iterations in a run directory",
                              description=__doc__.splitlines()[0])
    p.add_argument("--run-dir", required=True, help="the run directory (created if new)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --run-dir (after a stop or a crash)")
    add_config_arguments(p)
    p.add_argument("--stop-after", type=int, metavar="N",
                   help="run at most N more meta-iterations now and stop; the plan in "
                        "config.json stays as it is")
    p.add_argument("--policy-option", action="append", default=[], metavar="KEY=VALUE",
                   help="a setting of the policy, repeatable; VALUE is read as JSON when it "
                        "can be (4, false, 0.5), else as text: e.g. model=openai/gpt-4o-mini; "
                        "the neural policy's are the fields of NeuralOptions in "
                        "codeit_core/policies/neural.py, each with its doc")
    p.add_argument("--trace", metavar="URL", help="send OpenTelemetry spans to this OTLP/HTTP "
                   "endpoint, e.g. http://127.0.0.1:6006/v1/traces (see the Traces page)")
    p.set_defaults(func=main)
    return p


# every field of RunConfig is an option of `run` (policy_options: --policy-option KEY=VALUE)
OVERRIDES = tuple(f.name for f in fields(RunConfig) if f.name != "policy_options")
CHOICES = {"policy": POLICIES, "ablation": sorted(ABLATIONS), "executor": EXECUTORS}
TYPES = {"int": int, "float": float, "str": str}
MORE_HELP = {
    "iterations": "; with --resume, the run's new plan (config.json is updated, and says so)",
    "ablation": "".join(f"; {k}: {v}" for k, v in ABLATIONS.items()),
    "executor": f" (ray needs {RAY_INSTALL})",
}


def add_config_arguments(p: argparse.ArgumentParser) -> None:
    """One option per RunConfig field, its type, default and help taken from the field."""
    defaults = RunConfig()
    docs = field_docs(RunConfig)
    for f in fields(RunConfig):
        if f.name not in OVERRIDES:
            continue
        default = getattr(defaults, f.name)
        shown = "empty" if default == "" else default
        text = f"{docs.get(f.name, '')}{MORE_HELP.get(f.name, '')} (default {shown})"
        p.add_argument(f"--{f.name.replace('_', '-')}", type=TYPES[f.type],
                       choices=CHOICES.get(f.name), help=text.replace("%", "%%"))


def policy_options(pairs: list[str]) -> dict[str, Any]:
    """{key: value} from KEY=VALUE strings, each VALUE as JSON when it parses, else text."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--policy-option {pair!r}: expected KEY=VALUE")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options


def config_from_args(args: argparse.Namespace) -> RunConfig:
    given = {k: getattr(args, k) for k in OVERRIDES if getattr(args, k) is not None}
    if getattr(args, "policy_option", None):
        given["policy_options"] = policy_options(args.policy_option)
    return RunConfig.from_dict({**RunConfig().__dict__, **given}, "command line")


class ProgressBar:
    """One line per phase on stderr: a tqdm bar redrawn in place on a terminal; elsewhere
    (run.log of a background run) one line ``  {phase}: {done}/{total}`` per finished phase.

    Called as ``progress(phase, done, total)``: a new bar starts when the phase changes, and
    the bar is closed when ``done >= total``.
    """

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.phase: str | None = None
        self.bar: tqdm | None = None  # the open bar of `phase`; None once it is closed
        self.done = 0
        self.total = 0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self.phase:
            self._close()
            self.phase = phase
            self.bar = self._open(total)
        elif self.bar is None:
            if done >= total:  # this phase's bar is closed: a repeated last call
                return
            self.bar = self._open(total)  # the same phase, started again
        if total != self.total or done < self.done:
            self.bar.reset(total=total)
            self.done, self.total = 0, total
        self.bar.update(done - self.done)
        self.done = done
        if total and done >= total:
            self._close()
            if not self.tty:  # what logs and tests read
                self.stream.write(f"  {phase}: {done}/{total}\n")
                self.stream.flush()

    def _open(self, total: int) -> tqdm:
        self.done, self.total = 0, total
        # disabled off a terminal: a log gets the one line per phase above, not redraws
        return tqdm(total=total, desc=f"  {self.phase}", file=self.stream, leave=True,
                    dynamic_ncols=True, disable=not self.tty)

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def print_row(metrics: dict[str, Any], header: bool = False) -> None:
    if header:
        print("  ".join(f"{label:>11}" for _, label in COLUMNS))
    seconds = sum(v for k, v in metrics.items() if k.endswith("_seconds") and
                  isinstance(v, (int, float)))
    values = {**metrics, "seconds": f"{seconds:.1f}"}
    print("  ".join(f"{values.get(key, ''):>11}" for key, _ in COLUMNS), flush=True)


def main(args: argparse.Namespace) -> int:
    from codeit_core.loop import CodeItLoop, StopRequested

    run_dir = RunDir(args.run_dir)
    if args.stop_after is not None and args.stop_after < 1:
        print(f"error: --stop-after must be at least 1, got {args.stop_after}",
              file=sys.stderr)
        return 2
    if getattr(args, "trace", None):
        from codeit_core import tracing
        try:  # one Phoenix project per run, named after its directory
            tracing.enable(args.trace, project=run_dir.path.resolve().name)
        except ValueError as e:
            print(f"error: --trace: {e}", file=sys.stderr)
            return 2
    lock = WriterLock(run_dir)
    planned = None  # with --resume: the plan in config.json before this start
    try:
        if args.resume:
            if not run_dir.exists():
                raise ConfigError(f"{run_dir.path} holds no run to resume; drop --resume to "
                                  f"create one")
            lock.acquire()  # before anything is written, the config included
            config = run_dir.config()
            planned = config.iterations
            if args.iterations is not None and args.iterations != planned:
                config.iterations = args.iterations
                config.validate()
        else:
            config = config_from_args(args)
            if config.executor == "ray" and not ray_available():
                raise ConfigError(f"--executor ray needs Ray, which is not installed here; "
                                  f"install it with: {RAY_INSTALL}")
            run_dir.create(config)
            lock.acquire()
        loop = CodeItLoop.open(run_dir, progress=ProgressBar())
    except (ConfigError, TaskFormatError, UnknownDatasetError, UnknownTaskError,
            RunBusyError, ExecutorError) as e:
        lock.release()
        print(f"error: {e}", file=sys.stderr)
        return 2
    if planned is not None and config.iterations != planned:
        # the new plan is written once the run is known to open: a damaged run keeps its own
        try:
            write_atomic(run_dir.config_path, config.to_json())
        except OSError as e:
            loop.close()
            lock.release()
            print(f"error: cannot write the new plan to {run_dir.config_path}: "
                  f"{e.strerror or e}", file=sys.stderr)
            return 2
        loop.config.iterations = config.iterations
        print(f"plan: {planned} → {config.iterations} meta-iterations (config.json "
              f"updated)", flush=True)

    stop = {"signal": False}

    def on_signal(signum: int, frame: Any) -> None:
        if stop["signal"]:
            raise KeyboardInterrupt
        stop["signal"] = True
        print("\nstopping after the current step (again to abort now)…", file=sys.stderr)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def should_stop() -> bool:
        return stop["signal"] or loop.run_store.stop_requested()

    print(f"run {run_dir.path}: {config.policy} policy on {len(loop.tasks)} task(s) of "
          f"{config.dataset}, {config.samples_per_task} samples per task, "
          f"{config.iterations} meta-iteration(s)" +
          (f", ablation {config.ablation}" if config.ablation else ""), flush=True)
    status = "failed"
    try:
        target = config.iterations
        if args.stop_after is not None:
            target = min(target, loop.completed_iterations() + args.stop_after)
        loop.run_store.set_status("running", pid=os.getpid(), stop_requested=False,
                                  target=target)
        if not loop.is_seeded():
            summary = loop.seed()
            print(f"seed pool: {summary['reference_programs']} reference programs, "
                  f"{summary['mutants']} mutants → {summary['seed_experiences']} experiences",
                  flush=True)
            found = summary.get("search")
            if found:
                print(f"search tasks: {found['programs']} programs ({found['mutant_samples']} "
                      f"mutant samples) × {found['tasks']} tasks → {found['candidates']} "
                      f"candidates, {found['solved']} tasks solved (top-3)"
                      + (" [cached]" if found.get("cached") else
                         f" in {found['seconds']} s"), flush=True)
            if summary.get("search_experiences"):
                print(f"search-task experiences: {summary['search_experiences']} relabeled "
                      f"candidates in the policy pool", flush=True)
        for i, row in enumerate(loop.metrics_table()):
            print_row(row, header=i == 0)
        header = [not loop.metrics_table()]

        def report(metrics: dict[str, Any]) -> None:
            print_row(metrics, header=header[0])
            header[0] = False

        loop.run_iterations(target, should_stop, on_iteration=report)
        # a start that was asked for fewer iterations than the plan leaves the run paused
        status = "finished" if loop.completed_iterations() >= config.iterations else "stopped"
    except StopRequested:
        status = "stopped"
        print(f"stopped at iteration {loop.iteration} before {loop.next_step}; continue with "
              f"--resume", file=sys.stderr)
    except KeyboardInterrupt:
        status = "stopped"
        print("aborted; continue with --resume", file=sys.stderr)
    except ExecutorError as e:  # e.g. the Ray cluster cannot be reached: said in our words
        print(f"error: {e}", file=sys.stderr)
    except (sqlite3.DatabaseError, OSError) as e:
        if disk_full(e):  # the step's transaction rolled back: resume redoes it
            print(f"error: {run_dir.full_disk(e)}", file=sys.stderr)
        elif isinstance(e, sqlite3.DatabaseError):  # the database broke under us
            print(f"error: {run_dir.damaged(run_dir.db_path, e)}", file=sys.stderr)
        else:
            traceback.print_exc()
            print(f"error: {e}", file=sys.stderr)
    except Exception as e:  # a bug or a broken policy: record it, say it, keep the data
        traceback.print_exc()
        print(f"error: {e}", file=sys.stderr)
    finally:
        try:
            loop.run_store.set_status(status, pid=None, stop_requested=False, target=None)
        except sqlite3.Error:
            pass  # a damaged database: the message above says what to do
        loop.close()
        lock.release()
    return {"finished": 0, "stopped": 0}.get(status, 1)
