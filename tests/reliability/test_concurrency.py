"""Concurrency: a real CLI run writes its database while (a) reader loops page through the
replay buffer with the app's read-only connection and with a zero-timeout raw SQLite
connection, and (b) two browser sessions look at the same run (the Run page and the Replay
buffer page). No "database is locked" may reach a reader, the user or the server log."""

from __future__ import annotations

import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codeit_core.buffer import Filters, ReplayBuffer
from codeit_core.db import connect
from serving import ROOT, settle
import reliability_stats as stats

AREA = "concurrency"
BUSY_RUN = ["--dataset", "arc1-train", "--tasks", "12", "--iterations", "500", "--policy",
            "mutation", "--samples-per-task", "24", "--seed", "4", "--learn-size", "150",
            "--seed-mutants", "80", "--search-mutants", "80", "--workers", "1",
            "--timeout", "1.0"]
LOCKED = re.compile(r"database is locked|OperationalError|database table is locked",
                    re.IGNORECASE)


def start_run(run_dir: Path) -> subprocess.Popen:
    log = open(run_dir.parent / f"{run_dir.name}.out", "w")
    return subprocess.Popen([sys.executable, "-m", "codeit_core", "run", "--run-dir",
                             str(run_dir), *BUSY_RUN], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)


def wait_seeded(run_dir: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    db = run_dir / "run.sqlite"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the run ended early"
        if db.exists():
            try:
                conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
                try:
                    if conn.execute("SELECT COUNT(*) FROM iterations WHERE phase = 'scored'"
                                    ).fetchone()[0] >= 1:
                        return
                finally:
                    conn.close()
            except sqlite3.Error:
                pass
        time.sleep(0.1)
    raise TimeoutError("the run did not finish an iteration in time")


def stop_run(proc: subprocess.Popen) -> None:
    """SIGTERM (the run stops between steps), then SIGKILL if it takes too long."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def iterations_done(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT COUNT(*) FROM iterations WHERE phase = 'scored'"
                            ).fetchone()[0]
    finally:
        conn.close()


@pytest.mark.slow
def test_readers_never_see_database_locked_while_a_run_writes(tmp_path):
    run_dir = tmp_path / "busy"
    proc = start_run(run_dir)
    db = run_dir / "run.sqlite"
    reads = errors = 0
    seen: list[str] = []
    try:
        wait_seeded(run_dir, proc)
        first = iterations_done(db)
        app_conn = connect(db, readonly=True)           # what the pages use
        raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0)  # no waiting at all
        buffer = ReplayBuffer(app_conn)
        rng = random.Random(1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                total = buffer.count()
                pool = rng.choice([None, "seed", "policy"])
                f = Filters(pool=pool)
                n = buffer.count(f)
                rows = buffer.page(f, offset=rng.randrange(max(1, n)), limit=50)
                # the run keeps writing between these reads: the buffer only grows
                after = buffer.count()
                assert len(rows) <= 50 and total <= after and n <= after
                raw.execute("SELECT iteration, phase, metrics FROM iterations").fetchall()
                raw.execute("SELECT COUNT(*), MAX(id) FROM samples").fetchone()
                raw.execute("SELECT task_id, program, priority FROM experiences ORDER BY "
                            "priority DESC, id DESC LIMIT 50 OFFSET ?",
                            (rng.randrange(1000),)).fetchall()
                reads += 6
            except sqlite3.OperationalError as e:
                errors += 1
                seen.append(str(e))
        app_conn.close()
        raw.close()
        written = iterations_done(db) - first
    finally:
        stop_run(proc)
    stats.add(AREA, "reader loop: queries during a run", reads)
    stats.add(AREA, "reader loop: OperationalError", errors)
    stats.add(AREA, "reader loop: iterations written meanwhile", written)
    assert errors == 0, seen[:5]
    assert reads > 500 and written >= 1


def page_text(page) -> str:
    return page.inner_text("body")


def open_app_page(page, url: str, path: str) -> None:
    page.goto(url)
    page.get_by_text("CodeIt Dashboard").first.wait_for(timeout=30_000)
    page.goto(f"{url}/{path}")
    page.locator('[data-testid="stMain"]').wait_for(timeout=30_000)
    settle(page)


@pytest.mark.browser
@pytest.mark.slow
def test_two_sessions_on_a_running_run_see_no_lock_errors(rel_server, rel_runs_dir,
                                                          new_page):
    url, log = rel_server
    run_dir = rel_runs_dir / "concurrent"
    proc = start_run(run_dir)
    views = 0
    texts: list[str] = []
    try:
        wait_seeded(run_dir, proc)
        first = iterations_done(run_dir / "run.sqlite")
        runner, browser = new_page(), new_page()
        open_app_page(runner, url, f"run?run={run_dir.name}")
        open_app_page(browser, url, f"replay-buffer?run={run_dir.name}")
        browser.get_by_role("heading", name="Replay buffer").first.wait_for(timeout=30_000)
        deadline = time.monotonic() + 25
        rng = random.Random(2)
        while time.monotonic() < deadline and proc.poll() is None:
            # the buffer browser pages through the experiences; the other session reloads
            # the run's page, both while the run commits step after step
            nxt = browser.get_by_role("button", name=re.compile("Next"))
            if nxt.count() and nxt.first.is_enabled() and rng.random() < 0.7:
                nxt.first.click()
            else:
                browser.reload()
            settle(browser)
            texts.append(page_text(browser))
            runner.reload()
            settle(runner)
            texts.append(page_text(runner))
            views += 2
        written = iterations_done(run_dir / "run.sqlite") - first
    finally:
        stop_run(proc)
    server_log = log.read_text()
    shown = [t for t in texts if LOCKED.search(t)]
    stats.add(AREA, "browser: page views during a run", views)
    stats.add(AREA, "browser: iterations written meanwhile", written)
    stats.add(AREA, "browser: lock errors shown", len(shown))
    assert views >= 6 and written >= 1
    assert not shown, shown[0][:2000]
    assert not LOCKED.search(server_log), server_log[-3000:]
    assert "Traceback" not in server_log, server_log[-3000:]
    assert all("Traceback" not in t for t in texts)


def test_a_second_writer_is_refused_with_the_holder_named(tmp_path):
    """While a CLI run writes a run directory, a second `run --resume` on it (a second
    terminal), a dashboard step and a background start are all refused at once, naming the
    holder; reading stays possible; once the holder is killed, its lock is free at once and
    the run resumes."""
    from codeit_core.background import BackgroundError, start_background
    from codeit_core.runlock import RunBusyError, WriterLock, writer
    from codeit_core.runs import RunDir

    run_dir = tmp_path / "busy"
    proc = start_run(run_dir)
    tried = refused = 0
    try:
        wait_seeded(run_dir, proc)
        holder = writer(run_dir)
        assert holder and holder["pid"] == proc.pid and "codeit_core run" in holder["command"]
        for _ in range(2):  # a second terminal, twice
            started = time.monotonic()
            second = subprocess.run([sys.executable, "-m", "codeit_core", "run", "--run-dir",
                                     str(run_dir), "--resume"], cwd=ROOT, capture_output=True,
                                    text=True, timeout=120)
            tried += 1
            assert second.returncode == 2, second.stdout + second.stderr
            assert f"is being written by process {proc.pid}" in second.stderr
            assert "Traceback" not in second.stderr and time.monotonic() - started < 30
            refused += 1
        tried += 1
        with pytest.raises(RunBusyError, match=f"process {proc.pid}"):
            WriterLock(run_dir, "a step from the dashboard").acquire()
        refused += 1
        tried += 1
        with pytest.raises(BackgroundError, match=str(proc.pid)):
            start_background(RunDir(run_dir))
        refused += 1
        conn = connect(run_dir / "run.sqlite", readonly=True)  # reading goes on
        assert conn.execute("SELECT COUNT(*) FROM experiences").fetchone()[0] > 0
        conn.close()
    finally:
        proc.kill()
        proc.wait(30)
    assert writer(run_dir) is None  # the kernel dropped the dead holder's lock
    with WriterLock(run_dir, "after the holder died") as lock:
        assert lock.held and writer(run_dir) is not None
    assert writer(run_dir) is None
    stats.add(AREA, "concurrent writers tried", tried)
    stats.add(AREA, "concurrent writers refused", refused)
