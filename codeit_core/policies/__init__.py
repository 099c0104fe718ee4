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
        """Write the policy's state to `path`.

        A policy may also define ``pretrain(experiences, rng) -> stats``: the loop calls it
        once, with the whole seed pool, before the first Learn step (not under ablation A4);
        and, after ``sample``, ``sample_parents``: {(task id, text): the program it was
        derived from}, kept as each sample's and each experience's parent program.
        """

    def load(self, path: Path) -> None:
        """Restore the policy's state from `path`."""


def make_policy(name: str, options: dict[str, Any] | None = None,
                pretrain: bool = True, run_dir: Path | None = None) -> Policy:
    """The policy called `name` with its options (see each policy's module).

    `pretrain=False` is ablation A4: a learned policy starts from random weights instead
    of weights trained on the seed pool (the mutation baseline has no weights).
    `run_dir` is where a policy may keep files of its own (e.g. an LLM response cache).
    """
    options = dict(options or {})
    if name == "mutation":
        from codeit_core.policies.mutation import MutationPolicy

        return MutationPolicy(**options)
    if name == "neural":
        from codeit_core.policies.neural import NeuralPolicy

        return NeuralPolicy(pretrain=pretrain, **options)
    if name == "dspy":
        from codeit_core.policies.dspy_policy import DSPyPolicy

        return DSPyPolicy(**{**options, "run_dir": run_dir})
    raise ValueError(f"unknown policy {name!r}")
