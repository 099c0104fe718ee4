"""Sandboxed batch execution of untrusted DSL programs in long-lived worker processes.

Step 3 of the CodeIt loop (Butt et al., ICML 2024): every sampled program is run on its
task's inputs under a hard timeout, and a program that misbehaves (loops, allocates without
bound, crashes its interpreter) yields an error result, never a hang or a crash of the caller.

    with Executor(timeout=0.5) as ex:
        results = ex.run_batch([("O = rotate_cw(I)", [grid_a, grid_b]), ...])
        results[0][1].output      # the program's output on grid_b, or None
        results[0][1].error       # None, or one of ERROR_KINDS

Design
  * A pool of worker processes (default: one per core), started from the "forkserver"
    context (safe beside torch / streamlit threads; a replacement worker starts in a few ms).
    Each worker is long-lived and receives *chunks*: lists of (program text, [grids]) jobs.
    It parses each program once per chunk (the DSL never evaluates text) and runs it on all
    of its inputs, then sends back the whole chunk's results in one message, so process
    start-up and IPC stay off the per-program path.
  * Timeout, first line: inside the worker, ``signal.setitimer`` raises an exception in the
    interpreter after ``timeout`` seconds of one (program, input) execution.
  * Timeout, second line: each worker publishes in shared memory which execution it is on
    and when that started. The parent, while waiting for results, kills a worker whose
    execution has run longer than ``timeout + grace`` (stuck in C code, thrashing, ...),
    starts a fresh one, marks that execution "timeout" (or "too_large" when the worker was
    using most of its memory allowance) and re-queues the rest of the chunk.
  * A worker that dies on its own (out of memory, killed from outside) is replaced too; the
    execution it was on is retried once on a fresh worker and becomes "too_large" if it
    kills a worker again. Either way the caller gets exactly one result per (program, input).
  * Each worker caps its address space (``RLIMIT_AS``) at its start-up size plus
    ``memory_mb``, so a huge allocation raises MemoryError ("too_large") or kills only it.
  * Workers ignore SIGINT (Ctrl-C is the parent's to handle); they exit when the parent
    closes their pipe or dies, and ``close()`` / interpreter exit shuts them down.
  * Results are cached in the parent by (program text, input grid) in a bounded LRU, and
    identical (program, input) pairs in a batch are executed once.
"""

from __future__ import annotations

import atexit
import math
import multiprocessing
import os
import signal
import threading
import time
import weakref
from collections import OrderedDict, deque
from itertools import chain
from dataclasses import dataclass, field
from multiprocessing import connection as mp_connection
from typing import Any, Callable, NamedTuple, Sequence

from codeit_core.grids import Grid, to_grid
from codeit_core.worker_start import start_worker, stop_worker

ERROR_KINDS: tuple[str, ...] = ("syntax", "type", "runtime", "timeout", "too_large",
                                "invalid_grid")

DEFAULT_TIMEOUT = 0.5
DEFAULT_CACHE_SIZE = 200_000
DEFAULT_MEMORY_MB = 1536


class ExecResult(NamedTuple):
    """The outcome of one program on one input grid.

    ``output`` is the output grid when the run succeeded, else None; ``error`` is None or one
    of ``ERROR_KINDS``; ``message`` explains the error; ``line`` is its 1-based program line
    when known.
    """

    output: Grid | None
    error: str | None = None
    message: str = ""
    line: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        """One line for people: the error kind, its line and message ("ok" on success)."""
        if self.error is None:
            return "ok"
        where = f" at line {self.line}" if self.line else ""
        return f"{self.error}{where}: {self.message}" if self.message else f"{self.error}{where}"


class ExecutorError(RuntimeError):
    """The pool itself cannot work (e.g. worker processes die before running anything)."""


# ---------------------------------------------------------------------------------------
# Worker side
# ---------------------------------------------------------------------------------------

# Shared progress slots of one worker (doubles): the execution counter, the index of the
# execution within the current chunk, its wall-clock start (0.0 when idle), and 1.0 once
# the worker is set up (ignoring SIGINT, memory capped).
_SEQ, _UNIT, _START, _READY = 0, 1, 2, 3


