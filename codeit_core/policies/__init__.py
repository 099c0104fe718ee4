"""Policies: what proposes programs for a task, and learns from the replay buffer.

    sample(tasks, n, temperature, rng) -> {task_id: [program text, ...]}
    learn(experiences, rng)            -> {statistic: value}
    save(path) / load(path)

`make_policy(config)` builds the one a run's config names. Programs a policy returns are
untrusted text: the loop parses and executes them only in the sandbox.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Protocol, Sequence, runtime_checkable

from codeit_core.relabel import Experience
from codeit_core.tasks import Task


@runtime_checkable
class Policy(Protocol):
    """The interface every CodeIt policy implements."""

    name: str

    def sample(self, tasks: Sequence[Task], n: int, temperature: float,
               rng: random.Random) -> dict[str, list[str]]:
        """Up to n programs per task, from each task's demonstration pairs only."""

    def learn(self, experiences: Sequence[Experience], rng: random.Random) -> dict[str, float]:
        """One epoch on a priority-drawn training set; returns statistics (loss, ...)."""

    def save(self, path: Path) -> None:
        """Write the policy's state to `path`."""

    def load(self, path: Path) -> None:
        """Restore the policy's state from `path`."""


# Optional capabilities: a policy has one when it has its members (the loop asks with
# isinstance, e.g. `isinstance(policy, Pretrains)`).

@runtime_checkable
class Pretrains(Protocol):
    """A policy trained once on the whole seed pool before its first Learn step (unless
    the run's switches say not to: ablation A4)."""

    def pretrain(self, experiences: Sequence[Experience],
                 rng: random.Random) -> dict[str, float]:
        """Train on the seed pool; returns statistics (epochs, loss, ...)."""


@runtime_checkable
class ReportsParents(Protocol):
    """A policy that derives its samples from known programs (the mutation policy)."""

    sample_parents: dict[tuple[str, str], str]
    """after `sample`: {(task id, sampled text): the program it was derived from}, kept as
    each sample's and each experience's parent program"""


@runtime_checkable
class ReportsSampleStats(Protocol):
    """A policy with counters of its own about the last `sample` (e.g. the LLM's
    unparsable answers); the loop keeps the numeric ones in the iteration's metrics."""

    sample_stats: dict[str, Any]


def make_policy(name: str, options: dict[str, Any] | None = None,
                run_dir: Path | None = None) -> Policy:
    """The policy called `name` with its options (see each policy's module).

    `run_dir` is where a policy may keep files of its own (e.g. an LLM response cache).
    """
    options = dict(options or {})
    if name == "mutation":
        from codeit_core.policies.mutation import MutationPolicy

        return MutationPolicy(**options)
    if name == "neural":
        from codeit_core.policies.neural import NeuralPolicy

        return NeuralPolicy(**options)
    if name == "dspy":
        from codeit_core.policies.dspy_policy import DSPyPolicy

        return DSPyPolicy(**{**options, "run_dir": run_dir})
    raise ValueError(f"unknown policy {name!r}")
