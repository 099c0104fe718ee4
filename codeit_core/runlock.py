"""One writer per run: whatever writes a run directory (a CLI run, a background run, a
step from the dashboard) holds its writer lock, and a second writer is refused at once
with the holder named.

    with WriterLock(run_dir, "a step from the dashboard"):
        loop.step()
    writer(run_dir)     # {"pid": ..., "command": ..., "since": ...} while held, else None

The lock is an advisory ``flock`` on ``<run>/writer.lock`` (through `filelock`): the
kernel drops it when its process ends, however it ends, so the lock of a killed writer is
free at once and nothing stale has to be cleaned up. Who holds it is written beside it in
``writer.json``, for the message a refused writer prints and for the pages. Readers take
no lock: reading a run (SQLite in WAL mode) stays possible while it is written.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import filelock

from codeit_core.runs import RunDir, write_atomic

LOCK_FILE = "writer.lock"
HOLDER_FILE = "writer.json"
# how long a writer waits for the lock: long enough to ride over a reader's probe
# (`writer`), short enough to count as "at once"
WAIT = 0.5


class RunBusyError(RuntimeError):
    """The run is being written by another process (or another part of this one)."""

    def __init__(self, run_dir: RunDir, holder: dict[str, Any] | None) -> None:
        self.holder = holder
        super().__init__(f"{run_dir.path} is being written by {describe(holder)}; wait for "
                         f"it to finish or stop it, then try again")


def describe(holder: dict[str, Any] | None) -> str:
    """'process 123 (python -m codeit_core run ..., since 2026-12-01 12:00:00)'."""
    if not holder:
        return "another process"
    since = holder.get("since")
    when = (time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(since))
            if isinstance(since, (int, float)) else "?")
    return f"process {holder.get('pid', '?')} ({holder.get('command') or '?'}, since {when})"


def _command() -> str:
    argv = [os.path.basename(sys.executable)] + sys.argv
    if len(sys.argv) > 1 and sys.argv[0].endswith("__main__.py"):
        argv[1:2] = ["-m", Path(sys.argv[0]).parent.name]
    text = " ".join(argv)
    return text if len(text) <= 160 else text[:157] + "..."


class WriterLock:
    """The run's writer lock; raises RunBusyError on acquire when someone else holds it.
    `purpose` says in the holder note what this writer is (the command line is added)."""

    def __init__(self, run_dir: RunDir | str | Path, purpose: str = "") -> None:
        self.run_dir = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
        self.purpose = purpose
        self._lock = filelock.FileLock(self.run_dir.path / LOCK_FILE, thread_local=False)

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self) -> "WriterLock":
        try:
            self._lock.acquire(timeout=WAIT)
        except filelock.Timeout:
            raise RunBusyError(self.run_dir, read_holder(self.run_dir)) from None
        note = {"pid": os.getpid(), "command": self.purpose or _command(),
                "since": time.time()}
        try:
            write_atomic(self.run_dir.path / HOLDER_FILE, json.dumps(note))
        except OSError:
            pass  # the lock holds without the note (a full disk): the message says less
        return self

    def release(self) -> None:
        if not self._lock.is_locked:
            return
        if self._lock.lock_counter == 1:  # the outermost release: the note goes first
            path = self.run_dir.path / HOLDER_FILE
            try:
                if json.loads(path.read_text()).get("pid") == os.getpid():
                    path.unlink()
            except (OSError, ValueError, AttributeError):
                pass
        self._lock.release()

    def __enter__(self) -> "WriterLock":
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


def read_holder(run_dir: RunDir) -> dict[str, Any] | None:
    """The note of the last writer that took the lock (it may be gone: see `writer`)."""
    try:
        note = json.loads((run_dir.path / HOLDER_FILE).read_text())
        return note if isinstance(note, dict) else None
    except (OSError, ValueError):
        return None


def writer(run_dir: RunDir | str | Path) -> dict[str, Any] | None:
    """Who writes the run now — its holder note (or {} when it left none) — or None when
    no one does. Probing takes the lock for an instant when it is free (writers wait
    `WAIT` for it, so a probe never refuses one)."""
    run_dir = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
    if not (run_dir.path / LOCK_FILE).exists():
        return None
    probe = filelock.FileLock(run_dir.path / LOCK_FILE, thread_local=False)
    try:
        probe.acquire(timeout=0)
    except filelock.Timeout:
        return read_holder(run_dir) or {}
    except OSError:
        return None  # cannot even open the lock file (a read-only copy): no writer here
    probe.release()
    return None
