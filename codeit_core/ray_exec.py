"""Program execution and search on a Ray cluster (``--executor ray``).

The same work as the local executor and search, in chunks that Ray schedules over a
cluster's CPUs:

    with RayExecutor("auto", timeout=0.5) as ex:          # or "" for a local instance
        results = ex.run_batch([("O = rotate_cw(I)", [grid_a, grid_b]), ...])
    result = search(programs, tasks, n_references, address="auto")

The sandbox holds on every node. A Ray task never runs a program itself: it hands its
chunk to the node's own ``Executor`` (held once per Ray worker process, one sandboxed
worker process with the hard timeout, the memory cap and the watchdog of execute.py), and a
search task runs ``search.search`` with one sandboxed worker. So results, error kinds and
timeouts are the local ones, and a hostile program can at worst kill a sandboxed worker.

A Ray worker that dies mid-chunk (its node lost, the process killed) makes Ray run the
chunk again (``max_retries``); the parent takes exactly one reply per chunk, so every
(program, input) gets exactly one result. A chunk that fails on every retry stops the batch
with an ``ExecutorError`` naming the cause.

Addresses: "" or "local" starts a Ray instance for this process, on loopback only (see
below), with one CPU per core (or per executor worker), no dashboard and token
authentication; "auto" joins the
cluster that ``ray start`` runs on this machine; "ray://HOST:PORT" connects through Ray
Client. The ``codeit_core`` package travels to the nodes as a runtime-environment module,
so a node needs only the packages of requirements.txt and Ray. Ray's usage statistics are
turned off: nothing is sent outside the cluster.

Who can get in. Ray runs whatever code its callers send, so only the cluster's own
processes may reach it:
  * A local instance uses Ray's single-machine mode (the default on macOS and Windows;
    ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` on Linux). Its node address is 127.0.0.1 and
    every socket Ray opens listens on loopback; without it, Ray 2.60 listens on every
    interface even when given the node address 127.0.0.1 (it turns 127.0.0.1 into the
    machine's address). The tests check the listening sockets.
  * Token authentication is on as well (``RAY_AUTH_MODE=token``, the token in ~/.ray/):
    every RPC and HTTP entry point refuses a caller without the token.
  * A real cluster listens on its nodes' addresses, so what protects it is the token (the
    same on every node) and a private network; see the README's "Scaling out".
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Sequence

from codeit_core.execute import DEFAULT_TIMEOUT, ExecResult, Executor, ExecutorError

RAY_INSTALL = "pip install -r requirements-ray.txt"
LOCAL_ADDRESSES = ("", "local")
MAX_RETRIES = 3
SINGLE_MACHINE = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def ray_available() -> bool:
    """Whether Ray is installed (without importing it: that takes a second)."""
    import importlib.util

    return importlib.util.find_spec("ray") is not None


def import_ray() -> Any:
    """The ``ray`` module (import it through ``connect``, which sets its environment
    first), or an ExecutorError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ExecutorError(f"the Ray executor needs Ray, which is not installed here; "
                            f"install it with: {RAY_INSTALL}") from None
    return ray


def connect(address: str = "", num_cpus: int | None = None) -> Any:
    """Connect this process to Ray (once): a local instance for "" or "local", else the
    cluster at `address`. Returns the ``ray`` module."""
    # Set before Ray is imported (it reads them once): usage statistics would be sent to a
    # host outside the cluster; a local instance always wants token authentication.
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    if address in LOCAL_ADDRESSES:
        os.environ.setdefault("RAY_AUTH_MODE", "token")
        # Ray's single-machine mode (its default on macOS and Windows): the node address
        # is loopback, and so is every socket Ray listens on
        os.environ[SINGLE_MACHINE] = "0"
    ray = import_ray()
    if ray.is_initialized():
        return ray
    options: dict[str, Any] = {
        "log_to_driver": False, "logging_level": logging.WARNING,
        "runtime_env": {"py_modules": [str(Path(__file__).resolve().parent)]},
    }
    try:
        if address in LOCAL_ADDRESSES:
            ray.init(num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False,
                     _node_ip_address="127.0.0.1", **options)
        else:
            ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = "a local Ray instance" if address in LOCAL_ADDRESSES else \
            f"the Ray cluster at {address!r}"
        raise ExecutorError(f"cannot start or reach {where}: {e}") from None
    return ray


