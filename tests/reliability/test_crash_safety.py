"""Crash safety: `python -m codeit_core run` killed with SIGKILL at seeded random moments
in every phase (seeding, learn, sample/execute, store, score), resumed each time; the end
result equals an uninterrupted run of the same config and seed — no experience lost, none
duplicated, the same samples and candidates, metrics for iterations 1..K in order."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from serving import ROOT
import reliability_stats as stats
from codeit_core import steps

AREA = "crash safety"
CONFIG = ["--dataset", "arc1-train", "--tasks", "10", "--iterations", "40", "--policy",
          "mutation", "--samples-per-task", "16", "--seed", "9", "--learn-size", "120",
          "--seed-mutants", "80", "--search-mutants", "80", "--workers", "1", "--timeout",
          "1.0"]
ITERATIONS = 40
MIN_KILLS = 24
PHASES = list(steps.PHASES)
ORDER = {p: i for i, p in enumerate(PHASES)}


def cli(run_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "codeit_core", "run", "--run-dir", str(run_dir), *args]


def db_state(db: Path, conn: sqlite3.Connection | None = None
             ) -> tuple[bool, int, str] | None:
    """(seeded, iteration, phase) as a reader outside the run sees it; None if unreadable.
    `conn`: an open read-only connection to poll with (faster than opening one)."""
    if conn is None and not db.exists():
        return None
    try:
        own = conn is None
        if own:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            seeded = conn.execute("SELECT 1 FROM meta WHERE key = 'seeded'").fetchone()
            row = conn.execute("SELECT iteration, phase FROM iterations ORDER BY iteration "
                               "DESC LIMIT 1").fetchone()
        finally:
            if own:
                conn.close()
    except sqlite3.Error:
        return None
    return bool(seeded), (row[0] if row else 0), (row[1] if row else "")


def label(state) -> str:
    """Which phase a state shows: 'seeding' until the seed pool is committed."""
    if state is None or not state[0]:
        return "seeding"
    return state[2] or "seeded"


def rank(state) -> tuple[int, int]:
    if state is None or not state[0]:
        return (-1, -1)
    return (state[1], ORDER.get(state[2], -1))


def contents(db: Path) -> dict:
    conn = sqlite3.connect(db)
    try:
        q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        return {
            "experiences": sorted(q(
                "SELECT e.task_id, e.program, e.pool, e.iteration, e.demo_accuracy, "
                "e.pixel_accuracy, e.length, e.n_pairs, e.inputs, e.outputs, e.priority, "
                "e.parent_program, s.iteration, s.task_id, s.program "
                "FROM experiences e LEFT JOIN samples s ON s.id = e.sample_id")),
            "samples": sorted(q(
                "SELECT iteration, task_id, program, length, valid, error, demo_accuracy, "
                "pixel_accuracy, test_correct, demo_outputs, test_outputs FROM samples")),
            "candidates": sorted(q("SELECT * FROM candidates")),
            "iterations": q("SELECT iteration, phase, metrics, started, finished FROM "
                            "iterations ORDER BY iteration"),
            "duplicates": q("SELECT (SELECT COUNT(*) FROM experiences) - (SELECT COUNT(*) "
                            "FROM (SELECT DISTINCT task_id, program FROM experiences))")[0][0]
                          + q("SELECT (SELECT COUNT(*) FROM samples) - (SELECT COUNT(*) FROM "
                              "(SELECT DISTINCT iteration, task_id, program FROM samples))")[0][0],
            "integrity": q("PRAGMA integrity_check")[0][0],
        }
    finally:
        conn.close()


def stopped(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("T", "t")
    except OSError:
        return True


def freeze_until(proc: subprocess.Popen, db: Path, poll, goal) -> bool:
    """Step the run in short slices (SIGCONT … SIGSTOP) until the database shows `goal`
    or later; return with the run frozen (True), or False when it exited."""
    while proc.poll() is None:
        proc.send_signal(signal.SIGSTOP)
        deadline = time.monotonic() + 1
        while not stopped(proc.pid) and time.monotonic() < deadline:
            pass
        s = db_state(db, poll)
        if s is not None and s[0] and rank(s) >= goal:
            return True
        proc.send_signal(signal.SIGCONT)
        time.sleep(0.0002)
    return False


def metrics_without_timings(metrics_json: str) -> dict:
    return {k: v for k, v in json.loads(metrics_json).items() if not k.endswith("_seconds")}


@pytest.mark.slow
def test_kill_9_in_every_phase_then_resume_equals_an_uninterrupted_run(tmp_path):
    started = time.perf_counter()
    clean = tmp_path / "clean"
    done = subprocess.run(cli(clean, *CONFIG), cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    clean_seconds = time.perf_counter() - started
    reference = contents(clean / "run.sqlite")
    assert [(i, p) for i, p, *_ in reference["iterations"]] == \
        [(i, "scored") for i in range(1, ITERATIONS + 1)]

    run_dir = tmp_path / "killed"
    db = run_dir / "run.sqlite"
    rng = random.Random(20240611)
    targets = ["seeding", "seeding", *PHASES * 10]
    kills: list[dict] = []
    starts = 0
    finished = False
    while not finished and starts < 100:
        fresh = not (run_dir / "config.json").exists()
        before = db_state(db)
        target = targets[len(kills)] if len(kills) < len(targets) else rng.choice(PHASES)
        if target == "seeding" and before is not None and before[0]:
            target = rng.choice(PHASES)
        proc = subprocess.Popen(cli(run_dir, *(CONFIG if fresh else ["--resume"])), cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        starts += 1
        t0 = time.monotonic()
        roll = rng.random()
        mode = "random delay" if roll < 0.25 else "start-up" if roll < 0.4 else "phase"
        # short steps (execute on these few tasks, store, score, the next learn) follow
        # these phases: kill at once
        delay = 0.0 if target in ("sampled", "executed", "stored", "scored") \
            else rng.uniform(0, 0.05)
        shown = None
        try:
            if target == "seeding":
                # seeding: a seeded random moment after start-up (imports ~0.5-1 s)
                wait = rng.uniform(0.4, 1.6)
                while proc.poll() is None and time.monotonic() - t0 < wait:
                    time.sleep(0.01)
                mode = "random delay"
            elif mode == "start-up":
                # while the resumed run is still starting (imports, reopening the run)
                wait = rng.uniform(0.05, 0.9)
                while proc.poll() is None and time.monotonic() - t0 < wait:
                    time.sleep(0.01)
            elif mode == "random delay":
                wait = rng.uniform(0.4, 1.2)
                while proc.poll() is None and time.monotonic() - t0 < wait:
                    time.sleep(0.01)
            else:
                # wait until the run has moved past where it started and shows `target`,
                # then a seeded random delay: the kill lands inside the following step
                if before is None or not before[0] or not before[2]:
                    goal = (1, ORDER[target])
                elif ORDER[target] > ORDER.get(before[2], -1):
                    goal = (before[1], ORDER[target])
                else:
                    goal = (before[1] + 1, ORDER[target])
                poll = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
                try:
                    while proc.poll() is None and time.monotonic() - t0 < 120:
                        s = db_state(db, poll)
                        if s is not None and s[0] and rank(s) >= goal:
                            if delay:
                                time.sleep(delay)
                            break
                        if target == "scored" and s is not None and s[0] and \
                                rank(s) >= (goal[0], ORDER["stored"]):
                            # 'scored' shows for ~1 ms before the next Learn commits:
                            # freeze the run, look, and kill it frozen or let it go on
                            if freeze_until(proc, db, poll, goal):
                                break
                        time.sleep(0.0005)
                    shown = db_state(db, poll)
                    if proc.poll() is None:
                        proc.send_signal(signal.SIGKILL)
                finally:
                    poll.close()
            shown = shown or db_state(db)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(30)
                kills.append({"target": target, "mode": mode, "shown": label(shown),
                              "at": shown[1:] if shown else None})
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(30)
        if proc.returncode == 0:
            finished = True
        else:
            assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
        proc.stderr.close()
        after = contents(db)
        assert after["integrity"] == "ok" and after["duplicates"] == 0
        # what was committed never goes backwards
        assert rank(db_state(db)) >= rank(before)
        if len(kills) >= MIN_KILLS and {k["shown"] for k in kills} >= {"seeding", *PHASES}:
            targets = []  # enough: let the run finish
            final = subprocess.run(cli(run_dir, "--resume"), cwd=ROOT, capture_output=True,
                                   text=True, timeout=300)
            assert final.returncode == 0, final.stderr
            finished = True

    result = contents(db)
    by_phase = Counter(k["shown"] for k in kills)
    stats.add(AREA, "faults", len(kills))
    stats.add(AREA, "kill -9 of the run (faults)", len(kills))
    stats.add(AREA, "run starts (fresh + resumes)", starts)
    for phase, n in sorted(by_phase.items()):
        stats.add(AREA, f"kills with the database showing {phase!r}", n)
    for mode in ("random delay", "start-up", "phase"):
        stats.add(AREA, f"kills by mode: {mode}", sum(k["mode"] == mode for k in kills))
    lost = len(set(reference["experiences"]) - set(result["experiences"]))
    extra = len(set(result["experiences"]) - set(reference["experiences"]))
    stats.add(AREA, "lost", lost)
    stats.add(AREA, "duplicates", result["duplicates"])
    stats.add(AREA, "experiences compared", len(reference["experiences"]))
    stats.add(AREA, "samples compared", len(reference["samples"]))
    stats.add(AREA, "experiences that differ from the clean run", extra)
    stats.note(AREA, "clean run / whole test", f"{clean_seconds:.1f} s / "
                                               f"{time.perf_counter() - started:.1f} s")

    assert len(kills) >= MIN_KILLS, kills
    assert {"seeding", *PHASES} <= set(by_phase), by_phase
    assert lost == 0 and extra == 0 and result["duplicates"] == 0
    assert result["experiences"] == reference["experiences"]
    assert result["samples"] == reference["samples"]
    assert result["candidates"] == reference["candidates"]
    # metrics continuous: iterations 1..K, all scored, in order, same numbers
    its = result["iterations"]
    assert [(i, p) for i, p, *_ in its] == [(i, "scored") for i in range(1, ITERATIONS + 1)]
    assert [metrics_without_timings(m) for _, _, m, *_ in its] == \
        [metrics_without_timings(m) for _, _, m, *_ in reference["iterations"]]
    finished_at = [f for *_, f in its]
    assert all(f is not None for f in finished_at) and finished_at == sorted(finished_at)
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == \
        sorted(p.name for p in (clean / "checkpoints").iterdir())
    conn = sqlite3.connect(db)
    assert json.loads(conn.execute("SELECT value FROM meta WHERE key = 'status'")
                      .fetchone()[0]) == "finished"
    conn.close()
