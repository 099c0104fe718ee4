"""Plain test helpers shared by several test modules."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def task_record(n_train: int = 2) -> dict:
    """A small valid task in ARC JSON form (fresh lists every call)."""
    return {"train": [{"input": [[0, 1], [1, 0]], "output": [[1, 0], [0, 1]]}
                      for _ in range(n_train)],
            "test": [{"input": [[2, 2], [0, 2]], "output": [[0, 0], [2, 0]]}]}


def seed_experiences(count: int) -> list:
    """The first `count` reference programs (by task id) relabeled on their own training
    tasks, run in-process (they are trusted): a small seed pool for policy tests."""
    from codeit_core.dsl import parse, run
    from codeit_core.relabel import SEED_POOL, relabel
    from codeit_core.solutions import DATASET, load_solutions
    from codeit_core.tasks import load_dataset

    train = {t.id: t for t in load_dataset(DATASET)}
    out = []
    for tid, text in sorted(load_solutions().items()):
        task = train[tid]
        e = relabel(task, text, [run(parse(text), p.input) for p in task.train], 0, SEED_POOL)
        if e is not None:
            out.append(e)
        if len(out) >= count:
            break
    return out
