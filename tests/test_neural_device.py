"""The neural policy's `device` option on a CPU-only machine: "auto" picks the CPU here (and
CUDA where torch sees a GPU), a device the machine lacks is refused with a message that
says what to pass, checkpoints carry no device, and the CPU numbers do not depend on how
the CPU was asked for. A GPU is simulated only in what torch.cuda reports: no tensor is
ever moved to it."""

from __future__ import annotations

import random

import pytest
import torch

from codeit_core.cli_run import policy_options
from codeit_core.policies import make_policy
from codeit_core.policies.neural import resolve_device
from codeit_core.runs import ConfigError
from codeit_core.tasks import load_dataset
from helpers import seed_experiences

TINY = dict(hidden=32, embed=16, channels=8, epochs_pretrain=1, pretrain_seconds=20.0,
            batch_size=8)
CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def experiences():
    """A dozen reference programs relabeled on their own training tasks."""
    return seed_experiences(12)


@pytest.fixture(scope="module")
def tasks():
    return load_dataset("arc1-train")[:2]


def gpus(monkeypatch, count: int) -> None:
    """Make torch.cuda report `count` GPUs (0: a CPU-only build)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)


def test_auto_is_the_cpu_here_and_cuda_where_torch_sees_a_gpu(monkeypatch):
    policy = make_policy("neural", TINY)
    assert policy.device == CPU
    assert all(p.device == CPU for p in policy.net.parameters())
    assert policy.options["batch_size"] == TINY["batch_size"]
    gpus(monkeypatch, 2)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cuda:1") == torch.device("cuda:1")
    assert resolve_device("cpu") == CPU


def test_the_option_arrives_from_the_command_line_as_text():
    assert policy_options(["device=cpu", "device=cuda:1"]) == {"device": "cuda:1"}
    assert make_policy("neural", {**TINY, **policy_options(["device=cpu"])}).device == CPU


def test_a_missing_gpu_is_refused_with_what_to_pass_instead(monkeypatch):
    gpus(monkeypatch, 0)
    with pytest.raises(ValueError) as e:
        make_policy("neural", {**TINY, "device": "cuda"})
    assert isinstance(e.value, ConfigError)  # the command line prints it, no traceback
    message = str(e.value)
    assert "device='cuda' was asked for" in message
    assert "sees no CUDA GPU (torch.cuda.is_available() is False)" in message
    assert message.endswith("use device='auto' or 'cpu'")

    gpus(monkeypatch, 1)
    with pytest.raises(ValueError, match=r"device='cuda:3' was asked for, but this machine "
                                         r"has 1 CUDA GPU \(cuda:0\); use device='auto', "
                                         r"'cpu' or one of those"):
        make_policy("neural", {**TINY, "device": "cuda:3"})
    for name in ("tpu", "CPU", "cuda:", "cuda:x", "cuda1"):
        with pytest.raises(ValueError, match=rf"device='{name}' was asked for, which is not "
                                             r"a device name .* 'cuda:N'\); this machine"):
            make_policy("neural", {**TINY, "device": name})


def test_a_checkpoint_saved_on_a_gpu_loads_on_the_cpu(tmp_path, experiences):
    policy = make_policy("neural", TINY)
    policy.learn(experiences, random.Random(0))  # the optimizer has a state to carry
    path = tmp_path / "iter_0001.pt"
    policy.save(path)
    data = torch.load(path, weights_only=False)
    data["options"] = {**data["options"], "device": "cuda", "batch_size": 32}
    torch.save(data, path)

    other = make_policy("neural", {**TINY, "device": "cpu", "init_seed": 5})
    assert not torch.equal(other.net.tok.weight, policy.net.tok.weight)
    other.load(path)
    mine, theirs = policy.net.state_dict(), other.net.state_dict()
    assert mine.keys() == theirs.keys()
    for key in mine:
        assert theirs[key].device == CPU and torch.equal(theirs[key], mine[key]), key
    saved, loaded = policy.opt.state_dict()["state"], other.opt.state_dict()["state"]
    assert saved and saved.keys() == loaded.keys()
    for i in saved:
        for name, t in saved[i].items():
            assert loaded[i][name].device == CPU and torch.equal(loaded[i][name], t), name
    assert other.updates == policy.updates > 0

    # the shape of the weights must still match
    with pytest.raises(ValueError, match="hidden=32"):
        make_policy("neural", {**TINY, "hidden": 24}).load(path)


def test_the_cpu_path_is_the_same_however_the_cpu_is_named(experiences, tasks):
    samples = []
    for device in ("cpu", "auto", None):
        options = dict(TINY) if device is None else {**TINY, "device": device}
        policy = make_policy("neural", options)
        stats = policy.pretrain(experiences, random.Random(3))
        samples.append((stats["loss"], policy.sample(tasks, 6, 1.0, random.Random(4))))
    assert samples[0] == samples[1] == samples[2]
    assert all(len(programs) == 6 for programs in samples[0][1].values())
