"""Top-3 scoring: candidates, ranking, tie-breaks, policy-only vs cumulative, dips."""

from __future__ import annotations

import pytest

from codeit_core.db import connect, transaction
from codeit_core.metrics import score_iteration, top3


@pytest.fixture
def conn(tmp_path):
    c = connect(tmp_path / "run.sqlite")
    yield c
    c.close()


def add(conn, iteration, task, program, acc, length, correct):
    conn.execute("INSERT INTO samples (iteration, task_id, program, length, valid, error, "
                 "demo_accuracy, pixel_accuracy, test_correct, demo_outputs, test_outputs) "
                 "VALUES (?,?,?,?,1,NULL,?,0,?,'[]','[]')",
                 (iteration, task, program, length, acc, int(correct)))


def test_candidates_need_one_exact_demo_and_rank_by_accuracy_then_length(conn):
    add(conn, 1, "t", "zero", 0.0, 1, True)        # solves no demo: never a candidate
    add(conn, 1, "t", "half_long", 0.5, 9, False)
    add(conn, 1, "t", "half_short", 0.5, 2, False)
    add(conn, 1, "t", "full", 1.0, 5, False)
    add(conn, 1, "t", "third", 1 / 3, 1, True)      # right on the test but ranked 4th
    cands = top3(conn, 1, "policy_only")["t"]
    assert [c.program for c in cands] == ["full", "half_short", "half_long"]
    counts = score_iteration(conn, 1)
    assert counts["policy_only_solved"] == 0
    assert counts["oracle"] == 1  # some program was right on the test
    assert counts["demo_consistent"] == 1


def test_equal_rank_ties_break_by_text_for_determinism(conn):
    for name in ("b", "a", "d", "c"):
        add(conn, 1, "t", name, 1.0, 3, name == "d")
    assert [c.program for c in top3(conn, 1, "policy_only")["t"]] == ["a", "b", "c"]


def test_task_solved_when_a_top3_candidate_is_test_correct(conn):
    add(conn, 1, "t", "p1", 1.0, 3, False)
    add(conn, 1, "t", "p2", 0.5, 3, True)
    add(conn, 1, "u", "q", 0.5, 2, False)
    counts = score_iteration(conn, 1)
    assert counts["policy_only_solved"] == 1
    assert counts["cumulative_solved"] == 1


def test_policy_only_forgets_and_cumulative_remembers(conn):
    add(conn, 1, "t", "good", 0.5, 3, True)
    with transaction(conn):
        first = score_iteration(conn, 1)
    add(conn, 2, "t", "other", 0.5, 4, False)
    with transaction(conn):
        second = score_iteration(conn, 2)
    assert first["policy_only_solved"] == 1
    assert second["policy_only_solved"] == 0
    assert second["cumulative_solved"] == 1
    stored = conn.execute("SELECT COUNT(*) FROM candidates WHERE iteration = 2 AND "
                          "scope = 'cumulative'").fetchone()[0]
    assert stored == 2


def test_cumulative_can_dip_and_is_reported_as_is(conn):
    add(conn, 1, "t", "right", 0.5, 3, True)
    s1 = score_iteration(conn, 1)
    # three better-ranked but wrong programs push the right one out of the top 3
    for i in range(3):
        add(conn, 2, "t", f"better{i}", 1.0, 3, False)
    s2 = score_iteration(conn, 2)
    assert s1["cumulative_solved"] == 1 and s2["cumulative_solved"] == 0
    assert s2["oracle"] == 1


def test_same_program_in_two_iterations_counts_once(conn):
    add(conn, 1, "t", "p", 1.0, 3, False)
    add(conn, 2, "t", "p", 1.0, 3, False)
    assert len(top3(conn, 2, "cumulative")["t"]) == 1


def test_unknown_scope(conn):
    with pytest.raises(ValueError, match="unknown scope"):
        top3(conn, 1, "everything")


def full_counts(conn, iteration):
    """What scoring everything again gives: every scope ranked from all samples so far."""
    counts = {}
    for scope in ("policy_only", "cumulative", "headline_cumulative"):
        cands = top3(conn, iteration, scope)
        counts[f"{scope}_solved"] = sum(any(c.test_correct for c in cs) for cs in cands.values())
    for name, where in (("demo_consistent", "demo_accuracy >= 1.0"),
                        ("oracle", "test_correct = 1")):
        counts[name] = conn.execute(f"SELECT COUNT(DISTINCT task_id) FROM samples WHERE "
                                    f"iteration <= ? AND {where}", (iteration,)).fetchone()[0]
        counts[f"{name}_this_iteration"] = conn.execute(
            f"SELECT COUNT(DISTINCT task_id) FROM samples WHERE iteration = ? AND {where}",
            (iteration,)).fetchone()[0]
    return counts


@pytest.mark.parametrize("behaviour", ["kept", "varies"])
def test_incremental_scoring_equals_ranking_everything_again(conn, behaviour):
    """Also when a program's demo accuracy and test outcome differ between iterations (a
    timeout in one of them): a task's grouped values are the best over all iterations."""
    import random

    rng = random.Random(3)
    tasks = [f"t{k}" for k in range(12)] + ["it's"]  # a quote in an id, too
    for k, task in enumerate(tasks[:5]):  # search candidates for some tasks
        conn.execute("INSERT INTO search_candidates VALUES (?,?,?,?,?,?)",
                     (task, 1, f"search{k}", rng.choice([0.5, 1.0]), 4, rng.random() < 0.5))
    for it in range(1, 9):
        for task in rng.sample(tasks, 6):  # some tasks get nothing new this iteration
            for program in rng.sample(range(30), rng.randint(1, 5)):
                # a program keeps its behaviour across iterations, as a real one does,
                # or not; its length is its text's
                prog = random.Random(f"{task}{program}")
                length = random.Random(program).randint(1, 8)
                if behaviour == "varies":
                    prog = random.Random(f"{task}{program}{it}")
                add(conn, it, task, f"p{program}", prog.choice([0, 0.25, 0.5, 1.0]), length,
                    prog.random() < 0.3)
        conn.execute("INSERT INTO iterations (iteration, phase, started) VALUES (?, 'stored', 0)",
                     (it,))
        with transaction(conn):
            counts = score_iteration(conn, it)
            conn.execute("UPDATE iterations SET phase = 'scored' WHERE iteration = ?", (it,))
        assert counts == full_counts(conn, it), it
        for scope in ("policy_only", "cumulative", "headline_cumulative"):
            stored = conn.execute("SELECT task_id, rank, program, demo_accuracy, test_correct "
                                  "FROM candidates WHERE iteration = ? AND scope = ? ORDER BY "
                                  "task_id, rank", (it, scope)).fetchall()
            ranked = [(c.task_id, c.rank, c.program, c.demo_accuracy, int(c.test_correct))
                      for t, cs in sorted(top3(conn, it, scope).items()) for c in cs]
            assert stored == ranked, (it, scope)
    assert counts["cumulative_solved"] > 0 and counts["headline_cumulative_solved"] > 0
