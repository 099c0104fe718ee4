"""The meta-iteration: its steps, lineage, ablation switches, and resume after kill -9."""

from __future__ import annotations

import dataclasses
import json
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from codeit_core.loop import CodeItLoop
from codeit_core.runs import ABLATIONS, SWITCHED_OFF, ConfigError, RunConfig, RunDir, Switches
from codeit_core.steps import PHASES
from helpers import ROOT

# the paper's setup: the policy pool holds the policy's own experiences only
SMALL = dict(dataset="arc1-train", tasks="6", policy="mutation", samples_per_task=8,
             learn_size=200, seed_mutants=40, search_mutants=40, search_experiences=0,
             workers=2, iterations=2)


def make_loop(tmp_path, name="run", **changes) -> CodeItLoop:
    return CodeItLoop.create(RunDir(tmp_path / name), RunConfig(**{**SMALL, **changes}))


def test_steps_run_in_order_and_record_their_phase(tmp_path):
    with make_loop(tmp_path) as loop:
        assert loop.next_step == "seed"
        with pytest.raises(RuntimeError, match="seed the buffer first"):
            loop.learn()
        summary = loop.seed()
        assert summary["seed_experiences"] >= summary["reference_programs"] > 200
        assert loop.seed() == summary  # seeding happens once
        phases = []
        for expected in ("learn", "sample", "execute", "store", "score"):
            assert loop.next_step == expected
            if expected == "execute":
                with pytest.raises(RuntimeError, match="score follows store"):
                    loop.score()
            loop.step()
            phases.append(loop.conn.execute(
                "SELECT phase FROM iterations WHERE iteration = 1").fetchone()[0])
        assert phases == ["learned", "learned", "executed", "stored", "scored"]
        m = loop.state.metrics
        assert m["sampled"] == 6 * 8 and m["unique"] <= m["sampled"]
        assert m["n_tasks"] == 6 and m["buffer_policy"] == m["stored"] == m["relabeled"]
        for key in ("policy_only_solved", "cumulative_solved", "demo_consistent", "oracle",
                    "learn_seconds", "execute_seconds", "buffer_seed"):
            assert key in m
        assert loop.next_step == "learn"
        loop.learn()
        assert loop.iteration == 2


def test_a_samples_error_is_kept_in_words(tmp_path):
    bad = "O = add(I, 2)"  # a grid where an integer belongs: refused before it runs
    with make_loop(tmp_path) as loop:
        loop.seed()
        loop.learn()
        loop.sample()
        task = loop.tasks[0].id
        loop.state.sampled[task] = [bad] + loop.state.sampled[task]
        loop.execute()
        kind, words = loop.conn.execute(
            "SELECT error, error_message FROM samples WHERE task_id = ? AND program = ?",
            (task, bad)).fetchone()
        assert words == (f"demo 1: {kind} at line 1: argument 1 of 'add' (a) must be "
                         "Integer, got Grid (I)")
        # every sample that failed says where and how; none that ran cleanly does
        for kind, words in loop.conn.execute("SELECT error, error_message FROM samples"):
            if kind is None:
                assert words is None
            else:
                assert words.split(": ", 1)[0].split()[0] in ("demo", "test")
                assert f": {kind}" in words


def test_policy_sees_demonstrations_only(tmp_path):
    with make_loop(tmp_path) as loop:
        task = loop.tasks[0]
        seen = loop.visible_task(task)
        assert seen.train == task.train
        assert all(p.output is None for p in seen.test)


def test_experiences_keep_their_lineage(tmp_path):
    with make_loop(tmp_path, iterations=1) as loop:
        loop.run_iterations(1)
        rows = loop.conn.execute(
            "SELECT e.task_id, e.program, s.task_id, s.program, s.iteration, e.iteration "
            "FROM experiences e JOIN samples s ON s.id = e.sample_id "
            "WHERE e.pool = 'policy'").fetchall()
        assert rows and all(r[0] == r[2] and r[1] == r[3] and r[4] == r[5] == 1 for r in rows)
        seeds = loop.conn.execute("SELECT COUNT(*) FROM experiences WHERE pool = 'seed' AND "
                                  "parent_program IS NOT NULL").fetchone()[0]
        assert seeds > 0  # mutants remember the reference program they came from
        # the mutation policy's samples and their experiences keep the parent they were
        # mutated from: a program of the iteration's training set
        parents = set(loop.policy.parents)
        sampled = loop.conn.execute("SELECT parent_program FROM samples").fetchall()
        assert sampled and all(p in parents for p, in sampled)
        stored = loop.conn.execute("SELECT e.parent_program, s.parent_program FROM experiences "
                                   "e JOIN samples s ON s.id = e.sample_id").fetchall()
        assert stored and all(a == b and a in parents for a, b in stored)


