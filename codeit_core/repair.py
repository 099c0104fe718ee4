"""Damaged run directories: what is wrong, and a way out.

    findings = check(RunDir("runs/demo"))          # [Finding(file, ok, what), ...]
    counts = recover(RunDir("runs/demo"), RunDir("runs/demo-recovered"))

`check` reads everything a run holds — the config, the database (SQLite's own integrity
check, then every table row by row), the checkpoints (each a zip archive whose members'
checksums must hold) — and says in one line per file what is wrong. `recover` copies every
row that can still be read into a fresh run directory with the same config, with the same
ids (so lineage from experiences to samples survives), plus every intact checkpoint; the new
run resumes from where its rows say it stands. Rows that cannot be read are counted, not
guessed. The damaged run is only read, never changed.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from codeit_core.db import SCHEMA, columns
from codeit_core.runs import CHECKPOINTS, ConfigError, RunConfig, RunDir

# the tables of a run, in the order rows are copied (their columns come from our schema,
# never from the damaged file)
TABLES = ("meta", "iterations", "experiences", "samples", "candidates", "search_candidates")
CHUNK = 512
# a table whose own index (largest rowid) is unreadable is scanned this far, in chunks
BLIND_SCAN_ROWS = 4_000_000
# meta keys that describe a process, not the run: a recovered run starts with none
PROCESS_KEYS = ("status", "pid", "stop_requested", "schema_version")


@dataclass(frozen=True)
class Finding:
    """What `check` found about one file (or one part of the database)."""

    path: str
    ok: bool
    what: str

    def __str__(self) -> str:
        return f"{'ok' if self.ok else 'DAMAGED'}  {self.path}: {self.what}"


def _columns() -> dict[str, list[str]]:
    """Each table's columns, as our schema declares them."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(SCHEMA)
        return {t: [row[1] for row in conn.execute(f"PRAGMA table_info({t})")]
                for t in TABLES}
    finally:
        conn.close()


def _exists(conn: sqlite3.Connection, table: str) -> bool:
    """Whether the database has the table (a damaged catalogue: assume it has)."""
    try:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                            (table,)).fetchone() is not None
    except sqlite3.DatabaseError:
        return True


def _present(conn: sqlite3.Connection, table: str, cols: list[str]) -> list[str]:
    """The columns of ours a table has: a run of an older schema lacks the newer ones
    (which then stay empty); a table whose structure cannot be read is tried with all."""
    try:
        have = {_text(name) for name in columns(conn, table)}  # bytes: see _open_readonly
    except sqlite3.DatabaseError:
        return cols
    return [c for c in cols if c in have] if have else cols


