"""Hindsight relabeling semantics and rewards."""

from __future__ import annotations

import pytest

from codeit_core.relabel import Experience, pixel_accuracy, program_length, relabel, rewards
from codeit_core.tasks import Pair, Task

A = ((1, 0), (0, 1))
B = ((0, 1), (1, 0))
C = ((2, 2), (2, 2))
TASK = Task("t", (Pair(A, B), Pair(B, A), Pair(C, C)), (Pair(A, B),))
PROGRAM = "x1 = flip_horizontal(I)\nO = identity(x1)\n"


def test_pixel_accuracy():
    assert pixel_accuracy(A, A) == 1.0
    assert pixel_accuracy(A, B) == 0.0
    assert pixel_accuracy(((1, 0), (0, 0)), A) == 0.75
    assert pixel_accuracy(((1,),), A) == 0.0  # shapes differ
    assert pixel_accuracy(None, A) == 0.0


def test_rewards_per_demo():
    r = rewards([B, B, None], [B, A, C])
    assert r.exact == (True, False, False)
    assert r.demo_accuracy == pytest.approx(1 / 3)
    assert r.pixel == (1.0, 0.0, 0.0)
    assert not r.solves_all_demos
    with pytest.raises(ValueError):
        rewards([B], [B, A])


def test_relabel_pairs_real_inputs_with_realized_outputs():
    e = relabel(TASK, PROGRAM, [B, B, None], iteration=3, pool="policy", sample_id=7)
    assert isinstance(e, Experience)
    # the failed third demo is dropped; outputs are what the program produced, not targets
    assert e.inputs == (A, B)
    assert e.outputs == (B, B)
    assert e.demo_accuracy == pytest.approx(1 / 3)
    assert e.pixel_accuracy == pytest.approx(1 / 3)
    assert e.length == 2 and e.iteration == 3 and e.sample_id == 7
    assert e.task_id == "t" and not e.is_full_solution


def test_test_inputs_are_never_relabeled():
    e = relabel(TASK, PROGRAM, [B, A, C], iteration=0, pool="seed")
    assert A in e.inputs  # demo input
    assert len(e.inputs) == len(TASK.train)
    assert e.is_full_solution


def test_no_valid_output_means_no_experience():
    assert relabel(TASK, PROGRAM, [None, None, None], 0, "policy") is None


def test_ablation_a2_keeps_only_full_solutions_with_real_targets():
    assert relabel(TASK, PROGRAM, [B, B, C], 0, "policy", relabeling=False) is None
    e = relabel(TASK, PROGRAM, [B, A, C], 0, "policy", relabeling=False)
    assert e.outputs == (B, A, C)


def test_relabel_checks_its_inputs():
    with pytest.raises(ValueError, match="3 demonstrations"):
        relabel(TASK, PROGRAM, [B], 0, "policy")
    with pytest.raises(ValueError, match="unknown pool"):
        relabel(TASK, PROGRAM, [B, A, C], 0, "elsewhere")


def test_program_length_counts_calls():
    assert program_length("x1 = f(I)\n\n# note\nO = g(x1)\n") == 2
