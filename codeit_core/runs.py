"""Run directories: the unit a researcher keeps, shares and resumes.

    runs/<name>/
      config.json         the run's RunConfig, human-readable
      run.sqlite          experiences, samples, candidates, per-iteration metrics (db.py)
      checkpoints/        the policy after each Learn step (iter_0003.pt, ...)
      run.log             what a background run printed

Randomness is derived, not carried: every phase of every iteration seeds its own generator
from (run seed, iteration, phase), so a run killed at any instant and resumed redoes the
unfinished phase with the same random draws — no RNG state to lose.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import inspect
import json
import os
import random
import sqlite3
import textwrap
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from codeit_core.buffer import PriorityWeights
from codeit_core.db import SchemaTooNewError, connect
from codeit_core.store import CREATED, RunStore

CONFIG_FILE = "config.json"
DB_FILE = "run.sqlite"
CHECKPOINTS = "checkpoints"
LOG_FILE = "run.log"

ABLATIONS: dict[str, str] = {
    "A1": "no policy samples in the buffer: each iteration stores as many relabeled "
          "search tasks instead (a search program on a search task's demonstration "
          "inputs), the paper's \"no ExIt\" at a matched data budget",
    "A2": "no hindsight relabeling (only programs that solve every demo are stored)",
    "A3": "no prioritization (uniform sampling from the buffer)",
    "A4": "no pretraining on the seed pool (the neural policy starts from random "
          "weights; the paper's A4 replaces a code-pretrained language model by a random "
          "one, which has no exact analog in a policy trained from scratch)",
    "A5": "one demonstration per task (the policy sees only the first demo pair)",
    "A6": "no mutation seed (the seed pool holds only the reference programs, and no search "
          "tasks are merged into the headline count)",
}


@dataclass(frozen=True)
class Switches:
    """What a run does, with its ablation resolved into explicit flags (`RunConfig.switches`).
    Nothing outside this module reads the names A1..A6: the engine and the pages ask these."""

    stores_policy_samples: bool = True
    """the policy's relabeled samples go into the buffer (A1: as many search tasks instead)"""
    relabels: bool = True
    """hindsight relabeling (A2: only programs that solve every demonstration are stored)"""
    prioritized_replay: bool = True
    """the Learn draw is by priority (A3: uniform over the buffer)"""
    pretrains: bool = True
    """a learned policy pretrains on the seed pool before its first Learn step (A4: not)"""
    all_demos_shown: bool = True
    """the policy sees every demonstration of a task (A5: the first one only)"""
    mutation_seed: bool = True
    """mutants join the seed pool and the search tasks run (A6: reference programs only)"""


SWITCHED_OFF: dict[str, str] = {"A1": "stores_policy_samples", "A2": "relabels",
                                "A3": "prioritized_replay", "A4": "pretrains",
                                "A5": "all_demos_shown", "A6": "mutation_seed"}
"""the flag of `Switches` each ablation turns off"""

POLICIES = ("mutation", "neural", "dspy")
EXECUTORS = ("local", "ray")


