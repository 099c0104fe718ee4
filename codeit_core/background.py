"""Runs in a separate process: start, watch and stop ``python -m codeit_core run`` from the
dashboard, so that a run survives page reloads, closed tabs and a restarted server.

    pid = start_background(run_dir, iterations=5)    # detached; prints to run.log
    run_state(run_dir)                               # status, liveness, progress
    request_stop(run_dir)                            # stops cleanly between two steps

The process is the ordinary command line (`cli_run.py`) with ``--resume``: it records its
status (running / stopped / finished / failed) and pid in the run database's meta table
and checks ``stop_requested`` between steps. This module adds what a web page needs around
it: one live process per run at most, a clear verdict when a process vanished without
recording why (killed, machine rebooted: the run is *interrupted* and can be resumed), and
a check that a loop held in memory still matches its database.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeit_core.processes import process_alive
from codeit_core.runs import RunDir
from codeit_core.steps import LAST_PHASE, NEW, recorded_phase
from codeit_core.store import RunStore

if TYPE_CHECKING:
    from codeit_core.loop import CodeItLoop

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
STARTING = "starting"
LIVE_STATUSES = (STARTING, "running")
STARTUP_WAIT = 30.0

# processes this interpreter started: polled for liveness (and reaped by a waiter thread)
_children: dict[int, subprocess.Popen] = {}


class BackgroundError(RuntimeError):
    """A background run cannot be started (or stopped); the message says why."""


def is_alive(pid: int | None) -> bool:
    """Whether `pid` is a live (not zombie) process of the CodeIt command line."""
    return process_alive(pid, _children, b"codeit_core")


def _read_meta(run: RunDir) -> dict[str, Any]:
    with RunStore.reading(run) as store:
        return store.lifecycle()


def run_state(run_dir: str | Path | RunDir) -> dict[str, Any]:
    """Where a run stands, for listings and progress bars (read-only, cheap).

    status: new (nothing done yet), stepping (advanced step by step, no process), starting,
    running, stopped, finished, failed, or interrupted (the database says running but its
    process is gone: resume possible). Also alive, pid, stop_requested, completed and
    planned iterations, the last iteration recorded with its phase, a message, and for a
    live process the iterations it runs to (target) and the seconds that should take
    (eta_seconds, from its recent iterations; None until one has finished).
    """
    run = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
    meta = _read_meta(run)
    with RunStore.reading(run) as store:
        completed = store.completed_iterations()
        last = store.last_iteration()
        seeded = store.is_seeded()
        recent = store.recent_iteration_seconds()
    try:
        planned = run.config().iterations
    except Exception:  # a broken config.json is reported where the run is opened
        planned = None
    status, pid = meta["status"], meta["pid"]
    alive = status in LIVE_STATUSES and is_alive(pid)
    message = ""
    if status in LIVE_STATUSES and not alive:
        status = "interrupted"
        message = (f"the background process{f' (pid {pid})' if pid else ''} is gone without "
                   f"recording a stop: the run was interrupted; resume possible")
    elif status == "created":
        status = "stepping" if (seeded or last) else "new"
    elif status == "failed":
        message = f"the last background run failed; see {run.log_path}"
    return {"status": status, "alive": alive, "pid": pid if alive else None,
            "stop_requested": meta["stop_requested"], "completed": completed,
            "planned": planned, "iteration": last[0] if last else None,
            "phase": last[1] if last else None, "seeded": seeded, "message": message,
            "target": meta["target"] if alive else None,
            "eta_seconds": eta_seconds(recent, completed, meta["target"]) if alive else None}


def eta_seconds(recent: list[float], completed: int, target: int | None) -> float | None:
    """Seconds until a process that runs to `target` meta-iterations is done, from the
    median wall time of the recent iterations (None before one has finished)."""
    if not recent or target is None:
        return None
    return max(0, target - completed) * statistics.median(recent)


def _wait_in_background(proc: subprocess.Popen) -> None:
    """Reap the child when it exits (no zombie), then forget it."""
    proc.wait()
    _children.pop(proc.pid, None)


def start_background(run_dir: str | Path | RunDir, iterations: int | None = None,
                     trace: str | None = None, more: int | None = None) -> int:
    """Continue a run in a detached process until it has `iterations` meta-iterations
    in total (None: the number in its config, which `iterations` replaces), or for at
    most `more` meta-iterations (the plan left as it is); return the process id. With
    `trace` (an OTLP/HTTP endpoint, e.g. a local Phoenix's), the process sends its spans
    there.

    Refuses (BackgroundError) when the run already has a live process or is not a run.
    Waits until the process has recorded itself as running (a second or two), so a stop
    requested right after the start is not lost; a process that dies while starting (a
    broken config, an unknown dataset) raises with the last line it printed.
    """
    run = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
    if not run.exists():
        raise BackgroundError(f"{run.path} is not a run directory (no config.json and "
                              f"run.sqlite)")
    for name, value in (("iterations", iterations), ("more", more)):
        if value is not None and value < 1:
            raise BackgroundError(f"{name} must be at least 1, got {value}")
    from codeit_core.runlock import describe, writer

    state = run_state(run)
    if state["alive"]:
        raise BackgroundError(f"run {run.path.name!r} already has a live background process "
                              f"(pid {state['pid']}); stop it first or wait for it to end")
    holder = writer(run)  # e.g. a run in a terminal, or a step from another dashboard
    if holder is not None:
        raise BackgroundError(f"run {run.path.name!r} is being written by {describe(holder)}; "
                              f"stop it first or wait for it to end")
    previous = _read_meta(run)["status"]
    with RunStore.writing(run) as store:
        store.request_stop(False)
        store.set_status(STARTING)
        cmd = [sys.executable, "-m", "codeit_core", "run", "--run-dir",
               str(run.path.resolve()), "--resume"]
        if iterations is not None:
            cmd += ["--iterations", str(iterations)]
        if more is not None:
            cmd += ["--stop-after", str(more)]
        if trace:
            cmd += ["--trace", trace]
        env = {**os.environ, "PYTHONUNBUFFERED": "1",
               "PYTHONPATH": os.pathsep.join(
                   p for p in (str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")) if p)}
        with open(run.log_path, "a") as log:
            log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} background: "
                      f"{' '.join(cmd[1:])}\n")
            log.flush()
            proc = subprocess.Popen(cmd, cwd=PACKAGE_ROOT, env=env, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True, close_fds=True)
        _children[proc.pid] = proc
        threading.Thread(target=_wait_in_background, args=(proc,), daemon=True,
                         name=f"codeit-run-{proc.pid}").start()
        store.set_pid(proc.pid)
    deadline = time.monotonic() + STARTUP_WAIT
    while time.monotonic() < deadline:
        if _read_meta(run)["status"] != STARTING:
            break
        if proc.poll() is not None:
            with RunStore.writing(run) as store:  # it never got going: put it back, say why
                if store.status() == STARTING:
                    store.set_status(previous, pid=None)
            raise BackgroundError(f"the background run exited at once (code "
                                  f"{proc.returncode}): {last_log_line(run)}")
        time.sleep(0.05)
    return proc.pid


def request_stop(run_dir: str | Path | RunDir) -> bool:
    """Ask the run's background process to stop after its current step; returns whether
    a live process was there to ask (the request is recorded either way)."""
    run = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
    if not run.exists():
        raise BackgroundError(f"{run.path} is not a run directory")
    with RunStore.writing(run) as store:
        store.request_stop()
    return run_state(run)["alive"]


def wait_until_done(run_dir: str | Path | RunDir, timeout: float = 120.0,
                    poll: float = 0.1) -> dict[str, Any]:
    """Block until the run has no live process — its status recorded and the process
    itself gone — or until `timeout`; return the run's state."""
    run = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
    deadline = time.monotonic() + timeout
    pid = _read_meta(run)["pid"]
    while True:
        state = run_state(run)
        pid = state["pid"] or pid
        if (not state["alive"] and not is_alive(pid)) or time.monotonic() > deadline:
            return state
        time.sleep(poll)


def last_log_line(run: RunDir) -> str:
    """The last non-empty line of the run's log ('' when there is none)."""
    return next(iter(log_tail(run, 1)), "")


def log_tail(run: RunDir, lines: int = 30) -> list[str]:
    """The last lines of run.log (progress bars and summary rows of background runs)."""
    try:
        with open(run.log_path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return []
    rows = [ln.rstrip() for ln in text.replace("\r", "\n").splitlines() if ln.strip()]
    return rows[-lines:]


def in_sync(loop: "CodeItLoop") -> bool:
    """Whether a loop held in memory still matches its database — False when another
    process (a background run, the command line) has advanced the run since it was opened,
    in which case the loop must be reopened before it takes another step."""
    row = loop.run_store.last_iteration()
    it, phase = loop.state.iteration, loop.state.phase
    if phase == NEW:
        return row is None if it == 1 else row == (it - 1, LAST_PHASE)
    return row == (it, recorded_phase(phase))


def iteration_rows(run_dir: str | Path | RunDir) -> list[dict[str, Any]]:
    """Metrics of every scored meta-iteration, oldest first, flat: the Learn statistics
    become ``learn_<name>`` (read-only: safe while a background process writes)."""
    run = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
    with RunStore.reading(run) as store:
        return store.iteration_rows()