class _Timeout(BaseException):
    """Raised by SIGALRM inside a worker. BaseException so that no `except Exception` in a
    primitive can swallow it."""


_armed = False


def _on_alarm(signum: int, frame: Any) -> None:
    if _armed:
        raise _Timeout()


def install_alarm() -> None:
    """In a worker process: make SIGALRM raise ``_Timeout`` while an alarm is armed."""
    signal.signal(signal.SIGALRM, _on_alarm)


def limit_memory(memory_mb: int) -> None:
    """Cap this process's address space at its current size plus `memory_mb`."""
    try:
        import resource

        with open("/proc/self/statm") as f:
            current = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        cap = current + memory_mb * 2**20
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        if soft == resource.RLIM_INFINITY or soft > cap:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (OSError, ValueError, ImportError):  # not Linux: run without the cap
        pass


def _error_tuple(exc: Any) -> tuple:
    return (None, getattr(exc, "kind", "runtime"), getattr(exc, "message", str(exc)),
            getattr(exc, "line", None))


def _worker_main(conn: Any, progress: Any, timeout: float, limits: Any, memory_mb: int,
                 run_fn: Callable[..., Any] | None) -> None:
    """Serve chunks from `conn` until it closes. Each chunk is ``(chunk_id, jobs)``, jobs a
    list of ``(text, [grids])``; the reply is ``(chunk_id, [[result tuple per grid] per job])``.
    """
    global _armed
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The DSL is imported before the memory cap so its code is not charged to programs.
    from codeit_core import dsl

    parse = dsl.parse
    run = run_fn or dsl.run
    limits = limits if limits is not None else dsl.DEFAULT_LIMITS
    DSLError = dsl.DSLError
    limit_memory(memory_mb)
    install_alarm()
    progress[_READY] = 1.0
    setitimer, ITIMER_REAL, clock = signal.setitimer, signal.ITIMER_REAL, time.monotonic
    parsed: dict[str, Any] = {}
    seq = 0.0
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        chunk_id, jobs = message
        replies = []
        unit = 0  # index of the job's first execution within the chunk
        for text, grids in jobs:
            results = []
            program = parsed.get(text)
            for grid in grids:
                seq += 1.0
                progress[_UNIT] = unit + len(results)
                progress[_SEQ] = seq
                progress[_START] = clock()
                try:
                    try:
                        _armed = True
                        setitimer(ITIMER_REAL, timeout)
                        if program is None:
                            program = parse(text)
                        result = (run(program, grid, limits), None, "", None)
                    finally:
                        _armed = False
                        setitimer(ITIMER_REAL, 0)
                except _Timeout:
                    result = (None, "timeout", f"ran for more than {timeout:g} s", None)
                except DSLError as e:
                    result = _error_tuple(e)
                except MemoryError:
                    result = (None, "too_large", "ran out of memory", None)
                except RecursionError:
                    result = (None, "runtime", "nested too deeply (recursion limit)", None)
                except Exception as e:  # a primitive's bug must not kill the worker
                    result = (None, "runtime", f"{type(e).__name__}: {e}", None)
                results.append(result)
                if program is None:  # a syntax error: the same for every input
                    results.extend([result] * (len(grids) - len(results)))
                    progress[_START] = 0.0
                    break
            progress[_START] = 0.0
            unit += len(grids)
            if program is not None:
                parsed[text] = program
                if len(parsed) > 4096:
                    parsed.clear()
            replies.append(results)
        try:
            conn.send((chunk_id, replies))
        except (OSError, ValueError):
            return


# ---------------------------------------------------------------------------------------
# Parent side
# ---------------------------------------------------------------------------------------

@dataclass
class _Unit:
    """One distinct (program, input) execution of a batch."""

    text: str
    grid: Grid
    deaths: int = 0  # workers that died while running it


@dataclass
class _Chunk:
    id: int
    units: list[_Unit]
    jobs: list[tuple[str, list[Grid]]] = field(default_factory=list)
    order: list[_Unit] = field(default_factory=list)  # units in the order the worker runs them

    def __post_init__(self) -> None:
        by_text: dict[str, list[_Unit]] = {}
        for u in self.units:
            by_text.setdefault(u.text, []).append(u)
        for text, units in by_text.items():
            self.jobs.append((text, [u.grid for u in units]))
            self.order.extend(units)


