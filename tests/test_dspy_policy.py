"""The DSPy policy with a scripted engine (no network): prompt shape, few-shots drawn by
priority, answer cleaning, failures, keys, cache location, and one real loop iteration."""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path

import pytest

from codeit_core.relabel import Experience
from codeit_core.tasks import Pair, Task

dspy = pytest.importorskip("dspy")
from dspy.lm15 import AuthError, Message, Response, TextPart, Usage

from codeit_core.policies import make_policy
from codeit_core.policies.dspy_policy import (
    DSPyPolicy,
    DSPyPolicyError,
    MissingAPIKeyError,
    extract_program,
    reference_card,
    render_grid,
)

SECRET = "sk-test-DO-NOT-LEAK-7f3a9c"


@pytest.fixture(autouse=True)
def global_dspy_cache(tmp_path, monkeypatch):
    """DSPy's process-wide cache directory, pointed somewhere the tests can watch."""
    path = tmp_path / "global_dspy_cache"
    monkeypatch.setenv("DSPY_CACHEDIR", str(path))
    yield path
    assert not path.exists() or not any(path.iterdir()), "something wrote to DSPY_CACHEDIR"


class ScriptedEngine:
    """A DSPy engine answering from a script: `answer(prompt_text) -> str` (or raise)."""

    def __init__(self, answer):
        self.answer = answer
        self.prompts: list[str] = []
        self.lock = threading.Lock()

    def complete(self, request):
        system = request.system if isinstance(request.system, str) else \
            "".join(p.text for p in request.system or ())
        prompt = "\n".join([system or ""] + [f"<{m.role}>\n{m.text or ''}"
                                              for m in request.messages])
        with self.lock:
            self.prompts.append(prompt)
        text = self.answer(prompt)
        return Response(id=None, model="scripted", message=Message.assistant([TextPart(text)]),
                        finish_reason="stop",
                        usage=Usage(input_tokens=0, output_tokens=0, total_tokens=0))


def formatted(program: str) -> str:
    """An answer in DSPy's chat format."""
    return f"[[ ## program ## ]]\n{program}\n\n[[ ## completed ## ]]"


def scripted_lm(answer) -> tuple[object, ScriptedEngine]:
    engine = ScriptedEngine(answer)
    return dspy.LM("scripted/test", engine=engine, cache=False, num_retries=0), engine


def grid(*rows: str):
    return tuple(tuple(int(c) for c in r) for r in rows)


def make_task(task_id: str, first: str = "12") -> Task:
    g = grid(first, "34")
    return Task(task_id, (Pair(g, g[::-1]), Pair(grid("56", "78"), grid("78", "56"))),
                (Pair(grid("90", "12"), None),))


def experience(task_id: str, program: str, accuracy: float) -> Experience:
    g = grid("105", "020")
    return Experience(task_id=task_id, program=program, inputs=(g,), outputs=(g[::-1],),
                      demo_accuracy=accuracy, pixel_accuracy=accuracy, length=1,
                      iteration=0, pool="seed")


def last_user(prompt: str) -> str:
    return prompt.rsplit("<user>", 1)[-1]


def test_prompt_holds_card_and_the_highest_priority_programs(tmp_path):
    lm, engine = scripted_lm(lambda p: formatted("O = rotate_180(I)"))
    policy = DSPyPolicy(shots=2, run_dir=tmp_path, lm=lm, cache=False)
    training = [experience("lowtask", "O = transpose(I)", 0.0),
                experience("toptask", "O = flip_vertical(I)", 1.0),
                experience("midtask", "O = flip_horizontal(I)", 0.5),
                experience("lowtask2", "O = rotate_cw(I)", 0.25)]
    stats = policy.learn(training, random.Random(0))
    assert stats["pool"] == 4 and stats["pool_full_solutions"] == 1
    out = policy.sample([make_task("t1")], 1, 0.9, random.Random(1))
    assert out == {"t1": ["O = rotate_180(I)\n"]}
    prompt = engine.prompts[0]
    assert "CodeIt DSL reference" in prompt and "rotate_180(Grid)->Grid" in prompt
    assert "[combinators]" in prompt and "MAROON=9" in prompt and "O = ..." in prompt
    assert "O = flip_vertical(I)" in prompt and "O = flip_horizontal(I)" in prompt
    assert "O = transpose(I)" not in prompt and "O = rotate_cw(I)" not in prompt
    # the few-shots come before the task: relabeled demonstrations, then the program
    assert prompt.index("O = flip_vertical(I)") < prompt.index("O = flip_horizontal(I)")
    assert "input 2x3\n105\n020\noutput 2x3\n020\n105" in prompt
    task_part = last_user(prompt)
    assert "input 2x2\n12\n34\noutput 2x2\n34\n12" in task_part
    assert "90\n12" not in task_part  # test inputs are never shown
    assert "t1" not in task_part      # nor the task id


