"""Search tasks (the paper's mutation baseline): every seed program on every search task,
scored by the top-3 rule, cached; and how a run merges them into the headline count."""

from __future__ import annotations

import json

from pathlib import Path

import pytest

from codeit_core import search as search_module
from codeit_core.execute import Executor
from codeit_core.grids import to_grid
from codeit_core.loop import CodeItLoop
from codeit_core.relabel import rewards
from codeit_core.runs import RunConfig, RunDir
from codeit_core.search import SearchResult, cached_search, search
from codeit_core.tasks import Pair, Task, load_dataset

A = to_grid([[1, 2, 0], [0, 3, 0]])
B = to_grid([[4, 0], [5, 6], [0, 7]])
C = to_grid([[8, 1], [0, 0]])


def rot180(g):
    return tuple(tuple(reversed(r)) for r in reversed(g))


def rotcw(g):
    return tuple(zip(*g[::-1]))


def task(task_id, demos, tests):
    return Task(task_id, tuple(Pair(i, o) for i, o in demos), tuple(Pair(i, o) for i, o in tests))


# "half" is a half turn, demos and test alike. "trap": a quarter turn explains the first
# demonstration only, and the test wants something else.
HALF = task("half", [(A, rot180(A)), (B, rot180(B))], [(C, rot180(C))])
TRAP = task("trap", [(A, rotcw(A)), (B, B)], [(C, C)])
PROGRAMS = ["O = rotate_cw(I)", "O = rotate_180(I)", "O = flip_vertical(I)",
            "x1 = rotate_cw(I)\nO = rotate_cw(x1)", "this is not a program"]


def test_a_known_program_solves_a_known_task_through_the_search():
    result = search(PROGRAMS, [HALF, TRAP], n_references=1, workers=2)
    by = {(c.task_id, PROGRAMS[c.program]): c for c in result.candidates}
    assert by[("half", "O = rotate_180(I)")].demo_accuracy == 1.0
    assert by[("half", "O = rotate_180(I)")].test_correct
    # the same behaviour written in two lines is a candidate too, ranked after the shorter
    assert by[("half", "x1 = rotate_cw(I)\nO = rotate_cw(x1)")].test_correct
    top = result.top3()["half"]
    assert [text for _, text in top][0] == "O = rotate_180(I)"
    # the quarter turn is exact on one demonstration of "trap" and wrong on its test
    trap = by[("trap", "O = rotate_cw(I)")]
    assert trap.demo_accuracy == 0.5 and not trap.test_correct
    assert result.solved() == {"half"}
    assert result.stats["tasks"] == 2 and result.stats["programs"] == 5
    assert result.stats["errors"]["syntax"] == 4  # the bad text, on every demonstration
    assert result.n_mutants == 4


def test_a_program_keeping_the_input_shape_stops_early_on_a_task_that_changes_it():
    """On "quarter" the outputs are transposed: a repainting of the input cannot match a
    demonstration there, so it is stopped before it runs (counted apart, not as an error),
    while on "half" (same shapes) it runs; the candidates are what a full run finds."""
    quarter = task("quarter", [(A, rotcw(A)), (B, rotcw(B))], [(C, rotcw(C))])
    programs = ["O = rotate_cw(I)", "O = rotate_180(I)", "O = replace_colour(I, 1, 2)",
                "x1 = rotate_180(I)\nO = replace_colour(x1, 9, 9)"]
    result = search(programs, [HALF, quarter], workers=1)
    # rotate_180 and the two repaintings on quarter's two 2x3 / 3x2 demonstrations
    assert result.stats["shape_skipped"] == 3 * 2
    assert not any(result.stats["errors"].values())
    found = {(c.task_id, c.program) for c in result.candidates}
    assert found == {("quarter", 0), ("half", 1), ("half", 3)}
    with Executor(workers=1) as ex:
        for t in (HALF, quarter):
            runs = ex.run_batch([(text, t.demo_inputs) for text in programs])
            for i, res in enumerate(runs):
                exact = any(r.output == p.output for r, p in zip(res, t.train))
                assert ((t.id, i) in found) == exact


def zeros_to(g, colour):
    return tuple(tuple(colour if v == 0 else v for v in row) for row in g)