class _Worker:
    __slots__ = ("process", "conn", "progress", "chunk", "sent_at", "seen_seq", "seen_at")

    def __init__(self, process: Any, conn: Any, progress: Any) -> None:
        self.process = process
        self.conn = conn
        self.progress = progress
        self.chunk: _Chunk | None = None
        self.sent_at = 0.0
        # the last execution counter seen, and when: a busy worker whose counter stops
        # moving between executions (frozen, or stuck before its first one) is stalled
        self.seen_seq = 0.0
        self.seen_at = 0.0


def _shutdown_workers(workers: list) -> None:
    """Stop every worker: ask politely, then kill. Safe to call twice."""
    for w in workers:
        if w is None:
            continue
        try:
            w.conn.send(None)
        except (OSError, ValueError):
            pass
    deadline = time.monotonic() + 1.0
    for i, w in enumerate(workers):
        if w is None:
            continue
        w.process.join(max(0.0, deadline - time.monotonic()))
        stop_worker(w)
        workers[i] = None


class Executor:
    """A pool of sandboxed worker processes that run DSL programs on grids, with a cache.

    Args:
      workers:    worker processes (default ``os.cpu_count()``).
      timeout:    hard wall-clock limit in seconds for one program on one input.
      grace:      extra seconds before the parent kills a worker that ignores the timeout
                  (default ``max(0.25, timeout)``).
      limits:     DSL ``Limits`` for every run (default the DSL's ``DEFAULT_LIMITS``).
      cache_size: (program, input) results kept in the LRU cache; 0 disables the cache.
      memory_mb:  address space each worker may add on top of its start-up size.
      chunk_size: executions per chunk sent to a worker (default: adaptive, at most 64).
      start_method: multiprocessing start method ("forkserver" or "spawn").
      _run_fn:    for tests only: a picklable ``fn(program, grid, limits) -> Grid`` the
                  workers call instead of ``dsl.run``.

    Thread-safe: concurrent ``run_batch`` calls are serialized.
    """

    def __init__(self, workers: int | None = None, timeout: float = DEFAULT_TIMEOUT,
                 grace: float | None = None, limits: Any = None,
                 cache_size: int = DEFAULT_CACHE_SIZE, memory_mb: int = DEFAULT_MEMORY_MB,
                 chunk_size: int | None = None, start_method: str = "forkserver",
                 _run_fn: Callable[..., Any] | None = None) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self.n_workers = max(1, workers or os.cpu_count() or 1)
        self.timeout = float(timeout)
        self.grace = float(grace) if grace is not None else max(0.25, self.timeout)
        self.limits = limits
        self.cache_size = max(0, int(cache_size))
        self.memory_mb = int(memory_mb)
        self.chunk_size = chunk_size
        self._ctx = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            # Workers fork from a server that already imported the DSL (~5 ms per start).
            self._ctx.set_forkserver_preload(["codeit_core.execute", "codeit_core.dsl"])
        self._run_fn = _run_fn
        self._workers: list[_Worker | None] = [None] * self.n_workers
        self._cache: OrderedDict[tuple[str, Grid], Any] = OrderedDict()  # _packed results
        self._lock = threading.RLock()
        self._chunk_ids = 0
        self._closed = False
        self.cache_hits = 0
        self.cache_misses = 0
        self.executions = 0
        self.worker_restarts = 0
        self.watchdog_kills = 0
        self._finalizer = weakref.finalize(self, _shutdown_workers, self._workers)

    # -- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Shut the workers down (idempotent). The executor cannot be used afterwards."""
        with self._lock:
            self._closed = True
            self._finalizer()

    def start(self, wait: bool = True) -> "Executor":
        """Start any missing workers now (otherwise they start on first use); with `wait`,
        return once every worker is set up and serving."""
        with self._lock:
            self._check_open()
            for i in range(self.n_workers):
                if self._workers[i] is None:
                    self._workers[i] = self._spawn()
            deadline = time.monotonic() + 30
            while wait and time.monotonic() < deadline:
                if all(w is None or w.progress[_READY] or not w.process.is_alive()
                       for w in self._workers):
                    break
                time.sleep(0.005)
        return self

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w.process.pid for w in self._workers if w is not None]

    def _check_open(self) -> None:
        if self._closed:
            raise ExecutorError("this Executor is closed")

    def _spawn(self) -> _Worker:
        progress = self._ctx.RawArray("d", 4)
        process, conn = start_worker(self._ctx, _worker_main, "codeit-exec-worker",
                                     (progress, self.timeout, self.limits, self.memory_mb,
                                      self._run_fn))
        return _Worker(process, conn, progress)

    def _discard(self, index: int) -> None:
        """Kill worker `index` (if alive) and free its slot."""
        w = self._workers[index]
        if w is None:
            return
        self._workers[index] = None
        stop_worker(w)

    # -- cache -------------------------------------------------------------------------

    def cache_info(self) -> dict[str, int]:
        """Cache and pool counters.

        hits: results served without running (from the cache, or a duplicate (program,
        input) within a batch); misses: distinct executions a batch needed; executions:
        (program, input) runs finished by workers; worker_restarts: workers replaced after
        dying or being killed; watchdog_kills: workers killed for ignoring the timeout.
        """
        return {"hits": self.cache_hits, "misses": self.cache_misses,
                "size": len(self._cache), "max_size": self.cache_size,
                "executions": self.executions, "worker_restarts": self.worker_restarts,
                "watchdog_kills": self.watchdog_kills}

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def _remember(self, key: tuple[str, Grid], result: ExecResult) -> None:
        if self.cache_size:
            self._cache[key] = _packed(result)
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    # -- running -----------------------------------------------------------------------

    def run_program(self, text: str, grids: Sequence[Grid]) -> list[ExecResult]:
        """Run one program on each grid; one result per grid, in order."""
        return self.run_batch([(text, grids)])[0]

    def run_batch(self, jobs: Sequence[tuple[str, Sequence[Grid]]],
                  progress: Callable[[int, int], None] | None = None
                  ) -> list[list[ExecResult]]:
        """Run each job's program on each of its grids.

        Returns one list per job with one ``ExecResult`` per grid, in input order.
        `progress(done, total)` is called now and then (and once at the end), counting
        (program, input) pairs including cache hits and duplicates.
        """
        with self._lock:
            self._check_open()
            total = sum(len(grids) for _, grids in jobs)
            out: list[list[Any]] = [[None] * len(grids) for _, grids in jobs]
            waiting: dict[tuple[str, Grid], list[tuple[int, int]]] = {}
            done = 0
            for j, (text, grids) in enumerate(jobs):
                if not isinstance(text, str):
                    raise TypeError(f"job {j}: program text must be a str, got "
                                    f"{type(text).__name__}")
                for k, grid in enumerate(grids):
                    if type(grid) is not tuple:  # lists or arrays: key on the tuple form
                        grid = to_grid(grid)
                    key = (text, grid)
                    hit = self._cache.get(key) if self.cache_size else None
                    if hit is not None:
                        self._cache.move_to_end(key)
                        self.cache_hits += 1
                        out[j][k] = _unpacked(hit)
                        done += 1
                        continue
                    slots = waiting.get(key)
                    if slots is None:
                        self.cache_misses += 1
                        waiting[key] = [(j, k)]
                    else:  # a duplicate within the batch: free, like a cache hit
                        self.cache_hits += 1
                        slots.append((j, k))
            if waiting:
                def deliver(unit: _Unit, result: ExecResult) -> None:
                    nonlocal done
                    key = (unit.text, unit.grid)
                    self._remember(key, result)
                    for j, k in waiting[key]:
                        out[j][k] = result
                        done += 1

                units = [_Unit(text, grid) for text, grid in waiting]
                self._execute(units, deliver, lambda: done, total, progress)
            if progress is not None:
                progress(total, total)
            return out

    def _chunks(self, units: list[_Unit]) -> deque[_Chunk]:
        size = self.chunk_size or max(1, min(64, math.ceil(len(units) / (4 * self.n_workers))))
        # In the batch's own order: a job's inputs are next to each other (its program is
        # parsed once), and a caller's jobs of one task are too, so the primitives' caches
        # of a grid (its components, its background) serve every program on that grid
        # while it is still cached. (Sorted by program text, every unit met another task's
        # grid: a meta-iteration's Execute step cost ~12% more worker CPU.)
        chunks: deque[_Chunk] = deque()
        for i in range(0, len(units), size):
            chunks.append(self._new_chunk(units[i:i + size]))
        return chunks

    def _new_chunk(self, units: list[_Unit]) -> _Chunk:
        self._chunk_ids += 1
        return _Chunk(self._chunk_ids, units)

    def _execute(self, units: list[_Unit], deliver: Callable[[_Unit, ExecResult], None],
                 done: Callable[[], int], total: int,
                 progress: Callable[[int, int], None] | None) -> None:
        pending = self._chunks(units)
        busy = 0
        unblamed_deaths = 0
        last_report = time.monotonic()
        poll = min(0.05, max(0.005, self.grace / 4))
        limit = self.timeout + self.grace
        stall_limit = max(2.0, 2 * limit)  # generous: a loaded machine delays scheduling
        try:
            while pending or busy:
                # Hand chunks to idle workers, starting replacements for dead ones.
                for i in range(self.n_workers):
                    if not pending:
                        break
                    w = self._workers[i]
                    if w is None:
                        w = self._workers[i] = self._spawn()
                    if w.chunk is not None:
                        continue
                    chunk = pending.popleft()
                    try:
                        w.conn.send((chunk.id, chunk.jobs))
                    except (OSError, ValueError):
                        pending.appendleft(chunk)
                        self._discard(i)
                        self.worker_restarts += 1
                        unblamed_deaths += 1
                        continue
                    w.chunk = chunk
                    w.sent_at = w.seen_at = time.monotonic()
                    w.seen_seq = w.progress[_SEQ]
                    busy += 1
                if unblamed_deaths > 5 * self.n_workers + 5:
                    raise ExecutorError("worker processes keep dying before running any "
                                        "program; see their stderr")

                waitables = []
                for w in self._workers:
                    if w is not None:
                        waitables.append(w.conn)
                        waitables.append(w.process.sentinel)
                ready = set(mp_connection.wait(waitables, timeout=poll)) if waitables else set()

                for i in range(self.n_workers):
                    w = self._workers[i]
                    if w is None:
                        continue
                    if w.conn in ready:
                        try:
                            chunk_id, replies = w.conn.recv()
                        except (EOFError, OSError):
                            pass  # died: handled below via is_alive
                        else:
                            chunk = w.chunk
                            if chunk is not None and chunk.id == chunk_id:
                                w.chunk = None
                                busy -= 1
                                self.executions += len(chunk.order)
                                flat = [r for job in replies for r in job]
                                for unit, r in zip(chunk.order, flat):
                                    deliver(unit, ExecResult(*r))
                            continue
                    if w.process.sentinel in ready or not w.process.is_alive():
                        if w.chunk is not None:
                            busy -= 1
                        blamed = self._on_death(i, pending, deliver, killed=False)
                        unblamed_deaths += 0 if blamed else 1
                        continue
                    # Watchdog: an execution that ignores its in-worker timeout.
                    if w.chunk is not None:
                        now = time.monotonic()
                        started = w.progress[_START]
                        if started and now - started > limit:
                            busy -= 1
                            self._on_death(i, pending, deliver, killed=True)
                        elif not started:
                            # Between executions: a worker that makes no progress at all
                            # (frozen before its first program, or while replying) is
                            # replaced and its chunk re-run; no program is to blame.
                            if w.progress[_SEQ] != w.seen_seq:
                                w.seen_seq, w.seen_at = w.progress[_SEQ], now
                            elif now - w.seen_at > stall_limit:
                                busy -= 1
                                w.process.kill()
                                w.process.join(1.0)
                                self._on_death(i, pending, deliver, killed=False)
                                unblamed_deaths += 1

                if progress is not None and time.monotonic() - last_report > 0.1:
                    last_report = time.monotonic()
                    progress(done(), total)
        except BaseException:
            # Ctrl-C or a failing callback: workers still busy with this batch's chunks
            # would answer into the next batch, so drop them (replacements start lazily).
            for i, w in enumerate(self._workers):
                if w is not None and w.chunk is not None:
                    self._discard(i)
            raise

    def _on_death(self, index: int, pending: deque[_Chunk],
                  deliver: Callable[[_Unit, ExecResult], None], killed: bool) -> bool:
        """Handle worker `index` dying (or being killed by the watchdog when `killed`).

        Returns True when an execution in flight was blamed. The rest of its chunk is
        re-queued at the front so it runs next on a fresh worker.
        """
        w = self._workers[index]
        assert w is not None
        chunk = w.chunk
        seq = w.progress[_SEQ]
        rss = _rss_bytes(w.process.pid) if killed else 0
        self._discard(index)
        self.worker_restarts += 1
        if chunk is None:
            return False
        # Progress is stable now that the process is gone.
        in_flight = None
        if w.progress[_START] and w.progress[_SEQ] == seq:
            in_flight = chunk.order[int(w.progress[_UNIT])]
        rest = [u for u in chunk.order if u is not in_flight]
        if in_flight is not None:
            if killed:
                self.executions += 1
                self.watchdog_kills += 1
                if rss > self.memory_mb * 2**20 // 2:
                    deliver(in_flight, ExecResult(None, "too_large",
                                                  "used too much memory and was stopped"))
                else:
                    deliver(in_flight, ExecResult(None, "timeout",
                                                  f"ran for more than {self.timeout:g} s "
                                                  f"(worker stopped)"))
            else:
                # Retry once on a fresh worker: the death may not be this program's doing
                # (e.g. the worker was killed from outside).
                in_flight.deaths += 1
                if in_flight.deaths >= 2:
                    self.executions += 1
                    deliver(in_flight, ExecResult(
                        None, "too_large", f"the worker process died (exit code "
                                           f"{w.process.exitcode}), most likely out of memory"))
                else:
                    rest.insert(0, in_flight)
        if rest:
            pending.appendleft(self._new_chunk(rest))
        return in_flight is not None


