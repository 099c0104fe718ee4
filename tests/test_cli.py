"""The command line, run as a user runs it: `python -m codeit_core ...` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers import ROOT


def codeit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codeit_core", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def bench(tmp_path, *args: str) -> dict:
    """Run ``bench`` with `args` in `tmp_path` and return its JSON report."""
    out = tmp_path / "bench.json"
    result = codeit("bench", *args, "--json", str(out), "--run-dir", str(tmp_path / "runs"))
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(out.read_text())


def test_datasets_prints_every_dataset_with_its_count():
    result = codeit("datasets")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()[1:]}
    assert rows == {"arc1-train": "400", "arc1-eval": "400", "arc2-train": "1000",
                    "arc2-eval": "120"}


def test_unknown_command_is_a_usage_error():
    result = codeit("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_policy_options_are_read_as_json_or_text():
    from codeit_core.cli_run import policy_options
    from codeit_core.runs import ConfigError

    assert policy_options(["shots=4", "cache=false", "model=openai/gpt-4o-mini",
                           "temperature=0.5"]) == {"shots": 4, "cache": False,
                                                   "model": "openai/gpt-4o-mini",
                                                   "temperature": 0.5}
    import pytest

    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        policy_options(["shots"])


def test_run_with_a_bad_setting_says_which_field(tmp_path):
    result = codeit("run", "--run-dir", str(tmp_path / "r"), "--samples-per-task", "0")
    assert result.returncode == 2
    assert "samples_per_task" in result.stderr and "Traceback" not in result.stderr


def test_bench_runs_end_to_end_on_a_tiny_budget(tmp_path):
    report = bench(tmp_path, "--protocol", "smoke", "--policy", "mutation", "--tasks", "3",
                   "--iterations", "1", "--seed-mutants", "30", "--search-mutants", "60")
    text = json.dumps(report)
    for key in ("policy_only", "cumulative", "headline_cumulative_solved", "wall"):
        assert key in text, key
    [row] = report["runs"]["learning"]["iterations"]
    # the loop's memory: what it holds after the iteration, and its peak so far
    assert 0 < row["resident_mb"] <= row["peak_memory_mb"]["self"]


def test_bench_sets_any_config_field_and_refuses_an_unknown_one(tmp_path):
    report = bench(tmp_path, "--protocol", "smoke", "--policy", "mutation", "--tasks", "3",
                   "--iterations", "1", "--seed-mutants", "30", "--search-mutants", "60",
                   "--no-control", "--set", "search_experiences=2", "--set", "temperature=0.7")
    assert report["config"]["search_experiences"] == 2
    assert report["config"]["temperature"] == 0.7
    assert report["runs"]["learning"]["seed"]["search_experiences"] > 0
    for bad, why in (("bogus=1", "FIELD one of"), ("search_experiences=many", "takes an integer"),
                     ("search_experiences", "FIELD=VALUE")):
        result = codeit("bench", "--protocol", "smoke", "--json", str(tmp_path / "x.json"),
                        "--set", bad)
        assert result.returncode == 2 and why in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_bench_mutation_protocol_reports_the_baseline_curve(tmp_path):
    report = bench(tmp_path, "--protocol", "mutation", "--tasks", "4", "--mutants", "20,40",
                   "--seed-mutants", "10")
    assert report["mutation"]["samples"] == [20, 40]
    solved = report["mutation"]["solved"]
    assert len(solved) == 2 and 0 <= solved[0] <= solved[1] <= 4
    assert report["paper_mutation"]["solved"][:2] == [28, 32]
    assert report["search"]["tasks"] == 4 and report["search"]["mutant_samples"] == 40


def test_bench_tune_protocol_searches_the_paper_split(tmp_path):
    from codeit_core.bench import paper_split
    from codeit_core.solutions import load_solutions

    report = bench(tmp_path, "--protocol", "tune", "--policy", "mutation", "--iterations",
                   "1", "--no-control", "--seed-mutants", "10", "--search-mutants", "20")
    split = paper_split()
    assert len(split["train"]) == 311 and len(split["val"]) == 89
    assert not set(split["train"]) & set(split["val"])
    assert report["config"]["dataset"] == "arc1-train"
    assert report["config"]["tasks"].split(",") == split["val"]
    seed = report["runs"]["learning"]["seed"]
    own = load_solutions()
    # the 89 search tasks' own reference programs are not in the seed
    assert seed["reference_programs"] == len(set(own) - set(split["val"]))
    assert seed["search"]["tasks"] == 89


def test_bench_long_protocol_stops_at_its_wall_budget(tmp_path):
    report = bench(tmp_path, "--protocol", "long", "--policy", "mutation", "--tasks", "3",
                   "--seed-mutants", "10", "--search-mutants", "10", "--wall-budget", "1")
    run = report["runs"]["learning"]
    assert "no_learning" not in report["runs"]
    # seeding alone takes longer than a second: no iteration, or the first one only
    assert len(run["iterations"]) <= 1 and run["stopped_by_wall_budget"] == 1.0


def test_every_config_field_is_an_option_of_run_with_its_doc():
    import argparse
    import dataclasses

    from codeit_core.cli_run import add_parser, config_from_args
    from codeit_core.runs import RunConfig, field_docs

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    names = [f.name for f in dataclasses.fields(RunConfig) if f.name != "policy_options"]
    given = {"alpha": "0.5", "capacity": "7", "policy_share": "0.75", "priority_recency":
             "0.25", "priority_shortness": "0.5", "random_program_length": "3",
             "ablation": "A3", "tasks": "5", "temperature": "0.7"}
    args = parser.parse_args(["run", "--run-dir", "x", *[a for k, v in given.items()
                                                         for a in (f"--{k.replace('_', '-')}", v)]])
    config = config_from_args(args)
    assert (config.alpha, config.capacity, config.policy_share, config.priority_recency,
            config.priority_shortness, config.random_program_length, config.ablation,
            config.tasks, config.temperature) == (0.5, 7, 0.75, 0.25, 0.5, 3, "A3", "5", 0.7)
    assert config.learn_size == RunConfig().learn_size  # the rest keep their defaults
    help_text = " ".join(codeit("run", "--help").stdout.split())
    docs = field_docs(RunConfig)
    for name in names:
        assert f"--{name.replace('_', '-')}" in help_text
        assert docs[name][:30] in help_text, name


def test_the_progress_bar_writes_one_line_per_finished_phase_to_a_log():
    import io

    from codeit_core.cli_run import ProgressBar

    log = io.StringIO()  # not a terminal, as run.log of a background run
    bar = ProgressBar(log)
    for done in range(0, 11, 5):
        bar("seed: mutants", done, 10)
    bar("seed: mutants", 10, 10)  # a repeated last call adds nothing
    bar("execute", 0, 4)
    bar("execute", 4, 4)
    assert log.getvalue() == "  seed: mutants: 10/10\n  execute: 4/4\n"