def test_a_fill_with_a_colour_the_target_does_not_want_stops_before_its_patch():
    """On "paint" every 0 becomes 5: filling the 0 cells with 6 cannot match there, so it
    stops once it knows the grid and the colour (counted apart, not as an error); the
    fill with 5 runs and solves the task, as a full run says."""
    paint = task("paint", [(A, zeros_to(A, 5)), (B, zeros_to(B, 5))], [(C, zeros_to(C, 5))])
    programs = ["x1 = cells_of_colour(I, 0)\nO = fill_cells(I, 5, x1)",
                "x1 = cells_of_colour(I, 0)\nO = fill_cells(I, 6, x1)",
                "x1 = rotate_180(I)\nx2 = cells_of_colour(x1, 0)\nO = fill_cells(x1, 6, x2)"]
    result = search(programs, [paint, HALF], workers=1)
    # both 6-fills on paint's two demonstrations, and both fills of the unrotated input
    # on half's (its wrong cells want other colours); on half the rotated grid is already
    # right (nothing to paint: it runs, and paints it wrong)
    assert result.stats["colour_skipped"] == 2 * 2 + 2 * 2
    assert not any(result.stats["errors"].values())
    assert {(c.task_id, c.program) for c in result.candidates} == {("paint", 0)}
    assert result.solved() == {"paint"}


def test_only_the_first_mutants_count_at_a_smaller_budget():
    # reference: the quarter turn; mutants: the half turn first, then the rest
    programs = ["O = rotate_cw(I)", "O = rotate_180(I)", "O = flip_vertical(I)"]
    result = search(programs, [HALF, TRAP], n_references=1, workers=1)
    assert result.solved(n_mutants=0) == set()
    assert result.solved(n_mutants=1) == {"half"}
    # budgets count mutant samples: here the half turn was first sampled third
    result.first_samples = [2, 5]
    assert result.programs_within(2) == 1 and result.programs_within(3) == 2
    assert result.solved(n_mutants=2) == set() and result.solved(n_mutants=3) == {"half"}
    assert result.programs_within(6) == 3


RIGHT = ("x1 = flip_vertical(I)\nx2 = flip_horizontal(x1)\nx3 = rotate_cw(x2)\n"
         "x4 = rotate_cw(x3)\nx5 = rotate_cw(x4)\nO = rotate_cw(x5)")  # a long half turn


def test_top3_rule_better_demo_accuracy_ranks_first():
    # each wrong program recolours a colour of B (absent from A): exact on A's demo only
    wrong = [f"x1 = replace_colour(I, {c}, 9)\nO = rotate_180(x1)" for c in (4, 5, 6)]
    result = search(wrong + [RIGHT], [HALF], workers=1)
    accuracy = {result.programs[c.program]: c.demo_accuracy for c in result.candidates}
    assert all(accuracy[w] == 0.5 for w in wrong) and accuracy[RIGHT] == 1.0
    assert result.solved() == {"half"}


def test_top3_rule_a_right_program_ranked_fourth_does_not_solve():
    # one demonstration; three short programs exact on it recolour 8, which only the
    # test input has: as good on the demos as the right one, shorter, wrong on the test
    one_demo = task("one", [(A, rot180(A))], [(C, rot180(C))])
    wrong = [f"x1 = replace_colour(I, 8, {c})\nO = rotate_180(x1)" for c in (9, 7, 6)]
    result = search(wrong + [RIGHT], [one_demo], workers=1)
    assert len(result.candidates) == 4
    assert [text for _, text in result.top3()["one"]] == sorted(wrong)
    assert result.solved() == set()
    # with one wrong program fewer the right one is third, and solves
    result = search(wrong[:2] + [RIGHT], [one_demo], workers=1)
    assert result.solved() == {"one"}


