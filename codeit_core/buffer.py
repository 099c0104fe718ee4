"""The prioritized replay buffer (CodeIt, Butt et al. 2024, section 3.3), on SQLite.

Experiences live in the run database's ``experiences`` table, keyed by (parent task,
program text): storing a program again for the same task replaces the older entry. Two
pools: ``seed`` (reference programs and their mutants) and ``policy`` (relabeled policy
samples).

Priority (higher = drawn more often)::

    priority = w_performance · demo_accuracy          (fraction of the parent's demos solved)
             + w_shortness   · 1 / length             (shorter programs)
             + w_recency     · 1 / (1 + age)          (age in meta-iterations, at sampling)
             + w_distance    · (1 − distance)         (distance = 1 − pixel accuracy)
             + epsilon

The paper uses demo performance only: weights (1, 0, 0, 0). Sampling draws without
replacement with probability ∝ priority^α (α = 1 reproduces the paper), the policy and seed
pools mixed 9:1 (``policy_share`` = 0.9), by the Efraimidis–Spirakis method: each row gets
the key log(u)/w and the k largest keys win — one vectorised pass, fast at 1,000,000 rows.
Ablation A3 (no prioritization) is ``uniform=True``: every experience weighs the same.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from typing import Any, Iterable, Sequence

import numpy as np

from codeit_core.db import dump_grids, load_grids, transaction
from codeit_core.relabel import POLICY_POOL, POOLS, SEED_POOL, Experience


@dataclass(frozen=True)
class PriorityWeights:
    """Weights of the priority terms (defaults: the paper's, demo performance only)."""

    performance: float = 1.0
    """weight of the fraction of the parent task's demonstrations solved exactly"""
    shortness: float = 0.0
    """weight of 1 / program length"""
    recency: float = 0.0
    """weight of 1 / (1 + age in meta-iterations), computed when sampling"""
    distance: float = 0.0
    """weight of 1 − distance to the target (mean pixel accuracy on the demonstrations)"""
    epsilon: float = 1e-3
    """added to every priority so that nothing has probability zero"""

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 0:
                raise ValueError(f"priority weight {f.name!r} must be ≥ 0, "
                                 f"got {getattr(self, f.name)}")
        if self.epsilon <= 0:
            raise ValueError("priority epsilon must be > 0 so every experience can be drawn")

    def static_priority(self, demo_accuracy: float, length: int, pixel_accuracy: float) -> float:
        """The priority without the recency term (stored, indexed, shown in the UI)."""
        return (self.performance * demo_accuracy + self.shortness / max(length, 1)
                + self.distance * pixel_accuracy + self.epsilon)


STATUS_FILTERS = {
    "solved": "demo_accuracy >= 1.0",
    "partly solved": "demo_accuracy > 0 AND demo_accuracy < 1.0",
    "relabeled only": "demo_accuracy = 0",
}
_COLUMNS = ("id", "task_id", "program", "pool", "iteration", "demo_accuracy",
            "pixel_accuracy", "length", "n_pairs", "priority", "sample_id", "parent_program")


@dataclass(frozen=True)
class Filters:
    """What the replay-buffer browser may filter on; None means no filter."""

    pool: str | None = None
    task_id: str | None = None
    iteration: int | None = None
    status: str | None = None
    program_contains: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if self.pool:
            clauses.append("pool = ?")
            params.append(self.pool)
        if self.task_id:
            clauses.append("task_id = ?")
            params.append(self.task_id)
        if self.iteration is not None:
            clauses.append("iteration = ?")
            params.append(self.iteration)
        if self.status:
            if self.status not in STATUS_FILTERS:
                raise ValueError(f"unknown status filter {self.status!r}; expected one of "
                                 f"{', '.join(STATUS_FILTERS)}")
            clauses.append(STATUS_FILTERS[self.status])
        if self.program_contains:
            clauses.append("instr(program, ?) > 0")
            params.append(self.program_contains)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


class ReplayBuffer:
    """Prioritized replay over the ``experiences`` table of a run database."""

    def __init__(self, conn: sqlite3.Connection, weights: PriorityWeights = PriorityWeights(),
                 alpha: float = 1.0, capacity: int | None = None, uniform: bool = False,
                 policy_share: float = 0.9) -> None:
        if alpha < 0:
            raise ValueError(f"priority exponent alpha must be ≥ 0, got {alpha}")
        if not 0.0 <= policy_share <= 1.0:
            raise ValueError(f"policy_share must be within 0..1, got {policy_share}")
        if capacity is not None and capacity < 1:
            raise ValueError(f"buffer capacity must be ≥ 1, got {capacity}")
        self.conn = conn
        self.weights = weights
        self.alpha = alpha
        self.capacity = capacity
        self.uniform = uniform
        self.policy_share = policy_share

    # ------------------------------------------------------------------ writing

    def add(self, experiences: Iterable[Experience]) -> int:
        """Store experiences (a repeat of (task, program) replaces the older entry).

        Runs in the caller's transaction when one is open, else in its own. Returns the
        number of rows written. Applies the capacity afterwards (see `reduce`).
        """
        rows = [self._row(e) for e in experiences]
        if not rows:
            return 0
        sql = ("INSERT INTO experiences (task_id, program, pool, iteration, demo_accuracy, "
               "pixel_accuracy, length, n_pairs, inputs, outputs, priority, sample_id, "
               "parent_program) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
               "ON CONFLICT(task_id, program) DO UPDATE SET pool=excluded.pool, "
               "iteration=excluded.iteration, demo_accuracy=excluded.demo_accuracy, "
               "pixel_accuracy=excluded.pixel_accuracy, length=excluded.length, "
               "n_pairs=excluded.n_pairs, inputs=excluded.inputs, outputs=excluded.outputs, "
               "priority=excluded.priority, sample_id=excluded.sample_id, "
               "parent_program=excluded.parent_program")
        if self.conn.in_transaction:
            self.conn.executemany(sql, rows)
            self.reduce()
        else:
            with transaction(self.conn):
                self.conn.executemany(sql, rows)
                self.reduce()
        return len(rows)

    def _row(self, e: Experience) -> tuple:
        if e.pool not in POOLS:
            raise ValueError(f"unknown pool {e.pool!r}")
        return (e.task_id, e.program, e.pool, e.iteration, e.demo_accuracy, e.pixel_accuracy,
                e.length, len(e.inputs), dump_grids(e.inputs), dump_grids(e.outputs),
                self.weights.static_priority(e.demo_accuracy, e.length, e.pixel_accuracy),
                e.sample_id, e.parent_program)

    def reduce(self) -> int:
        """Keep at most `capacity` policy experiences, dropping the lowest priority first
        (oldest first among equals). The seed pool is never reduced. Returns rows deleted."""
        if self.capacity is None:
            return 0
        excess = self.size(POLICY_POOL) - self.capacity
        if excess <= 0:
            return 0
        cur = self.conn.execute(
            "DELETE FROM experiences WHERE id IN (SELECT id FROM experiences WHERE pool = ? "
            "ORDER BY priority ASC, iteration ASC, id ASC LIMIT ?)", (POLICY_POOL, excess))
        return cur.rowcount

    # ------------------------------------------------------------------ reading

    def size(self, pool: str | None = None) -> int:
        """Number of experiences (in one pool, or in all)."""
        if pool is None:
            return self.conn.execute("SELECT COUNT(*) FROM experiences").fetchone()[0]
        return self.conn.execute("SELECT COUNT(*) FROM experiences WHERE pool = ?",
                                 (pool,)).fetchone()[0]

    def count(self, filters: Filters = Filters()) -> int:
        where, params = filters.where()
        return self.conn.execute(f"SELECT COUNT(*) FROM experiences{where}", params).fetchone()[0]

    def page(self, filters: Filters = Filters(), offset: int = 0, limit: int = 50) -> list[dict]:
        """One page of experiences, highest priority first (newest first among equals);
        the filtering, ordering and paging all happen in SQL. Grids are not loaded."""
        where, params = filters.where()
        rows = self.conn.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM experiences{where} "
            f"ORDER BY priority DESC, id DESC LIMIT ? OFFSET ?",
            [*params, int(limit), int(offset)]).fetchall()
        return [dict(zip(_COLUMNS, r)) for r in rows]

    def get(self, experience_id: int) -> tuple[dict, Experience] | None:
        """The row (as a dict) and the full Experience of one id, or None."""
        row = self.conn.execute(
            f"SELECT {', '.join(_COLUMNS)}, inputs, outputs FROM experiences WHERE id = ?",
            (experience_id,)).fetchone()
        if row is None:
            return None
        info = dict(zip(_COLUMNS, row[:len(_COLUMNS)]))
        return info, self._experience(info, row[-2], row[-1])

    @staticmethod
    def _experience(info: dict, inputs: str, outputs: str) -> Experience:
        return Experience(task_id=info["task_id"], program=info["program"],
                          inputs=load_grids(inputs), outputs=load_grids(outputs),
                          demo_accuracy=info["demo_accuracy"],
                          pixel_accuracy=info["pixel_accuracy"], length=info["length"],
                          iteration=info["iteration"], pool=info["pool"],
                          sample_id=info["sample_id"], parent_program=info["parent_program"])

    def priorities(self, pool: str | None = None) -> np.ndarray:
        """Every stored priority (of one pool, or all): for histograms."""
        sql = "SELECT priority FROM experiences" + (" WHERE pool = ?" if pool else "")
        return np.fromiter((r[0] for r in self.conn.execute(sql, (pool,) if pool else ())),
                           dtype=np.float64)

    # ------------------------------------------------------------------ sampling

    def sampling_weights(self, pool: str, current_iteration: int = 0) -> tuple[np.ndarray,
                                                                                 np.ndarray]:
        """(ids, weights) of one pool: weight = priority^α, with recency added when its
        weight is non-zero, or all ones when uniform (ablation A3)."""
        recency = bool(self.weights.recency) and not self.uniform
        # Without recency the (pool, priority, id) index covers the query.
        sql = ("SELECT id, priority, iteration FROM experiences WHERE pool = ?" if recency
               else "SELECT id, priority FROM experiences WHERE pool = ?")
        rows = self.conn.execute(sql, (pool,)).fetchall()
        if not rows:
            return np.empty(0, dtype=np.int64), np.empty(0)
        data = np.asarray(rows, dtype=np.float64)
        ids = data[:, 0].astype(np.int64)
        if self.uniform:
            return ids, np.ones(len(ids))
        priority = data[:, 1]
        if recency:
            age = np.maximum(current_iteration - data[:, 2], 0)
            priority = priority + self.weights.recency / (1.0 + age)
        return ids, np.power(priority, self.alpha)

    @staticmethod
    def draw(ids: np.ndarray, weights: np.ndarray, k: int,
             rng: np.random.Generator) -> np.ndarray:
        """k ids without replacement, P ∝ weight (Efraimidis–Spirakis keys log(u)/w)."""
        k = min(k, len(ids))
        if k <= 0:
            return np.empty(0, dtype=np.int64)
        keys = np.log(rng.random(len(ids))) / weights
        top = np.argpartition(-keys, k - 1)[:k]
        return ids[top[np.argsort(-keys[top])]]

    def sample(self, n: int, rng: np.random.Generator,
               current_iteration: int = 0) -> list[Experience]:
        """A training set of up to n experiences drawn by priority, pools mixed
        policy_share : 1 − policy_share (a pool that runs short is topped up by the other)."""
        pools = {p: self.sampling_weights(p, current_iteration) for p in POOLS}
        sizes = {p: len(pools[p][0]) for p in POOLS}
        n = min(n, sizes[POLICY_POOL] + sizes[SEED_POOL])
        n_policy = min(int(round(n * self.policy_share)), sizes[POLICY_POOL])
        n_seed = min(n - n_policy, sizes[SEED_POOL])
        n_policy = min(n - n_seed, sizes[POLICY_POOL])
        chosen = np.concatenate([self.draw(*pools[POLICY_POOL], n_policy, rng),
                                 self.draw(*pools[SEED_POOL], n_seed, rng)])
        return self.load(chosen.tolist())

    def load(self, ids: Sequence[int]) -> list[Experience]:
        """Experiences by id, in the order given."""
        found: dict[int, Experience] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                    f"SELECT {', '.join(_COLUMNS)}, inputs, outputs FROM experiences "
                    f"WHERE id IN ({marks})", chunk):
                info = dict(zip(_COLUMNS, row[:len(_COLUMNS)]))
                found[info["id"]] = self._experience(info, row[-2], row[-1])
        return [found[i] for i in ids if i in found]
