"""Hindsight relabeling (CodeIt, Butt et al. 2024, section 3.2).

A sampled program rarely solves its task, but every program that produces grids is a
correct solution of *some* task: the one whose outputs are the grids it produced. CodeIt
relabels the program with that task — the real demonstration inputs paired with the
program's realized outputs — and stores it as an experience. Test inputs are never
relabeled: the test outputs stay unseen by learning.

Per (task, program) this module also computes the rewards the priority uses: exact match
per demonstration and pixel accuracy when the shapes agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from codeit_core.grids import Grid
from codeit_core.tasks import Task

SEED_POOL = "seed"
POLICY_POOL = "policy"
POOLS = (SEED_POOL, POLICY_POOL)


def pixel_accuracy(output: Grid | None, target: Grid | None) -> float:
    """Fraction of cells equal to the target; 0 when there is no output or shapes differ."""
    if output is None or target is None:
        return 0.0
    if len(output) != len(target) or len(output[0]) != len(target[0]):
        return 0.0
    cells = len(target) * len(target[0])
    same = sum(a == b for ro, rt in zip(output, target) for a, b in zip(ro, rt))
    return same / cells


@dataclass(frozen=True)
class Rewards:
    """How a program's demonstration outputs compare with the task's targets."""

    exact: tuple[bool, ...]
    pixel: tuple[float, ...]

    @property
    def demo_accuracy(self) -> float:
        """Fraction of the parent task's demonstrations solved exactly (the paper's reward)."""
        return sum(self.exact) / len(self.exact) if self.exact else 0.0

    @property
    def mean_pixel_accuracy(self) -> float:
        return sum(self.pixel) / len(self.pixel) if self.pixel else 0.0

    @property
    def solves_all_demos(self) -> bool:
        return bool(self.exact) and all(self.exact)


def rewards(outputs: Sequence[Grid | None], targets: Sequence[Grid | None]) -> Rewards:
    """Exact match and pixel accuracy of each output against its target."""
    if len(outputs) != len(targets):
        raise ValueError(f"{len(outputs)} outputs for {len(targets)} targets")
    return Rewards(tuple(o is not None and o == t for o, t in zip(outputs, targets)),
                   tuple(pixel_accuracy(o, t) for o, t in zip(outputs, targets)))


@dataclass(frozen=True)
class Experience:
    """A relabeled program: a correct (inputs → realized outputs) task by construction.

    `task_id` is the parent task the program was written for; `demo_accuracy` and
    `pixel_accuracy` say how well it did on the parent's real targets (they drive priority).
    """

    task_id: str
    program: str
    inputs: tuple[Grid, ...]
    outputs: tuple[Grid, ...]
    demo_accuracy: float
    pixel_accuracy: float
    length: int
    iteration: int
    pool: str
    sample_id: int | None = None
    parent_program: str | None = None

    @property
    def is_full_solution(self) -> bool:
        """True when the program solved every demonstration of its parent task."""
        return self.demo_accuracy == 1.0


def program_length(text: str) -> int:
    """Number of program lines (calls) in a program's text."""
    return sum(1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))


NO_GRID = "not relabeled (no grid)"
NOT_A_SOLUTION = "dropped (A2: not a solution)"


def not_relabeled(any_grid: bool, solves_all_demos: bool, relabeling: bool = True) -> str:
    """Why a sample gives no experience ('' when it gives one): it produced no grid on any
    demonstration, or (without relabeling, ablation A2) it does not solve them all."""
    if not any_grid:
        return NO_GRID
    if not relabeling and not solves_all_demos:
        return NOT_A_SOLUTION
    return ""


def relabel(task: Task, program: str, demo_outputs: Sequence[Grid | None], iteration: int,
            pool: str, *, sample_id: int | None = None, parent_program: str | None = None,
            relabeling: bool = True) -> Experience | None:
    """The experience of `program` on `task`, or None when it produced no valid grid.

    `demo_outputs` are the program's outputs on `task.train` inputs (None where it failed).
    With `relabeling=False` (ablation A2) only programs that solve every demonstration are
    kept, with the real targets as outputs — no hindsight.
    """
    if pool not in POOLS:
        raise ValueError(f"unknown pool {pool!r}; expected one of {POOLS}")
    if len(demo_outputs) != len(task.train):
        raise ValueError(f"{len(demo_outputs)} outputs for the {len(task.train)} "
                         f"demonstrations of task {task.id}")
    r = rewards(demo_outputs, [p.output for p in task.train])
    if not_relabeled(any(o is not None for o in demo_outputs), r.solves_all_demos,
                     relabeling):
        return None
    kept = [(p.input, out) for p, out in zip(task.train, demo_outputs) if out is not None]
    return Experience(
        task_id=task.id, program=program,
        inputs=tuple(i for i, _ in kept), outputs=tuple(o for _, o in kept),
        demo_accuracy=r.demo_accuracy, pixel_accuracy=r.mean_pixel_accuracy,
        length=program_length(program), iteration=iteration, pool=pool,
        sample_id=sample_id, parent_program=parent_program)
