"""The run store: every read and write of a run's database, in the engine's words.

    store = RunStore(conn)                     # the loop's own (read-write) connection
    with RunStore.reading(run_dir) as store:   # or read-only, for listings and pages
        store.completed_iterations(), store.lifecycle(), store.iteration_rows(), ...

The schema, its migrations and connections are in db.py; the replay buffer (buffer.py) and
the scoring of candidates (metrics.py) keep their own queries on top of the same tables.
Pages, the background runner, the command line and the loop call these methods: no other
module writes SQL against a run. Writes that belong to one step of the loop go inside that
step's `transaction(store.conn)`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from codeit_core.db import dump_grids, get_meta, set_meta
from codeit_core.relabel import POLICY_POOL, program_length
from codeit_core.steps import LAST_PHASE

if TYPE_CHECKING:
    from codeit_core.runs import RunDir

CREATED = "created"
"""the status of a run no process has run yet"""
_KEEP: Any = object()  # set_status: leave this value as it is


class RunStore:
    """One run's database, through one connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @classmethod
    @contextmanager
    def reading(cls, run: "RunDir") -> Iterator["RunStore"]:
        """A read-only store, closed on leaving (safe while another process writes)."""
        conn = run.connect(readonly=True)
        try:
            yield cls(conn)
        finally:
            conn.close()

    @classmethod
    @contextmanager
    def writing(cls, run: "RunDir") -> Iterator["RunStore"]:
        """A read-write store, closed on leaving."""
        conn = run.connect()
        try:
            yield cls(conn)
        finally:
            conn.close()

    # ------------------------------------------------------------------ lifecycle

    def lifecycle(self) -> dict[str, Any]:
        """The run's recorded status, the pid of the process running it, a stop request,
        and the number of meta-iterations that process runs to (None: no process)."""
        return {"status": get_meta(self.conn, "status", CREATED),
                "pid": get_meta(self.conn, "pid"),
                "stop_requested": bool(get_meta(self.conn, "stop_requested", False)),
                "target": get_meta(self.conn, "target")}

    def status(self) -> str:
        return get_meta(self.conn, "status", CREATED)

    def set_status(self, status: str, pid: Any = _KEEP, stop_requested: Any = _KEEP,
                   target: Any = _KEEP) -> None:
        """Record the status; and, when given, the pid of the process running the run
        (None: no process), whether a stop is requested, and the number of completed
        meta-iterations the process stops at."""
        set_meta(self.conn, "status", status)
        if pid is not _KEEP:
            set_meta(self.conn, "pid", pid)
        if stop_requested is not _KEEP:
            set_meta(self.conn, "stop_requested", bool(stop_requested))
        if target is not _KEEP:
            set_meta(self.conn, "target", target)

    def set_pid(self, pid: int | None) -> None:
        set_meta(self.conn, "pid", pid)

    def request_stop(self, requested: bool = True) -> None:
        set_meta(self.conn, "stop_requested", requested)

    def stop_requested(self) -> bool:
        return bool(get_meta(self.conn, "stop_requested", False))

    # ------------------------------------------------------------------ seeding

    def seed_summary(self) -> dict[str, Any] | None:
        """What seeding did (None: not seeded yet)."""
        return get_meta(self.conn, "seeded")

    def is_seeded(self) -> bool:
        return self.seed_summary() is not None

    def record_seed(self, summary: dict[str, Any],
                    search_top3: dict[str, list[tuple[Any, str]]] | None,
                    search_programs: list[str] | None) -> None:
        """The seed step's rows (inside its transaction): the search tasks' top-3
        candidates, the programs A1 relabels instead of its samples, the summary."""
        if search_top3:
            self.conn.executemany(
                "INSERT OR REPLACE INTO search_candidates (task_id, rank, program, "
                "demo_accuracy, length, test_correct) VALUES (?,?,?,?,?,?)",
                [(tid, rank, text, c.demo_accuracy, program_length(text), int(c.test_correct))
                 for tid, cands in search_top3.items()
                 for rank, (c, text) in enumerate(cands, 1)])
        if search_programs is not None:
            set_meta(self.conn, "search_programs", search_programs)
        set_meta(self.conn, "seeded", summary)

    def search_programs(self) -> list[str]:
        return get_meta(self.conn, "search_programs") or []

    def search_found(self) -> dict[str, tuple[int, bool]]:
        """Per search task with a candidate: (how many, whether one is right on the test)."""
        return {tid: (n, bool(ok)) for tid, n, ok in self.conn.execute(
            "SELECT task_id, COUNT(*), MAX(test_correct) FROM search_candidates "
            "GROUP BY task_id")}

    def search_candidates(self, task_id: str) -> list[tuple[int, str, float, int]]:
        """(rank, program, demo accuracy, test correct) of a task's search candidates."""
        return self.conn.execute(
            "SELECT rank, program, demo_accuracy, test_correct FROM search_candidates "
            "WHERE task_id = ? ORDER BY rank", (task_id,)).fetchall()

    # ------------------------------------------------------------------ iterations

    def last_iteration(self) -> tuple[int, str] | None:
        """(iteration, phase) of the newest iteration recorded, or None."""
        row = self.conn.execute("SELECT iteration, phase FROM iterations ORDER BY iteration "
                                "DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else None

    def completed_iterations(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM iterations WHERE phase = ?",
                                 (LAST_PHASE,)).fetchone()[0]

    def iteration_metrics(self, iteration: int) -> dict[str, Any]:
        """The metrics recorded for an iteration so far ({} if none)."""
        row = self.conn.execute("SELECT metrics FROM iterations WHERE iteration = ?",
                                (iteration,)).fetchone()
        return json.loads(row[0]) if row else {}

    def record_phase(self, iteration: int, phase: str, metrics: dict[str, Any]) -> None:
        """The phase an iteration reached and its metrics, merged into those recorded
        (inside the step's transaction); the last phase also stamps the finish time."""
        self.conn.execute(
            "INSERT INTO iterations (iteration, phase, started, metrics) VALUES (?,?,?,?) "
            "ON CONFLICT(iteration) DO UPDATE SET phase = excluded.phase, "
            "metrics = excluded.metrics", (iteration, phase, time.time(), json.dumps(metrics)))
        if phase == LAST_PHASE:
            self.conn.execute("UPDATE iterations SET finished = ? WHERE iteration = ?",
                              (time.time(), iteration))

    def recent_iteration_seconds(self, n: int = 5) -> list[float]:
        """Wall seconds of the last `n` finished meta-iterations, newest first."""
        return [f - s for s, f in self.conn.execute(
            "SELECT started, finished FROM iterations WHERE phase = ? AND finished IS NOT NULL "
            "ORDER BY iteration DESC LIMIT ?", (LAST_PHASE, n))]

    def scored_iterations(self) -> list[tuple[int, float, float | None, dict[str, Any]]]:
        """(iteration, started, finished, metrics) of every finished iteration, oldest
        first."""
        rows = self.conn.execute("SELECT iteration, started, finished, metrics FROM "
                                 "iterations WHERE phase = ? ORDER BY iteration",
                                 (LAST_PHASE,)).fetchall()
        return [(it, started, finished, json.loads(m)) for it, started, finished, m in rows]

    def iteration_rows(self) -> list[dict[str, Any]]:
        """Metrics of every finished iteration, oldest first, flat: the Learn statistics
        become ``learn_<name>``, with the iteration's start and finish times."""
        out = []
        for it, started, finished, m in self.scored_iterations():
            learn = m.pop("learn", {}) or {}
            out.append({"iteration": it, **m, **{f"learn_{k}": v for k, v in learn.items()},
                        "started": started, "finished": finished})
        return out

    # ------------------------------------------------------------------ samples

    def add_samples(self, iteration: int, records: Sequence[Any],
                    parents: dict[tuple[str, str], str]) -> None:
        """The Execute step's samples (SampleRecord) with their parent programs, if any."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO samples (iteration, task_id, program, length, valid, "
            "error, demo_accuracy, pixel_accuracy, test_correct, demo_outputs, "
            "test_outputs, error_message, parent_program) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(iteration, s.task_id, s.program, program_length(s.program), int(s.valid),
              s.error, s.demo_accuracy, s.pixel_accuracy, int(s.test_correct),
              dump_grids(s.demo_outputs), dump_grids(s.test_outputs),
              s.error_message or None, parents.get((s.task_id, s.program)))
             for s in records])

    def valid_samples(self, iteration: int) -> Iterable[tuple[int, str, str, str, str | None]]:
        """(id, task id, program, demo outputs as JSON, parent program) of an iteration's
        samples with an output on some demonstration, in the order they were recorded."""
        return self.conn.execute(
            "SELECT id, task_id, program, demo_outputs, parent_program FROM samples "
            "WHERE iteration = ? AND valid = 1 ORDER BY id", (iteration,))

    def sampled_programs(self, iteration: int) -> dict[str, list[str]]:
        """Task id → the programs recorded for it in an iteration, in order."""
        out: dict[str, list[str]] = {}
        for tid, prog in self.conn.execute("SELECT task_id, program FROM samples WHERE "
                                           "iteration = ? ORDER BY id", (iteration,)):
            out.setdefault(tid, []).append(prog)
        return out

    def samples_per_task(self, iteration: int) -> dict[str, int]:
        return dict(self.conn.execute("SELECT task_id, COUNT(*) FROM samples WHERE "
                                      "iteration = ? GROUP BY task_id", (iteration,)))

    SAMPLE_COLUMNS = ("id", "task", "program", "valid", "error", "demo_accuracy",
                      "test_correct", "demo_outputs", "test_outputs", "priority",
                      "error_message")

    def executed_samples(self, iteration: int, task_id: str | None = None) -> list[tuple]:
        """An iteration's samples (of one task, or all) with the priority they were stored
        with, if any, best first: the columns of SAMPLE_COLUMNS."""
        sql = ("SELECT s.id, s.task_id, s.program, s.valid, s.error, s.demo_accuracy, "
               "s.test_correct, s.demo_outputs, s.test_outputs, e.priority, s.error_message "
               "FROM samples s "
               "LEFT JOIN experiences e ON e.sample_id = s.id AND e.pool = ? "
               "WHERE s.iteration = ?")
        args: tuple = (POLICY_POOL, iteration)
        if task_id:
            sql += " AND s.task_id = ?"
            args = (*args, task_id)
        return self.conn.execute(sql + " ORDER BY s.demo_accuracy DESC, s.length, s.id",
                                 args).fetchall()

    # ------------------------------------------------------------------ experiences, candidates

    def pool_sizes(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT pool, COUNT(*) FROM experiences GROUP BY pool"))

    def experience_count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM experiences").fetchone()[0]

    def policy_pairs(self) -> set[tuple[str, str]]:
        """(task id, program) of every policy-pool experience."""
        return set(self.conn.execute("SELECT task_id, program FROM experiences WHERE pool = ?",
                                     (POLICY_POOL,)))

    def stored_in(self, iteration: int) -> list[tuple[str, float, float, int, str]]:
        """(task id, priority, demo accuracy, length, program) of the policy experiences an
        iteration stored, highest priority first."""
        return self.conn.execute(
            "SELECT task_id, priority, demo_accuracy, length, program FROM experiences "
            "WHERE pool = ? AND iteration = ? ORDER BY priority DESC, id",
            (POLICY_POOL, iteration)).fetchall()

    def buffer_facets(self) -> tuple[list[str], list[int]]:
        """The distinct parent task ids and iterations of the buffer."""
        tasks = [r[0] for r in self.conn.execute("SELECT DISTINCT task_id FROM experiences "
                                                 "ORDER BY task_id")]
        iterations = [r[0] for r in self.conn.execute("SELECT DISTINCT iteration FROM "
                                                      "experiences ORDER BY iteration")]
        return tasks, iterations

    def stored_rows(self, keys: list[tuple[str, str]]) -> list[dict[str, Any] | None]:
        """The id and stored priority of each (task id, program), in order (None if gone)."""
        out: list[dict[str, Any] | None] = []
        for task_id, program in keys:
            row = self.conn.execute("SELECT id, priority FROM experiences WHERE task_id = ? "
                                    "AND program = ?", (task_id, program)).fetchone()
            out.append({"id": row[0], "priority": row[1]} if row else None)
        return out

    def priority_spread(self, limit: int) -> tuple[list[tuple[str, int, float]], int]:
        """(pool, length, priority) of every experience, or of an even, deterministic spread
        of `limit` of them when there are more (the same picture on every call); and how
        many experiences there are."""
        total = self.experience_count()
        if total <= limit:
            return self.conn.execute("SELECT pool, length, priority FROM experiences"
                                     ).fetchall(), total
        return self.conn.execute(
            "SELECT pool, length, priority FROM experiences WHERE id IN (SELECT id FROM "
            "experiences ORDER BY (id * 2654435761) % 4294967296 LIMIT ?)",
            (limit,)).fetchall(), total

    def candidate_summary(self, scope: str) -> list[tuple[str, int, int, float]]:
        """(task id, iteration, whether a top-3 candidate is right on the test, the best
        candidate's demo accuracy) for every task with a candidate, per iteration."""
        return self.conn.execute(
            "SELECT task_id, iteration, MAX(test_correct), MAX(demo_accuracy) FROM candidates "
            "WHERE scope = ? GROUP BY task_id, iteration ORDER BY task_id, iteration",
            (scope,)).fetchall()

    def first_solutions(self, scope: str) -> dict[str, tuple[int, str]]:
        """Task id → (the first iteration a top-3 candidate was right on the test, the best
        ranked such program) in a scope."""
        out: dict[str, tuple[int, str]] = {}
        for tid, it, program in self.conn.execute(
                "SELECT task_id, iteration, program FROM candidates c WHERE scope = ? AND "
                "test_correct = 1 AND iteration = (SELECT MIN(iteration) FROM candidates "
                "WHERE scope = c.scope AND task_id = c.task_id AND test_correct = 1) "
                "ORDER BY task_id, rank", (scope,)):
            out.setdefault(tid, (it, program))
        return out

    def latest_candidates(self, task_id: str, scope: str
                          ) -> tuple[int | None, list[tuple[int, float, int, str]]]:
        """A task's top-3 candidates in a scope at the run's last scored iteration:
        (that iteration or None, [(rank, demo accuracy, test correct, program)])."""
        row = self.conn.execute("SELECT MAX(iteration) FROM candidates WHERE scope = ?",
                                (scope,)).fetchone()
        if row is None or row[0] is None:
            return None, []
        return int(row[0]), self.conn.execute(
            "SELECT rank, demo_accuracy, test_correct, program FROM candidates WHERE "
            "iteration = ? AND scope = ? AND task_id = ? ORDER BY rank",
            (row[0], scope, task_id)).fetchall()

    def candidates(self, iteration: int, scope: str) -> list[tuple[str, int, float, int, str]]:
        """(task id, rank, demo accuracy, test correct, program) of an iteration's top-3
        candidates in a scope (metrics.SCOPES)."""
        return self.conn.execute(
            "SELECT task_id, rank, demo_accuracy, test_correct, program FROM candidates WHERE "
            "iteration = ? AND scope = ? ORDER BY task_id, rank", (iteration, scope)).fetchall()