@pytest.mark.parametrize("ablation", ["A1", "A2", "A3", "A5", "A6"])
def test_each_ablation_changes_what_it_should(tmp_path, ablation):
    with make_loop(tmp_path, ablation=ablation, iterations=1) as loop:
        loop.run_iterations(1)
        m = loop.state.metrics
        policy_rows = loop.conn.execute(
            "SELECT demo_accuracy FROM experiences WHERE pool = 'policy'").fetchall()
        if ablation == "A1":
            # as many relabeled search tasks as the policy's experiences, none of them the
            # policy's own
            assert m["relabeled"] > 0
            assert m["stored"] == m["search_task_experiences"] == len(policy_rows) > 0
            assert m["stored"] == m["relabeled"]
            programs = set(json.loads(loop.conn.execute(
                "SELECT value FROM meta WHERE key = 'search_programs'").fetchone()[0]))
            rows = loop.conn.execute("SELECT task_id, program, sample_id, iteration FROM "
                                     "experiences WHERE pool = 'policy'").fetchall()
            ids = {t.id for t in loop.tasks}
            assert all(t in ids and p in programs and s is None and i == 1
                       for t, p, s, i in rows)
            with make_loop(tmp_path, name="again", ablation="A1", iterations=1) as again:
                again.run_iterations(1)
                assert sorted(again.conn.execute(
                    "SELECT task_id, program, outputs FROM experiences WHERE pool = 'policy'"
                ).fetchall()) == sorted(loop.conn.execute(
                    "SELECT task_id, program, outputs FROM experiences WHERE pool = 'policy'"
                ).fetchall())
        elif ablation == "A2":
            assert all(r[0] == 1.0 for r in policy_rows)
            assert m["relabeled"] == len(policy_rows) < m["valid"]
        elif ablation == "A3":
            assert loop.buffer.uniform
            _, w = loop.buffer.sampling_weights("seed")
            assert set(w.tolist()) == {1.0}
        elif ablation == "A5":
            multi = next(t for t in loop.tasks if len(t.train) > 1)
            assert len(loop.visible_task(multi).train) == 1
        elif ablation == "A6":
            seeded = json.loads(loop.conn.execute(
                "SELECT value FROM meta WHERE key = 'seeded'").fetchone()[0])
            assert seeded["mutants"] == 0
            assert seeded["seed_experiences"] == seeded["reference_programs"]


@pytest.mark.parametrize("ablation", sorted(ABLATIONS))
def test_an_ablation_switches_off_its_flag_and_nothing_else(ablation):
    on = Switches()
    off = RunConfig(ablation=ablation).switches()
    changed = [f.name for f in dataclasses.fields(Switches)
               if getattr(off, f.name) != getattr(on, f.name)]
    assert changed == [SWITCHED_OFF[ablation]]
    assert all(dataclasses.astuple(RunConfig().switches()))


def test_only_the_config_reads_ablation_names():
    """The engine and the pages ask RunConfig.switches(), never `ablation == "A3"`."""
    compared = re.compile(r"""ablation\s*(==|!=|in)\s*\(?\s*["']A[1-6]""")
    sources = [p for folder in ("codeit_core", "views", "ui") for p in (ROOT / folder).rglob(
        "*.py")] + [ROOT / "app.py"]
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in sources
                 for n, line in enumerate(p.read_text().splitlines(), 1)
                 if compared.search(line)]
    assert len(sources) > 20 and offenders == []


def test_bad_config_is_refused_with_the_field_named(tmp_path):
    with pytest.raises(ConfigError, match="'samples_per_task'"):
        RunConfig(samples_per_task=0).validate()
    with pytest.raises(ConfigError, match="'ablation'"):
        RunConfig(ablation="A9").validate()
    with pytest.raises(ConfigError, match="unknown field"):
        RunConfig.from_dict({"dataset": "arc1-eval", "samples": 3})
    make_loop(tmp_path).close()
    with pytest.raises(ConfigError, match="already holds a run"):
        make_loop(tmp_path)


def run_cli(run_dir, *extra, timeout=300) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "codeit_core", "run", "--run-dir", str(run_dir), *extra]
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


CLI_RUN = ["--dataset", "arc1-train", "--tasks", "20", "--iterations", "3", "--policy",
           "mutation", "--samples-per-task", "24", "--seed", "5", "--learn-size", "300",
           "--seed-mutants", "300", "--search-mutants", "300", "--workers", "2"]


def contents(db) -> dict:
    conn = sqlite3.connect(db)
    try:
        return {
            "experiences": sorted(conn.execute(
                "SELECT task_id, program, pool, iteration, demo_accuracy FROM experiences")),
            "samples": sorted(conn.execute(
                "SELECT iteration, task_id, program, demo_accuracy, test_correct FROM samples")),
            "phases": conn.execute("SELECT iteration, phase FROM iterations ORDER BY "
                                   "iteration").fetchall(),
        }
    finally:
        conn.close()


