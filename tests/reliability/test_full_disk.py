"""A full disk during Store or during a checkpoint write: the run stops with one clear line,
keeps nothing of the unfinished step, and once space is free resumes to exactly the rows of
an uninterrupted run — nothing lost, nothing duplicated."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from serving import ROOT
import reliability_stats as stats

AREA = "full disk"
HERE = Path(__file__).resolve().parent
TINY = ["--dataset", "arc1-train", "--tasks", "4", "--iterations", "3", "--policy",
        "mutation", "--samples-per-task", "6", "--seed-mutants", "30", "--search-mutants",
        "30", "--workers", "1", "--learn-size", "60", "--seed", "3"]
TABLES = ("experiences", "samples", "candidates", "search_candidates")


def run(*args: str, injector: str | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable] + ([str(HERE / "full_disk.py"), injector] if injector else
                              ["-m", "codeit_core"]) + list(args)
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def rows(run_dir: Path) -> dict[str, list]:
    conn = sqlite3.connect(f"file:{run_dir / 'run.sqlite'}?mode=ro", uri=True)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in TABLES}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict[str, list]:
    run_dir = tmp_path_factory.mktemp("reference") / "run"
    done = run("run", "--run-dir", str(run_dir), *TINY)
    assert done.returncode == 0, done.stdout + done.stderr
    return rows(run_dir)


@pytest.mark.parametrize("where", ["store", "checkpoint"])
def test_a_full_disk_stops_the_run_and_it_resumes_with_nothing_lost(tmp_path, uninterrupted,
                                                                    where):
    run_dir = tmp_path / "run"
    failed = run("run", "--run-dir", str(run_dir), *TINY, injector=where)
    stats.add(AREA, "ENOSPC faults injected")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    errors = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "is full" in errors[0] and "--resume" in errors[0], \
        failed.stderr
    assert "Traceback" not in failed.stderr
    # nothing half-written is left: no temporary checkpoint, iteration 2 unfinished
    assert not list((run_dir / "checkpoints").glob("*.tmp"))
    conn = sqlite3.connect(f"file:{run_dir / 'run.sqlite'}?mode=ro", uri=True)
    phases = dict(conn.execute("SELECT iteration, phase FROM iterations"))
    conn.close()
    assert phases[1] == "scored" and phases[2] == {"store": "executed",
                                                   "checkpoint": "started"}[where]
    resumed = run("run", "--run-dir", str(run_dir), "--resume")  # space freed
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    after = rows(run_dir)
    lost = sum(len(set(uninterrupted[t]) - set(after[t])) for t in TABLES)
    extra = sum(len(after[t]) - len(uninterrupted[t]) for t in TABLES)
    assert after == uninterrupted, (lost, extra)
    stats.add(AREA, "ENOSPC faults: rows lost", lost)
    stats.add(AREA, "ENOSPC faults: rows duplicated", max(0, extra))
