"""Old and new runs: a run directory written by the previous release (schema 1, kept as a
tiny fixture) opens, migrates and resumes; a database of a newer schema is refused with a
clear message and left untouched."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

from serving import ROOT
import reliability_stats as stats

AREA = "old runs"
FIXTURE = ROOT / "tests" / "fixtures" / "run_schema1.tar.gz"  # written by the first release


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codeit_core", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def old_run(where: Path) -> Path:
    with tarfile.open(FIXTURE) as tar:
        tar.extractall(where, filter="data")
    return where / "v1-run"


def meta(run: Path, key: str) -> str | None:
    conn = sqlite3.connect(f"file:{run / 'run.sqlite'}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def test_a_run_of_the_previous_release_migrates_and_resumes(tmp_path):
    run = old_run(tmp_path)
    assert meta(run, "schema_version") == "1"
    conn = sqlite3.connect(run / "run.sqlite")
    before = set(conn.execute("SELECT id, task_id, program, pool FROM experiences"))
    conn.close()
    resumed = cli("run", "--run-dir", str(run), "--resume", "--iterations", "2")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert meta(run, "schema_version") == "3"
    conn = sqlite3.connect(run / "run.sqlite")
    after = set(conn.execute("SELECT id, task_id, program, pool FROM experiences"))
    phases = dict(conn.execute("SELECT iteration, phase FROM iterations"))
    conn.close()
    assert before <= after and phases == {1: "scored", 2: "scored"}
    assert cli("check", "--run-dir", str(run)).returncode == 0
    stats.add(AREA, "previous-release runs resumed")


def test_a_run_of_the_previous_release_is_checked_and_recovered_as_it_is(tmp_path):
    # its samples table lacks the columns added since (a sample's error in words)
    run = old_run(tmp_path)
    conn = sqlite3.connect(run / "run.sqlite")
    n_samples = conn.execute("SELECT count(*) FROM samples").fetchone()[0]
    conn.close()
    checked = cli("check", "--run-dir", str(run))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"[samples]: {n_samples} rows readable" in checked.stdout
    assert meta(run, "schema_version") == "1"  # a check writes nothing
    copy = tmp_path / "copy"
    recovered = cli("recover", "--run-dir", str(run), "--to", str(copy))
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    conn = sqlite3.connect(copy / "run.sqlite")
    assert conn.execute("SELECT count(*), count(error_message) FROM samples").fetchone() == (
        n_samples, 0)
    conn.close()


def test_a_database_of_a_newer_schema_is_refused_and_left_as_it_is(tmp_path):
    run = old_run(tmp_path)
    conn = sqlite3.connect(run / "run.sqlite")
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    untouched = (run / "run.sqlite").read_bytes()
    resumed = cli("run", "--run-dir", str(run), "--resume", "--iterations", "2")
    assert resumed.returncode == 2, resumed.stdout + resumed.stderr
    assert "written by a newer version of CodeIt (schema 99; this one reads up to 3)" in \
        resumed.stderr and "Traceback" not in resumed.stderr
    assert (run / "run.sqlite").read_bytes() == untouched
    stats.add(AREA, "newer-schema runs refused")
