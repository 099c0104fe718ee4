"""Search tasks: every seed program on every task of the search set (the paper's mutation
baseline, Butt et al. 2024, section 4.1 and table 1).

The paper runs each mutated seed program on the demonstration inputs of *every* search
task, not only on the task it was mutated for. A program exact on at least one
demonstration is a *candidate* for that task (source "mutation", kept apart from the
policy's samples), ranked and scored by the same top-3 rule as the policy's (metrics.py).
The baseline's curve is solved tasks against mutant samples (the paper: 28/400 at 9,600,
32/400 at 19,200), and the paper's headline CodeIt count merges these candidates with the
policy's (``headline_cumulative_solved``).

    result = search(programs, tasks, progress=...)     # or cached_search(...)
    solved = result.solved(n_mutants=9600)             # tasks solved, top-3

Cost: 19,200 mutants × 400 tasks is ~34 M (program, input) runs. Three things make it
affordable on 2 cores:
  * every worker holds all programs once, compiled into one ``SharedPlan``: a call that
    several programs share (mutants share most lines with their parent) runs once per input;
  * a unit of work is one task (all programs on its inputs): one message each way, nothing
    per program on the parent's side;
  * a program runs on a task's test inputs only when it is exact on a demonstration (it
    cannot be a candidate otherwise), and stops as soon as its output provably cannot be
    the target: another shape, or a last line painting a colour the target does not want
    where the grid it paints is wrong (``SharedPlan.run`` with ``target``).
Results are cached on disk by (programs, tasks, limits), so a second run pays nothing.

Workers are sandboxed like the Executor's (execute.py): a hard per-program timeout inside
the worker, a memory cap, and a parent watchdog that kills a worker stuck past the
timeout (by the clock and by the CPU time it kept using: a worker that only waits for a
core is not stuck) or frozen from outside, counts the program it was on as a timeout for
that task and re-runs the task without it.
"""

from __future__ import annotations

import bisect
import functools
import gc
import gzip
import hashlib
import json
import multiprocessing
import os
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing import connection as mp_connection
from pathlib import Path
from typing import Any, Callable, Sequence

from codeit_core.grids import Grid
from codeit_core.tasks import Task

CACHE_VERSION = 1
DEFAULT_TIMEOUT = 0.5
Progress = Callable[[int, int], None]

# shared progress slots of a search worker: program index, start of its run (0: idle),
# ready flag
_PROGRAM, _START, _READY = 0, 1, 2


@dataclass(frozen=True)
class SearchCandidate:
    """A program exact on at least one demonstration of a task."""

    task_id: str
    program: int
    """index into ``SearchResult.programs``"""
    demo_accuracy: float
    test_correct: bool