def cluster_cpus(ray: Any) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


# ---------------------------------------------------------------------------------------
# On the nodes
# ---------------------------------------------------------------------------------------

_node_executors: dict[tuple, Executor] = {}


def _run_chunk(jobs: list[tuple[str, list[Any]]], timeout: float, limits: Any,
               memory_mb: int, run_fn: Callable[..., Any] | None) -> list[list[tuple]]:
    """One chunk on this node's sandboxed executor: a result tuple per (job, grid)."""
    key = (timeout, repr(limits), memory_mb, run_fn)
    executor = _node_executors.get(key)
    if executor is None:
        for old in _node_executors.values():
            old.close()
        _node_executors.clear()
        executor = _node_executors[key] = Executor(
            workers=1, timeout=timeout, limits=limits, cache_size=0, memory_mb=memory_mb,
            _run_fn=run_fn)
    return [[tuple(r) for r in job] for job in executor.run_batch(jobs)]


def _search_group(programs: list[str], tasks: list[Any], n_references: int,
                  timeout: float) -> tuple[list[Any], dict[str, Any]]:
    """Some tasks of a search, on one sandboxed search worker of this node."""
    from codeit_core.search import search as local_search

    result = local_search(programs, tasks, n_references, workers=1, timeout=timeout)
    return result.candidates, result.stats


# ---------------------------------------------------------------------------------------
# On the driver
# ---------------------------------------------------------------------------------------

def _cancel(ray: Any, refs: Any) -> None:
    """Stop the tasks still running for a batch that is given up (Ctrl-C, an error)."""
    for ref in refs:
        try:
            ray.cancel(ref, force=True)
        except Exception:  # finished meanwhile, or the cluster is gone: nothing to stop
            pass


class RayExecutor(Executor):
    """An ``Executor`` whose chunks run on a Ray cluster; see the module docstring.

    Caching, duplicate removal, chunking and the results are the local executor's: only
    where a chunk runs differs. `workers` is only a hint for a local instance's CPUs."""

    def __init__(self, address: str = "", workers: int | None = None,
                 timeout: float = DEFAULT_TIMEOUT, max_retries: int = MAX_RETRIES,
                 **options: Any) -> None:
        super().__init__(workers=workers, timeout=timeout, **options)
        self.address = address
        self.max_retries = max_retries
        self._ray: Any = None
        self._remote: Any = None

    def _connect(self) -> Any:
        if self._ray is None:
            self._ray = connect(self.address, self.n_workers)
            self._remote = self._ray.remote(num_cpus=1, max_retries=self.max_retries)(
                _run_chunk)
        self.n_workers = cluster_cpus(self._ray)  # sizes the chunks
        return self._ray

    def start(self, wait: bool = True) -> "RayExecutor":
        with self._lock:
            self._check_open()
            self._connect()
        return self

    def worker_pids(self) -> list[int]:
        return []  # the workers are the cluster's

    def close(self) -> None:
        with self._lock:
            self._closed = True

    def _execute(self, units: list[Any], deliver: Callable[[Any, ExecResult], None],
                 done: Callable[[], int], total: int,
                 progress: Callable[[int, int], None] | None) -> None:
        ray = self._connect()
        in_flight = {}
        for chunk in self._chunks(units):
            ref = self._remote.remote(chunk.jobs, self.timeout, self.limits, self.memory_mb,
                                      self._run_fn)
            in_flight[ref] = chunk
        last_report = time.monotonic()
        try:
            while in_flight:
                ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=0.1)
                for ref in ready:
                    chunk = in_flight.pop(ref)
                    try:
                        replies = ray.get(ref)
                    except ray.exceptions.RayError as e:
                        raise ExecutorError(
                            f"a chunk of {len(chunk.order)} executions failed on the Ray "
                            f"cluster {self.max_retries + 1} times: "
                            f"{str(e).splitlines()[0] if str(e) else type(e).__name__}"
                        ) from None
                    self.executions += len(chunk.order)
                    flat = [r for job in replies for r in job]
                    for unit, r in zip(chunk.order, flat):
                        deliver(unit, ExecResult(*r))
                if progress is not None and time.monotonic() - last_report > 0.1:
                    last_report = time.monotonic()
                    progress(done(), total)
        except BaseException:
            _cancel(ray, in_flight)
            raise


