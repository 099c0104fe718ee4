"""Damaged files: a run whose database (bytes overwritten, truncated, header gone), config
or checkpoint is damaged gives one clear line naming the file — on the command line and on
every page, where the other runs stay usable; `check` names what is wrong and `recover`
copies every readable row into a new run that resumes."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from serving import ROOT
import reliability_stats as stats

AREA = "damaged files"
TINY = ["--dataset", "arc1-train", "--tasks", "4", "--iterations", "1", "--policy",
        "mutation", "--samples-per-task", "6", "--seed-mutants", "30", "--search-mutants",
        "30", "--workers", "1", "--learn-size", "60"]


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codeit_core", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def garble(path: Path) -> None:
    """Overwrite 8 KB of pages of rows, as a bad disk would: the first page of the
    iterations table (every resume reads it; where a bad block falls elsewhere, `check`
    finds it and the run notices when it reads it)."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        page = conn.execute("SELECT MIN(pageno) FROM dbstat WHERE name = 'iterations'"
                            ).fetchone()[0]
    finally:
        conn.close()
    with open(path, "r+b") as f:
        f.seek((page - 1) * page_size)
        f.write(bytes((i * 37 + 11) % 256 for i in range(8192)))


def truncate(path: Path) -> None:
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 3)


def overwrite_header(path: Path) -> None:
    with open(path, "r+b") as f:
        f.write(b"not a database at all, sorry!!!!")


def damage_config(path: Path) -> None:
    path.write_text('{"dataset": "arc1-train", ')


def damage_checkpoint(path: Path) -> None:
    path.write_bytes(b"\x00\x01 half a checkpoint")


# name -> (the file damaged, how)
DAMAGES = {"garbled database": ("run.sqlite", garble),
           "truncated database": ("run.sqlite", truncate),
           "database header overwritten": ("run.sqlite", overwrite_header),
           "config not JSON": ("config.json", damage_config),
           "checkpoint broken": ("checkpoints/iter_0001.pt", damage_checkpoint)}


@pytest.fixture(scope="module")
def healthy(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("healthy") / "ok"
    done = cli("run", "--run-dir", str(run), *TINY)
    assert done.returncode == 0, done.stdout + done.stderr
    return run


def damaged_copy(healthy: Path, where: Path, kind: str) -> Path:
    run = where / kind.replace(" ", "-")
    shutil.copytree(healthy, run)
    for extra in ("run.sqlite-wal", "run.sqlite-shm"):
        (run / extra).unlink(missing_ok=True)
    name, how = DAMAGES[kind]
    how(run / name)
    return run


@pytest.mark.parametrize("kind", list(DAMAGES))
def test_a_damaged_file_gives_one_line_naming_it(healthy, tmp_path, kind):
    run = damaged_copy(healthy, tmp_path, kind)
    damaged = str(run / DAMAGES[kind][0])
    plan = (run / "config.json").read_bytes()
    resumed = cli("run", "--run-dir", str(run), "--resume", "--iterations", "2")
    stats.add(AREA, "damaged files tried")
    text = resumed.stdout + resumed.stderr
    assert resumed.returncode != 0, text
    assert "Traceback" not in text and damaged in resumed.stderr, text
    # the new plan (2 meta-iterations, not 1) is not written into a run that cannot open
    assert (run / "config.json").read_bytes() == plan and "plan:" not in resumed.stdout
    errors = [line for line in resumed.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, resumed.stderr
    checked = cli("check", "--run-dir", str(run))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert any(line.startswith("DAMAGED") and damaged in line
               for line in checked.stdout.splitlines()), checked.stdout
    assert "Traceback" not in checked.stdout + checked.stderr
    stats.add(AREA, "damaged files: clear errors")


def test_check_passes_a_healthy_run(healthy):
    checked = cli("check", "--run-dir", str(healthy))
    assert checked.returncode == 0, checked.stdout
    assert "DAMAGED" not in checked.stdout


def rows(db: Path, table: str) -> set:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return set(conn.execute(f"SELECT * FROM {table}"))
    finally:
        conn.close()


def test_recover_copies_every_readable_row_into_a_run_that_resumes(healthy, tmp_path):
    run = damaged_copy(healthy, tmp_path, "garbled database")
    new = tmp_path / "recovered"
    done = cli("recover", "--run-dir", str(run), "--to", str(new))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "copied" in done.stdout and "Traceback" not in done.stderr
    before = rows(healthy / "run.sqlite", "experiences")
    after = rows(new / "run.sqlite", "experiences")
    # only rows of the healthy run, with their ids, and most of them
    assert after <= before and len(after) >= 0.8 * len(before), (len(after), len(before))
    assert rows(new / "run.sqlite", "samples") <= rows(healthy / "run.sqlite", "samples")
    resumed = cli("run", "--run-dir", str(new), "--resume", "--iterations", "2")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert cli("check", "--run-dir", str(new)).returncode == 0
    stats.add(AREA, "recovered rows", len(after))
    stats.add(AREA, "rows left behind (unreadable)", len(before) - len(after))
    refused = cli("recover", "--run-dir", str(run), "--to", str(new))  # never overwrites
    assert refused.returncode == 2 and "already holds a run" in refused.stderr


@pytest.mark.parametrize("page", ["views/run.py", "views/metrics.py",
                                  "views/replay_buffer.py"])
def test_every_page_names_the_damaged_run_and_the_others_stay_usable(
        healthy, tmp_path, monkeypatch, page):
    root = tmp_path / "runs"
    root.mkdir()
    shutil.copytree(healthy, root / "a-good-run")
    damaged_copy(healthy, root, "database header overwritten")
    # the damaged run is the newest: the pages open on it first
    now = os.path.getmtime(root / "a-good-run" / "run.sqlite") + 10
    os.utime(root / "database-header-overwritten" / "run.sqlite", (now, now))
    monkeypatch.setenv("CODEIT_RUNS_DIR", str(root))
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params["run"] = "database-header-overwritten"
        at.run()
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        shown = " ".join(e.value for e in at.error) + " ".join(w.value for w in at.warning)
        assert "damaged" in shown and "run.sqlite" in shown, shown
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)  # a new visit
        at.query_params["run"] = "a-good-run"
        at.run()
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        assert not any("damaged" in e.value for e in at.error), [e.value for e in at.error]
    finally:
        st.cache_resource.clear()
    stats.add(AREA, "pages shown a damaged run without a traceback")