@dataclass
class SearchResult:
    """Every candidate of every search task, and what the search cost."""

    programs: list[str]
    """the searched programs: the reference programs first, then the mutants in the order
    they were generated"""
    n_references: int
    task_ids: list[str]
    candidates: list[SearchCandidate] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    first_samples: list[int] | None = None
    """for each mutant (in order), the position of its first occurrence among the mutant
    samples (the same text can be sampled more than once, e.g. for two parents); None: one
    sample each"""

    @property
    def n_mutants(self) -> int:
        return len(self.programs) - self.n_references

    def programs_within(self, mutant_samples: int) -> int:
        """How many programs the first `mutant_samples` mutant samples give, references
        included."""
        if self.first_samples is None:
            return self.n_references + min(mutant_samples, self.n_mutants)
        return self.n_references + bisect.bisect_left(self.first_samples, mutant_samples)

    def top3(self, n_mutants: int | None = None) -> dict[str, list[tuple[SearchCandidate, str]]]:
        """Per task, its top-3 candidates among the reference programs and the programs of
        the first `n_mutants` mutant samples (all when None), as (candidate, text)."""
        return self.ranked(3, n_mutants)

    def ranked(self, k: int, n_mutants: int | None = None
               ) -> dict[str, list[tuple[SearchCandidate, str]]]:
        """Per task, its best `k` candidates (the metric's rank: demo accuracy, then the
        shorter program; never the test outcome), as (candidate, text)."""
        from codeit_core.metrics import rank_key

        limit = len(self.programs) if n_mutants is None else self.programs_within(n_mutants)
        by_task: dict[str, list[tuple[SearchCandidate, str]]] = {}
        for c in self.candidates:
            if c.program < limit:
                by_task.setdefault(c.task_id, []).append((c, self.programs[c.program]))
        return {t: sorted(cs, key=lambda ct: rank_key(ct[0].demo_accuracy, ct[1]))[:k]
                for t, cs in by_task.items()}

    def solved(self, n_mutants: int | None = None) -> set[str]:
        """Tasks one of whose top-3 candidates is right on every test output."""
        return {t for t, cs in self.top3(n_mutants).items() if any(c.test_correct for c, _ in cs)}

    def to_json(self) -> dict[str, Any]:
        return {"version": CACHE_VERSION, "programs": self.programs,
                "n_references": self.n_references, "task_ids": self.task_ids,
                "candidates": [[c.task_id, c.program, c.demo_accuracy, int(c.test_correct)]
                               for c in self.candidates],
                "stats": self.stats}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SearchResult":
        return cls(list(data["programs"]), int(data["n_references"]), list(data["task_ids"]),
                   [SearchCandidate(t, int(p), float(a), bool(ok))
                    for t, p, a, ok in data["candidates"]], dict(data.get("stats", {})))


# ---------------------------------------------------------------------------------------
# Worker side
# ---------------------------------------------------------------------------------------

def _evaluate_task(plan: Any, demos: Sequence[tuple[Grid, Grid]],
                   tests: Sequence[tuple[Grid, Grid]], excluded: frozenset[int],
                   progress: Any) -> dict[str, Any]:
    """Every program of `plan` on one task: candidates and counts. A program's start time
    is published in `progress`; the worker's ticker (``_worker_main``) interrupts it with
    ``_Timeout`` once it runs too long."""
    from codeit_core.execute import _Timeout

    n = len(plan.plans)
    exact = [0] * n
    ran = [False] * n
    errors: Counter[str] = Counter()
    executions = 0
    clock = time.monotonic

    skipped = painted = 0

    def run(index: int, state: Any, target: Grid) -> Any:
        nonlocal skipped, painted
        progress[_PROGRAM] = index
        try:
            progress[_START] = clock()
            # no output check: only equality with a target grid matters here, and a
            # program whose output cannot be the target (another shape, or a last line
            # painting a colour the target does not want) stops early
            output, kind, _ = plan.run(index, state, check_output=False, target=target)
            progress[_START] = 0.0
        except _Timeout:
            progress[_START] = 0.0
            output, kind = None, "timeout"
        if kind == "shape":
            skipped += 1
        elif kind == "colour":
            painted += 1
        elif kind is not None:
            errors[kind] += 1
        return output

    for grid, target in demos:
        state = plan.start(grid)
        for index in plan.order:
            if index not in excluded:
                executions += 1
                output = run(index, state, target)
                if output is not None:
                    ran[index] = True
                    if output == target:
                        exact[index] += 1
    chosen = [i for i in plan.order if exact[i]]
    correct = {i: True for i in chosen}
    for grid, target in tests:
        state = plan.start(grid)
        for index in chosen:
            executions += 1
            output = run(index, state, target)
            if output is None or output != target:
                correct[index] = False
    errors["timeout"] += len(excluded) * len(demos)
    return {"candidates": [(i, exact[i], correct[i]) for i in sorted(chosen)],
            "ran_programs": sum(ran), "executions": executions - skipped - painted,
            "errors": dict(errors), "shape_skipped": skipped, "colour_skipped": painted}