def _packed(result: ExecResult) -> Any:
    """A cached result in little memory: a successful run's output grid as its cells'
    bytes and its width (a grid of tuples costs ~10× more; the cache holds 200,000)."""
    grid = result.output
    if grid is None:
        return result
    try:
        cells, width = bytes(chain.from_iterable(grid)), len(grid[0])
    except (TypeError, ValueError, IndexError):  # not a grid of colours: kept as it is
        return result
    return (cells, width) if len(cells) == width * len(grid) else result


def _unpacked(entry: Any) -> ExecResult:
    if type(entry) is ExecResult:
        return entry
    cells, width = entry
    return ExecResult(tuple(tuple(cells[i:i + width]) for i in range(0, len(cells), width)))


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def executor_for(config: Any) -> Executor:
    """The executor a run's config asks for: local worker processes, or a Ray cluster."""
    if config.executor == "ray":
        from codeit_core.ray_exec import RAY_INSTALL, RayExecutor, ray_available

        if not ray_available():  # said now, not at the first batch
            raise ExecutorError(f"the Ray executor needs Ray, which is not installed here; "
                                f"install it with: {RAY_INSTALL}")
        return RayExecutor(config.ray_address, workers=config.workers or None,
                           timeout=config.timeout)
    return Executor(workers=config.workers or None, timeout=config.timeout)


# ---------------------------------------------------------------------------------------
# Shared executor
# ---------------------------------------------------------------------------------------

_shared: Executor | None = None
_shared_lock = threading.Lock()


def get_executor() -> Executor:
    """The process-wide shared Executor (default settings), created on first use and
    closed at interpreter exit."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared._closed:
            _shared = Executor()
        return _shared


def _close_shared() -> None:
    if _shared is not None:
        _shared.close()


atexit.register(_close_shared)
