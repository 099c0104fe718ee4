"""The run database: one SQLite file per run (WAL mode), its schema and connections.

Tables
  meta         key/value: config, status, RNG state, schema version
  experiences  the replay buffer (see buffer.py): one row per (parent task, program)
  samples      every program the policy sampled, per iteration and task, with its rewards,
               its first error (kind, and in words with the input and line) and the
               program it was derived from, if any
               (lineage: experiences.sample_id → samples.id)
  candidates   per iteration and task, the top-3 programs scored on the test (metrics.py)
  search_candidates
               per search task, the top-3 candidates of the search tasks (search.py): seed
               programs run on every task of the search set
  iterations   per meta-iteration: phase reached, metrics, timings
Every write that belongs to one step of the loop is one transaction, so a run killed at any
instant holds either all of a step's rows or none of them.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 3

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS experiences (
    id              INTEGER PRIMARY KEY,
    task_id         TEXT NOT NULL,
    program         TEXT NOT NULL,
    pool            TEXT NOT NULL CHECK (pool IN ('seed', 'policy')),
    iteration       INTEGER NOT NULL,
    demo_accuracy   REAL NOT NULL,
    pixel_accuracy  REAL NOT NULL,
    length          INTEGER NOT NULL,
    n_pairs         INTEGER NOT NULL,
    inputs          TEXT NOT NULL,
    outputs         TEXT NOT NULL,
    priority        REAL NOT NULL,
    sample_id       INTEGER,
    parent_program  TEXT,
    UNIQUE (task_id, program)
);
CREATE INDEX IF NOT EXISTS experiences_priority ON experiences (priority DESC, id DESC);
CREATE INDEX IF NOT EXISTS experiences_pool_priority ON experiences (pool, priority DESC, id DESC);
CREATE INDEX IF NOT EXISTS experiences_task ON experiences (task_id, priority DESC, id DESC);
CREATE INDEX IF NOT EXISTS experiences_iteration ON experiences (iteration, priority DESC, id DESC);
CREATE INDEX IF NOT EXISTS experiences_sample ON experiences (sample_id) WHERE sample_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS samples (
    id              INTEGER PRIMARY KEY,
    iteration       INTEGER NOT NULL,
    task_id         TEXT NOT NULL,
    program         TEXT NOT NULL,
    length          INTEGER NOT NULL,
    valid           INTEGER NOT NULL,
    error           TEXT,
    demo_accuracy   REAL NOT NULL,
    pixel_accuracy  REAL NOT NULL,
    test_correct    INTEGER NOT NULL,
    demo_outputs    TEXT NOT NULL,
    test_outputs    TEXT NOT NULL,
    error_message   TEXT,
    parent_program  TEXT,
    UNIQUE (iteration, task_id, program)
);
CREATE INDEX IF NOT EXISTS samples_task ON samples (task_id, demo_accuracy DESC, length);
CREATE INDEX IF NOT EXISTS samples_right ON samples (task_id, iteration) WHERE test_correct = 1;
CREATE INDEX IF NOT EXISTS samples_program ON samples (task_id, program) WHERE demo_accuracy > 0;
CREATE TABLE IF NOT EXISTS candidates (
    iteration   INTEGER NOT NULL,
    scope       TEXT NOT NULL CHECK (scope IN ('policy_only', 'cumulative',
                                           'headline_cumulative')),
    task_id     TEXT NOT NULL,
    rank        INTEGER NOT NULL,
    program     TEXT NOT NULL,
    demo_accuracy REAL NOT NULL,
    test_correct  INTEGER NOT NULL,
    PRIMARY KEY (iteration, scope, task_id, rank)
);
CREATE TABLE IF NOT EXISTS search_candidates (
    task_id       TEXT NOT NULL,
    rank          INTEGER NOT NULL,
    program       TEXT NOT NULL,
    demo_accuracy REAL NOT NULL,
    length        INTEGER NOT NULL,
    test_correct  INTEGER NOT NULL,
    PRIMARY KEY (task_id, rank)
);
CREATE TABLE IF NOT EXISTS iterations (
    iteration   INTEGER PRIMARY KEY,
    phase       TEXT NOT NULL,
    started     REAL NOT NULL,
    finished    REAL,
    metrics     TEXT NOT NULL DEFAULT '{}'
);
"""


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer version of CodeIt (a schema we cannot read)."""


def schema_version(conn: sqlite3.Connection) -> int | None:
    """The schema version a database records (None: a new, empty database)."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError as e:
        if "no such table" in str(e):
            return None
        raise
    return int(row[0]) if row else None


def _refuse_newer(conn: sqlite3.Connection, path: Path) -> None:
    version = schema_version(conn)
    if version is not None and version > SCHEMA_VERSION:
        conn.close()
        raise SchemaTooNewError(f"{path} was written by a newer version of CodeIt (schema "
                                f"{version}; this one reads up to {SCHEMA_VERSION}): open "
                                f"it with that version, or upgrade this one")


def connect(path: str | Path, readonly: bool = False) -> sqlite3.Connection:
    """Open (and create if needed) a run database in WAL mode with the schema in place;
    an older schema is migrated, a newer one refused (SchemaTooNewError)."""
    path = Path(path)
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30,
                               check_same_thread=False)
        _refuse_newer(conn, path)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30, isolation_level=None,
                               check_same_thread=False)
        _refuse_newer(conn, path)  # before anything is written to it
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(SCHEMA)
        _migrate(conn)
        conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                     (str(SCHEMA_VERSION),))
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA cache_size=-65536")  # 64 MB page cache
    return conn


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a database of an older schema version up to date (in one transaction)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None or int(row[0]) >= SCHEMA_VERSION:
        return
    with transaction(conn):
        if int(row[0]) < 2:  # version 2: the candidates' scope may be headline_cumulative
            conn.execute("ALTER TABLE candidates RENAME TO candidates_v1")
            conn.execute(SCHEMA[SCHEMA.index("CREATE TABLE IF NOT EXISTS candidates"):
                                SCHEMA.index("CREATE TABLE IF NOT EXISTS search_candidates")])
            conn.execute("INSERT INTO candidates SELECT * FROM candidates_v1")
            conn.execute("DROP TABLE candidates_v1")
        if int(row[0]) < 3:  # version 3: a sample's error in words and its parent program
            have = columns(conn, "samples")  # (older rows: NULL)
            for name in ("error_message", "parent_program"):
                if name not in have:
                    conn.execute(f"ALTER TABLE samples ADD COLUMN {name} TEXT")
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                     (str(SCHEMA_VERSION),))


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """The columns a table of this database has (empty when it has no such table)."""
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


class transaction:
    """``with transaction(conn): ...`` — BEGIN IMMEDIATE … COMMIT, ROLLBACK on error."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")


def get_meta(conn: sqlite3.Connection, key: str, default: Any = None) -> Any:
    """A JSON value from the meta table (default when absent)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else default


def set_meta(conn: sqlite3.Connection, key: str, value: Any) -> None:
    """Store a JSON value in the meta table (call inside or outside a transaction)."""
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 (key, json.dumps(value)))


def dump_grids(grids: Any) -> str:
    """Compact JSON of a sequence of grids (None allowed)."""
    return json.dumps(grids, separators=(",", ":"))


def load_grids(text: str) -> tuple:
    """Grids back from dump_grids, as tuples (hashable, like every Grid)."""
    return tuple(None if g is None else tuple(tuple(r) for r in g) for g in json.loads(text))