def _worker_main(conn: Any, progress: Any, programs: list[str], timeout: float,
                 memory_mb: int) -> None:
    """Compile `programs` once, then evaluate tasks sent on `conn` until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from codeit_core.dsl.shared import SharedPlan
    from codeit_core.execute import _Timeout, limit_memory

    plan = SharedPlan.of_texts(programs)
    # The plan is long-lived and DSL values hold no reference cycles: keep the cyclic
    # collector off the hot path (it would walk every live value again and again) and
    # collect the youngest generation once per task instead.
    gc.collect()
    gc.freeze()
    gc.disable()
    limit_memory(memory_mb)

    # One periodic timer instead of two system calls per program: every tick, a program
    # running for longer than `timeout` is interrupted (within one tick of its limit).
    clock = time.monotonic

    def tick(signum: int, frame: Any) -> None:
        start = progress[_START]
        if start and clock() - start > timeout:
            raise _Timeout()

    interval = max(0.001, min(0.05, timeout / 4))
    signal.signal(signal.SIGALRM, tick)
    signal.setitimer(signal.ITIMER_REAL, interval, interval)
    progress[_READY] = 1.0
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            return
        job_id, demos, tests, excluded = message
        reply = _evaluate_task(plan, demos, tests, frozenset(excluded), progress)
        # what a task leaves behind is garbage or young: the youngest generation holds all
        # of it (a full collection would walk every cached value too)
        gc.collect(0)
        try:
            conn.send((job_id, reply))
        except (OSError, ValueError):
            return


# ---------------------------------------------------------------------------------------
# Parent side
# ---------------------------------------------------------------------------------------

class SearchError(RuntimeError):
    """The search cannot run (its worker processes keep dying)."""


class _Worker:
    """A search worker: its process, our end of its pipe, its shared progress slots, the
    task it is on (None when idle) and the watchdog's note on a program over its time."""

    __slots__ = ("process", "conn", "progress", "job", "ps", "watch")

    def __init__(self, process: Any, conn: Any, progress: Any) -> None:
        import psutil

        self.process = process
        self.conn = conn
        self.progress = progress
        self.job: int | None = None
        self.ps = psutil.Process(process.pid)
        self.watch: tuple[float, float] | None = None  # (program start, CPU seconds then)

    def stopped(self) -> bool:
        """Frozen from outside (SIGSTOP, a debugger): it will never answer."""
        import psutil

        try:
            return self.ps.status() in (psutil.STATUS_STOPPED, psutil.STATUS_TRACING_STOP)
        except psutil.Error:
            return False

    def stuck(self, limit: float, cpu_limit: float) -> bool:
        """The program in flight has run for `limit` seconds and, since then, used
        `cpu_limit` more seconds of CPU. Wall time alone would kill busy workers when other
        work shares the cores (their program is waiting for a core, not stuck)."""
        import psutil

        start = self.progress[_START]
        if not start or time.monotonic() - start <= limit:
            return False
        try:
            times = self.ps.cpu_times()
            cpu = times.user + times.system
        except psutil.Error:
            return True
        if self.watch is None or self.watch[0] != start:
            self.watch = (start, cpu)
            return False
        return cpu - self.watch[1] > cpu_limit or time.monotonic() - start > 20 * limit