def test_search_agrees_with_the_executor_on_real_tasks():
    from codeit_core.solutions import load_solutions

    texts = list(load_solutions().values())[:60]
    tasks = load_dataset("arc1-eval")[:6] + load_dataset("arc1-train")[:6]
    result = search(texts, tasks, workers=2)
    found = {(c.task_id, c.program): (c.demo_accuracy, c.test_correct)
             for c in result.candidates}
    expected = {}
    with Executor(workers=2) as ex:
        for t in tasks:
            runs = ex.run_batch([(text, t.demo_inputs + t.test_inputs) for text in texts])
            for i, res in enumerate(runs):
                demo = [r.output for r in res[:len(t.train)]]
                test = [r.output for r in res[len(t.train):]]
                acc = rewards(demo, [p.output for p in t.train]).demo_accuracy
                if acc > 0:
                    expected[(t.id, i)] = (acc, all(o is not None and o == p.output
                                                    for o, p in zip(test, t.test)))
    assert found == expected
    assert any(ok for _, ok in found.values())  # the training tasks' own programs


def test_a_program_over_its_time_is_a_timeout_and_the_rest_goes_on():
    big = to_grid([[(r * c) % 10 for c in range(30)] for r in range(30)])
    slow = task("slow", [(big, rot180(big)), (A, rot180(A))], [(C, rot180(C))])
    programs = ["O = rotate_180(I)",
                "x1 = colour_components(I)\nx2 = largest_object(x1)\nO = crop_to_patch(I, x2)"]
    result = search(programs, [slow], workers=1, timeout=0.0002)
    assert result.stats["errors"].get("timeout", 0) >= 1
    assert result.stats["tasks"] == 1


def test_the_cache_reuses_a_search(tmp_path, monkeypatch):
    first = cached_search(PROGRAMS, [HALF, TRAP], n_references=1, workers=1, cache=tmp_path)
    assert first.stats["cached"] is False
    assert list((tmp_path / "search").glob("*.json.gz"))

    def no_search(*a, **k):
        raise AssertionError("searched again")

    monkeypatch.setattr(search_module, "search", no_search)
    second = cached_search(PROGRAMS, [HALF, TRAP], n_references=1, workers=1, cache=tmp_path)
    assert second.stats["cached"] is True
    assert second.candidates == first.candidates and second.solved() == {"half"}
    # other programs or other tasks are another search
    with pytest.raises(AssertionError, match="searched again"):
        cached_search(PROGRAMS[:2], [HALF], n_references=1, workers=1, cache=tmp_path)


def test_a_change_to_the_dsl_source_is_a_new_search_and_new_mutants(tmp_path, monkeypatch):
    """A cached result is what the DSL of its day did: after a primitive changes, the same
    programs on the same tasks are searched again and their mutants made again."""
    import shutil

    from codeit_core import dsl
    from codeit_core.search import cache_key, cached_mutant_texts, dsl_source_digest

    before = cache_key(PROGRAMS, [HALF], 1, 0.5)
    calls = []

    def generate():
        calls.append(1)
        return ["O = rotate_cw(I)"]

    cached_mutant_texts(["a\nO = I"], 1, 0, generate, cache=tmp_path)
    copy = tmp_path / "dsl"
    shutil.copytree(Path(dsl.__file__).parent, copy)
    with open(copy / "prims_grid.py", "a") as f:
        f.write("\n# a changed primitive module\n")
    monkeypatch.setattr(dsl, "__file__", str(copy / "__init__.py"))
    dsl_source_digest.cache_clear()
    try:
        assert cache_key(PROGRAMS, [HALF], 1, 0.5) != before
        cached_mutant_texts(["a\nO = I"], 1, 0, generate, cache=tmp_path)
        assert len(calls) == 2
    finally:
        monkeypatch.undo()
        dsl_source_digest.cache_clear()
    assert cache_key(PROGRAMS, [HALF], 1, 0.5) == before


def test_a_damaged_cache_file_is_searched_again(tmp_path):
    cached_search(PROGRAMS, [HALF], n_references=1, workers=1, cache=tmp_path)
    [path] = (tmp_path / "search").glob("*.json.gz")
    path.write_bytes(b"not gzip")
    again = cached_search(PROGRAMS, [HALF], n_references=1, workers=1, cache=tmp_path)
    assert again.stats["cached"] is False and again.solved() == {"half"}


def test_result_round_trips_through_json():
    result = search(PROGRAMS, [HALF, TRAP], n_references=1, workers=1)
    back = SearchResult.from_json(json.loads(json.dumps(result.to_json())))
    assert back.candidates == result.candidates and back.programs == result.programs


