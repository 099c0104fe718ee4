"""The mutation baseline (CodeIt, Butt et al. 2024, section 4): no learned model.

Each Learn step keeps the programs of the priority-drawn training set as parents; each
Sample step proposes, for every task, type-aware mutants of parents drawn uniformly from
that set (see mutate.py). With `learning=False` the parents stay the first training set
(the seed pool), which is the paper's mutation-only baseline.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Sequence

from codeit_core.dsl import DSLError, Program, format_program, parse
from codeit_core.mutate import mutate_program
from codeit_core.relabel import Experience
from codeit_core.runs import write_atomic
from codeit_core.tasks import Task


class MutationPolicy:
    """Propose mutants of replayed programs; 'learning' = replacing the parent set."""

    name = "mutation"

    def __init__(self, learning: bool = True, max_depth: int = 2) -> None:
        self.learning = learning
        self.max_depth = max_depth
        self.parents: list[str] = []
        self._parsed: dict[str, Program] = {}
        self.sample_parents: dict[tuple[str, str], str] = {}
        """after sample(): (task id, sampled text) -> the parent it was mutated from"""

    def learn(self, experiences: Sequence[Experience], rng: random.Random) -> dict[str, float]:
        if self.parents and not self.learning:
            return {"parents": float(len(self.parents))}
        programs = sorted({e.program for e in experiences})
        self.parents = programs
        self._parsed = {}
        return {"parents": float(len(programs))}

    def _program(self, text: str) -> Program | None:
        if text not in self._parsed:
            try:
                self._parsed[text] = parse(text)
            except DSLError:
                self._parsed[text] = None  # type: ignore[assignment]
        return self._parsed[text]

    def sample(self, tasks: Sequence[Task], n: int, temperature: float,
               rng: random.Random) -> dict[str, list[str]]:
        if not self.parents:
            raise RuntimeError("the mutation policy has no parent programs: run a Learn step "
                               "on a seeded buffer first")
        out: dict[str, list[str]] = {}
        self.sample_parents = {}
        for task in tasks:
            programs: list[str] = []
            for _ in range(n):
                parent = rng.choice(self.parents)
                program = self._program(parent)
                if program is None:
                    continue
                # temperature scales how many successive mutations a sample takes
                depth = 1 + min(self.max_depth - 1, int(rng.random() * temperature * self.max_depth))
                for _ in range(depth):
                    program = mutate_program(program, rng)
                text = format_program(program)
                programs.append(text)
                self.sample_parents.setdefault((task.id, text), parent)
            out[task.id] = programs
        return out

    def save(self, path: Path) -> None:
        write_atomic(path, json.dumps({"policy": self.name, "learning": self.learning,
                                       "parents": self.parents}))

    def load(self, path: Path) -> None:
        data = json.loads(Path(path).read_text())
        self.parents = list(data["parents"])
        self._parsed = {}
