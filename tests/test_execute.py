"""The sandboxed executor with real worker processes: results, errors, cache, hostile
programs, dead and stuck workers, and the `exec` command line."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from codeit_core.dsl import parse, run
from codeit_core.execute import ERROR_KINDS, ExecResult, Executor, get_executor

ROOT = Path(__file__).resolve().parent.parent

SMALL = ((1, 2, 3), (4, 5, 6))
SQUARE = ((0, 1), (2, 3))
BIG = tuple(tuple((r * 7 + c) % 10 for c in range(30)) for r in range(30))
MID = tuple(row[:12] for row in BIG[:9])

# 2**30 rotations through nested compose: cheap to write, endless to run.
EXPONENTIAL = ("f1 = compose(rotate_cw, rotate_cw)\n"
               + "".join(f"f{k} = compose(f{k - 1}, f{k - 1})\n" for k in range(2, 31))
               + "O = call(f30, I)\n")

# Test-only worker functions (passed as Executor(_run_fn=...)); the grid's first cell says
# what to do, anything else runs the program normally.
STUCK, HOG, SUICIDE, RECURSE = 6, 7, 8, 9


def hostile_run(program, grid, limits):
    cmd = grid[0][0]
    if cmd == STUCK:  # unresponsive: the in-worker alarm is blocked, as in a long C call
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)
    elif cmd == HOG:  # far more memory than the worker may have
        blob = bytearray(64 * 2**30)
        return ((len(blob) % 10,),)
    elif cmd == SUICIDE:  # the worker dies mid-execution, every time
        os.kill(os.getpid(), signal.SIGKILL)
    elif cmd == RECURSE:
        def down(n):
            return down(n + 1) + 1
        down(0)
    return run(program, grid, limits)


def slow_run(program, grid, limits):
    time.sleep(0.05)
    return run(program, grid, limits)


def cmd_grid(cmd: int) -> tuple:
    return ((cmd, 0), (0, 0))


@pytest.fixture(scope="module")
def ex():
    with Executor(workers=2, timeout=0.3, grace=0.3) as executor:
        yield executor


def expected(text, grid):
    return run(parse(text), grid)


# ------------------------------------------------------------------ results

def test_outputs_match_the_interpreter_in_order(ex):
    programs = ["O = rotate_cw(I)", "O = flip_horizontal(I)",
                "x1 = upscale(I, 2)\nO = replace_colour(x1, 1, 9)\n", "O = transpose(I)"]
    grids = [SMALL, SQUARE, MID, ((5,),)]
    results = ex.run_batch([(p, grids) for p in programs])
    assert len(results) == len(programs)
    for p, row in zip(programs, results):
        assert len(row) == len(grids)
        for grid, r in zip(grids, row):
            assert r == ExecResult(expected(p, grid)) and r.ok


def test_one_result_per_pair_with_duplicates_and_empty_jobs():
    with Executor(workers=2, timeout=0.5, chunk_size=1, cache_size=0) as ex:
        jobs = [("O = rotate_180(I)", [SMALL, SQUARE, SMALL]), ("O = rotate_cw(I)", []),
                ("O = rotate_180(I)", [SQUARE]), ("O = bogus(I)", [SMALL, SQUARE])]
        results = ex.run_batch(jobs)
        assert [len(r) for r in results] == [3, 0, 1, 2]
        assert results[0][0].output == results[0][2].output == expected("O = rotate_180(I)", SMALL)
        assert results[2][0].output == expected("O = rotate_180(I)", SQUARE)
        assert [r.error for r in results[3]] == ["syntax", "syntax"]
        # duplicates ran once: 2 distinct rotate_180 runs + 2 syntax errors
        assert ex.executions == 4
        assert ex.run_batch([]) == []


def test_chunks_keep_the_batch_order():
    # a job's inputs stay together, and so do consecutive jobs on the same grids (one
    # task's samples): the order in which the batch gave them, not sorted by text
    from codeit_core.execute import _Unit

    ex = Executor(workers=1, chunk_size=3, cache_size=0)
    try:
        units = [_Unit(text, grid) for text in ("O = transpose(I)", "O = rotate_cw(I)")
                 for grid in (SMALL, SQUARE)] + [_Unit("O = flip_horizontal(I)", MID)]
        chunks = list(ex._chunks(units))
        assert [len(c.units) for c in chunks] == [3, 2]
        assert [u for c in chunks for u in c.order] == units
    finally:
        ex.close()


@pytest.mark.parametrize("text, kind, line", [
    ("x1 = rotate_cw(I)\nO = nonsense(x1)\n", "syntax", 2),
    ("x1 = first(I)\nO = rotate_cw(x1)\n", "type", 2),
    ("x1 = divide(1, 0)\nO = upscale(I, x1)\n", "runtime", 1),
    ("x1 = upscale(I, 30)\nO = upscale(x1, 30)\n", "too_large", 1),
    ("O = upscale(I, 20)\n", "invalid_grid", 1),
    (EXPONENTIAL, "timeout", None),
])
def test_each_error_kind(ex, text, kind, line):
    start = time.monotonic()
    [r] = ex.run_program(text, [SMALL])
    assert r.output is None and r.error == kind and r.line == line and r.message
    assert kind in ERROR_KINDS
    assert time.monotonic() - start < 3


def test_cache_serves_repeats_without_running():
    with Executor(workers=1, timeout=0.5) as ex:
        jobs = [("O = rotate_cw(I)", [SMALL, SQUARE]), ("O = bogus(I)", [SMALL])]
        first = ex.run_batch(jobs)
        assert (ex.cache_hits, ex.cache_misses, ex.executions) == (0, 3, 3)
        again = ex.run_batch(jobs)
        assert again == first
        assert (ex.cache_hits, ex.cache_misses, ex.executions) == (3, 3, 3)
        assert ex.cache_info()["size"] == 3
    with Executor(workers=1, timeout=0.5, cache_size=0) as ex:
        ex.run_batch(jobs)
        ex.run_batch(jobs)
        assert ex.cache_hits == 0 and ex.executions == 6


def test_cached_output_comes_back_exactly_and_small():
    with Executor(workers=1, timeout=0.5) as ex:
        jobs = [("O = rotate_cw(I)", [BIG, SMALL]), ("O = upscale(I, 2)", [MID])]
        first = ex.run_batch(jobs)
        again = ex.run_batch(jobs)
        assert ex.cache_hits == 3
        assert again == first
        for results in again:
            for r in results:
                assert type(r) is ExecResult and r.error is None
                assert type(r.output) is tuple
                assert all(type(row) is tuple for row in r.output)
                assert {type(v) for row in r.output for v in row} == {int}
        # a 30x30 output is kept as its 900 cells' bytes, not 30 tuples of 30 ints
        assert sum(_deep_size(v) for v in ex._cache.values()) < 5_000


def _deep_size(value) -> int:
    if isinstance(value, tuple):
        return sys.getsizeof(value) + sum(_deep_size(v) for v in value)
    return sys.getsizeof(value)


def test_cache_is_bounded_lru():
    with Executor(workers=1, timeout=0.5, cache_size=2) as ex:
        ex.run_program("O = rotate_cw(I)", [SMALL, SQUARE])
        ex.run_program("O = rotate_cw(I)", [BIG])  # evicts SMALL
        assert ex.cache_info()["size"] == 2
        ex.run_program("O = rotate_cw(I)", [SMALL])
        assert ex.cache_hits == 0 and ex.executions == 4


def test_progress_reports_reach_the_total():
    calls = []
    with Executor(workers=2, timeout=0.5, chunk_size=2, _run_fn=slow_run) as ex:
        ex.run_batch([(f"O = upscale(I, {k})", [SMALL, SQUARE]) for k in range(1, 9)],
                     progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (16, 16)
    assert len(calls) >= 2 and all(a <= b for (a, _), (b, _) in zip(calls, calls[1:]))


# ------------------------------------------------------------------ hostile programs

def test_exponential_combinator_program_times_out_and_worker_goes_on(ex):
    start = time.monotonic()
    results = ex.run_batch([(EXPONENTIAL, [SMALL, BIG]), ("O = rotate_cw(I)", [SMALL])])
    assert [r.error for r in results[0]] == ["timeout", "timeout"]
    assert results[1][0].output == expected("O = rotate_cw(I)", SMALL)
    assert time.monotonic() - start < 3


def test_value_blowup_is_stopped_by_the_caps(ex):
    [r] = ex.run_program("x1 = tile(I, 30, 30)\nO = tile(x1, 30, 30)\n", [BIG])
    assert r.error == "too_large" and r.line == 1


def test_huge_allocation_is_too_large_and_the_worker_survives():
    with Executor(workers=1, timeout=5, memory_mb=512, _run_fn=hostile_run) as ex:
        [r, ok] = ex.run_program("O = rotate_cw(I)", [cmd_grid(HOG), SMALL])
        assert r.error == "too_large" and r.output is None
        assert ok.output == expected("O = rotate_cw(I)", SMALL)
        assert ex.worker_restarts == 0


def test_deep_compose_chain_runs_to_the_right_answer(ex):
    # 4 * 9 nested rotations = identity; as deep as a 40-line program can nest.
    text = ("f1 = compose(rotate_cw, rotate_cw)\n"
            + "".join(f"f{k} = compose(f{k - 1}, rotate_cw)\n" for k in range(2, 36))
            + "O = call(f35, I)\n")
    [r] = ex.run_program(text, [BIG])
    assert r.output == BIG


def test_runaway_recursion_is_an_error_not_a_crash():
    with Executor(workers=1, timeout=2, _run_fn=hostile_run) as ex:
        [r, ok] = ex.run_program("O = rotate_cw(I)", [cmd_grid(RECURSE), SMALL])
        assert r.error == "runtime" and "recursion" in r.message
        assert ok.ok and ex.worker_restarts == 0


@pytest.mark.parametrize("text", [
    "O = __import__('os').system('touch {marker}')\n",
    "O = I.__class__\n",
    "x1 = eval(I)\nO = rotate_cw(I)\n",
    "O = exec('open(\"{marker}\", \"w\")')\n",
])
def test_code_injection_is_a_syntax_error_and_nothing_runs(ex, tmp_path, text):
    marker = tmp_path / "pwned"
    [r] = ex.run_program(text.format(marker=marker), [SMALL])
    assert r.error == "syntax" and r.line == 1
    assert not marker.exists()


# ------------------------------------------------------------------ dead and stuck workers

def test_worker_killed_from_outside_is_replaced_and_the_batch_completes():
    jobs = [(f"O = upscale(I, {k})", [SMALL, SQUARE]) for k in range(1, 11)]
    with Executor(workers=2, timeout=2, chunk_size=2, cache_size=0, _run_fn=slow_run) as ex:
        ex.start()
        victim = ex.worker_pids()[0]
        killer = threading.Timer(0.15, os.kill, (victim, signal.SIGKILL))
        killer.start()
        results = ex.run_batch(jobs)
        killer.join()
        assert victim not in ex.worker_pids() and len(ex.worker_pids()) == 2
        assert ex.worker_restarts >= 1
    for (text, grids), row in zip(jobs, results):
        assert [r.output for r in row] == [expected(text, g) for g in grids]


def test_worker_stuck_in_c_code_is_killed_by_the_watchdog():
    with Executor(workers=1, timeout=0.2, grace=0.2, _run_fn=hostile_run) as ex:
        ex.start()
        before = ex.worker_pids()
        start = time.monotonic()
        # one chunk: the syntax error's executions come first, then the stuck one
        syntax, results = ex.run_batch([("O = bogus(I)", [SMALL, SQUARE]),
                                        ("O = rotate_cw(I)", [SMALL, cmd_grid(STUCK), SQUARE])])
        elapsed = time.monotonic() - start
        assert [r.error for r in syntax] == ["syntax", "syntax"]
        assert [r.error for r in results] == [None, "timeout", None]
        assert results[2].output == expected("O = rotate_cw(I)", SQUARE)
        assert ex.watchdog_kills == 1 and ex.worker_pids() != before
        assert elapsed < 2.5


def test_execution_that_keeps_killing_its_worker_is_too_large_after_one_retry():
    with Executor(workers=1, timeout=1, _run_fn=hostile_run) as ex:
        results = ex.run_program("O = rotate_cw(I)", [SMALL, cmd_grid(SUICIDE), SQUARE])
        assert [r.error for r in results] == [None, "too_large", None]
        assert "died" in results[1].message
        assert ex.worker_restarts == 2


def test_interrupted_batch_leaves_the_executor_usable():
    def interrupt(done, total):
        if done < total:
            raise KeyboardInterrupt

    jobs = [(f"O = upscale(I, {k})", [SMALL, SQUARE]) for k in range(1, 11)]
    with Executor(workers=2, timeout=2, chunk_size=1, cache_size=0, _run_fn=slow_run) as ex:
        with pytest.raises(KeyboardInterrupt):
            ex.run_batch(jobs, progress=interrupt)
        results = ex.run_batch(jobs)  # no stale answers from the interrupted batch
    for (text, grids), row in zip(jobs, results):
        assert [r.output for r in row] == [expected(text, g) for g in grids]


def test_workers_ignore_sigint_and_close_leaves_no_process():
    ex = Executor(workers=2, timeout=0.5).start()
    pids = ex.worker_pids()
    for pid in pids:
        os.kill(pid, signal.SIGINT)
    time.sleep(0.1)
    assert ex.run_program("O = rotate_cw(I)", [SMALL])[0].ok
    assert ex.worker_pids() == pids and ex.worker_restarts == 0
    ex.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(RuntimeError):
        ex.run_program("O = rotate_cw(I)", [SMALL])


def test_shared_executor_is_one_instance():
    assert get_executor() is get_executor()
    assert get_executor().run_program("O = rotate_180(I)", [SQUARE])[0].output == ((3, 2), (1, 0))


# ------------------------------------------------------------------ the exec command

def _exec_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codeit_core", "exec", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_exec_cli_solves_a_training_task(tmp_path):
    program = tmp_path / "prog.txt"
    program.write_text("O = rotate_180(I)\n")  # arc1-train 3c9b0459 is a half turn
    proc = _exec_cli("--dataset", "arc1-train", "--task", "3c9b0459", "--program",
                     str(program), "--timeout", "2")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "train[0]: match" in out and "test[0]: match" in out
    assert out.strip().endswith("demos solved: 4/4, test solved: 1/1")


def test_exec_cli_reports_errors_with_their_line(tmp_path, capsys):
    from codeit_core import cli_exec

    program = tmp_path / "prog.txt"
    program.write_text("x1 = rotate_cw(I)\nO = take_row(x1, 25)\n")
    args = argparse.Namespace(dataset="arc1-train", task="3c9b0459", program=str(program),
                              timeout=1.0)
    assert cli_exec.main(args) == 0
    out = capsys.readouterr().out
    assert "train[0]: no match" in out and "error: runtime at line 2: take_row" in out
    assert "demos solved: 0/4, test solved: 0/1" in out


def test_exec_cli_bad_inputs_exit_2(tmp_path):
    program = tmp_path / "prog.txt"
    program.write_text("O = rotate_180(I)\n")
    missing = _exec_cli("--dataset", "arc1-train", "--task", "3c9b0459", "--program",
                        str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and "nope.txt" in missing.stderr
    unknown = _exec_cli("--dataset", "arc1-train", "--task", "zzzzzzzz", "--program",
                        str(program))
    assert unknown.returncode == 2 and "zzzzzzzz" in unknown.stderr