SMALL = dict(dataset="arc1-train", tasks="3c9b0459,6150a2bd,007bbfb7", policy="mutation",
             samples_per_task=4, learn_size=50, seed_mutants=30, search_mutants=60,
             workers=2, iterations=1)


def test_a_run_merges_the_search_into_the_headline_count(tmp_path):
    with CodeItLoop.create(RunDir(tmp_path / "run"), RunConfig(**SMALL)) as loop:
        summary = loop.seed()
        from codeit_core.solutions import load_solutions

        own = load_solutions()
        # a task of the search set does not seed with its own reference program
        assert "3c9b0459" in own
        assert summary["reference_programs"] == len(own) - sum(
            t in own for t in SMALL["tasks"].split(","))
        found = summary["search"]
        assert found["tasks"] == 3 and found["mutant_samples"] == 60
        rows = loop.conn.execute("SELECT task_id, rank, program FROM search_candidates "
                                 "ORDER BY task_id, rank").fetchall()
        assert own["3c9b0459"] not in {p for _, _, p in rows}
        assert all(rank <= 3 for _, rank, _ in rows)
        metrics = loop.run_iteration()
        assert metrics["headline_cumulative_solved"] >= metrics["cumulative_solved"]
        assert metrics["headline_cumulative_solved"] >= found["solved"]
        scopes = {s for (s,) in loop.conn.execute("SELECT DISTINCT scope FROM candidates")}
        assert "headline_cumulative" in scopes or not rows


def test_a6_runs_no_search_and_its_headline_is_the_cumulative(tmp_path):
    config = RunConfig(**{**SMALL, "ablation": "A6"})
    with CodeItLoop.create(RunDir(tmp_path / "run"), config) as loop:
        assert loop.seed()["search"] is None
        metrics = loop.run_iteration()
        assert metrics["headline_cumulative_solved"] == metrics["cumulative_solved"]
        assert loop.conn.execute("SELECT COUNT(*) FROM search_candidates").fetchone()[0] == 0


def test_a_database_of_schema_1_is_migrated(tmp_path):
    import sqlite3

    from codeit_core import db

    path = tmp_path / "run.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('schema_version', '1');"
        "CREATE TABLE candidates (iteration INTEGER NOT NULL, scope TEXT NOT NULL CHECK "
        "(scope IN ('policy_only', 'cumulative')), task_id TEXT NOT NULL, rank INTEGER NOT "
        "NULL, program TEXT NOT NULL, demo_accuracy REAL NOT NULL, test_correct INTEGER NOT "
        "NULL, PRIMARY KEY (iteration, scope, task_id, rank));"
        "INSERT INTO candidates VALUES (1, 'cumulative', 't', 1, 'O = I', 1.0, 1);")
    conn.close()
    conn = db.connect(path)
    assert conn.execute("SELECT * FROM candidates").fetchall() == [
        (1, "cumulative", "t", 1, "O = I", 1.0, 1)]
    conn.execute("INSERT INTO candidates VALUES (1, 'headline_cumulative', 't', 1, 'O = I', "
                 "1.0, 1)")
    assert db.get_meta(conn, "schema_version") == db.SCHEMA_VERSION


def test_mutant_texts_are_generated_once_per_key(tmp_path):
    from codeit_core.search import cached_mutant_texts

    calls = []

    def generate():
        calls.append(1)
        return ["O = rotate_cw(I)", "O = rotate_180(I)"]

    first = cached_mutant_texts(["a\nO = I"], 2, 0, generate, cache=tmp_path)
    again = cached_mutant_texts(["a\nO = I"], 2, 0, generate, cache=tmp_path)
    assert first == again == ["O = rotate_cw(I)", "O = rotate_180(I)"] and len(calls) == 1
    cached_mutant_texts(["a\nO = I"], 2, 1, generate, cache=tmp_path)  # another seed
    assert len(calls) == 2