def _open_readonly(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    conn.text_factory = bytes  # a garbled text column must not stop the read of a row
    return conn


def _max_rowid(conn: sqlite3.Connection, table: str) -> int | None:
    try:
        row = conn.execute(f"SELECT MAX(rowid) FROM {table}").fetchone()
        return int(row[0] or 0)
    except sqlite3.DatabaseError:
        return None


def _read_range(conn: sqlite3.Connection, table: str, cols: list[str], lo: int, hi: int,
                lost: list[int]) -> Iterator[tuple]:
    """Rows with lo <= rowid <= hi; a range that cannot be read is split down to single
    rows, and rowids whose row cannot be read are appended to `lost` (only those that
    exist: a failed single-row read of a gap in the ids is a loss we cannot tell apart,
    so it is counted too)."""
    try:
        rows = conn.execute(f"SELECT rowid, {', '.join(cols)} FROM {table} "
                            f"WHERE rowid BETWEEN ? AND ? ORDER BY rowid", (lo, hi)).fetchall()
    except sqlite3.DatabaseError:
        if lo == hi:
            lost.append(lo)
            return
        mid = (lo + hi) // 2
        yield from _read_range(conn, table, cols, lo, mid, lost)
        yield from _read_range(conn, table, cols, mid + 1, hi, lost)
        return
    yield from rows


def read_table(conn: sqlite3.Connection, table: str, cols: list[str]
               ) -> tuple[list[tuple], int | None]:
    """Every readable row of `table` (rowid first), and how many rows could not be read
    (None: the table's own structure is damaged, so its rows cannot be counted)."""
    top = _max_rowid(conn, table)
    lost: list[int] = []
    rows: list[tuple] = []
    if top is not None:
        for lo in range(1, top + 1, CHUNK):
            rows.extend(_read_range(conn, table, cols, lo, min(top, lo + CHUNK - 1), lost))
        return rows, len(lost)
    # no usable largest rowid: scan ranges blind, stopping well past the last row found
    empty = 0
    for lo in range(1, BLIND_SCAN_ROWS + 1, CHUNK):
        found = len(rows)
        rows.extend(_read_range(conn, table, cols, lo, lo + CHUNK - 1, []))
        empty = 0 if len(rows) > found else empty + 1
        if empty >= (64 if rows else 8):
            break
    return rows, None


# columns holding JSON: a row whose JSON no longer parses is unreadable, not copied
JSON_COLUMNS = frozenset({"value", "inputs", "outputs", "demo_outputs", "test_outputs",
                          "metrics"})


class _Garbled(ValueError):
    """A row that reads, but whose text is no longer what was written."""


def _clean(names: list[str], row: tuple) -> list[Any]:
    """The row's values with text decoded; raises _Garbled when a text is not UTF-8 or a
    JSON column does not parse."""
    out = []
    for name, value in zip(names, row):
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                raise _Garbled(name) from None
            if name in JSON_COLUMNS:
                try:
                    json.loads(value)
                except ValueError:
                    raise _Garbled(name) from None
        out.append(value)
    return out


def _text(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def check_checkpoint(path: Path) -> str | None:
    """What is wrong with a checkpoint file, or None: a policy's JSON state (mutation,
    DSPy) that parses, or a torch archive (neural) whose members' checksums all hold."""
    try:
        with open(path, "rb") as f:
            first = f.read(1)
    except OSError as e:
        return f"cannot be read ({e})"
    if first == b"{":
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            return f"not valid JSON ({e})"
        return None if isinstance(data, dict) and "policy" in data else \
            "JSON, but not a policy's state"
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
            if bad is not None:
                return f"member {bad} fails its checksum"
            if not any(name.endswith("data.pkl") for name in z.namelist()):
                return "not a torch checkpoint (no data.pkl inside)"
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        return f"not a readable checkpoint archive ({e})"
    return None


def check(run: RunDir) -> list[Finding]:
    """One finding per file of the run (the database's per table)."""
    out: list[Finding] = []
    try:
        run.config()
        out.append(Finding(str(run.config_path), True, "readable, valid"))
    except ConfigError as e:
        what = str(e)
        prefix = f"{run.config_path}: "
        out.append(Finding(str(run.config_path), False,
                           what[len(prefix):] if what.startswith(prefix) else what))
    db = run.db_path
    if not db.is_file():
        out.append(Finding(str(db), False, "missing"))
    else:
        try:
            conn = _open_readonly(db)
            try:
                verdict = [_text(r[0]) for r in conn.execute("PRAGMA integrity_check(8)")]
            except sqlite3.DatabaseError as e:
                verdict = [str(e)]
            if verdict == ["ok"]:
                out.append(Finding(str(db), True, "SQLite integrity check passed"))
            else:
                out.append(Finding(str(db), False, "SQLite integrity check: "
                                   + "; ".join(verdict)[:300]))
            cols = _columns()
            for table in TABLES:
                if not _exists(conn, table):
                    out.append(Finding(f"{db} [{table}]", True, "absent (a run written "
                                       "before this table existed)"))
                    continue
                names = _present(conn, table, cols[table])
                rows, lost = read_table(conn, table, names)
                garbled = 0
                for row in rows:
                    try:
                        _clean(names, row[1:])
                    except _Garbled:
                        garbled += 1
                readable = f"{len(rows) - garbled} rows readable"
                if lost is None:
                    out.append(Finding(f"{db} [{table}]", False, readable + "; the table "
                                       "itself is damaged, so what is lost cannot be counted"))
                else:
                    lost += garbled
                    out.append(Finding(f"{db} [{table}]", lost == 0, readable +
                                       (f", {lost} unreadable" if lost else "")))
            conn.close()
        except sqlite3.DatabaseError as e:
            out.append(Finding(str(db), False, f"cannot be opened ({e})"))
    folder = run.path / CHECKPOINTS
    for path in sorted(folder.glob("*.pt")) if folder.is_dir() else ():
        problem = check_checkpoint(path)
        out.append(Finding(str(path), problem is None, problem or "intact"))
    return out


def recover(run: RunDir, to: RunDir) -> dict[str, Any]:
    """Copy every readable row and intact checkpoint of `run` into the new run `to` (same
    config); return per table {"copied": n, "unreadable": m} and the checkpoints kept."""
    config: RunConfig = run.config()  # a damaged config is for the user to fix: say so
    if not run.db_path.is_file():
        raise ConfigError(f"{run.path} has no database ({run.db_path.name}) to recover from")
    to.create(config)
    cols = _columns()
    counts: dict[str, Any] = {}
    try:
        src = _open_readonly(run.db_path)
    except sqlite3.DatabaseError as e:
        raise ConfigError(f"{run.db_path} cannot be opened at all ({e}); nothing to "
                          f"recover from it") from None
    dst = to.connect()
    try:
        dst.execute("BEGIN IMMEDIATE")
        for table in TABLES:
            if not _exists(src, table):
                counts[table] = {"copied": 0, "unreadable": 0}
                continue
            names = _present(src, table, cols[table])
            rows, lost = read_table(src, table, names)
            damaged = lost is None
            lost = lost or 0
            kept = 0
            for row in rows:
                try:
                    values = _clean(names, row[1:])
                    if table == "meta" and values[0] in PROCESS_KEYS:
                        continue
                    dst.execute(f"INSERT OR IGNORE INTO {table} ({', '.join(names)}) VALUES "
                                f"({', '.join('?' * len(names))})", values)
                    kept += 1
                except (_Garbled, sqlite3.Error):
                    lost += 1  # readable but not a valid row any more (a garbled value)
            counts[table] = {"copied": kept, "unreadable": "uncounted" if damaged else lost}
        dst.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('status', ?)",
                    ('"stopped"',))
        dst.execute("COMMIT")
    finally:
        src.close()
        dst.close()
    kept_ckpt, bad_ckpt = [], []
    folder = run.path / CHECKPOINTS
    for path in sorted(folder.glob("*.pt")) if folder.is_dir() else ():
        if check_checkpoint(path) is None:
            (to.path / CHECKPOINTS).mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, to.path / CHECKPOINTS / path.name)
            kept_ckpt.append(path.name)
        else:
            bad_ckpt.append(path.name)
    counts["checkpoints"] = {"copied": len(kept_ckpt), "unreadable": len(bad_ckpt)}
    return counts
