"""The run store: the one module that reads and writes a run's database."""

from __future__ import annotations

import re

from codeit_core.runs import RunConfig, RunDir
from codeit_core.steps import LAST_PHASE
from codeit_core.store import CREATED, RunStore
from helpers import ROOT

# modules with SQL of their own: the schema (db), the replay buffer, the scoring of
# candidates and the repair of damaged files, besides the store itself
OWN_SQL = {"codeit_core/db.py", "codeit_core/buffer.py", "codeit_core/metrics.py",
           "codeit_core/repair.py", "codeit_core/store.py"}
SQL = re.compile(r"""["'](SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP)\s""")


def new_run(tmp_path) -> RunDir:
    run = RunDir(tmp_path / "run")
    run.create(RunConfig(dataset="arc1-train", tasks="2"))
    return run


def test_no_sql_outside_the_store_and_the_modules_that_own_theirs():
    sources = [p for folder in ("codeit_core", "views", "ui") for p in (ROOT / folder).rglob(
        "*.py")] + [ROOT / "app.py"]
    offenders = [f"{rel}:{n}" for p in sources
                 if (rel := str(p.relative_to(ROOT))) not in OWN_SQL
                 for n, line in enumerate(p.read_text().splitlines(), 1)
                 if SQL.search(line) and "header and schema read" not in line]
    assert len(sources) > 20 and offenders == []


def test_lifecycle_writes_only_what_it_is_given(tmp_path):
    run = new_run(tmp_path)
    with RunStore.reading(run) as store:
        assert store.lifecycle() == {"status": CREATED, "pid": None, "stop_requested": False,
                                     "target": None}
    with RunStore.writing(run) as store:
        store.set_status("running", pid=4321, stop_requested=False, target=7)
        store.request_stop()
        store.set_status("starting")  # pid, stop request and target are left as they are
        assert store.lifecycle() == {"status": "starting", "pid": 4321,
                                     "stop_requested": True, "target": 7}
        store.set_status("stopped", pid=None, stop_requested=False, target=None)
    with RunStore.reading(run) as store:
        assert store.lifecycle() == {"status": "stopped", "pid": None, "stop_requested": False,
                                     "target": None}
        assert run.status()["status"] == "stopped"


def test_phases_and_metrics_of_iterations(tmp_path):
    run = new_run(tmp_path)
    with RunStore.writing(run) as store:
        assert store.last_iteration() is None and store.completed_iterations() == 0
        store.record_phase(1, "learned", {"learn": {"loss": 2.5}, "learn_seconds": 1.0})
        assert store.iteration_metrics(1)["learn_seconds"] == 1.0
        assert store.iteration_rows() == []  # not finished yet
        store.record_phase(1, LAST_PHASE, {**store.iteration_metrics(1), "cumulative_solved": 3})
        store.record_phase(2, "started", {})
        assert store.last_iteration() == (2, "started")
        assert store.completed_iterations() == 1
        (row,) = store.iteration_rows()
        assert row["iteration"] == 1 and row["learn_loss"] == 2.5
        assert row["cumulative_solved"] == 3 and row["finished"] >= row["started"] > 0
        assert store.iteration_metrics(7) == {}
