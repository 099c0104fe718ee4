"""Hostile and broken programs: the parser never raises anything but DSLError; one Executor
runs thousands of generated programs (random, mutants, token soup, deliberately endless)
with a small timeout — nothing hangs past its timeout, every result is a grid or a known
error kind, the caller survives worker deaths and freezes, workers stay under the memory cap.
"""

from __future__ import annotations

import math
import os
import random
import signal
import string
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from codeit_core.dsl import CONSTANTS, KINDS, REGISTRY, DSLError, Program, format_program, \
    parse, run
from codeit_core.execute import ERROR_KINDS, Executor
from codeit_core.grids import is_grid
from codeit_core.mutate import mutate_program, random_program
from codeit_core.solutions import load_solutions
from codeit_core.tasks import load_dataset
import reliability_stats as stats

AREA = "programs"
FUZZ = settings(max_examples=400, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

NAMES = sorted(REGISTRY) + sorted(CONSTANTS)
TOKENS = NAMES + ["I", "O", "x1", "x2", "x3", "f", "True", "False", "=", "(", ")", ",", " ",
                  " ", "\n", "\n", "\t", "-", "0", "1", "7", "30", "31", "-30", "99999999999",
                  "#", "# note", ".", "[", "]", "'", '"', ":", ";", "\\", "*", "+", "{", "}",
                  "@", "lambda", "__import__", "é", "Ｏ", "\u200b", "\x00", "\r", "😀",
                  "\u202e", "ℐ", "٣"]
soup = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)
call_lines = st.lists(st.tuples(st.sampled_from(["O", "I", "x1", "x2", "x3", "1x"]),
                                st.sampled_from(NAMES),
                                st.lists(st.sampled_from(["I", "x1", "x2", "O", "3", "-1",
                                                          "True", "31", "", "rotate_cw",
                                                          *list(CONSTANTS)[:5]]), max_size=4)),
                      min_size=1, max_size=8).map(
    lambda ls: "".join(f"{a} = {f}({', '.join(args)})\n" for a, f, args in ls))


def long_text(n: int, kind: int) -> str:
    if kind == 0:
        return "O = rotate_cw(" + "I, " * n + "I)\n"
    if kind == 1:
        return "O = " + "rotate_cw(" * n + "I" + ")" * n + "\n"
    if kind == 2:
        return "".join(f"x{i} = rotate_cw({'I' if i == 1 else f'x{i - 1}'})\n"
                       for i in range(1, n)) + f"O = identity(x{n - 1})\n"
    if kind == 3:
        return "x" * n + " = rotate_cw(I)\nO = x(I)\n"
    return "#" * n + "\nO = rotate_cw(I)\n"


long_texts = st.tuples(st.integers(2, 60_000), st.integers(0, 4)).map(lambda a: long_text(*a))
_rng = random.Random(1)
VALID_TEXTS = [format_program(random_program(_rng, _rng.randint(1, 10))) for _ in range(150)]
VALID_TEXTS += sorted(load_solutions().values())[:150]


@st.composite
def edited_programs(draw):
    """A valid program with a few random edits: near-misses reach the deep checks."""
    text = draw(st.sampled_from(VALID_TEXTS))
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "swap_lines", "dup_line"]))
        if op == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        elif op == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 6)):]
        else:
            lines = text.splitlines(keepends=True)
            a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            if op == "swap_lines":
                lines[a], lines[b] = lines[b], lines[a]
            else:
                lines.insert(b, lines[a])
            text = "".join(lines)
    return text


any_text = (edited_programs() | edited_programs() | st.text(max_size=300) | st.text(alphabet=string.printable, max_size=300) | soup
            | call_lines | long_texts)


@FUZZ
@given(text=any_text)
def test_parse_returns_a_program_or_raises_dsl_error(text):
    stats.add(AREA, "parser: texts fuzzed")
    stats.add(AREA, "programs")
    started = time.perf_counter()
    try:
        program = parse(text)
    except DSLError as e:
        assert e.kind in KINDS and isinstance(str(e), str) and repr(e)
        assert e.line is None or e.line >= 1
        stats.add(AREA, "parser: refused (DSLError)")
    else:
        assert isinstance(program, Program)
        assert parse(format_program(program)) == program  # the printer round-trips
        stats.add(AREA, "parser: accepted")
    took = time.perf_counter() - started
    stats.peak(AREA, "parser: slowest text (s)", round(took, 4))
    assert took < 1.0, f"parse took {took:.2f} s on {len(text)} characters"


