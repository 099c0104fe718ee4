"""Background runs: a real detached `python -m codeit_core run` on tiny settings — its
status goes running → finished, a stop request ends it between steps, a second start on a
live run is refused, and a vanished process reads as interrupted (resumable)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from codeit_core.background import (BackgroundError, in_sync, is_alive, iteration_rows,
                                    request_stop, run_state, start_background,
                                    wait_until_done)
from codeit_core.db import set_meta
from codeit_core.loop import CodeItLoop
from codeit_core.runs import RunConfig, RunDir

TINY = dict(dataset="arc1-train", tasks="3", policy="mutation", samples_per_task=4,
            learn_size=50, seed_mutants=20, search_mutants=20, workers=2,
            iterations=2)


def make_run(tmp_path, name: str = "bg", **changes) -> RunDir:
    run = RunDir(tmp_path / name)
    run.create(RunConfig(**{**TINY, **changes}))
    return run


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_new_run_is_new(tmp_path):
    state = run_state(make_run(tmp_path))
    assert state["status"] == "new" and not state["alive"]
    assert state["completed"] == 0 and state["planned"] == 2


def wait_gone(pid: int, timeout: float = 30) -> bool:
    """True once the process has exited (its status is written just before it exits)."""
    deadline = time.monotonic() + timeout
    while is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not is_alive(pid)


def test_background_run_goes_running_then_finished(tmp_path):
    run = make_run(tmp_path)
    pid = start_background(run, 2)
    assert pid > 0
    seen = {run_state(run)["status"]}
    assert is_alive(pid) or "finished" in seen  # tiny settings: it may already be done
    state = wait_until_done(run, timeout=120, poll=0.05)
    seen.add(state["status"])
    assert "running" in seen or state["completed"] == 2
    assert state["status"] == "finished", run.log_path.read_text()
    assert state["completed"] == 2 and state["planned"] == 2
    assert wait_gone(pid)
    rows = iteration_rows(run)
    assert [r["iteration"] for r in rows] == [1, 2]
    assert {"policy_only_solved", "cumulative_solved", "demo_consistent", "oracle",
            "buffer_policy"} <= set(rows[0])
    log = run.log_path.read_text()
    assert "background:" in log and "seed pool:" in log
    # more iterations later: --iterations raises the planned total
    start_background(run, 3)
    state = wait_until_done(run, timeout=120)
    assert state["status"] == "finished" and state["completed"] == state["planned"] == 3


def test_a_start_for_fewer_iterations_than_planned_leaves_the_plan_alone(tmp_path):
    run = make_run(tmp_path, iterations=3)
    plan = run.config_path.read_text()
    start_background(run, more=1)
    state = wait_until_done(run, timeout=120)
    assert state["completed"] == 1 and state["planned"] == 3, run.log_path.read_text()
    assert state["status"] == "stopped"  # paused, to be continued: not finished
    assert run.config_path.read_text() == plan
    log = run.log_path.read_text()
    assert "--stop-after 1" in log and "plan:" not in log
    # asking for more than planned grows the plan, and the log says so
    start_background(run, 4)
    state = wait_until_done(run, timeout=120)
    assert state["status"] == "finished" and state["completed"] == state["planned"] == 4
    assert "plan: 3 → 4 meta-iterations (config.json updated)" in run.log_path.read_text()
    with pytest.raises(BackgroundError, match="more must be at least 1"):
        start_background(run, more=0)


def test_stop_request_ends_the_run_between_steps_and_a_second_start_is_refused(tmp_path):
    run = make_run(tmp_path, iterations=400)
    pid = start_background(run)
    assert run_state(run)["status"] == "running"
    with pytest.raises(BackgroundError, match="already has a live background process"):
        start_background(run, 500)
    deadline = time.monotonic() + 60
    while run_state(run)["completed"] < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert request_stop(run) is True
    state = wait_until_done(run, timeout=60)
    assert wait_gone(pid)
    assert state["status"] == "stopped", run.log_path.read_text()
    assert 1 <= state["completed"] < 400
    assert not state["stop_requested"]  # cleared when the process ended
    assert "stopped at iteration" in run.log_path.read_text()
    # it stopped between steps: the database is consistent and the run resumes from it
    with CodeItLoop.open(run) as loop:
        assert in_sync(loop)
        before = loop.completed_iterations()
        loop.run_iteration()
        assert loop.completed_iterations() == before + 1


def test_a_vanished_process_reads_as_interrupted_and_can_be_resumed(tmp_path):
    run = make_run(tmp_path, iterations=1)
    conn = run.connect()
    set_meta(conn, "status", "running")
    set_meta(conn, "pid", dead_pid())
    conn.close()
    state = run_state(run)
    assert state["status"] == "interrupted" and not state["alive"]
    assert "resume possible" in state["message"]
    start_background(run)
    assert wait_until_done(run, timeout=120)["status"] == "finished"


def test_a_process_that_cannot_start_is_reported(tmp_path):
    run = make_run(tmp_path)
    (run.path / "config.json").write_text('{"dataset": "no-such-dataset"}')
    with pytest.raises(BackgroundError, match="exited at once"):
        start_background(run)
    assert run_state(run)["status"] == "new"  # the status is put back


def test_refuses_what_is_not_a_run(tmp_path):
    with pytest.raises(BackgroundError, match="not a run directory"):
        start_background(tmp_path / "nothing")
    with pytest.raises(BackgroundError, match="at least 1"):
        start_background(make_run(tmp_path), 0)


def test_is_alive():
    assert not is_alive(None) and not is_alive(0)
    assert not is_alive(dead_pid())


def test_a_loop_out_of_step_with_its_database_is_noticed(tmp_path):
    run = make_run(tmp_path, iterations=1)
    with CodeItLoop.open(run) as held:
        assert in_sync(held)
        with CodeItLoop.open(run) as other:  # another process advances the run
            other.run_iterations(1)
        assert not in_sync(held)


def test_eta_from_the_recent_iterations_to_the_process_target():
    from codeit_core.background import eta_seconds

    assert eta_seconds([], 3, 10) is None and eta_seconds([4.0], 3, None) is None
    assert eta_seconds([2.0, 4.0, 100.0], 3, 10) == 7 * 4.0  # the median: one slow outlier
    assert eta_seconds([5.0], 12, 10) == 0


def test_a_live_process_reports_its_target_and_an_eta(tmp_path):
    run = make_run(tmp_path, iterations=40)
    start_background(run, more=30)
    try:
        deadline = time.monotonic() + 120
        state = run_state(run)
        while time.monotonic() < deadline and (state["eta_seconds"] is None
                                               and state["alive"]):
            time.sleep(0.1)
            state = run_state(run)
        assert state["alive"], run.log_path.read_text()
        assert state["target"] == 30 and state["completed"] >= 1
        assert 0 < state["eta_seconds"] < 3600
    finally:
        request_stop(run)
        state = wait_until_done(run, timeout=120)
    assert state["status"] == "stopped" and state["target"] is None
    assert state["eta_seconds"] is None
