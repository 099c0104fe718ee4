"""Every stored reference program solves every demonstration and test pair of its task."""

from __future__ import annotations

import subprocess
import sys

import pytest

from codeit_core.solutions import check_solution, load_solutions, verify
from codeit_core.tasks import find_task
from helpers import ROOT

SOLUTIONS = load_solutions()


@pytest.mark.parametrize("task_id", sorted(SOLUTIONS))
def test_reference_program_solves_its_task(task_id):
    task = find_task("arc1-train", task_id)
    assert check_solution(task, SOLUTIONS[task_id]) is None


def test_a_wrong_program_is_reported():
    task = find_task("arc1-train", "3c9b0459")  # rotate by 180 degrees
    assert check_solution(task, "O = flip_horizontal(I)\n") == "train[0]: wrong output"
    assert check_solution(task, "O = rotate_180(I)  \n").startswith("not in canonical form")
    assert check_solution(task, "O = nope(I)\n").startswith("does not parse")


def test_verify_cli_counts_and_fails_on_a_bad_program(tmp_path):
    (tmp_path / "3c9b0459.dsl").write_text("O = rotate_180(I)\n")
    (tmp_path / "67a3c6ac.dsl").write_text("O = rotate_180(I)\n")
    verdicts = {v.task_id: v.ok for v in verify(tmp_path)}
    assert verdicts == {"3c9b0459": True, "67a3c6ac": False}
    result = subprocess.run([sys.executable, "-m", "codeit_core", "solutions", "--verify"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"verified: {len(SOLUTIONS)}/400 ARC-AGI-1 training tasks")