def test_parse_rejects_non_text():
    for value in (None, b"O = rotate_cw(I)", 3, ["O = rotate_cw(I)"]):
        with pytest.raises(DSLError):
            parse(value)


# ---------------------------------------------------------------- executor fuzz

TIMEOUT, GRACE, MEMORY_MB, WORKERS = 0.2, 0.2, 256, 2


def endless(depth: int) -> str:
    """2**depth rotations through a doubling chain of compose: short text, endless run."""
    lines = ["f1 = compose(rotate_cw, flip_horizontal)"]
    lines += [f"f{k} = compose(f{k - 1}, f{k - 1})" for k in range(2, depth + 1)]
    return "\n".join(lines + [f"O = call(f{depth}, I)"]) + "\n"


def program_corpus(seed: int = 7) -> list[tuple[str, str]]:
    """(origin, text) of every program the executor fuzz runs."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for _ in range(1200):
        out.append(("random", format_program(random_program(rng, rng.randint(1, 12)))))
    references = [parse(t) for t in load_solutions().values()]
    for _ in range(1200):
        parent = rng.choice(references) if rng.random() < 0.6 else parse(rng.choice(out)[1])
        child = parent
        for _ in range(rng.randint(1, 3)):
            child = mutate_program(child, rng)
        out.append(("mutant", format_program(child)))
    for _ in range(600):
        text = "".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 40)))
        if rng.random() < 0.5:  # a soup line that at least looks like an assignment
            text = f"O = {rng.choice(NAMES)}({text})\n"
        out.append(("soup", text))
    for depth in range(20, 40):
        out.append(("endless", endless(depth)))
    rng.shuffle(out)
    return out


class RssSampler(threading.Thread):
    """Samples the executor workers' resident set sizes from /proc every few ms."""

    def __init__(self, executor: Executor) -> None:
        super().__init__(daemon=True)
        self.executor = executor
        self.max_rss = 0
        self.samples = 0
        self.halt = threading.Event()

    @staticmethod
    def rss(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def run(self) -> None:
        while not self.halt.is_set():
            for pid in self.executor.worker_pids():
                self.max_rss = max(self.max_rss, self.rss(pid))
                self.samples += 1
            time.sleep(0.005)


def check_result(r) -> str:
    if r.error is None:
        assert r.output is not None and is_grid(r.output), r
        return "ok"
    assert r.error in ERROR_KINDS and r.output is None, r
    return r.error


@pytest.fixture(scope="module")
def grids():
    tasks = load_dataset("arc1-train")[:40]
    return [p.input for t in tasks for p in t.train[:2]]


@pytest.mark.slow
def test_executor_survives_thousands_of_generated_programs(grids):
    corpus = program_corpus()
    rng = random.Random(11)
    jobs = [(text, rng.sample(grids, 2)) for _, text in corpus]
    origin = {text: kind for kind, text in corpus}
    kinds: dict[str, int] = {}
    worst_ratio, worst = 0.0, None
    with Executor(workers=WORKERS, timeout=TIMEOUT, grace=GRACE, memory_mb=MEMORY_MB,
                  cache_size=0) as ex:
        ex.start()
        baseline = max(RssSampler.rss(p) for p in ex.worker_pids())
        sampler = RssSampler(ex)
        sampler.start()
        all_results = []
        try:
            for b in range(0, len(jobs), 200):
                batch = jobs[b:b + 200]
                started = time.perf_counter()
                results = ex.run_batch(batch)
                wall = time.perf_counter() - started
                assert len(results) == len(batch)
                slow = 0
                for (text, gs), rs in zip(batch, results):
                    assert len(rs) == len(gs)
                    for r in rs:
                        k = check_result(r)
                        kinds[k] = kinds.get(k, 0) + 1
                        slow += k in ("timeout", "too_large")
                # every execution that overran cost at most timeout + grace on one of the
                # workers; everything else is fast
                expected = 2.0 + math.ceil(slow / WORKERS) * (TIMEOUT + GRACE) * 1.5
                if wall / expected > worst_ratio:
                    worst_ratio, worst = wall / expected, (wall, expected, slow)
                assert wall < expected, f"batch took {wall:.1f} s, expected < {expected:.1f}"
                all_results.append(results)
        finally:
            sampler.halt.set()
            sampler.join()
        info = ex.cache_info()
        # the caller survived: the executor still answers correctly
        assert ex.run_program("O = rotate_cw(I)", [((1, 2),)])[0].output == ((1,), (2,))
    n_exec = sum(kinds.values())
    endless_results = [r for (text, _), rs in zip(jobs, [r for res in all_results for r in res])
                       if origin[text] == "endless" for r in rs]
    assert endless_results and all(r.error in ("timeout", "too_large")
                                   for r in endless_results)
    assert sampler.max_rss < baseline + MEMORY_MB * 2**20
    stats.add(AREA, "programs", len(jobs))
    stats.add(AREA, "executor: programs run", len(jobs))
    stats.add(AREA, "executor: executions", n_exec)
    for k, v in kinds.items():
        stats.add(AREA, f"executor: result {k}", v)
    stats.add(AREA, "faults", sum(origin[t] == "endless" for t, _ in jobs))
    stats.add(AREA, "executor: endless programs (faults)", sum(origin[t] == "endless"
                                                              for t, _ in jobs))
    stats.add(AREA, "executor: watchdog kills", info["watchdog_kills"])
    stats.add(AREA, "executor: worker restarts", info["worker_restarts"])
    stats.peak(AREA, "executor: max worker RSS (MB)", round(sampler.max_rss / 2**20, 1))
    stats.note(AREA, "executor: RSS samples / cap", f"{sampler.samples:,} samples; cap "
                     f"start-up + {MEMORY_MB} MB (start-up RSS {baseline / 2**20:.0f} MB)")
    stats.note(AREA, "executor: worst batch wall/bound",
               f"{worst[0]:.2f} s / {worst[1]:.2f} s ({worst[2]} overran)" if worst else "-")


def test_results_agree_with_the_in_process_interpreter(grids):
    """A sample of generated programs: the sandbox gives what the interpreter gives."""
    rng = random.Random(3)
    programs = [format_program(random_program(rng, rng.randint(1, 8))) for _ in range(150)]
    jobs = [(p, rng.sample(grids, 2)) for p in programs]
    with Executor(workers=WORKERS, timeout=1.0, cache_size=0) as ex:
        results = ex.run_batch(jobs)
    compared = 0
    for (text, gs), rs in zip(jobs, results):
        for g, r in zip(gs, rs):
            if r.error == "timeout":
                continue
            try:
                expected, kind = run(parse(text), g), None
            except DSLError as e:
                expected, kind = None, e.kind
            except (MemoryError, RecursionError):
                continue
            assert (r.output, r.error) == (expected, kind), text
            compared += 1
    stats.add(AREA, "programs", len(programs))
    stats.add(AREA, "executor: results cross-checked in-process", compared)
    assert compared > 200


def run_in_thread(fn, limit: float):
    box = {}

    def target():
        started = time.perf_counter()
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - reported to the test
            box["error"] = e
        box["seconds"] = time.perf_counter() - started

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(limit)
    return t, box


def busy_worker(ex: Executor, want_endless: bool) -> int | None:
    """The pid of a worker that has just started an execution (an endless program's when
    `want_endless`), so that a fault lands inside that execution."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for w in list(ex._workers):
            if w is None or w.chunk is None:
                continue
            started = w.progress[2]
            if not started or time.monotonic() - started > 0.05:
                continue
            text = w.chunk.order[int(w.progress[1])].text
            if not want_endless or text.startswith("f1 = compose"):
                return w.process.pid
        time.sleep(0.001)
    return None


@pytest.mark.slow
def test_workers_killed_or_frozen_mid_batch_cost_one_result_each(grids):
    """kill -9 of a busy worker, and SIGSTOP of a worker inside an endless execution (as if
    stuck in C code), from outside during a batch: the batch still returns exactly one
    result per (program, input) and the watchdog replaces the frozen worker."""
    rng = random.Random(5)
    programs = [format_program(random_program(rng, rng.randint(1, 10))) for _ in range(200)]
    programs += [endless(d) for d in range(22, 28)]
    rng.shuffle(programs)
    jobs = [(p, rng.sample(grids, 3)) for p in programs]
    faults = 0
    with Executor(workers=WORKERS, timeout=TIMEOUT, grace=GRACE, cache_size=0) as ex:
        ex.start()
        for sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGKILL, signal.SIGSTOP):
            before = ex.cache_info()
            t, box = run_in_thread(lambda: ex.run_batch(jobs), 0.0)
            hit = busy_worker(ex, want_endless=sig == signal.SIGSTOP)
            try:
                if hit is not None:
                    os.kill(hit, sig)
                    faults += 1
                t.join(60)
            finally:
                if hit is not None:
                    try:
                        os.kill(hit, signal.SIGKILL)  # never leave a frozen process behind
                    except ProcessLookupError:
                        pass
                t.join(30)
            assert hit is not None, "no worker was caught mid-execution"
            assert "seconds" in box and box["seconds"] < 60, "the batch hung after a fault"
            if "error" in box:
                raise box["error"]
            results = box["value"]
            assert [len(r) for r in results] == [3] * len(jobs)
            for rs in results:
                for r in rs:
                    check_result(r)
            after = ex.cache_info()
            assert after["worker_restarts"] > before["worker_restarts"]
            if sig == signal.SIGSTOP:
                assert after["watchdog_kills"] > before["watchdog_kills"]
        assert ex.run_program("O = rotate_cw(I)", [((1, 2),)])[0].output == ((1,), (2,))
    stats.add(AREA, "programs", len(programs))
    stats.add(AREA, "faults", faults)
    stats.add(AREA, "executor: workers killed/frozen from outside (faults)", faults)


def test_a_worker_frozen_between_executions_does_not_hang_the_batch():
    with Executor(workers=2, timeout=TIMEOUT, grace=GRACE) as ex:
        ex.start()
        frozen = ex.worker_pids()[0]
        os.kill(frozen, signal.SIGSTOP)  # idle: frozen before it receives the chunk
        stats.add(AREA, "faults")
        jobs = [("O = rotate_cw(I)", [((k % 10, 1),)]) for k in range(40)]
        try:
            t, box = run_in_thread(lambda: ex.run_batch(jobs), 10 * (TIMEOUT + GRACE) + 2)
            hung = t.is_alive()
        finally:
            try:  # unblock the batch so that the test can finish, unless the executor
                os.kill(frozen, signal.SIGKILL)  # has already replaced the worker
            except ProcessLookupError:
                pass
        t.join(30)
        assert not hung, "run_batch hung on a worker frozen outside an execution"
        assert "error" not in box, box.get("error")
        # the frozen worker's chunk was re-run elsewhere, nobody blamed: every result is right
        assert [r[0].output for r in box["value"]] == [((k % 10,), (1,)) for k in range(40)]


def _python_words(error: DSLError) -> bool:
    """Whether an error still speaks Python: a TypeError/AttributeError/IndexError/KeyError
    raised by Python itself inside a primitive (not by a `raise` of ours) that our words
    did not explain."""
    import linecache

    cause = error.__cause__
    if not isinstance(cause, (TypeError, AttributeError, IndexError, KeyError)):
        return False
    if f": {type(cause).__name__}" not in str(error):
        return False
    tb = cause.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return True
    source = linecache.getline(tb.tb_frame.f_code.co_filename, tb.tb_lineno).strip()
    return not source.startswith("raise")


@pytest.mark.slow
def test_accepted_programs_never_meet_python_s_own_errors(grids):
    """Programs the parser accepts (random well-typed programs and mutants of the reference
    programs), run in-process on real grids: a Python-internal exception inside a primitive
    is a hole in the static types or a missing check. Each is told in our words (the
    primitive, the argument, the type expected, the value got); none may be left in
    Python's."""
    rng = random.Random(2024)
    references = [parse(t) for t in load_solutions().values()]
    runs = leaks = 0
    examples: list[str] = []
    for k in range(25_000):
        if k % 2:
            program = mutate_program(rng.choice(references), rng)
        else:
            program = random_program(rng, rng.randint(1, 10))
        for grid in rng.sample(grids, 2):
            runs += 1
            try:
                run(program, grid)
            except DSLError as e:
                if _python_words(e):
                    leaks += 1
                    examples.append(f"{e}  <-  {format_program(program)!r}")
    stats.add(AREA, "accepted programs fuzzed", 25_000)
    stats.add(AREA, "accepted programs: Python-internal exceptions", leaks)
    stats.note(AREA, "Python-internal exceptions (examples)", "; ".join(
        e.split("  <-  ")[0] for e in examples[:3]) or "none")
    # each one is a hole in the static types or a check a primitive lacks
    assert leaks == 0, "\n".join(examples[:20])