def test_shape_resemblance_breaks_priority_ties(tmp_path):
    lm, engine = scripted_lm(lambda p: formatted("O = rotate_180(I)"))
    policy = DSPyPolicy(shots=1, lm=lm, cache=False)
    big = grid("1234", "5678", "1234")
    policy.learn([experience("small", "O = transpose(I)", 1.0),
                  Experience("big", "O = rotate_cw(I)", (big,), (big,), 1.0, 1.0, 1, 0,
                             "seed")], random.Random(0))
    task = Task("t", (Pair(big, big),), ())
    policy.sample([task], 1, 0.5, random.Random(0))
    assert "O = rotate_cw(I)" in engine.prompts[0]
    assert "O = transpose(I)" not in engine.prompts[0]


def test_answers_are_cleaned_and_bad_ones_are_invalid_samples():
    answers = iter([
        formatted("x1 = rotate_cw(I)\nO = rotate_cw(x1)"),
        formatted("Sure! Here it is:\n```python\nx7 = rotate_cw(I)\nO = upscale(x7, 2)\n```\n"
                  "It rotates, then scales."),
        "The program is:\n`O = flip_vertical(I)`",          # no DSPy fields at all
        formatted("I am not sure what this task does."),     # prose only
        formatted("O = no_such_primitive(I)"),                # looks like code, won't parse
        formatted(""),                                        # nothing
    ])
    lock = threading.Lock()

    def answer(prompt):
        with lock:
            return next(answers)

    lm, _ = scripted_lm(answer)
    policy = DSPyPolicy(shots=0, lm=lm, cache=False, threads=1)
    out = policy.sample([make_task("t")], 6, 0.9, random.Random(0))
    assert out["t"][:3] == ["x1 = rotate_cw(I)\nO = rotate_cw(x1)\n",
                            "x1 = rotate_cw(I)\nO = upscale(x1, 2)\n",
                            "O = flip_vertical(I)\n"]
    assert out["t"][3:] == ["I am not sure what this task does.\n",
                            "O = no_such_primitive(I)\n"]
    s = policy.sample_stats
    assert (s["calls"], s["programs"], s["parsed"], s["unparsable"], s["empty"],
            s["format_errors"], s["lm_errors"]) == (6, 5, 3, 2, 1, 1, 0)
    assert extract_program("1. `x1 = rotate_cw(I)`\n2. `O = rotate_cw(x1)`")[1] == "ok"


def test_an_lm_failure_on_one_task_does_not_stop_the_others():
    def answer(prompt):
        if "input 2x2\n99" in last_user(prompt):
            raise ConnectionError("connection reset by peer")
        return formatted("O = rotate_180(I)")

    lm, _ = scripted_lm(answer)
    policy = DSPyPolicy(shots=0, lm=lm, cache=False, threads=2)
    tasks = [make_task("a"), make_task("bad", first="99"), make_task("c")]
    out = policy.sample(tasks, 3, 0.9, random.Random(0))
    assert out["a"] == out["c"] == ["O = rotate_180(I)\n"] * 3
    assert out["bad"] == []
    s = policy.sample_stats
    assert s["failed_tasks"] == 1 and s["lm_errors"] == 1
    assert s["errors"][0].startswith("task bad:") and "connection reset" in s["errors"][0]


def test_a_missing_key_is_refused_before_sampling_naming_the_variable(monkeypatch):
    monkeypatch.delenv("CODEIT_TEST_LLM_KEY", raising=False)
    policy = DSPyPolicy(model="openai/gpt-4o-mini", api_key_env="CODEIT_TEST_LLM_KEY")
    with pytest.raises(MissingAPIKeyError, match="CODEIT_TEST_LLM_KEY"):
        policy.sample([make_task("t")], 2, 0.9, random.Random(0))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="OPENAI_API_KEY"):
        DSPyPolicy(model="openai/gpt-4o-mini").sample([make_task("t")], 1, 0.9,
                                                       random.Random(0))
    assert DSPyPolicy(model="ollama_chat/llama3.1").key_env is None
    with pytest.raises(ValueError, match="name an environment variable"):
        DSPyPolicy(api_key_env=SECRET)


def test_a_rejected_key_stops_sampling_with_the_variable_named(monkeypatch):
    def answer(prompt):
        raise AuthError("invalid api key")

    lm, _ = scripted_lm(answer)
    policy = DSPyPolicy(api_key_env="CODEIT_TEST_LLM_KEY", lm=lm, cache=False)
    with pytest.raises(DSPyPolicyError, match="CODEIT_TEST_LLM_KEY"):
        policy.sample([make_task("t")], 1, 0.9, random.Random(0))


def all_text(root: Path) -> str:
    return "".join(p.read_bytes().decode("latin-1") for p in root.rglob("*") if p.is_file())


