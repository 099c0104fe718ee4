"""The Run and Metrics pages through Streamlit's AppTest: create a run with the form, step
a whole meta-iteration phase by phase and see each phase's view; invalid settings are
named; the Metrics page charts a finished run and offers its numbers as CSV."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from codeit_core.db import get_meta
from codeit_core.loop import CodeItLoop
from codeit_core.runs import RunConfig, RunDir
from helpers import ROOT

APP = str(ROOT / "app.py")
HEADLINE = "headline cumulative (policy ∪ search tasks)"
PHASE_TITLES = {"learn": "Learn — iteration 1", "sample": "Sample — iteration 1",
                "execute": "Execute — iteration 1", "store": "Relabel & store — iteration 1",
                "score": "Score — iteration 1"}


def view_labels(steps) -> list[str]:
    """The Run page's view chooser: the steps of iteration 1 taken so far, then the seed."""
    return [PHASE_TITLES[s].replace(" — iteration ", " · ") for s in steps] + ["Seed"]


def no_failure(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(page).run()
    no_failure(at)
    return at


def values(array) -> list:
    """A plotly JSON array: a plain list, or a typed array {"dtype", "bdata"} (base64)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array or [])


def subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def fill_tiny(at: AppTest, name: str, dataset: str = "arc1-train") -> None:
    at.text_input(key="nr_name").input(name)
    at.selectbox(key="nr_dataset").select(dataset)
    at.text_input(key="nr_tasks").input("3")
    at.selectbox(key="nr_policy").select("mutation")  # the fast baseline, for a test
    at.number_input(key="nr_samples_per_task").set_value(4)
    at.number_input(key="nr_learn_size").set_value(50)
    at.number_input(key="nr_seed_mutants").set_value(20)
    at.number_input(key="nr_search_mutants").set_value(20)  # a fast Seed step
    at.number_input(key="nr_workers").set_value(2)
    at.number_input(key="nr_iterations").set_value(2)


def submit(at: AppTest) -> None:
    at.button(key="FormSubmitter:new_run-Create run").click().run()
    no_failure(at)


@pytest.fixture
def runs_root(tmp_path, monkeypatch):
    root = tmp_path / "runs"
    monkeypatch.setenv("CODEIT_RUNS_DIR", str(root))
    yield root
    st.cache_resource.clear()  # close the loops the Run page holds (and their executors)


def test_no_runs_opens_the_form(runs_root):
    at = open_page("views/run.py")
    assert at.expander[0].proto.expanded
    assert any("No run yet" in c.value for c in at.caption)


def test_create_a_run_and_step_one_meta_iteration(runs_root):
    at = open_page("views/run.py")
    fill_tiny(at, "tiny")
    submit(at)
    assert any("Created run 'tiny'" in s.value for s in at.success)
    config = json.loads((runs_root / "tiny" / "config.json").read_text())
    assert config["tasks"] == "3" and config["samples_per_task"] == 4
    assert config["learn_size"] == 50 and config["seed_mutants"] == 20
    assert config["search_mutants"] == 20
    assert at.selectbox(key="rv_run").value == "tiny"
    listing = at.dataframe[0].value
    assert list(listing["name"]) == ["tiny"] and listing["status"][0] == "new"
    assert listing["iterations"][0] == "0 / 2"

    # only the next step can be taken, and it is highlighted
    assert at.button(key="rv_step_seed").proto.type == "primary"
    assert all(at.button(key=f"rv_step_{n}").disabled
               for n in ("learn", "sample", "execute", "store", "score"))
    at.button(key="rv_step_seed").click().run()
    no_failure(at)
    assert "Seed" in subheaders(at)
    assert any(m.label == "seed experiences" and int(m.value) > 200 for m in at.metric)
    # the search tasks: their summary line, then the chosen task's top-3 search candidates
    with CodeItLoop.open(RunDir(runs_root / "tiny")) as loop:
        seeded = get_meta(loop.conn, "seeded")
        search = seeded["search"]
        stored = {tid: [(r, p, ok) for r, p, ok in loop.conn.execute(
            "SELECT rank, program, test_correct FROM search_candidates WHERE task_id = ? "
            "ORDER BY rank", (tid,))] for tid in ("007bbfb7", "00d62c1b", "017c7c7b")}
    line = (f"{search['programs']:,} programs ({search['mutant_samples']:,} mutant samples) "
            f"× 3 tasks → {search['candidates']:,} candidates, {search['solved']} tasks "
            f"solved (top-3)")
    assert search["mutant_samples"] == 20
    assert any(md.value.startswith(line) for md in at.markdown), [m.value for m in at.markdown]
    def label(tid: str) -> str:
        cands = stored[tid]
        if not cands:
            return f"{tid} · no candidate"
        solved = "solved" if any(ok for *_, ok in cands) else "not solved"
        return f"{tid} · {len(cands)} candidate(s), {solved}"

    chooser = at.selectbox(key="rv_seed_task")
    assert sorted(chooser.options) == sorted(map(label, stored))
    for tid, cands in stored.items():
        chooser.set_value(tid).run()
        no_failure(at)
        shown = [d.value for d in at.dataframe if "rank" in d.value]
        if cands:
            assert list(shown[0]["rank"]) == [r for r, _, _ in cands], tid
            assert list(shown[0]["test"]) == ["right" if ok else "wrong"
                                              for *_, ok in cands], tid
        else:
            assert not shown and any("No search program" in c.value for c in at.caption)
    for step in ("learn", "sample", "execute", "store", "score"):
        button = at.button(key=f"rv_step_{step}")
        assert button.proto.type == "primary" and not button.disabled, step
        button.click().run()
        no_failure(at)
        shown = [s for s in subheaders(at) if s != "Runs"]
        assert shown == [PHASE_TITLES[step]], shown  # the newest step's view, alone
        done = list(PHASE_TITLES)[:list(PHASE_TITLES).index(step) + 1]
        assert at.segmented_control(key="rv_view").options == view_labels(reversed(done))
        assert not at.error, [e.value for e in at.error]

    labels = {}  # every step's view, one after the other
    for step in [*PHASE_TITLES, "score"]:
        at.segmented_control(key="rv_view").set_value(step).run()
        no_failure(at)
        assert [s for s in subheaders(at) if s != "Runs"] == [PHASE_TITLES[step]]
        labels.update({m.label: m.value for m in at.metric})
        if step == "execute":
            # execute & relabel: a chosen task's programs with outputs next to the targets
            assert at.selectbox(key="rv_exec_task").value in {"007bbfb7", "00d62c1b",
                                                              "017c7c7b"}
            captions = [i.caption for img in at.main.image for i in img.proto.imgs]
            assert any(c.startswith("predicted") for c in captions), captions
            frames = [d.value for d in at.dataframe]
            fates = {f for d in frames if "experience" in d for f in d["experience"]}
            assert any(f.startswith(("stored", "not relabeled")) for f in fates), fates
    # learn: training set and pool mix
    assert int(labels["training set"]) > 0 and labels["pool mix asked for"] == "90% : 10%"
    # sample: programs per task
    assert int(labels["programs sampled"]) == 3 * 4
    # store: how many, with priorities
    # the policy pool: this iteration's experiences and the search tasks' (seeding)
    assert int(labels["stored"]) >= 0
    assert int(labels["policy pool"]) == int(labels["stored"]) + seeded["search_experiences"]
    # score: the five solve counts out of 3 tasks, the engine's numbers
    with CodeItLoop.open(RunDir(runs_root / "tiny")) as loop:
        scored = json.loads(loop.conn.execute(
            "SELECT metrics FROM iterations WHERE iteration = 1").fetchone()[0])
    for name, key in (("policy-only solved", "policy_only_solved"),
                      ("cumulative solved", "cumulative_solved"),
                      (f"{HEADLINE} solved", "headline_cumulative_solved"),
                      ("demo-consistent solved", "demo_consistent"), ("oracle solved", "oracle")):
        assert labels[name] == f"{scored[key]} / 3", (name, labels)
    # the headline's candidates come from the search tasks too
    at.segmented_control(key="rv_score_scope").set_value("headline_cumulative").run()
    no_failure(at)
    with CodeItLoop.open(RunDir(runs_root / "tiny")) as loop:
        headline = loop.conn.execute("SELECT task_id, rank FROM candidates WHERE iteration = 1 "
                                     "AND scope = 'headline_cumulative' ORDER BY task_id, "
                                     "rank").fetchall()
    shown = [d.value for d in at.dataframe if "rank" in d.value and "task" in d.value]
    if headline:
        assert list(zip(shown[0]["task"], shown[0]["rank"])) == headline
    assert at.button(key="rv_step_learn").proto.type == "primary"  # the next iteration
    with CodeItLoop.open(RunDir(runs_root / "tiny")) as loop:
        assert loop.completed_iterations() == 1
    listing = at.dataframe[0].value
    assert listing["iterations"][0] == "1 / 2" and listing["status"][0] == "stepped by hand"


def test_the_whole_iteration_button_takes_every_step_left(runs_root):
    at = open_page("views/run.py")
    fill_tiny(at, "whole")
    submit(at)
    assert at.button(key="rv_step_iteration").disabled  # not seeded yet
    at.button(key="rv_step_seed").click().run()
    at.button(key="rv_step_learn").click().run()  # part of an iteration by hand
    button = at.button(key="rv_step_iteration")
    assert button.label == "Rest of the iteration" and not button.disabled
    button.click().run()
    no_failure(at)
    with CodeItLoop.open(RunDir(runs_root / "whole")) as loop:
        assert loop.completed_iterations() == 1 and loop.next_step == "learn"
    assert at.segmented_control(key="rv_view").options == view_labels(reversed(PHASE_TITLES))
    assert subheaders(at)[-1] == PHASE_TITLES["score"]
    at.segmented_control(key="rv_view").set_value("execute").run()
    # the Execute view opens its chosen program in the Playground
    links = [b.proto.url for b in at.get("link_button")]
    task = at.selectbox(key="rv_exec_task").value
    assert any(u.startswith("playground?dataset=arc1-train&task=" + task) for u in links), links
    assert at.button(key="rv_step_iteration").label == "Whole iteration"
    at.button(key="rv_step_iteration").click().run()  # a whole second one
    no_failure(at)
    with CodeItLoop.open(RunDir(runs_root / "whole")) as loop:
        assert loop.completed_iterations() == 2
        assert loop.run_store.iteration_metrics(2)["policy_only_solved"] >= 0


@pytest.mark.parametrize("changes, why", [({"search_mutants": 0}, "0 search mutants"),
                                           ({"ablation": "A6"}, "ablation A6")])
def test_the_seed_view_says_when_the_search_was_off(runs_root, changes, why):
    run = RunDir(runs_root / "no-search")
    config = RunConfig(**{"dataset": "arc1-train", "tasks": "3", "policy": "mutation",
                          "seed_mutants": 20, "search_mutants": 20, "workers": 2, **changes})
    with CodeItLoop.create(run, config) as loop:
        assert loop.seed()["search"] is None
    at = open_page("views/run.py")
    assert "Seed" in subheaders(at)
    assert any(f"The search was off ({why})" in i.value for i in at.info), \
        [i.value for i in at.info]
    assert not any("tasks solved (top-3)" in md.value for md in at.markdown)


@pytest.mark.parametrize("key, value, field", [
    ("nr_temperature", 0.0, "temperature"),
    ("nr_samples_per_task", 0, "samples_per_task"),
    ("nr_priority_shortness", -1.0, "priority_*"),
    ("nr_alpha", -0.5, "alpha"),
])
def test_an_invalid_setting_names_its_field(runs_root, key, value, field):
    at = open_page("views/run.py")
    fill_tiny(at, "bad")
    at.number_input(key=key).set_value(value)
    submit(at)
    errors = " ".join(e.value for e in at.error)
    assert f"'{field}'" in errors and "Not created" in errors, errors
    assert not (runs_root / "bad").exists()


def test_the_form_sets_every_config_field(runs_root):
    import dataclasses

    from codeit_core.runs import RunConfig

    at = open_page("views/run.py")
    keys = {w.key for kind in (at.text_input, at.number_input, at.selectbox, at.slider)
            for w in kind}
    fields = [f.name for f in dataclasses.fields(RunConfig) if f.name != "policy_options"]
    assert [f for f in fields if f"nr_{f}" not in keys] == []
    fill_tiny(at, "every-field")
    at.number_input(key="nr_seed_random_programs").set_value(5)  # not laid out by hand
    at.number_input(key="nr_random_program_length").set_value(3)
    submit(at)
    config = json.loads((runs_root / "every-field" / "config.json").read_text())
    assert (config["seed_random_programs"], config["random_program_length"]) == (5, 3)


def test_the_demo_preset_fills_a_run_from_the_bundled_weights(runs_root):
    at = open_page("views/run.py")
    at.number_input(key="nr_samples_per_task").set_value(7)  # changed before the preset
    at.button(key="nr_demo").click().run()
    no_failure(at)
    assert at.text_input(key="nr_name").value.startswith("demo-")
    assert at.text_input(key="nr_tasks").value == "40"
    assert at.number_input(key="nr_samples_per_task").value == RunConfig().samples_per_task
    assert any("Demo preset filled in" in c.value for c in at.caption)
    name = at.text_input(key="nr_name").value
    submit(at)
    config = json.loads((runs_root / name / "config.json").read_text())
    assert config["policy_options"] == {"init_checkpoint": "bundled"}
    assert (config["dataset"], config["tasks"], config["policy"]) == ("arc1-eval", "40",
                                                                      "neural")
    assert config["search_mutants"] == config["seed_mutants"] == RunConfig().seed_mutants
    assert not any("Demo preset filled in" in c.value for c in at.caption)


def test_an_unknown_task_or_bad_name_is_named(runs_root):
    at = open_page("views/run.py")
    fill_tiny(at, "bad")
    at.text_input(key="nr_tasks").input("007bbfb7,nope1234")
    submit(at)
    errors = " ".join(e.value for e in at.error)
    assert "'tasks'" in errors and "nope1234" in errors, errors
    fill_tiny(at, "no spaces please")
    submit(at)
    assert "run name" in " ".join(e.value for e in at.error)
    assert not runs_root.exists() or not any(runs_root.iterdir())


def test_the_ray_executor_without_ray_is_refused_in_our_words(runs_root, monkeypatch):
    from codeit_core import ray_exec

    monkeypatch.setattr(ray_exec, "ray_available", lambda: False)  # read at every rerun
    # a run made for a Ray cluster, opened where Ray is missing: one line, no traceback
    RunDir(runs_root / "on-ray").create(RunConfig(dataset="arc1-train", tasks="3",
                                                  policy="mutation", executor="ray"))
    at = open_page("views/run.py")
    errors = " ".join(e.value for e in at.error)
    assert "cannot be opened" in errors and "pip install -r requirements-ray.txt" in errors, \
        errors
    # and the form will not make another one
    fill_tiny(at, "ray-too")
    at.selectbox(key="nr_executor").select("ray")
    submit(at)
    errors = " ".join(e.value for e in at.error)
    assert "'executor'" in errors and "requirements-ray.txt" in errors, errors
    assert not (runs_root / "ray-too").exists()


@pytest.fixture
def finished_run(runs_root):
    run = RunDir(runs_root / "done")
    config = RunConfig(dataset="arc1-eval", tasks="3", policy="mutation", samples_per_task=4,
                       learn_size=50,
                       seed_mutants=20, search_mutants=20, workers=2, iterations=2)
    with CodeItLoop.create(run, config) as loop:
        loop.run_iterations(2)
    return run


def test_metrics_page_charts_a_finished_run_and_offers_csv(finished_run):
    at = open_page("views/metrics.py")
    assert at.multiselect(key="mx_runs").value == ["done"]
    charts = at.get("plotly_chart")
    assert len(charts) >= 2
    figure = json.loads(charts[0].proto.spec)
    points = [y for trace in figure["data"] for y in values(trace.get("y"))]
    assert len(points) >= 1 and all(y >= 0 for y in points)
    assert {x for t in figure["data"] for x in values(t.get("x"))} == {1, 2}
    assert "Solve rate" in figure["layout"]["title"]["text"]
    # the headline count is a measure of its own, drawn apart from the others
    by_name = {t["name"]: t for t in figure["data"]}
    headline = by_name[f"done · {HEADLINE}"]
    assert headline["marker"]["symbol"] == "star"
    assert {t["marker"]["symbol"] for t in figure["data"]} == {"star", "circle", "square",
                                                                "triangle-up", "x"}
    assert all(h >= c for h, c in zip(values(headline["y"]),
                                      values(by_name["done · cumulative"]["y"])))
    assert json.loads(charts[0].proto.config)["toImageButtonOptions"]["format"] == "png"
    # a subset of the evaluation set: no reference lines, and the page says why
    assert not figure["layout"].get("shapes")
    assert any("full set only" in c.value for c in at.caption)
    downloads = at.get("download_button")
    assert downloads and "Download CSV" in downloads[0].proto.label
    table = at.dataframe[-1].value
    assert list(table["iteration"]) == [1, 2] and "cumulative_solved" in table
    assert "headline_cumulative_solved" in table
    assert list(table.columns[4:9]) == ["headline_cumulative_solved", "cumulative_solved",
                                        "policy_only_solved", "demo_consistent", "oracle"]
    summary = at.dataframe[0].value
    assert summary[HEADLINE][0] == table["headline_cumulative_solved"].iloc[-1]


def test_metrics_page_without_runs(runs_root):
    at = open_page("views/metrics.py")
    assert any("No runs yet" in i.value for i in at.info)


def test_reference_lines_only_for_the_full_evaluation_set(runs_root):
    """The paper's 59/400 and 49/400 are drawn for a run on all 400 arc1-eval tasks."""
    run = RunDir(runs_root / "full-eval")
    run.create(RunConfig(dataset="arc1-eval", policy="mutation", iterations=2,
                         search_mutants=20))
    conn = run.connect()
    for it, (cum, pol) in enumerate([(3, 2), (7, 4)], 1):
        conn.execute("INSERT INTO iterations (iteration, phase, started, finished, metrics) "
                     "VALUES (?, 'scored', 0, 1, ?)", (it, json.dumps({
                         "headline_cumulative_solved": cum + 1,
                         "cumulative_solved": cum, "policy_only_solved": pol,
                         "demo_consistent": cum + 1, "oracle": cum + 2, "n_tasks": 400,
                         "buffer_seed": 300, "buffer_policy": 10 * it})))
    conn.close()
    at = open_page("views/metrics.py")
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    lines = sorted(s["y0"] for s in figure["layout"]["shapes"])
    assert lines == [49, 59]
    # each line is labelled with the measure it belongs to: 59 the headline, 49 the policy's
    # samples alone over all iterations (our cumulative)
    notes = {a["text"] for a in figure["layout"]["annotations"]}
    assert notes == {f"paper: 59/400 {HEADLINE}", "paper: 49/400 cumulative"}
    assert any("59/400 headline" in c.value for c in at.caption)
    # a line goes with its measure
    at.multiselect(key="mx_measures").unselect("cumulative_solved").run()
    no_failure(at)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [s["y0"] for s in figure["layout"]["shapes"]] == [59]
    at.multiselect(key="mx_measures").select("cumulative_solved").run()
    at.segmented_control(key="mx_scale").set_value("fraction solved").run()
    no_failure(at)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert sorted(s["y0"] for s in figure["layout"]["shapes"]) == [49 / 400, 59 / 400]
    ys = [y for t in figure["data"] for y in values(t["y"])]
    assert max(ys) == pytest.approx(9 / 400)
    assert any("Reference lines" in c.value for c in at.caption)


def test_which_tasks_when_pictures_each_tasks_first_solve_and_links_the_program(runs_root):
    from codeit_core.store import RunStore

    run = RunDir(runs_root / "timeline")
    run.create(RunConfig(dataset="arc1-eval", tasks="3", policy="mutation"))
    policy_prog, search_prog = "O = vmirror(I)\n", "O = hmirror(I)\n"
    with RunStore.writing(run) as store:
        for it in (1, 2, 3):
            store.record_phase(it, "scored", {"n_tasks": 3, "cumulative_solved": 1})
        rows = [  # (iteration, scope, task, rank, program, demo accuracy, test correct)
            (1, "cumulative", "aaaa0001", 1, "O = I\n", 1.0, 0),          # demos only
            (2, "cumulative", "aaaa0001", 1, policy_prog, 1.0, 1),        # policy, it 2
            (3, "cumulative", "aaaa0001", 1, policy_prog, 1.0, 1),
            (1, "headline_cumulative", "bbbb0002", 1, search_prog, 1.0, 1),  # search, it 1
            (2, "headline_cumulative", "aaaa0001", 1, policy_prog, 1.0, 1),
            (3, "cumulative", "bbbb0002", 2, policy_prog, 1.0, 1),        # policy later
        ]
        store.conn.executemany("INSERT INTO candidates VALUES (?,?,?,?,?,?,?)", rows)
    at = open_page("views/metrics.py")
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    (heat,) = [f for f in figures if f["data"] and f["data"][0]["type"] == "heatmap"]
    # ids like 00576224 stay text (plotly would read them as numbers: "576.224k")
    assert heat["layout"]["yaxis"]["type"] == "category"
    by_task = dict(zip(heat["data"][0]["y"], heat["data"][0]["z"]))
    assert by_task["aaaa0001"] == [1, 3, 3]     # demos, then the policy's solve
    assert by_task["bbbb0002"] == [2, 0, 3]     # the search first, the policy at 3
    table = next(d.value for d in at.dataframe if "first solved" in d.value)
    got = {r.task: (r._2, r.source, r.program) for r in table.itertuples()}
    assert got == {"aaaa0001": (2, "policy", "O = vmirror(I)"),
                   "bbbb0002": (1, "search tasks", "O = hmirror(I)")}
    link = table.set_index("task").loc["bbbb0002", "open"]
    assert link.startswith("playground?") and "task=bbbb0002" in link

    # the link opens the program on its task in the Playground
    import urllib.parse

    query = dict(urllib.parse.parse_qsl(link.split("?", 1)[1]))
    assert query == {"dataset": "arc1-eval", "task": "bbbb0002", "program": search_prog}
    pg = AppTest.from_file(APP, default_timeout=120)
    pg.query_params.update(query)
    pg.run()
    pg.switch_page("views/playground.py").run()
    no_failure(pg)
    assert pg.text_area(key="pg_program").value == search_prog
    assert pg.selectbox(key="pg_dataset").value == "arc1-eval"


def test_one_task_in_two_runs_side_by_side(runs_root):
    from codeit_core.store import RunStore

    policy_prog, search_prog, poor = "O = vmirror(I)\n", "O = hmirror(I)\n", "O = I\n"
    for name, rows, searched in (
            ("cmp-a", [(1, "cumulative", "aaaa0001", 1, poor, 0.5, 0),
                       (2, "cumulative", "aaaa0001", 1, policy_prog, 1.0, 1),
                       (2, "headline_cumulative", "aaaa0001", 1, policy_prog, 1.0, 1),
                       (2, "headline_cumulative", "aaaa0001", 2, search_prog, 1.0, 0)],
             [("aaaa0001", 1, search_prog, 1.0, 1, 0)]),
            ("cmp-b", [(1, "cumulative", "aaaa0001", 1, poor, 0.5, 0),
                       (2, "cumulative", "aaaa0001", 1, poor, 0.5, 0),
                       (2, "cumulative", "bbbb0002", 1, poor, 1.0, 0)], [])):
        run = RunDir(runs_root / name)
        run.create(RunConfig(dataset="arc1-eval", tasks="3", policy="mutation"))
        with RunStore.writing(run) as store:
            for it in (1, 2):
                store.record_phase(it, "scored", {"n_tasks": 3, "cumulative_solved": it - 1})
            store.conn.executemany("INSERT INTO candidates VALUES (?,?,?,?,?,?,?)", rows)
            store.conn.executemany("INSERT INTO search_candidates VALUES (?,?,?,?,?,?)",
                                   searched)
    at = open_page("views/metrics.py")
    assert "One task, two runs" in subheaders(at)
    assert any("Choose two or more runs" in c.value for c in at.caption)
    at.multiselect(key="mx_runs").set_value(["cmp-a", "cmp-b"]).run()
    no_failure(at)
    assert at.selectbox(key="mx_cmp_task").value == "aaaa0001"  # solved by one: first
    assert at.selectbox(key="mx_cmp_task").options[1].startswith("bbbb0002")
    texts = [m.value for m in at.markdown]
    assert "**cmp-a** — solved at 2" in texts and "**cmp-b** — a candidate" in texts
    lines = [t for t in texts if t[:3] in ("1. ", "2. ")]
    assert lines[0].startswith("1. demo accuracy 100% · right on the test · policy · ")
    assert lines[1].startswith("2. demo accuracy 100% · wrong on the test · search tasks · ")
    assert lines[2].startswith("1. demo accuracy 50% · wrong on the test · policy · ")
    assert "playground?dataset=arc1-eval&task=aaaa0001&program=O+%3D+hmirror" in lines[1]
    assert [c.value for c in at.code] == [p.strip() for p in (policy_prog, search_prog, poor)]
    assert any("Top-3 candidates at meta-iteration 2 (policy and search tasks" in c.value
               for c in at.caption)
    at.selectbox(key="mx_cmp_task").set_value("bbbb0002").run()
    no_failure(at)
    assert any("No candidate for this task" in c.value for c in at.caption)
    assert "**cmp-b** — demos solved" in [m.value for m in at.markdown]
    at.selectbox(key="mx_cmp_a").set_value("cmp-b").run()  # the other one moves over
    no_failure(at)
    assert at.selectbox(key="mx_cmp_b").value == "cmp-a"


def test_manage_clones_renames_exports_and_deletes_the_open_run(finished_run, runs_root):
    at = open_page("views/run.py")
    assert at.selectbox(key="rv_run").value == "done"
    at.text_input(key="mg_clone").input("done-s1")
    at.number_input(key="mg_clone_seed").set_value(7)
    at.button(key="mg_clone_go").click().run()
    no_failure(at)
    assert any("Created 'done-s1'" in s.value for s in at.success)
    assert json.loads((runs_root / "done-s1" / "config.json").read_text())["seed"] == 7
    assert at.selectbox(key="rv_run").value == "done-s1"  # the clone is opened

    at.selectbox(key="rv_run").select("done").run()
    at.text_input(key="mg_rename").input("done-renamed")
    at.button(key="mg_rename_go").click().run()
    no_failure(at)
    assert (runs_root / "done-renamed" / "run.sqlite").is_file()
    assert not (runs_root / "done").exists()
    assert at.selectbox(key="rv_run").value == "done-renamed"

    at.button(key="mg_export_go").click().run()
    no_failure(at)
    archive = runs_root / ".exports" / "done-renamed.zip"
    assert archive.is_file() and at.get("download_button")

    at.button(key="mg_delete_go").click().run()  # not confirmed: nothing happens
    assert any("Type 'done-renamed'" in e.value for e in at.error)
    assert (runs_root / "done-renamed").exists()
    at.text_input(key="mg_delete_confirm").input("done-renamed")
    at.button(key="mg_delete_go").click().run()
    no_failure(at)
    assert not (runs_root / "done-renamed").exists()
    assert any("Deleted 'done-renamed'" in s.value for s in at.success)
    assert at.selectbox(key="rv_run").value == "done-s1"


def test_metrics_groups_the_seeds_of_one_config_with_a_band_and_smooths(finished_run,
                                                                         runs_root):
    from codeit_core.manage import clone_run

    other = clone_run(finished_run, "done-s1", seed=1)
    with CodeItLoop.open(other) as loop:
        loop.run_iterations(2)
    at = open_page("views/metrics.py")
    at.multiselect(key="mx_runs").set_value(["done", "done-s1"]).run()
    at.multiselect(key="mx_measures").set_value(["cumulative_solved"]).run()
    at.toggle(key="mx_group").set_value(True).run()
    no_failure(at)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    lines = [t for t in figure["data"] if t.get("mode") == "lines+markers"]
    assert len(lines) == 1 and lines[0]["name"].startswith("done")
    band = [t for t in figure["data"] if t.get("fill") == "tonexty"]
    assert len(band) == 1
    per_run = {}
    for run in (finished_run, other):
        with CodeItLoop.open(run) as loop:
            per_run[run.path.name] = [r["cumulative_solved"] for r in loop.metrics_table()]
    mean = [(a + b) / 2 for a, b in zip(per_run["done"], per_run["done-s1"])]
    assert values(lines[0]["y"]) == mean
    assert values(band[0]["y"]) == [max(a, b) for a, b in zip(*per_run.values())]
    at.number_input(key="mx_smooth").set_value(2).run()
    no_failure(at)
    smoothed = values(json.loads(at.get("plotly_chart")[0].proto.spec)["data"][-1]["y"])
    assert smoothed == [mean[0], (mean[0] + mean[1]) / 2]


def test_the_search_caption_says_why_runs_were_stopped_early():
    from ui.step_views import search_caption

    text = search_caption({"executions": 11_182_164, "shape_skipped": 8_009_680,
                           "colour_skipped": 3_564_209, "worker_restarts": 1,
                           "errors": {"runtime": 2_706_448, "timeout": 98, "type": 0}})
    assert text == ("11,182,164 program executions; stopped before their costly lines: "
                    "8,009,680 whose output would have had the wrong shape, 3,564,209 whose "
                    "last line would have painted a colour the target does not want there · "
                    "errors: runtime 2,706,448, timeout 98 · 1 worker restart(s)")
    assert search_caption({"executions": 5}) == "5 program executions · errors: none"