def search(programs: Sequence[str], tasks: Sequence[Task], n_references: int = 0,
           workers: int | None = None, timeout: float = DEFAULT_TIMEOUT,
           memory_mb: int = 1536, progress: Progress | None = None) -> SearchResult:
    """Run every program on every task's demonstrations (and, for candidates, its tests).

    `progress(tasks_done, tasks_total)` is called as tasks finish."""
    from codeit_core.execute import _shutdown_workers
    from codeit_core.worker_start import start_worker, stop_worker

    started = time.perf_counter()
    programs = list(programs)
    result = SearchResult(programs, n_references, [t.id for t in tasks])
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(tasks) or 1))
    jobs = {i: (tuple((p.input, p.output) for p in t.train),
                tuple((p.input, p.output) for p in t.test)) for i, t in enumerate(tasks)}
    excluded: dict[int, set[int]] = {i: set() for i in jobs}
    # the costliest tasks (most input cells) first, so no big one is left for the end
    pending = sorted(jobs, key=lambda i: -sum(len(g) * len(g[0]) for g in
                                             tasks[i].demo_inputs + tasks[i].test_inputs))
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["codeit_core.search", "codeit_core.dsl"])
    slots: list[_Worker | None] = [None] * n_workers
    # generous: a killed worker costs a restart and the whole task again, and the
    # in-worker ticker already stops every program that returns to Python in time
    limit, cpu_limit = timeout + max(2.0, timeout), max(2.0, timeout)
    totals: Counter[str] = Counter()
    executions = ran_pairs = restarts = shape_skipped = colour_skipped = 0
    stopped: list[tuple[str, int, str]] = []  # (task, program, why) a worker was replaced
    done = 0

    def spawn() -> _Worker:
        shared = ctx.RawArray("d", 3)
        process, conn = start_worker(ctx, _worker_main, "codeit-search-worker",
                                     (shared, programs, timeout, memory_mb))
        return _Worker(process, conn, shared)

    def discard(k: int) -> None:
        w, slots[k] = slots[k], None
        if w is not None:
            stop_worker(w)

    if progress:
        progress(0, len(jobs))
    try:
        while pending or any(w and w.job is not None for w in slots):
            for k in range(n_workers):
                if not pending:
                    break
                w = slots[k]
                if w is None:
                    w = slots[k] = spawn()
                if w.job is not None:
                    continue
                job = pending.pop(0)
                demos, tests = jobs[job]
                try:
                    w.conn.send((job, demos, tests, sorted(excluded[job])))
                except (OSError, ValueError):
                    pending.insert(0, job)
                    discard(k)
                    continue
                w.job = job
            waitables = [x for w in slots if w for x in (w.conn, w.process.sentinel)]
            ready = set(mp_connection.wait(waitables, timeout=0.05))
            for k, w in enumerate(slots):
                if w is None or w.job is None:
                    continue
                job = w.job
                if w.conn in ready:
                    try:
                        job_id, reply = w.conn.recv()
                    except (EOFError, OSError):
                        reply = None
                    if reply is not None and job_id == job:
                        w.job = None
                        task = tasks[job]
                        for index, n_exact, correct in reply["candidates"]:
                            result.candidates.append(SearchCandidate(
                                task.id, index, n_exact / len(task.train), bool(correct)))
                        executions += reply["executions"]
                        ran_pairs += reply["ran_programs"]
                        shape_skipped += reply["shape_skipped"]
                        colour_skipped += reply["colour_skipped"]
                        totals.update(reply["errors"])
                        done += 1
                        if progress:
                            progress(done, len(jobs))
                        continue
                stuck = w.stuck(limit, cpu_limit) or w.stopped()
                if stuck or not w.process.is_alive():
                    # the program in flight is a timeout (or fatal) for this task: re-run
                    # the task on a fresh worker without it
                    if w.progress[_READY] and w.progress[_START]:
                        excluded[job].add(int(w.progress[_PROGRAM]))
                        stopped.append((tasks[job].id, int(w.progress[_PROGRAM]),
                                        "stuck" if stuck else
                                        f"died (exit code {w.process.exitcode})"))
                    elif restarts > 5 * n_workers + 5:
                        raise SearchError("search worker processes keep dying before "
                                          "evaluating anything; see their stderr")
                    restarts += 1
                    pending.insert(0, job)
                    discard(k)
    finally:
        _shutdown_workers(slots)
    result.candidates.sort(key=lambda c: (c.task_id, c.program))
    result.stats = {"programs": len(programs), "references": n_references,
                    "mutants": len(programs) - n_references, "tasks": len(tasks),
                    "executions": executions, "ran_program_task_pairs": ran_pairs,
                    "shape_skipped": shape_skipped, "colour_skipped": colour_skipped,
                    "candidates": len(result.candidates),
                    "errors": dict(sorted(totals.items())), "worker_restarts": restarts,
                    "stopped_programs": [[t, programs[i][:200], why]
                                         for t, i, why in stopped[:20]],
                    "seconds": round(time.perf_counter() - started, 2)}
    return result


# ---------------------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------------------