class ConfigError(ValueError):
    """A run setting is invalid; the message names the field and says how to fix it."""


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file whole or not at all: into a temporary file beside it, then renamed over
    it. A failed write (a full disk) leaves the old file, and no temporary one, behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        if isinstance(data, str):
            tmp.write_text(data)
        else:
            tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete the temporary files `write_atomic` left in `folder` when its process was
    killed mid-write (``NAME.PID.tmp`` whose process no longer runs); returns them."""
    import psutil

    gone = []
    for tmp in Path(folder).glob("*.tmp"):
        pid = tmp.suffixes[-2][1:] if len(tmp.suffixes) >= 2 else ""
        if pid.isdigit() and int(pid) != os.getpid() and not psutil.pid_exists(int(pid)):
            try:
                tmp.unlink()
                gone.append(tmp)
            except OSError:
                pass
    return gone


def disk_full(error: BaseException) -> bool:
    """Whether `error` says the disk (or the user's quota) is full: the OS's ENOSPC/EDQUOT,
    or SQLite's SQLITE_FULL."""
    import errno

    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(error, sqlite3.OperationalError) and "disk is full" in str(error)


class RunDamagedError(ConfigError):
    """A file of a run cannot be read as what it should be; the message names the file,
    what is wrong, and the commands that check and recover the run."""


@dataclass
class RunConfig:
    """Everything that defines a run. Stored as config.json in the run directory."""

    dataset: str = "arc1-eval"
    """search set: arc1-train, arc1-eval, arc2-train, arc2-eval, or a path to task JSON"""
    tasks: str = ""
    """subset: empty for all, a number N for the first N tasks by id, or comma-separated ids"""
    policy: str = "neural"
    """which policy proposes programs: neural (learned, the default), mutation (baseline) or
    dspy (an LLM)"""
    iterations: int = 10
    """meta-iterations to run (learn → sample → execute → relabel & store → score)"""
    samples_per_task: int = 24
    """programs sampled per task per meta-iteration (the paper: 24)"""
    temperature: float = 0.95
    """sampling temperature (the paper: 0.95)"""
    seed: int = 0
    """seed of every random draw of the run"""
    ablation: str = ""
    """empty (none), or one of the ablations A1..A6"""
    learn_size: int = 2000
    """experiences drawn from the buffer for each Learn step"""
    policy_share: float = 0.9
    """share of the Learn draw taken from the policy pool (the rest from the seed pool): 9:1"""
    alpha: float = 1.0
    """priority exponent: P(draw) ∝ priority^α (1 reproduces the paper)"""
    capacity: int = 0
    """maximum policy-pool experiences (0: unlimited); the lowest priorities go first"""
    priority_performance: float = 1.0
    """priority weight of the fraction of the parent's demos solved"""
    priority_shortness: float = 0.0
    """priority weight of 1 / program length"""
    priority_recency: float = 0.0
    """priority weight of 1 / (1 + age in meta-iterations)"""
    priority_distance: float = 0.0
    """priority weight of 1 − distance to target (pixel accuracy)"""
    seed_mutants: int = 2000
    """mutants of the reference programs added to the seed pool (0 with ablation A6)"""
    search_mutants: int = 19200
    """mutants run on every task of the search set ("search tasks", the paper's mutation
    baseline, merged into the headline count; 0 turns the search off, as does A6): the seed
    pool's mutants first, then more from the same reference programs"""
    search_experiences: int = 128
    """relabeled search tasks to learn from: per search task, up to this many of its
    candidates (search programs exact on at least one of its demonstrations, the best by
    demo accuracy then shortness, one per distinct set of outputs), relabeled on the task's
    demonstration inputs and stored in the policy pool at seeding, so the policy pretrains
    and learns on them (0: none, the paper's setup; the search tasks then only join the
    headline count)"""
    seed_random_programs: int = 0
    """random programs (that run on a training task) added to the seed pool"""
    random_program_length: int = 4
    """lines of each random seed program"""
    timeout: float = 0.5
    """hard time limit per program execution, in seconds"""
    workers: int = 0
    """executor worker processes (0: one per core)"""
    executor: str = "local"
    """where programs run: local (sandboxed worker processes on this machine) or ray (the
    same sandbox on every node of a Ray cluster: pip install -r requirements-ray.txt)"""
    ray_address: str = ""
    """with executor ray: empty for a local Ray instance on loopback, auto for the cluster
    `ray start` runs on this machine, or ray://HOST:PORT"""
    policy_options: dict[str, Any] = field(default_factory=dict)
    """settings of the chosen policy (e.g. the model string of the dspy policy)"""

    def validate(self) -> "RunConfig":
        """Check every field; raise ConfigError naming the first bad one."""
        def bad(name: str, why: str) -> ConfigError:
            return ConfigError(f"config field {name!r}: {why}")

        if self.policy not in POLICIES:
            raise bad("policy", f"{self.policy!r} is not one of {', '.join(POLICIES)}")
        if self.ablation and self.ablation not in ABLATIONS:
            raise bad("ablation", f"{self.ablation!r} is not one of {', '.join(ABLATIONS)} "
                      f"(or empty)")
        for name in ("iterations", "samples_per_task", "learn_size"):
            if getattr(self, name) < 1:
                raise bad(name, f"must be at least 1, got {getattr(self, name)}")
        for name in ("capacity", "seed_mutants", "search_mutants", "search_experiences",
                     "seed_random_programs", "workers"):
            if getattr(self, name) < 0:
                raise bad(name, f"must be 0 or more, got {getattr(self, name)}")
        if not 0.0 < self.temperature <= 5.0:
            raise bad("temperature", f"must be in (0, 5], got {self.temperature}")
        if not 0.0 <= self.policy_share <= 1.0:
            raise bad("policy_share", f"must be within 0..1, got {self.policy_share}")
        if self.alpha < 0:
            raise bad("alpha", f"must be ≥ 0, got {self.alpha}")
        if not 1 <= self.random_program_length <= 20:
            raise bad("random_program_length", f"must be within 1..20, got "
                      f"{self.random_program_length}")
        if self.executor not in EXECUTORS:
            raise bad("executor", f"{self.executor!r} is not one of {', '.join(EXECUTORS)}")
        if self.timeout <= 0:
            raise bad("timeout", f"must be > 0 seconds, got {self.timeout}")
        try:
            self.weights()
        except ValueError as e:
            raise bad("priority_*", str(e)) from None
        if isinstance(self.policy_options, dict) and \
                self.policy_options.get("init_checkpoint") and not self.switches().pretrains:
            raise bad("policy_options", f"init_checkpoint starts the policy from pretrained "
                      f"weights, and ablation {self.ablation} is the run without them; "
                      f"leave one of the two out")
        return self

    def switches(self) -> Switches:
        """The run's ablation as explicit flags (all on without one)."""
        if not self.ablation:
            return Switches()
        return Switches(**{SWITCHED_OFF[self.ablation]: False})

    def weights(self) -> PriorityWeights:
        return PriorityWeights(self.priority_performance, self.priority_shortness,
                               self.priority_recency, self.priority_distance)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "config") -> "RunConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{source}: unknown field(s) {', '.join(map(repr, unknown))}; "
                              f"known fields: {', '.join(sorted(known))}")
        try:
            return cls(**data).validate()
        except TypeError as e:
            raise ConfigError(f"{source}: {e}") from None


