"""The Replay buffer page through Streamlit's AppTest, on a small real run directory:
sorted by priority, filtered and paged in SQL, one experience in detail, and the link
into the Playground."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from codeit_core.buffer import ReplayBuffer
from codeit_core.db import connect
from codeit_core.dsl import parse, run
from codeit_core.relabel import relabel
from codeit_core.solutions import load_solutions
from codeit_core.tasks import load_dataset
from helpers import ROOT

APP = str(ROOT / "app.py")
RUN_NAME = "demo-run"
UNARY = ("rotate_cw", "rotate_ccw", "rotate_180", "flip_horizontal", "flip_vertical",
         "transpose", "fall_down", "crop_to_foreground")
N_TASKS = 8


def make_run(root: Path, name: str = RUN_NAME) -> Path:
    """A run directory with real relabeled experiences on arc1-train tasks: each task's
    reference program (seed pool, solves every demo) and one-line programs (policy pool,
    mostly relabeled only), 72 experiences over iterations 0..3."""
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"dataset": "arc1-train"}))
    tasks = {t.id: t for t in load_dataset("arc1-train")}
    solutions = load_solutions()
    chosen = sorted(solutions)[:N_TASKS]
    experiences = []

    def add(task, text, iteration, pool, **lineage):
        program = parse(text)
        outputs = []
        for pair in task.train:
            try:
                outputs.append(run(program, pair.input))
            except Exception:
                outputs.append(None)
        exp = relabel(task, text, outputs, iteration, pool, **lineage)
        if exp is not None:
            experiences.append(exp)

    sample_id = 0
    for task_id in chosen:
        task = tasks[task_id]
        add(task, solutions[task_id], 0, "seed")
        for k, prim in enumerate(UNARY):
            sample_id += 1
            add(task, f"O = {prim}(I)\n", 1 + k % 3, "policy", sample_id=sample_id,
                parent_program=solutions[task_id] if k % 2 else None)
    conn = connect(folder / "run.sqlite")
    ReplayBuffer(conn).add(experiences)
    conn.close()
    return folder


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("runs")
    make_run(root)
    return root


@pytest.fixture
def buffer_page(runs_root, monkeypatch):
    monkeypatch.setenv("CODEIT_RUNS_DIR", str(runs_root))

    def open_page() -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        at.switch_page("views/replay_buffer.py").run()
        no_failure(at)
        return at

    return open_page


def no_failure(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def table(at: AppTest):
    return at.dataframe[0].value


def captions(at: AppTest) -> list[str]:
    return [i.caption for img in at.main.image for i in img.proto.imgs]


def all_text(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)


def test_no_runs_says_where_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("CODEIT_RUNS_DIR", str(tmp_path / "nothing-here"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("views/replay_buffer.py").run()
    no_failure(at)
    text = " ".join(i.value for i in at.info)
    assert "No runs yet" in text and "python -m codeit_core run" in text


def test_table_is_sorted_by_priority_and_paged(buffer_page, runs_root):
    at = buffer_page()
    assert at.selectbox(key="rb_run").value == RUN_NAME
    conn = connect(runs_root / RUN_NAME / "run.sqlite", readonly=True)
    total = ReplayBuffer(conn).size()
    assert total > 50
    frame = table(at)
    assert len(frame) == 50
    priorities = list(frame["priority"])
    assert priorities == sorted(priorities, reverse=True)
    assert priorities[0] > 1.0  # the reference programs solve every demo
    assert "page 1 of 2" in all_text(at)
    at.button(key="rb_next").click().run()
    no_failure(at)
    assert "page 2 of 2" in all_text(at)
    second = table(at)
    assert len(second) == total - 50
    assert max(second["priority"]) <= min(priorities)
    assert not set(second["id"]) & set(frame["id"])
    at.button(key="rb_prev").click().run()
    assert list(table(at)["id"]) == list(frame["id"])


def test_filters_narrow_the_table(buffer_page):
    at = buffer_page()
    at.selectbox(key="rb_pool").select("seed").run()
    no_failure(at)
    assert set(table(at)["pool"]) == {"seed"} and len(table(at)) == N_TASKS
    assert "page 1 of 1" in all_text(at)
    at.selectbox(key="rb_pool").select("Any").run()
    at.selectbox(key="rb_status").select("solved").run()
    assert (table(at)["demo accuracy"] == 1.0).all()
    at.selectbox(key="rb_status").select("relabeled only").run()
    assert (table(at)["demo accuracy"] == 0.0).all() and len(table(at)) > 0
    at.selectbox(key="rb_status").select("Any").run()
    at.text_input(key="rb_contains").input("rotate_180").run()
    no_failure(at)
    frame = table(at)
    assert len(frame) == N_TASKS and all("rotate_180" in p for p in frame["program"])
    task_id = frame["parent task"].iloc[0]
    at.selectbox(key="rb_task").select(task_id).run()
    assert list(table(at)["parent task"]) == [task_id]
    at.selectbox(key="rb_iteration").select(3).run()  # rotate_180 was stored at iteration 3
    assert list(table(at)["iteration"]) == [3]
    at.selectbox(key="rb_iteration").select(2).run()
    assert any("No experience matches" in i.value for i in at.info)
    at.selectbox(key="rb_iteration").select("Any").run()
    at.text_input(key="rb_contains").input("no_such_primitive").run()
    no_failure(at)
    assert any("No experience matches" in i.value for i in at.info)


def test_detail_shows_program_lineage_and_grids(buffer_page):
    at = buffer_page()
    top = table(at).iloc[0]
    assert at.selectbox(key="rb_exp").value == top["id"]
    assert any(f"Experience #{top['id']}" in s.value for s in at.subheader)
    assert at.code[0].value.strip().startswith(("x1 =", "O ="))
    caps = captions(at)
    n = int(top["pairs"])
    assert sum(c.startswith("input") for c in caps) == n
    assert sum(c.startswith("realized ·") for c in caps) == n
    # a reference program's realized output is its parent's real output
    verdicts = [c.value for c in at.caption]
    assert sum("realized output = parent's output" in v for v in verdicts) == n, verdicts
    # pick a policy experience on this page: it differs from its parent's outputs
    policy_id = int(table(at).query("pool == 'policy' and `demo accuracy` == 0")["id"].iloc[0])
    at.selectbox(key="rb_exp").select(policy_id).run()
    no_failure(at)
    verdicts = [c.value for c in at.caption]
    assert any("differs from the parent's" in v or "different size" in v
               for v in verdicts), verdicts
    assert "lineage" in all_text(at) and "sample id" in all_text(at)
    link = [p for p in at.main.get("page_link")]
    assert link and "Open in Playground" in link[0].proto.label
    assert f"experience={policy_id}" in link[0].proto.query_string


def test_histogram_and_learn_preview(buffer_page):
    at = buffer_page()
    assert len(at.get("plotly_chart")) == 1
    preview = at.dataframe[1].value
    assert len(preview) == 20
    assert (preview["pool"] == "policy").sum() == 18 and (preview["pool"] == "seed").sum() == 2
    assert "nothing in the run changes" in all_text(at)
    again = buffer_page()
    assert list(again.dataframe[1].value["id"]) == list(preview["id"])  # fixed seed


def test_playground_loads_an_experience_from_the_buffer(runs_root, monkeypatch):
    monkeypatch.setenv("CODEIT_RUNS_DIR", str(runs_root))
    conn = connect(runs_root / RUN_NAME / "run.sqlite", readonly=True)
    row = ReplayBuffer(conn).page(limit=60)[-1]
    at = AppTest.from_file(str(ROOT / "views" / "playground.py"), default_timeout=60)
    at.query_params["run"] = RUN_NAME
    at.query_params["experience"] = str(row["id"])
    at.run()
    no_failure(at)
    assert at.text_area(key="pg_program").value == row["program"]
    assert at.selectbox(key="pg_task").value == row["task_id"]
    assert at.selectbox(key="pg_dataset").value == "arc1-train"
    # the link loads once: the user's edits are kept on later reruns
    at.text_area(key="pg_program").input("O = rotate_cw(I)\n").run()
    at.button(key="pg_run").click().run()
    no_failure(at)
    assert at.text_area(key="pg_program").value == "O = rotate_cw(I)\n"
    assert any("demos solved" in m.value for m in [*at.success, *at.warning, *at.error])
    at = AppTest.from_file(str(ROOT / "views" / "playground.py"), default_timeout=60)
    at.query_params["run"] = RUN_NAME
    at.query_params["experience"] = "999999"
    at.run()
    no_failure(at)
    assert any("no experience" in e.value for e in at.error)


def test_parent_task_missing_shows_realized_grids_only(tmp_path, monkeypatch):
    folder = make_run(tmp_path, "other-run")
    (folder / "config.json").write_text(json.dumps({"dataset": str(tmp_path / "gone")}))
    monkeypatch.setenv("CODEIT_RUNS_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("views/replay_buffer.py").run()
    no_failure(at)
    # the first on screen is a seed experience: its parent is a training task, found
    assert not any("Parent task not found" in w.value for w in at.warning)
    # a policy experience's parent is in the run's own dataset, which is gone
    conn = connect(folder / "run.sqlite", readonly=True)
    policy = [r for r in ReplayBuffer(conn).page(limit=100) if r["pool"] == "policy"][0]
    conn.close()
    at.selectbox(key="rb_exp").select(policy["id"]).run()
    no_failure(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "Parent task not found" in warnings and "input → realized output only" in warnings
    caps = captions(at)
    assert any(c.startswith("realized ·") for c in caps)
    assert not any(c.startswith("parent ·") for c in caps)
