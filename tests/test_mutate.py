"""Type-aware mutation, random programs and mutant generation (codeit_core/mutate.py)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from codeit_core.dsl import REGISTRY, canonical, check_program, format_program, parse, \
    remove_dead_lines, run, static_types, used_lines
from codeit_core.grids import is_grid
from codeit_core.mutate import MAX_MUTANT_LINES, OPERATORS, Mutant, generate_mutants, \
    mutate_program, mutate_with_info, random_program
from codeit_core.mutate import _choose_operator

# Hand-written parents: a one-liner, a multi-argument program, a program with a dead line.
SIMPLE = "O = rotate_cw(I)\n"
MULTI = ("x1 = upscale(I, 3)\n"
         "x2 = tile(I, 3, 3)\n"
         "x3 = palette(I)\n"
         "x4 = other(x3, 0)\n"
         "O = mask_and(x1, x2, x4)\n")
WITH_DEAD = ("x1 = rotate_cw(I)\n"
             "x2 = flip_horizontal(I)\n"
             "O = upscale(x2, 2)\n")


def _usable(text: str) -> bool:
    try:
        parse(text)
        return True
    except Exception:
        return False


def _parents() -> list[str]:
    texts = [t for t in (SIMPLE, MULTI, WITH_DEAD) if _usable(t)]
    try:
        from codeit_core.solutions import load_solutions

        texts += [t for t in list(load_solutions().values())[:40] if _usable(t)]
    except Exception:
        pass
    assert texts, "no usable parent programs"
    return texts


def _assert_good_mutant(child, parent_text: str, limit: int = MAX_MUTANT_LINES) -> None:
    """A valid mutant, no longer than `limit` lines or than its parent (a longer parent is
    never lengthened)."""
    limit = max(limit, len(parse(parent_text).lines))
    text = format_program(child)
    check_program(child)
    assert parse(text) == child
    assert canonical(child) == child
    assert remove_dead_lines(child) == child
    assert all(used_lines(child))
    assert child.lines[-1].target == "O"
    assert text != format_program(canonical(parse(parent_text)))
    assert text != format_program(canonical(remove_dead_lines(parse(parent_text))))
    assert 1 <= len(child) <= limit


def test_mutants_are_valid_for_many_seeds():
    parents = _parents()
    for seed in range(150):
        rng = random.Random(seed)
        for text in parents:
            child = mutate_program(parse(text), rng)
            _assert_good_mutant(child, text)


def test_mutants_of_mutants_stay_valid_and_short():
    rng = random.Random(7)
    for text in _parents()[:10]:
        program = parse(text)
        for _ in range(60):
            child = mutate_program(program, rng)
            _assert_good_mutant(child, format_program(program))
            program = child


def test_max_length_is_respected_and_long_parents_are_not_lengthened():
    rng = random.Random(3)
    program = random_program(rng, MAX_MUTANT_LINES)
    for _ in range(200):
        child = mutate_program(program, rng)
        assert len(child) <= MAX_MUTANT_LINES
    short = parse(MULTI) if _usable(MULTI) else random_program(rng, 5)
    for _ in range(200):
        assert len(mutate_program(short, rng, max_lines=len(short))) <= len(short)
    longer = random_program(rng, 30)
    for _ in range(50):
        assert len(mutate_program(longer, rng)) <= 30


def test_record_and_info_agree():
    text = _parents()[0]
    a, b = random.Random(11), random.Random(11)
    for _ in range(50):
        record: list[str] = []
        child = mutate_program(parse(text), a, record=record)
        child2, op = mutate_with_info(parse(text), b)
        assert child == child2 and record == [op]
        assert op in OPERATORS or op == "random_program"


def test_operator_choice_follows_the_scheme():
    rng = random.Random(0)
    counts = Counter(_choose_operator(rng) for _ in range(40_000))
    for op in OPERATORS:
        assert abs(counts[op] / 40_000 - 0.25) < 0.015, counts


def test_applied_operator_frequencies_are_about_a_quarter_each():
    # On a parent where every operator has something to do, fallbacks are rare.
    text = MULTI if _usable(MULTI) else format_program(random_program(random.Random(5), 5))
    rng = random.Random(1)
    n = 3000
    counts = Counter(mutate_with_info(parse(text), rng)[1] for _ in range(n))
    for op in OPERATORS:
        assert abs(counts[op] / n - 0.25) < 0.05, counts
    assert counts["random_program"] == 0


def test_operators_do_what_they_say():
    text = MULTI if _usable(MULTI) else format_program(random_program(random.Random(5), 5))
    parent = parse(text)
    rng = random.Random(2)
    seen = set()
    for _ in range(400):
        child, op = mutate_with_info(parent, rng)
        seen.add(op)
        if op == "replace_function":
            # same lines and arguments; exactly one function name changed
            assert len(child) == len(parent)
            assert [l.args for l in child.lines] == [l.args for l in parent.lines]
            assert sum(a != b for a, b in zip(child.functions, parent.functions)) == 1
        elif op == "replace_argument":
            # no new line; the functions are the parent's minus any lines left dead
            assert len(child) <= len(parent)
            assert set(child.functions) <= set(parent.functions)
    assert seen == set(OPERATORS)


def test_insert_line_adds_a_line_when_nothing_dies():
    rng = random.Random(4)
    parent = parse(SIMPLE) if _usable(SIMPLE) else random_program(rng, 1)
    grew = 0
    for _ in range(300):
        child, op = mutate_with_info(parent, rng)
        if op == "insert_line":
            assert len(child) == 2  # the new line feeds the only argument
            grew += 1
    assert grew > 30


def test_random_program_is_well_typed_with_the_requested_length():
    for seed in range(60):
        rng = random.Random(seed)
        for length in (1, 2, 3, 5, 8, 13, 20):
            program = random_program(rng, length)
            text = format_program(program)
            assert parse(text) == program
            assert canonical(program) == program
            assert len(program) == length
            assert all(used_lines(program))
            assert program.lines[-1].target == "O"
            assert REGISTRY[program.lines[-1].function].returns == "Grid"
            assert static_types(program)["O"] == "Grid"


def test_random_program_is_deterministic_and_rejects_bad_lengths():
    a = [format_program(random_program(random.Random(9), 6)) for _ in range(3)]
    assert len(set(a)) == 1
    with pytest.raises(ValueError):
        random_program(random.Random(0), 0)


# --- generate_mutants --------------------------------------------------------------------


class _FailingExecutor:
    """Stands in for the Executor: every run fails, nothing is executed."""

    def __init__(self) -> None:
        self.calls = 0
        self.batch_sizes: list[int] = []

    def run_batch(self, jobs):
        from codeit_core.execute import ExecResult

        self.calls += 1
        self.batch_sizes.append(len(jobs))
        return [[ExecResult(None, "runtime", "nope") for _ in grids] for _, grids in jobs]


@pytest.fixture(scope="module")
def arc_parents():
    from codeit_core.tasks import load_dataset

    tasks = load_dataset("arc1-train")
    by_id = {t.id: t for t in tasks}
    parents = []
    try:
        from codeit_core.solutions import load_solutions

        for tid, text in sorted(load_solutions().items()):
            if tid in by_id and _usable(text) and len(parents) < 5:
                parents.append((by_id[tid], text))
    except Exception:
        pass
    for task in tasks[:3]:  # hand-written parents for tasks without a reference program
        if _usable(SIMPLE):
            parents.append((task, SIMPLE))
    assert parents
    return parents


@pytest.fixture(scope="module")
def executor():
    from codeit_core.execute import Executor

    with Executor(workers=2, timeout=1.0) as ex:
        yield ex


def test_attempts_are_bounded_and_batched():
    from codeit_core.tasks import load_dataset

    task = load_dataset("arc1-train")[0]
    ex = _FailingExecutor()
    calls = []
    out = generate_mutants([(task, SIMPLE)], 10, ex, random.Random(0),
                           progress=lambda a, t: calls.append((a, t)), max_attempts_factor=30)
    assert out == []
    assert calls and calls[-1][1] == 300  # n_mutants * max_attempts_factor attempts
    assert all(a == 0 for a, _ in calls)
    assert max(ex.batch_sizes[1:]) <= 256  # first call runs the parents
    assert generate_mutants([], 10, ex, random.Random(0)) == []
    assert generate_mutants([(task, "not a program")], 10, ex, random.Random(0)) == []


def test_generate_mutants_with_a_real_executor(arc_parents, executor):
    parent_text = {(t.id, text) for t, text in arc_parents}
    tasks = {t.id: t for t, _ in arc_parents}
    progress_calls = []
    mutants = generate_mutants(arc_parents, 80, executor, random.Random(123),
                               progress=lambda a, t: progress_calls.append((a, t)))
    assert 0 < len(mutants) <= 80
    assert len(mutants) == 80  # plenty of room in 1600 attempts
    assert progress_calls and progress_calls[-1][0] == len(mutants)
    programs = [(m.task_id, m.program) for m in mutants]
    assert len(set(programs)) == len(programs)
    behaviours = [(m.task_id, m.outputs) for m in mutants]
    assert len(set(behaviours)) == len(behaviours)
    for m in mutants:
        assert isinstance(m, Mutant)
        assert (m.task_id, m.parent_program) in parent_text
        assert 1 <= m.depth <= 3
        program = parse(m.program)
        assert format_program(canonical(program)) == m.program
        assert len(program) <= MAX_MUTANT_LINES
        assert m.program != m.parent_program
        inputs = tasks[m.task_id].demo_inputs
        assert len(m.outputs) == len(inputs)
        assert all(is_grid(o) for o in m.outputs)
        assert any(o != g for o, g in zip(m.outputs, inputs))
        # behaviour differs from the parent's own
        parent_outputs = tuple(run(parse(m.parent_program), g) for g in inputs)
        assert m.outputs != parent_outputs
    # accepted mutants are known to run safely: re-run a few in-process
    for m in mutants[::8]:
        program = parse(m.program)
        assert tuple(run(program, g) for g in tasks[m.task_id].demo_inputs) == m.outputs

    # deterministic for a fixed seed (a fresh executor: no shared cache)
    from codeit_core.execute import Executor

    with Executor(workers=2, timeout=1.0) as other:
        again = generate_mutants(arc_parents, 80, other, random.Random(123))
    assert [(m.task_id, m.program, m.depth) for m in again] == \
        [(m.task_id, m.program, m.depth) for m in mutants]