def cache_dir() -> Path:
    """Where search results are kept: $CODEIT_CACHE_DIR, else <runs folder>/.cache."""
    from codeit_core.runs import runs_dir

    env = os.environ.get("CODEIT_CACHE_DIR")
    return Path(env) if env else runs_dir() / ".cache"


@functools.cache
def dsl_source_digest() -> bytes:
    """A digest of the DSL's source (its package and the grid checks): a program's outcome
    depends on it, so a change to any primitive makes every cached result a new key."""
    from codeit_core import dsl, grids

    h = hashlib.sha256()
    for path in sorted(Path(dsl.__file__).parent.glob("*.py")) + [Path(grids.__file__)]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.digest()


def cache_key(programs: Sequence[str], tasks: Sequence[Task], n_references: int,
              timeout: float) -> str:
    """A digest of everything a search result depends on: the programs, the tasks, the
    limits and the DSL's source."""
    from codeit_core.dsl import DEFAULT_LIMITS

    h = hashlib.sha256()
    h.update(json.dumps([CACHE_VERSION, n_references, timeout, repr(DEFAULT_LIMITS)]).encode())
    h.update(dsl_source_digest())
    for text in programs:
        h.update(text.encode() + b"\0")
    for t in tasks:
        h.update(json.dumps([t.id, t.to_json()], separators=(",", ":")).encode())
    return h.hexdigest()[:32]


def cached_mutant_texts(references: Sequence[str], n: int, seed: int,
                       generate: Callable[[], list[str]], cache: Path | None = None
                       ) -> list[str]:
    """The texts `generate()` makes for these references, `n` and `seed`, cached like a
    search (the mutation code's source and the DSL's are part of the key: a mutant is
    kept by what it does when run, so a change to either is a new key)."""
    from codeit_core import mutate

    h = hashlib.sha256(json.dumps([CACHE_VERSION, n, seed]).encode())
    h.update(Path(mutate.__file__).read_bytes())
    h.update(dsl_source_digest())
    for text in references:
        h.update(text.encode() + b"\0")
    folder = Path(cache) if cache is not None else cache_dir()
    path = folder / "mutants" / f"{h.hexdigest()[:32]}.json.gz"
    try:
        with gzip.open(path, "rt") as f:
            texts = json.load(f)
        if isinstance(texts, list) and all(isinstance(t, str) for t in texts):
            return texts
    except (OSError, ValueError, EOFError):
        pass
    texts = generate()
    _write_gz(path, texts)
    return texts


def _write_gz(path: Path, value: Any) -> None:
    """Write JSON atomically; a cache that cannot be written only costs time."""
    from codeit_core.runs import write_atomic

    try:
        write_atomic(path, gzip.compress(json.dumps(value, separators=(",", ":")).encode()))
    except OSError:
        pass


def cached_search(programs: Sequence[str], tasks: Sequence[Task], n_references: int = 0,
                  workers: int | None = None, timeout: float = DEFAULT_TIMEOUT,
                  progress: Progress | None = None, cache: Path | None = None,
                  ray_address: str | None = None) -> SearchResult:
    """``search``, reusing a stored result for the same programs, tasks and limits; with a
    `ray_address`, the search runs on that Ray cluster (``ray_exec.search``: the same
    candidates, so the same cache)."""
    folder = Path(cache) if cache is not None else cache_dir()
    path = folder / "search" / f"{cache_key(programs, tasks, n_references, timeout)}.json.gz"
    try:
        with gzip.open(path, "rt") as f:
            result = SearchResult.from_json(json.load(f))
        result.stats = {**result.stats, "cached": True}
        if progress:
            progress(len(tasks), len(tasks))
        return result
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        pass  # absent or unreadable: search again
    if ray_address is None:
        result = search(programs, tasks, n_references, workers, timeout, progress=progress)
    else:
        from codeit_core import ray_exec

        result = ray_exec.search(programs, tasks, n_references, timeout, ray_address,
                                 progress=progress)
    _write_gz(path, result.to_json())
    result.stats = {**result.stats, "cached": False}
    return result
