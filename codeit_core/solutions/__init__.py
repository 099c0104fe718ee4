"""Hand-written reference programs for ARC-AGI-1 training tasks: CodeIt's seed library.

One program per task, stored as data in ``programs/<task_id>.dsl`` in the DSL's canonical
text form (one call per line, variables x1..xn in order, input ``I``, result ``O``).
Written from the ARC-AGI-1 *training* set only; the evaluation sets are for measuring.

    python -m codeit_core solutions --verify
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codeit_core.dsl import DSLError, canonical, format_program, parse, run
from codeit_core.tasks import Task, load_dataset

PROGRAMS_DIR = Path(__file__).resolve().parent / "programs"
DATASET = "arc1-train"


def load_solutions(directory: Path = PROGRAMS_DIR) -> dict[str, str]:
    """{task_id: program text} for every stored reference program, sorted by task id."""
    return {p.stem: p.read_text() for p in sorted(directory.glob("*.dsl"))}


@dataclass(frozen=True)
class Verdict:
    """How one stored program fares on its task: None problems means verified."""

    task_id: str
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_solution(task: Task, text: str) -> str | None:
    """What is wrong with `text` as the reference program of `task`, or None.

    It must be in canonical form and produce the exact output of every demonstration and
    test pair. Reference programs are our own trusted files, so they run in-process.
    """
    try:
        program = parse(text)
    except DSLError as e:
        return f"does not parse: {e}"
    if format_program(canonical(program)) != text:
        return "not in canonical form (one call per line, x1..xn in order, no comments)"
    for split, pairs in (("train", task.train), ("test", task.test)):
        for i, pair in enumerate(pairs):
            try:
                output = run(program, pair.input)
            except DSLError as e:
                return f"{split}[{i}]: {e.kind} error: {e}"
            if output != pair.output:
                return f"{split}[{i}]: wrong output"
    return None


def verify(directory: Path = PROGRAMS_DIR) -> list[Verdict]:
    """Check every stored program against its ARC-AGI-1 training task."""
    tasks = {t.id: t for t in load_dataset(DATASET)}
    verdicts = []
    for task_id, text in load_solutions(directory).items():
        if task_id not in tasks:
            verdicts.append(Verdict(task_id, f"no task {task_id!r} in {DATASET}"))
        else:
            verdicts.append(Verdict(task_id, check_solution(tasks[task_id], text)))
    return verdicts
