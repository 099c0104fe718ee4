"""Scoring (CodeIt, Butt et al. 2024, section 4.1): top-3 on the test, as in ARC.

A program that exactly solves at least one demonstration of a task is a *candidate* for
it. Candidates are ranked by demo accuracy (fraction of demos solved), ties to the shorter
program (then by text, for determinism); a task is **solved** when one of its top-3
candidates gets every test output exactly right.

  policy_only_solved   candidates from this meta-iteration's samples only
  cumulative_solved    candidates from all samples so far; it can dip when a new program
                       with better demo accuracy displaces a test-correct one — reported as is
  headline_cumulative_solved
                       the paper's headline count: the cumulative candidates together with
                       the search tasks' (every seed program run on every search task,
                       search.py); the same as cumulative when a run has no search (A6)
  demo_consistent      tasks where some program so far solves every demonstration
  oracle               tasks where some program so far is right on the test (an upper bound)
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

SCOPES = ("policy_only", "cumulative", "headline_cumulative")


def rank_key(demo_accuracy: float, program: str) -> tuple:
    """The order of candidates: demo accuracy first, then the shorter program, then text
    (the same order as the SQL below)."""
    from codeit_core.relabel import program_length

    return (-demo_accuracy, program_length(program), program)


@dataclass(frozen=True)
class Candidate:
    task_id: str
    rank: int
    program: str
    demo_accuracy: float
    test_correct: bool


def _candidates_sql(scope: str) -> str:
    """The top-3 query of a scope: every task ranked from all its candidates."""
    if scope == "policy_only":
        source = ("SELECT task_id, program, demo_accuracy, length, test_correct FROM samples "
                  "WHERE iteration = :it AND demo_accuracy > 0")
    elif scope in ("cumulative", "headline_cumulative"):
        # the same program text behaves the same in every iteration: group to dedupe
        rows = ("SELECT task_id, program, demo_accuracy, length, test_correct FROM samples "
                "WHERE iteration <= :it AND demo_accuracy > 0")
        if scope == "headline_cumulative":  # the search tasks' top-3 (search.py)
            rows += (" UNION ALL SELECT task_id, program, demo_accuracy, length, "
                     "test_correct FROM search_candidates")
        source = ("SELECT task_id, program, MAX(demo_accuracy) AS demo_accuracy, "
                  "MIN(length) AS length, MAX(test_correct) AS test_correct FROM "
                  f"({rows}) GROUP BY task_id, program")
    else:
        raise ValueError(f"unknown scope {scope!r}; expected one of {SCOPES}")
    return (f"SELECT task_id, rk, program, demo_accuracy, test_correct FROM ("
            f"SELECT *, ROW_NUMBER() OVER (PARTITION BY task_id ORDER BY demo_accuracy DESC, "
            f"length ASC, program ASC) AS rk FROM ({source})) WHERE rk <= 3 "
            f"ORDER BY task_id, rk")


def top3(conn: sqlite3.Connection, iteration: int, scope: str) -> dict[str, list[Candidate]]:
    """The top-3 candidates of every task that has any, for one scope."""
    out: dict[str, list[Candidate]] = {}
    for task_id, rank, program, acc, correct in conn.execute(_candidates_sql(scope),
                                                             {"it": iteration}):
        out.setdefault(task_id, []).append(Candidate(task_id, rank, program, acc, bool(correct)))
    return out


def solved_tasks(candidates: dict[str, list[Candidate]]) -> set[str]:
    """Tasks one of whose top-3 candidates is right on every test output."""
    return {t for t, cands in candidates.items() if any(c.test_correct for c in cands)}


def _stored(conn: sqlite3.Connection, iteration: int, scope: str
            ) -> dict[str, list[Candidate]]:
    out: dict[str, list[Candidate]] = {}
    for task_id, rank, program, acc, correct in conn.execute(
            "SELECT task_id, rank, program, demo_accuracy, test_correct FROM candidates "
            "WHERE iteration = ? AND scope = ? ORDER BY task_id, rank", (iteration, scope)):
        out.setdefault(task_id, []).append(Candidate(task_id, rank, program, acc, bool(correct)))
    return out


def _reranked(conn: sqlite3.Connection, iteration: int, scope: str, task_id: str,
              previous: list[Candidate], fresh: set[str]) -> list[Candidate]:
    """A cumulative scope's top-3 of `task_id` at `iteration`, from its top-3 at the
    iteration before (`previous`) and the programs of this iteration's candidates
    (`fresh`).

    Only these programs can be in the new top-3: any other had no new sample, so its
    grouped values (best demo accuracy, shortest length, any test-correct sample) did not
    change and the three programs that outranked it still do (their values can only have
    risen). Their grouped values are looked up over every iteration so far (the partial
    index samples_program), so the result is the one ranking everything again gives."""
    programs = sorted(fresh | {c.program for c in previous})
    marks = ",".join("?" * len(programs))
    # (without statistics SQLite would take samples_task and read every candidate row)
    rows = (f"SELECT program, demo_accuracy, length, test_correct FROM samples INDEXED BY "
            f"samples_program WHERE task_id = ? AND program IN ({marks}) AND "
            f"demo_accuracy > 0 AND iteration <= ?")
    args: list = [task_id, *programs, iteration]
    if scope == "headline_cumulative":
        rows += (" UNION ALL SELECT program, demo_accuracy, length, test_correct FROM "
                 f"search_candidates WHERE task_id = ? AND program IN ({marks})")
        args += [task_id, *programs]
    grouped = conn.execute(f"SELECT program, MAX(demo_accuracy), MIN(length), "
                           f"MAX(test_correct) FROM ({rows}) GROUP BY program", args).fetchall()
    # the SQL ranking's order: demo accuracy descending, then length, then text (SQLite's
    # BINARY collation compares UTF-8 bytes, which order as Python compares code points)
    best = sorted(grouped, key=lambda r: (-r[1], r[2], r[0]))[:3]
    return [Candidate(task_id, rank, program, acc, bool(correct))
            for rank, (program, acc, _, correct) in enumerate(best, start=1)]


# tasks with a test-correct sample up to :it, one index seek per such task (a skip-scan of
# the partial index samples_right) instead of a pass over every test-correct sample
_ORACLE_SQL = """
WITH RECURSIVE right_tasks(task_id) AS (
    SELECT MIN(task_id) FROM samples WHERE test_correct = 1
    UNION ALL
    SELECT (SELECT MIN(s.task_id) FROM samples AS s
            WHERE s.test_correct = 1 AND s.task_id > right_tasks.task_id)
    FROM right_tasks WHERE right_tasks.task_id IS NOT NULL)