def progress_of(db) -> tuple[int, str] | None:
    """(iteration, phase) of the newest iteration row, or None — read from outside."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05)
        try:
            return conn.execute("SELECT iteration, phase FROM iterations ORDER BY iteration "
                                "DESC LIMIT 1").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None


# where to kill: just after a phase is recorded, i.e. in the middle of the next step
KILL_POINTS = ["seeding", (1, "started"), (1, "learned"), (1, "executed"), (2, "stored"),
               (3, "started"), (3, "executed")]


def test_run_killed_at_any_instant_resumes_without_loss_or_duplicates(tmp_path):
    clean = tmp_path / "clean"
    done = run_cli(clean, *CLI_RUN)
    assert done.returncode == 0, done.stderr
    assert "policy-only" in done.stdout and done.stdout.count("\n") >= 5
    reference = contents(clean / "run.sqlite")
    assert [p for _, p in reference["phases"]] == ["scored"] * 3

    killed = tmp_path / "killed"
    db = killed / "run.sqlite"
    base = [sys.executable, "-m", "codeit_core", "run", "--run-dir", str(killed)]
    kills = []
    for point in KILL_POINTS:
        args = base + (["--resume"] if (killed / "config.json").exists() else CLI_RUN)
        proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            reached = progress_of(db) if db.exists() else None
            if point == "seeding" and db.exists():
                time.sleep(0.3)  # inside the seeding transaction's work
                break
            if point != "seeding" and reached is not None and \
                    (reached[0], PHASES.index(reached[1])) >= (point[0], PHASES.index(point[1])):
                break
            time.sleep(0.005)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills.append(point)
        proc.wait(30)
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    assert len(kills) >= 5, kills
    print('killed at', kills)
    final = run_cli(killed, "--resume")
    assert final.returncode == 0, final.stderr
    assert contents(db) == reference


def test_stop_request_stops_between_steps_and_resume_finishes(tmp_path):
    run_dir = tmp_path / "stopped"
    proc = subprocess.Popen([sys.executable, "-m", "codeit_core", "run", "--run-dir",
                             str(run_dir), *CLI_RUN], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (run_dir / "run.sqlite").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    status = RunDir(run_dir).status()
    assert status["status"] in ("stopped", "finished")
    final = run_cli(run_dir, "--resume")
    assert final.returncode == 0, final.stderr
    assert RunDir(run_dir).status()["status"] == "finished"
    assert [p for _, p in contents(run_dir / "run.sqlite")["phases"]] == ["scored"] * 3


def test_random_programs_join_the_seed_pool(tmp_path):
    with make_loop(tmp_path, seed_mutants=0, seed_random_programs=15,
                   random_program_length=3) as loop:
        summary = loop.seed()
        assert summary["random_programs"] == 15 and summary["mutants"] == 0
        assert summary["seed_experiences"] == summary["reference_programs"] + 15
        from codeit_core.relabel import program_length
        from codeit_core.solutions import load_solutions

        three_line_references = {(t, p) for t, p in load_solutions().items()
                                 if program_length(p) == 3}
        three_line_seeds = set(loop.conn.execute(
            "SELECT task_id, program FROM experiences WHERE pool = 'seed' AND length = 3"))
        assert len(three_line_seeds - three_line_references) == 15


@pytest.mark.parametrize("ablation", ["", "A1", "A2"])
def test_each_samples_fate_says_what_the_store_step_did(tmp_path, ablation):
    with make_loop(tmp_path, ablation=ablation, iterations=1) as loop:
        loop.run_iterations(1)
        rows = loop.run_store.executed_samples(1)
        fates = [loop.sample_fate(bool(r[3]), r[5], r[9]) for r in rows]
        stored = {sid for sid, in loop.conn.execute(
            "SELECT sample_id FROM experiences WHERE sample_id IS NOT NULL")}
        assert rows and len(fates) == len(rows)
        for r, fate in zip(rows, fates):
            assert fate.startswith("stored · priority") == (r[0] in stored), (fate, r[:6])
            if not r[3]:
                assert fate == "not relabeled (no grid)"
        if ablation == "A1":
            assert not stored and any(f.startswith("relabeled, not stored") for f in fates)
        elif ablation == "A2":
            assert any(f.startswith("dropped (A2") for f in fates)
            assert all(r[5] == 1.0 for r in rows if r[0] in stored)
        else:
            assert stored


def test_opening_a_run_removes_the_temporary_files_of_a_killed_writer(tmp_path):
    """kill -9 in the middle of writing a checkpoint leaves NAME.PID.tmp behind (the whole
    checkpoint is written again); the next process to open the run deletes it, and never
    the temporary file of a process that still runs."""
    import os

    run = RunDir(tmp_path / "run")
    run.create(RunConfig(dataset="arc1-train", tasks="1", policy="mutation", workers=1))
    folder = run.path / "checkpoints"
    folder.mkdir(exist_ok=True)
    dead = folder / "iter_0005.pt.4194999.tmp"  # above Linux's largest pid: never running
    alive = folder / f"iter_0006.pt.{os.getpid()}.tmp"
    other = folder / "notes.tmp"
    for f in (dead, alive, other):
        f.write_bytes(b"half a checkpoint")
    with CodeItLoop.open(run):
        pass
    assert not dead.exists() and alive.exists() and other.exists()