@functools.cache
def field_docs(cls: type) -> dict[str, str]:
    """Each field of a dataclass with its docstring (the string literal under the field in
    the source), as one line: what the command line's help and the New-run form show."""
    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0].body
    out = {}
    for node, after in zip(body, body[1:]):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)):
            out[node.target.id] = " ".join(after.value.value.split())
    return out


def derived_seed(seed: int, *parts: Any) -> int:
    """A 63-bit seed from the run seed and any labels (iteration, phase, task, ...)."""
    digest = hashlib.sha256(repr((seed, *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def python_rng(seed: int, *parts: Any) -> random.Random:
    return random.Random(derived_seed(seed, *parts))


def numpy_rng(seed: int, *parts: Any) -> np.random.Generator:
    return np.random.default_rng(derived_seed(seed, *parts))


def runs_dir() -> Path:
    """Where run directories live: $CODEIT_RUNS_DIR, else ./runs."""
    return Path(os.environ.get("CODEIT_RUNS_DIR", "runs"))


def list_runs(root: Path | None = None) -> list[Path]:
    """Run directories under `root` (those holding a run database), newest first."""
    root = root or runs_dir()
    if not root.is_dir():
        return []
    # a leading dot: a run being deleted or imported (codeit_core.manage), never a name
    found = [p for p in root.iterdir()
             if not p.name.startswith(".") and (p / DB_FILE).is_file()]
    return sorted(found, key=lambda p: (p / DB_FILE).stat().st_mtime, reverse=True)


class RunDir:
    """A run directory on disk: its config, database and checkpoints."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def db_path(self) -> Path:
        return self.path / DB_FILE

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def log_path(self) -> Path:
        return self.path / LOG_FILE

    def exists(self) -> bool:
        return self.config_path.is_file() and self.db_path.is_file()

    def checkpoint(self, iteration: int) -> Path:
        return self.path / CHECKPOINTS / f"iter_{iteration:04d}.pt"

    def latest_checkpoint(self, up_to: int | None = None) -> tuple[int, Path] | None:
        """The newest checkpoint (iteration ≤ up_to when given), or None."""
        folder = self.path / CHECKPOINTS
        best = None
        for p in folder.glob("iter_*.pt") if folder.is_dir() else ():
            try:
                it = int(p.stem.split("_")[1])
            except (IndexError, ValueError):
                continue
            if (up_to is None or it <= up_to) and (best is None or it > best[0]):
                best = (it, p)
        return best

    def create(self, config: RunConfig) -> None:
        """Write a new run's config and database; refuse to overwrite an existing run."""
        config.validate()
        if self.config_path.exists():
            raise ConfigError(f"{self.path} already holds a run; open it with --resume or "
                              f"choose another directory")
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(config.to_json())
        os.replace(tmp, self.config_path)
        conn = connect(self.db_path)
        try:
            RunStore(conn).set_status(CREATED)
        finally:
            conn.close()

    def config(self) -> RunConfig:
        try:
            data = json.loads(self.config_path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"{self.path} is not a run directory (no {CONFIG_FILE})") from None
        except json.JSONDecodeError as e:
            raise ConfigError(f"{self.config_path}: not valid JSON (line {e.lineno}: "
                              f"{e.msg})") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{self.config_path}: expected a JSON object")
        return RunConfig.from_dict(data, str(self.config_path))

    def connect(self, readonly: bool = False) -> sqlite3.Connection:
        if not self.db_path.is_file():
            raise ConfigError(f"{self.path} is not a run directory (no {DB_FILE})")
        try:
            conn = connect(self.db_path, readonly=readonly)
            conn.execute("SELECT COUNT(*) FROM meta").fetchone()  # header and schema read
        except SchemaTooNewError as e:
            raise ConfigError(str(e)) from None
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
                raise
            raise RunDamagedError(self.damaged(self.db_path, e)) from None
        return conn

    def full_disk(self, error: Any) -> str:
        """The one line that says the disk filled up under the run, and what to do."""
        return (f"the disk holding {self.path} is full ({error}); the unfinished step kept "
                f"nothing, the finished ones are safe: free some space, then continue with "
                f"`python -m codeit_core run --run-dir {self.path} --resume`")

    def damaged(self, path: Path, error: Any) -> str:
        """The one line that says a file of this run is damaged, and the way out."""
        what = str(error)
        what = what if len(what) <= 120 else what[:117] + "..."
        return (f"{path}: damaged ({what}); `python -m codeit_core check --run-dir "
                f"{self.path}` says what can still be read, and `python -m codeit_core "
                f"recover --run-dir {self.path} --to NEW_DIR` copies it into a new run")

    def status(self) -> dict[str, Any]:
        """Status, pid, last finished iteration and phase — cheap, read-only, for listings."""
        with RunStore.reading(self) as store:
            row = store.last_iteration()
            return {**store.lifecycle(), "iteration": row[0] if row else None,
                    "phase": row[1] if row else None}