SELECT COUNT(*) FROM right_tasks WHERE task_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM samples AS s
    WHERE s.test_correct = 1 AND s.task_id = right_tasks.task_id AND s.iteration <= :it)
"""


def score_iteration(conn: sqlite3.Connection, iteration: int) -> dict[str, int]:
    """Compute the solve counts of `iteration` and store its top-3 candidates.

    Incremental, and the same as ranking everything again: the cumulative scopes re-rank
    only the tasks with a new candidate in this iteration, from their previous top-3 and
    their new candidates (``_reranked``), and carry the previous iteration's top-3 over
    for every other task (a task's candidates change only when it gets new ones). Without
    a scored previous iteration everything is ranked. Call inside the transaction that
    also marks the iteration scored.
    """
    conn.execute("DELETE FROM candidates WHERE iteration = ?", (iteration,))
    previous = conn.execute("SELECT 1 FROM iterations WHERE iteration = ? AND phase = "
                            "'scored'", (iteration - 1,)).fetchone() is not None
    fresh: dict[str, set[str]] = {}  # this iteration's candidates, by task
    for task_id, program in conn.execute(
            "SELECT task_id, program FROM samples WHERE iteration = ? AND demo_accuracy > 0",
            (iteration,)):
        fresh.setdefault(task_id, set()).add(program)
    counts: dict[str, int] = {}
    cumulative: dict[str, list[Candidate]] = {}
    for scope in SCOPES:
        if scope == "policy_only" or not previous:
            cands = top3(conn, iteration, scope)
        else:
            cands = _stored(conn, iteration - 1, scope)
            for task_id, programs in fresh.items():
                cands[task_id] = _reranked(conn, iteration, scope, task_id,
                                           cands.get(task_id, []), programs)
        conn.executemany(
            "INSERT INTO candidates (iteration, scope, task_id, rank, program, demo_accuracy, "
            "test_correct) VALUES (?,?,?,?,?,?,?)",
            [(iteration, scope, c.task_id, c.rank, c.program, c.demo_accuracy,
              int(c.test_correct)) for t in sorted(cands) for c in cands[t]])
        counts[f"{scope}_solved"] = len(solved_tasks(cands))
        if scope == "cumulative":
            cumulative = cands
    # a task's best program so far is its first cumulative candidate
    counts["demo_consistent"] = sum(cs[0].demo_accuracy >= 1.0 for cs in cumulative.values())
    counts["demo_consistent_this_iteration"] = conn.execute(
        "SELECT COUNT(DISTINCT task_id) FROM samples WHERE iteration = ? AND "
        "demo_accuracy >= 1.0", (iteration,)).fetchone()[0]
    counts["oracle"] = conn.execute(_ORACLE_SQL, {"it": iteration}).fetchone()[0]
    # the partial index samples_right holds only the test-correct samples
    counts["oracle_this_iteration"] = conn.execute(
        "SELECT COUNT(DISTINCT task_id) FROM samples WHERE test_correct = 1 AND "
        "iteration = ?", (iteration,)).fetchone()[0]
    return counts
