"""Pretrained weights outside a run (`python -m codeit_core pretrain`), a run that starts
from them (the neural policy's `init_checkpoint`), and the checkpoint the project ships."""

from __future__ import annotations

import json

import pytest
import torch

from codeit_core.policies import make_policy
from codeit_core.runs import ConfigError

TINY = dict(hidden=32, embed=16, channels=8, epochs_pretrain=1, pretrain_seconds=30.0,
            batch_size=16)


def weights(policy) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in policy.net.state_dict().items()}


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    from codeit_core.pretrain import pretrain_checkpoint

    out = tmp_path_factory.mktemp("pretrained") / "tiny.pt"
    meta = pretrain_checkpoint(out, seed=0, seed_mutants=10, options=TINY, workers=2)
    return out, meta


def test_the_checkpoint_is_what_a_runs_own_pretraining_gives(made, tmp_path):
    """The same seed pool, random streams and epochs as the first Learn step of a run."""
    from codeit_core.loop import CodeItLoop
    from codeit_core.runs import RunConfig, RunDir

    out, meta = made
    config = RunConfig(policy="neural", dataset="arc1-eval", tasks="2", seed_mutants=10,
                       search_mutants=0, search_experiences=0, workers=2, learn_size=20,
                       samples_per_task=2, policy_options=TINY)
    with CodeItLoop.create(RunDir(tmp_path / "run"), config) as loop:
        loop.seed()
        seen: dict = {}
        pretrain = loop.policy.pretrain

        def recording(experiences, rng):
            stats = pretrain(experiences, rng)
            seen["weights"], seen["n"] = weights(loop.policy), len(experiences)
            return stats

        loop.policy.pretrain = recording
        loop.learn()
    started = make_policy("neural", {**TINY, "init_checkpoint": str(out)})
    assert same(weights(started), seen["weights"])
    assert meta["seed_pool"]["experiences"] == seen["n"] > 300
    assert meta["seed_pool"]["dataset"] == "arc1-train"
    assert meta["seed_pool"]["mutants"] == 10 and meta["pretrain"]["epochs"] == 1
    on_disk = json.loads(out.with_suffix(".json").read_text())
    assert on_disk["made_by"].startswith("python -m codeit_core pretrain --out FILE")
    assert "--seed-mutants 10" in on_disk["made_by"] and on_disk["architecture"]["embed"] == 16


def test_a_run_from_the_checkpoint_skips_pretraining(made, tmp_path):
    from codeit_core.loop import CodeItLoop
    from codeit_core.runs import RunConfig, RunDir

    out, _ = made
    loaded = weights(make_policy("neural", {**TINY, "init_checkpoint": str(out)}))
    config = RunConfig(policy="neural", dataset="arc1-eval", tasks="2", seed_mutants=10,
                       search_mutants=0, workers=2, learn_size=20, samples_per_task=2,
                       policy_options={**TINY, "init_checkpoint": str(out)})
    with CodeItLoop.create(RunDir(tmp_path / "run"), config) as loop:
        loop.seed()
        assert same(weights(loop.policy), loaded)
        stats = loop.learn()
        assert stats["pretrain_from_checkpoint"] == 1.0 and stats["pretrain_epochs"] == 0.0
        assert stats["examples"] > 0  # the Learn step itself still trains
        assert not same(weights(loop.policy), loaded)


def test_a_checkpoint_that_does_not_fit_is_refused_in_our_words(made, tmp_path):
    out, _ = made
    with pytest.raises(ConfigError, match=r"init_checkpoint .* has embed=16, this policy 24"):
        make_policy("neural", {**TINY, "embed": 24, "init_checkpoint": str(out)})
    with pytest.raises(ConfigError, match="no such file.*codeit_core pretrain"):
        make_policy("neural", {**TINY, "init_checkpoint": str(tmp_path / "none.pt")})
    state = torch.load(out, weights_only=True)
    state["state"] = {k: v[:1] for k, v in state["state"].items()}  # the right names, wrong shapes
    torch.save(state, tmp_path / "cut.pt")
    with pytest.raises(ConfigError, match="its weights do not fit this policy"):
        make_policy("neural", {**TINY, "init_checkpoint": str(tmp_path / "cut.pt")})
    from codeit_core.runs import RunConfig

    with pytest.raises(ConfigError, match="ablation A4 is the run without them"):
        RunConfig(ablation="A4", policy_options={"init_checkpoint": "bundled"}).validate()
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ConfigError, match="not a checkpoint of the neural policy"):
        make_policy("neural", {**TINY, "init_checkpoint": str(garbage)})


def test_the_bundled_checkpoint_loads_into_the_default_policy_and_says_what_made_it():
    from codeit_core.policies.neural import BUNDLED_CHECKPOINT, DEFAULTS
    from codeit_core.pretrain import metadata_path

    fresh = weights(make_policy("neural", {}))
    policy = make_policy("neural", {"init_checkpoint": "bundled"})
    assert policy.pretrained and policy.started_from == str(BUNDLED_CHECKPOINT)
    assert not same(weights(policy), fresh)
    meta = json.loads(metadata_path(BUNDLED_CHECKPOINT).read_text())
    assert meta["made_by"].startswith("python -m codeit_core pretrain --out FILE")
    assert meta["seed_pool"]["dataset"] == "arc1-train"
    assert meta["architecture"] == {k: DEFAULTS[k] for k in ("embed", "hidden", "channels")}
    assert meta["pretrain"]["epochs"] == DEFAULTS["epochs_pretrain"]


def test_the_bundled_checkpoint_was_made_from_todays_seed_pool():
    """New reference programs or new mutation code make another seed pool: the shipped
    weights must then be made again."""
    from codeit_core.policies.neural import BUNDLED_CHECKPOINT
    from codeit_core.pretrain import inputs_digest, metadata_path
    from codeit_core.runs import RunConfig

    meta = json.loads(metadata_path(BUNDLED_CHECKPOINT).read_text())
    assert meta["seed_pool"]["inputs_sha256"] == inputs_digest(
        meta["seed"], RunConfig().seed_mutants), (
        "the seed pool changed since the bundled weights were made; remake them with "
        "`python -m codeit_core pretrain --out codeit_core/data/neural_pretrained.pt`")


def test_the_cli_writes_a_checkpoint_a_run_can_start_from(tmp_path, capsys):
    from codeit_core.cli import main

    out = tmp_path / "cli.pt"
    assert main(["pretrain", "--out", str(out), "--seed-mutants", "5", "--workers", "2",
                 *[a for k, v in TINY.items() for a in ("--policy-option", f"{k}={v}")]]) == 0
    said = capsys.readouterr().out
    assert "pretrained on" in said and f"init_checkpoint={out}" in said
    assert out.is_file() and out.with_suffix(".json").is_file()
    assert make_policy("neural", {**TINY, "init_checkpoint": str(out)}).pretrained
