"""The neural policy: constrained decoding (every sample parses), learning lowers the loss,
checkpoints round-trip, test outputs stay unseen, and it runs in the real loop."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
import torch

from codeit_core.dsl import canonical, check_program, format_program, parse
from codeit_core.policies import make_policy
from codeit_core.solutions import load_solutions
from codeit_core.tasks import Pair, load_dataset
from helpers import seed_experiences

TINY = dict(hidden=32, embed=16, channels=8, epochs_pretrain=1, pretrain_seconds=20.0,
            batch_size=16)


@pytest.fixture(scope="module")
def experiences():
    """Reference programs relabeled on their own training tasks (run in-process: trusted)."""
    return seed_experiences(60)


@pytest.fixture(scope="module")
def tasks():
    return [replace(t, test=tuple(replace(p, output=None) for p in t.test))
            for t in load_dataset("arc1-eval")[:4]]


def test_every_sample_parses_and_type_checks(tasks, experiences):
    untrained = make_policy("neural", {**TINY, "max_lines": 8})
    trained = make_policy("neural", {**TINY, "max_lines": 8})
    trained.pretrain(experiences[:40], random.Random(0))
    for policy in (untrained, trained):
        for temperature in (0.5, 1.5):
            out = policy.sample(tasks, 16, temperature, random.Random(1))
            assert set(out) == {t.id for t in tasks}
            total = 0
            for programs in out.values():
                assert len(programs) == len(set(programs))  # no duplicates per task
                for text in programs:
                    program = check_program(parse(text))
                    assert len(program.lines) <= 8
                    assert format_program(canonical(program)) == text
                    total += 1
            assert total >= 0.9 * 16 * len(tasks)


def test_grammar_encodes_every_reference_program():
    policy = make_policy("neural", TINY)
    g = policy.grammar
    programs = sorted(load_solutions().values())
    for text in programs:
        encoded = g.encode(text)
        assert encoded is not None, text
        # replaying the tokens through the grammar gives back the canonical text
        s = g.start()
        for tok in encoded[0]:
            g.advance(s, tok)
        assert s.done and g.text(s) == format_program(canonical(parse(text)))


def test_learning_reduces_the_training_loss(experiences):
    fixed = experiences[:50]
    policy = make_policy("neural", {**TINY, "augment": 0.0, "lr": 3e-3})
    before = policy.evaluate_loss(fixed)
    rng = random.Random(0)
    for _ in range(6):
        stats = policy.learn(fixed, rng)
    # every experience whose program the policy can learn (encodable, not too long) is an
    # example
    learnable = sum(policy._target(e.program, None) is not None for e in fixed)
    assert stats["examples"] == learnable >= 40
    after = policy.evaluate_loss(fixed)
    assert after < 0.8 * before, (before, after)

    frozen = make_policy("neural", {**TINY, "learning": False})
    weights = [p.detach().clone() for p in frozen.net.parameters()]
    frozen.learn(fixed, random.Random(0))
    assert all(torch.equal(a, b) for a, b in zip(weights, frozen.net.parameters()))


def test_save_load_round_trip_gives_identical_samples(tmp_path, tasks, experiences):
    policy = make_policy("neural", TINY)
    policy.pretrain(experiences[:24], random.Random(0))
    path = tmp_path / "ckpt" / "iter_0001.pt"
    policy.save(path)
    assert path.is_file() and not list(path.parent.glob("*.tmp"))
    first = policy.sample(tasks, 8, 0.95, random.Random(7))
    again = policy.sample(tasks, 8, 0.95, random.Random(7))
    assert first == again  # deterministic given the rng
    other = make_policy("neural", {**TINY, "init_seed": 3})
    assert other.sample(tasks, 8, 0.95, random.Random(7)) != first
    other.load(path)
    assert other.sample(tasks, 8, 0.95, random.Random(7)) == first


def test_sample_never_uses_test_outputs(tasks):
    policy = make_policy("neural", TINY)
    full = {t.id: t for t in load_dataset("arc1-eval")[:4]}
    blind = policy.sample(tasks, 6, 0.95, random.Random(3))
    seeing = policy.sample([full[t.id] for t in tasks], 6, 0.95, random.Random(3))
    junk = [replace(t, test=tuple(Pair(p.input, ((9,),)) for p in t.test)) for t in tasks]
    assert policy.sample(junk, 6, 0.95, random.Random(3)) == blind == seeing
    no_tests = [replace(t, test=()) for t in tasks]
    assert policy.sample(no_tests, 6, 0.95, random.Random(3)) == blind


def test_runs_through_the_real_loop(tmp_path):
    from codeit_core.loop import CodeItLoop
    from codeit_core.runs import RunConfig, RunDir

    config = RunConfig(policy="neural", dataset="arc1-train", tasks="3", samples_per_task=4,
                       learn_size=50, seed_mutants=20, search_mutants=20, workers=2,
                       iterations=1,
                       policy_options={**TINY, "pretrain_seconds": 5.0})
    with CodeItLoop.create(RunDir(tmp_path / "run"), config) as loop:
        loop.run_iterations(1)
        m = loop.metrics_table()[0]
        assert m["sampled"] == 12 and m["unique"] >= 1
        assert "pretrain_loss" in m["learn"] and m["learn"]["examples"] > 0
        assert "policy_only_solved" in m
        assert loop.dir.checkpoint(1).is_file()
    # resuming loads the checkpoint into a fresh policy
    with CodeItLoop.open(RunDir(tmp_path / "run")) as loop:
        assert loop.iteration == 2 and loop.policy.updates > 0


def test_pretraining_reads_the_seed_and_the_search_task_experiences(tmp_path):
    from codeit_core.loop import CodeItLoop
    from codeit_core.relabel import POLICY_POOL, SEED_POOL
    from codeit_core.runs import RunConfig, RunDir

    base = dict(policy="neural", dataset="arc1-train", tasks="3c9b0459,6150a2bd,007bbfb7",
                samples_per_task=4, learn_size=50, seed_mutants=20, search_mutants=60,
                workers=2, iterations=1, policy_options={**TINY, "pretrain_seconds": 2.0})
    for k in (2, 0):  # 0: the paper's setup, the seed pool alone
        with CodeItLoop.create(RunDir(tmp_path / f"k{k}"), RunConfig(**base,
                                                                    search_experiences=k)
                               ) as loop:
            summary = loop.seed()
            read: list = []
            pretrain = loop.policy.pretrain

            def recording(experiences, rng, pretrain=pretrain, read=read):
                read.extend(experiences)
                return pretrain(experiences, rng)

            loop.policy.pretrain = recording
            loop.learn()
            pools = [e.pool for e in read]
            assert pools.count(SEED_POOL) == loop.buffer.size(SEED_POOL) > 0
            assert pools.count(POLICY_POOL) == summary["search_experiences"]
            assert (summary["search_experiences"] > 0) == (k > 0)


def test_every_neural_option_is_a_documented_field():
    import dataclasses

    from codeit_core.policies.neural import DEFAULTS, NeuralOptions
    from codeit_core.runs import field_docs

    names = [f.name for f in dataclasses.fields(NeuralOptions)]
    assert list(DEFAULTS) == names
    docs = field_docs(NeuralOptions)
    assert all(len(docs.get(n, "")) > 10 for n in names), set(names) - set(docs)
    with pytest.raises(ValueError, match="unknown option"):
        make_policy("neural", {"hiden": 32})


def test_encoder_input_is_each_grid_one_hot_then_its_mask():
    policy = make_policy("neural", TINY)
    a = ((1, 2, 0), (3, 4, 9))           # 2x3 input
    b = ((5,), (6,), (7,))               # 3x1 output
    grids, feats, owner = policy._batch_pairs([[(a, b)]])
    assert grids.shape == (1, 22, 4, 4)  # padded to the even size that holds both
    assert owner.tolist() == [0] and feats.shape[0] == 1
    expected = torch.zeros(22, 4, 4)
    for base, grid in ((0, a), (11, b)):
        for r, row in enumerate(grid):
            for c, colour in enumerate(row):
                expected[base + colour, r, c] = 1.0   # the colour's channel
                expected[base + 10, r, c] = 1.0       # inside the grid
    assert torch.equal(grids[0], expected)