def test_the_key_is_never_saved_and_the_cache_lives_in_the_run_dir(tmp_path, monkeypatch,
                                                                     global_dspy_cache):
    monkeypatch.setenv("CODEIT_TEST_LLM_KEY", SECRET)
    lm, engine = scripted_lm(lambda p: formatted("O = rotate_180(I)"))
    seen = {}

    def build(self, api_key):
        seen["key"] = api_key
        return lm

    monkeypatch.setattr(DSPyPolicy, "_build_lm", build)
    run_dir = tmp_path / "run"
    policy = make_policy("dspy", {"model": "openai/gpt-4o-mini",
                                  "api_key_env": "CODEIT_TEST_LLM_KEY", "shots": 1},
                         run_dir=run_dir)
    assert isinstance(policy, DSPyPolicy) and policy.cache_dir == run_dir / "dspy_cache"
    policy.learn([experience("x", "O = transpose(I)", 1.0)], random.Random(0))
    first = policy.sample([make_task("t")], 3, 0.9, random.Random(7))
    assert seen["key"] == SECRET and len(engine.prompts) == 3
    assert policy.sample_stats["calls"] == 3
    policy.save(run_dir / "checkpoints" / "iter_0001.pt")

    cache_files = list((run_dir / "dspy_cache").rglob("*"))
    assert any(p.is_file() and p.stat().st_size for p in cache_files)
    assert not global_dspy_cache.exists()
    assert SECRET not in all_text(run_dir)
    saved = json.loads((run_dir / "checkpoints" / "iter_0001.pt").read_text())
    assert saved["options"]["api_key_env"] == "CODEIT_TEST_LLM_KEY"
    assert [s["program"] for s in saved["pool"]] == ["O = transpose(I)"]

    # a fresh policy on the same run dir (a resumed run) replays the cached answers
    again = make_policy("dspy", {"model": "openai/gpt-4o-mini",
                                 "api_key_env": "CODEIT_TEST_LLM_KEY", "shots": 1},
                        run_dir=run_dir)
    again.load(run_dir / "checkpoints" / "iter_0001.pt")
    assert [s.program for s in again.pool] == ["O = transpose(I)"]
    assert again.sample([make_task("t")], 3, 0.9, random.Random(7)) == first
    assert again.sample_stats["cache_hits"] == 3 and len(engine.prompts) == 3
    # another draw (the next meta-iteration) asks the model again
    again.sample([make_task("t")], 3, 0.9, random.Random(8))
    assert again.sample_stats["calls"] == 3 and len(engine.prompts) == 6


def test_reference_card_and_grids_are_compact():
    card = reference_card()
    assert len(card) < 32_000 and card.count("\n") > 250
    assert render_grid(grid("012", "345")) == "2x3\n012\n345"


def test_one_loop_iteration_with_the_dspy_policy_solves_a_task(tmp_path):
    from codeit_core.loop import CodeItLoop
    from codeit_core.runs import RunConfig, RunDir
    from codeit_core.tasks import load_dataset

    target = next(t for t in load_dataset("arc1-train") if t.id == "3c9b0459")
    marker = render_grid(target.train[0].input)

    def answer(prompt):
        if marker in last_user(prompt):
            return formatted("```\nO = rotate_180(I)\n```")
        return formatted("x1 = rotate_cw(I)\nO = flip_vertical(x1)")

    lm, engine = scripted_lm(answer)
    config = RunConfig(dataset="arc1-train", tasks="3c9b0459,007bbfb7", policy="dspy",
                       iterations=1, samples_per_task=2, learn_size=50, seed_mutants=0,
                       search_mutants=0, workers=2, policy_options={"shots": 2, "model": "openai/gpt-4o-mini",
                                                  "api_key_env": "CODEIT_UNUSED_KEY"})
    with CodeItLoop.create(RunDir(tmp_path / "run"), config) as loop:
        assert isinstance(loop.policy, DSPyPolicy)
        loop.policy.lm = lm  # the scripted engine instead of the network
        metrics = loop.run_iteration()
        assert metrics["policy_only_solved"] >= 1
        # the policy's own counters reach the iteration's metrics
        assert metrics["policy_sample_stats"]["calls"] >= 1
        solved = loop.conn.execute(
            "SELECT COUNT(*) FROM samples WHERE task_id = '3c9b0459' AND test_correct = 1"
        ).fetchone()[0]
        assert solved == 1
    assert len(engine.prompts) == 4
    assert (tmp_path / "run" / "dspy_cache").is_dir()


def test_an_echoed_key_is_redacted_from_error_messages(monkeypatch):
    monkeypatch.setenv("CODEIT_TEST_LLM_KEY", SECRET)

    def answer(prompt):
        raise ConnectionError(f"proxy refused Authorization: Bearer {SECRET}")

    lm, _ = scripted_lm(answer)
    monkeypatch.setattr(DSPyPolicy, "_build_lm", lambda self, api_key: lm)
    policy = DSPyPolicy(api_key_env="CODEIT_TEST_LLM_KEY", cache=False)
    assert policy.sample([make_task("t")], 2, 0.9, random.Random(0)) == {"t": []}
    message = policy.sample_stats["errors"][0]
    assert SECRET not in message and "$CODEIT_TEST_LLM_KEY" in message
    assert SECRET not in json.dumps(policy.options())
