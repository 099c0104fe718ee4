"""A run driven step by step in this process: what the dashboard holds for a run.

    session = RunSession(run_dir)
    result = session.step("learn", progress=on_progress)   # -> StepResult
    session.state()                                         # -> SessionState
    session.loop                                            # read-only views of the run
    session.close()

The session owns the run's CodeItLoop (its database connection, executor processes and
policy), takes the run's writer lock for every step, serializes steps of the same run
asked for at once (two tabs of one server), reports progress to the callback of the step
that runs, and reopens the run as the disk has it whenever another process (a background
run, the command line) advanced it, or a step failed half-way in memory.
Background runs stay separate processes (python -m codeit_core run) and share only the
run directory.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from codeit_core.background import in_sync
from codeit_core.loop import CodeItLoop
from codeit_core.runlock import RunBusyError, WriterLock
from codeit_core.runs import RunDir
from codeit_core.steps import BY_NAME

Progress = Callable[[str, int, int], None]


def _silent(phase: str, done: int, total: int) -> None:
    pass


@dataclass(frozen=True)
class SessionState:
    """Where the run stands, for the page's heading and buttons."""

    iteration: int
    phase: str
    next_step: str
    seeded: bool
    completed: int
    planned: int


@dataclass(frozen=True)
class StepResult:
    """What a step did: `taken` False when another caller had taken it already."""

    name: str
    taken: bool
    iteration: int
    value: Any = None
    """what the loop's step returned (e.g. the seed summary, the sample records)"""
    metrics: dict[str, Any] = field(default_factory=dict)
    """the iteration's metrics after the step"""


class RunSession:
    """One run, driven in process; safe to share between threads."""

    def __init__(self, run_dir: RunDir | str, owner: str = "the dashboard") -> None:
        self.dir = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
        self.owner = owner
        self._lock = threading.RLock()
        self._loop: CodeItLoop | None = None

    @property
    def loop(self) -> CodeItLoop:
        """The run's loop as the disk has it (opened, or reopened when out of date)."""
        with self._lock:
            if self._loop is not None and not in_sync(self._loop):
                self.release()
            if self._loop is None:
                self._loop = CodeItLoop.open(self.dir)
            return self._loop

    def state(self) -> SessionState:
        loop = self.loop
        return SessionState(loop.iteration, loop.state.phase, loop.next_step,
                            loop.is_seeded(), loop.completed_iterations(),
                            loop.config.iterations)

    def step(self, name: str, progress: Progress | None = None) -> StepResult:
        """Take step `name` if it is the next one (else nothing, taken=False), holding the
        run's writer lock; raises RunBusyError when another process writes the run, and
        whatever the step raised (its transaction rolled back; the loop is reopened)."""
        if name not in BY_NAME:
            raise ValueError(f"unknown step {name!r}; the steps are {', '.join(BY_NAME)}")
        with self._lock:
            loop = self.loop
            if loop.next_step != name:
                return StepResult(name, False, loop.iteration)
            loop.progress = progress or _silent
            try:
                with WriterLock(self.dir, f"a {BY_NAME[name].label} step from {self.owner}"):
                    value = getattr(loop, name)()
            except RunBusyError:  # another process writes the run: nothing was done
                raise
            except BaseException:
                # the step's transaction rolled back, but the loop in memory may have moved
                # on (a policy that learned): the next use reopens the run from disk
                self.release()
                raise
            finally:
                loop.progress = _silent
            return StepResult(name, True, loop.iteration, value, dict(loop.state.metrics))

    def release(self) -> None:
        """Close the loop (its executor and connection); the next use reopens it."""
        with self._lock:
            if self._loop is not None:
                loop, self._loop = self._loop, None
                loop.close()

    close = release

    def __enter__(self) -> "RunSession":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
