"""Plain test helpers shared by several test modules."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def task_record(n_train: int = 2) -> dict:
    """A small valid task in ARC JSON form (fresh lists every call)."""
    return {"train": [{"input": [[0, 1], [1, 0]], "output": [[1, 0], [0, 1]]}
                      for _ in range(n_train)],
            "test": [{"input": [[2, 2], [0, 2]], "output": [[0, 0], [2, 0]]}]}