def search(programs: Sequence[str], tasks: Sequence[Any], n_references: int = 0,
           timeout: float = DEFAULT_TIMEOUT, address: str = "",
           progress: Callable[[int, int], None] | None = None) -> Any:
    """``search.search`` on a Ray cluster: groups of tasks, each on one sandboxed search
    worker of some node. The candidates are the local search's; the stats add up."""
    from codeit_core.search import SearchResult

    started = time.perf_counter()
    ray = connect(address)
    programs = list(programs)
    shared = ray.put(programs)  # once into the object store, not once per task
    remote = ray.remote(num_cpus=1, max_retries=MAX_RETRIES)(_search_group)
    # the costliest tasks first (as the local search), a few groups per CPU
    order = sorted(range(len(tasks)), key=lambda i: -sum(
        len(g) * len(g[0]) for g in tasks[i].demo_inputs + tasks[i].test_inputs))
    size = max(1, math.ceil(len(tasks) / (4 * cluster_cpus(ray))))
    groups = [[tasks[i] for i in order[k:k + size]] for k in range(0, len(order), size)]
    in_flight = {remote.remote(shared, g, n_references, timeout): len(g) for g in groups}
    result = SearchResult(programs, n_references, [t.id for t in tasks])
    totals: Counter[str] = Counter()
    sums: Counter[str] = Counter()
    stopped: list[Any] = []
    finished = 0
    if progress:
        progress(0, len(tasks))
    try:
        while in_flight:
            ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=0.2)
            for ref in ready:
                finished += in_flight.pop(ref)
                try:
                    candidates, stats = ray.get(ref)
                except ray.exceptions.RayError as e:
                    raise ExecutorError(f"a group of search tasks failed on the Ray cluster "
                                        f"{MAX_RETRIES + 1} times: "
                                        f"{str(e).splitlines()[0]}") from None
                result.candidates.extend(candidates)
                totals.update(stats["errors"])
                for key in ("executions", "ran_program_task_pairs", "worker_restarts",
                            "shape_skipped", "colour_skipped"):
                    sums[key] += stats.get(key, 0)
                stopped.extend(stats["stopped_programs"])
                if progress:
                    progress(finished, len(tasks))
    except BaseException:
        _cancel(ray, in_flight)
        raise
    result.candidates.sort(key=lambda c: (c.task_id, c.program))
    result.stats = {"programs": len(programs), "references": n_references,
                    "mutants": len(programs) - n_references, "tasks": len(tasks),
                    "executions": sums["executions"],
                    "ran_program_task_pairs": sums["ran_program_task_pairs"],
                    "shape_skipped": sums["shape_skipped"],
                    "colour_skipped": sums["colour_skipped"],
                    "candidates": len(result.candidates),
                    "errors": dict(sorted(totals.items())),
                    "worker_restarts": sums["worker_restarts"],
                    "stopped_programs": stopped[:20], "executor": "ray",
                    "seconds": round(time.perf_counter() - started, 2)}
    return result
