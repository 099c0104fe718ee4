"""The run session: one run driven step by step in this process (what the Run page holds)."""

from __future__ import annotations

import threading

import pytest

from codeit_core.loop import CodeItLoop
from codeit_core.runlock import RunBusyError, WriterLock
from codeit_core.runs import RunConfig, RunDir
from codeit_core.session import RunSession

SMALL = dict(dataset="arc1-train", tasks="4", policy="mutation", samples_per_task=6,
             seed_mutants=40, search_mutants=40, learn_size=60, iterations=2, workers=1)


def new_run(tmp_path) -> RunDir:
    run = RunDir(tmp_path / "run")
    run.create(RunConfig(**SMALL))
    return run


def test_steps_in_order_with_progress_and_results(tmp_path):
    with RunSession(new_run(tmp_path)) as session:
        assert session.state().next_step == "seed" and not session.state().seeded
        seen = []
        result = session.step("seed", lambda phase, done, total: seen.append(phase))
        assert result.taken and result.value["reference_programs"] > 200 and seen
        skipped = session.step("execute")  # not the next step: nothing happens
        assert not skipped.taken and session.state().next_step == "learn"
        for name in ("learn", "sample", "execute", "store", "score"):
            result = session.step(name)
            assert result.taken and result.iteration == 1
        assert result.metrics["policy_only_solved"] >= 0
        state = session.state()
        assert (state.completed, state.planned, state.next_step) == (1, 2, "learn")
        with pytest.raises(ValueError, match="unknown step"):
            session.step("relabel")


def test_another_writer_blocks_a_step_and_loses_nothing(tmp_path):
    run = new_run(tmp_path)
    with RunSession(run) as session:
        session.step("seed")
        with WriterLock(run, "a test holding the run"):
            with pytest.raises(RunBusyError, match="a test holding the run"):
                session.step("learn")
        assert session.step("learn").taken


def test_the_session_reopens_a_run_another_process_advanced(tmp_path):
    run = new_run(tmp_path)
    with RunSession(run) as session:
        session.step("seed")
        first = session.loop
        with CodeItLoop.open(run) as other:  # e.g. the command line took a step
            other.learn()
        assert session.state().next_step == "sample"
        assert session.loop is not first


def test_two_callers_at_once_take_the_step_once(tmp_path):
    with RunSession(new_run(tmp_path)) as session:
        session.step("seed")
        results = []
        threads = [threading.Thread(target=lambda: results.append(session.step("learn")))
                   for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(r.taken for r in results) == [False, True]
        assert session.state().next_step == "sample"