@pytest.mark.parametrize("cpu_seconds", [0.15, 1.2], ids=["compiling", "evaluating"])
def test_a_worker_frozen_from_outside_is_replaced_and_the_search_completes(cpu_seconds):
    """SIGSTOP on a search worker (as a debugger would leave it) while it compiles its
    programs or while it evaluates a task: the watchdog replaces it, a program it was on
    counts as a timeout for that task, and every other (program, task) pair gets exactly its
    result."""
    import os
    import random
    import signal
    import threading
    import time

    import psutil

    from codeit_core.dsl import format_program
    from codeit_core.mutate import random_program

    rng = random.Random(3)
    tasks = [t for t in load_dataset("arc1-train") if t.id in (
        "3c9b0459", "6150a2bd", "67a3c6ac", "68b16354", "a416b8f3", "c8f0f002", "d511f180",
        "f25ffba3")]
    programs = list(dict.fromkeys(["O = rotate_180(I)", "O = flip_horizontal(I)"] + [
        format_program(random_program(rng, rng.randint(2, 8))) for _ in range(4000)]))
    expected = search(programs, tasks, workers=1)
    frozen: list[int] = []

    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}  # earlier tests' processes

    def freeze() -> None:  # a search worker: a new grandchild, through the forkserver
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not frozen:
            for child in me.children(recursive=True):
                try:
                    if child.pid not in before and child.ppid() != me.pid and \
                            child.cpu_times().user > cpu_seconds:
                        os.kill(child.pid, signal.SIGSTOP)
                        frozen.append(child.pid)
                        return
                except psutil.Error:
                    continue
            time.sleep(0.005)

    box: dict = {}
    freezer = threading.Thread(target=freeze)
    searcher = threading.Thread(  # a daemon: a search that hangs fails the test, no more
        target=lambda: box.setdefault("result", search(programs, tasks, workers=1)),
        daemon=True)
    freezer.start()
    searcher.start()
    try:
        searcher.join(90)
    finally:
        freezer.join()
        for pid in frozen:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert frozen, "no search worker was caught"
    assert "result" in box, "the search hung on a frozen worker"
    result = box["result"]
    assert result.stats["worker_restarts"] >= 1
    lost = {(t, text) for t, text, _ in result.stats["stopped_programs"]}
    assert all(why == "stuck" for _, _, why in result.stats["stopped_programs"])

    def rows(r):
        return {(c.task_id, r.programs[c.program], c.demo_accuracy, c.test_correct)
                for c in r.candidates if (c.task_id, r.programs[c.program][:200]) not in lost}

    assert rows(result) == rows(expected) and result.solved() == expected.solved()


def test_a_run_can_learn_from_its_search_tasks(tmp_path):
    config = RunConfig(**{**SMALL, "search_experiences": 2})
    with CodeItLoop.create(RunDir(tmp_path / "run"), config) as loop:
        summary = loop.seed()
        ranked = loop.search_result.ranked(8)
        rows = loop.conn.execute(
            "SELECT task_id, program, outputs, demo_accuracy, iteration, sample_id FROM "
            "experiences WHERE pool = 'policy'").fetchall()
        assert summary["search_experiences"] == len(rows) > 0
        by_task: dict[str, list] = {}
        for tid, program, outputs, accuracy, iteration, sample_id in rows:
            by_task.setdefault(tid, []).append(outputs)
            # a candidate of that task (exact on a demonstration), never a sample
            assert program in {text for _, text in ranked[tid]}
            assert accuracy > 0 and iteration == 0 and sample_id is None
        for outputs in by_task.values():
            assert len(outputs) <= 2 and len(set(outputs)) == len(outputs)
    no_hindsight = RunConfig(**{**SMALL, "search_experiences": 2, "ablation": "A2"})
    with CodeItLoop.create(RunDir(tmp_path / "a2"), no_hindsight) as loop:
        loop.seed()
        assert {a for (a,) in loop.conn.execute(
            "SELECT demo_accuracy FROM experiences WHERE pool = 'policy'")} <= {1.0}
    off = RunConfig(**{**SMALL, "search_experiences": 0})  # the paper's setup
    with CodeItLoop.create(RunDir(tmp_path / "off"), off) as loop:
        assert loop.seed()["search_experiences"] == 0
        assert loop.buffer.size("policy") == 0
