"""The Run and Metrics pages in a real browser: create a run on ARC-AGI-1 evaluation tasks
with the form, step one meta-iteration phase by phase, see its solve-rate chart; run more
iterations in the background and stop them."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from playwright.sync_api import expect
from serving import settle

pytestmark = pytest.mark.browser

RUN_NAME = "browser-eval"
STEP_VIEWS = (("seed", "Seed"), ("learn", "Learn — iteration 1"),
              ("sample", "Sample — iteration 1"),
              ("execute", "Execute — iteration 1"),
              ("store", "Relabel & store — iteration 1"), ("score", "Score — iteration 1"))
LOADED_IMAGES = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] img'))
                     .filter(i => i.complete && i.naturalWidth > 0).length"""
CHART_POINTS = """() => {
  const plot = document.querySelector('.st-key-mx_solve_chart .js-plotly-plot');
  return plot ? plot.querySelectorAll('.scatterlayer .point').length : 0; }"""
CHART_TRACES = """() => document.querySelector('.st-key-mx_solve_chart .js-plotly-plot')
                     .data.map(t => [t.name, t.marker.symbol])"""
CHART_COLOURS = """() => document.querySelector('.st-key-mx_solve_chart .js-plotly-plot')
                     .data.map(t => t.line.color)"""
HEADLINE = "headline cumulative (policy ∪ search tasks)"
PAGE_HEIGHT = "() => document.querySelector('[data-testid=stMainBlockContainer]').scrollHeight"


def open_page(page, app_url: str, path: str) -> None:
    """Load the app, then the page (a fresh session opening a page other than the default
    first shows Streamlit's "Page not found" dialog over it, streamlit#9992)."""
    page.goto(app_url)
    page.get_by_text("CodeIt Dashboard").first.wait_for(timeout=30_000)
    page.goto(f"{app_url}/{path}")


def widget(page, key: str):
    return page.locator(f".st-key-{key}")


def button_of(page, key: str):
    return page.locator(f'.st-key-{key} [data-testid^="stBaseButton"]:visible')


def wait_enabled(page, key: str, timeout: float = 60_000) -> None:
    selector = f'.st-key-{key} [data-testid^="stBaseButton"]'
    page.wait_for_function("s => { const b = document.querySelector(s); "
                           "return b && !b.disabled; }", arg=selector, timeout=timeout)


def _metric(page, label: str) -> str:
    """The value a metric with this exact label shows."""
    name = page.locator('[data-testid="stMetricLabel"]',
                        has_text=re.compile(f"^{re.escape(label)}$"))
    box = page.locator('[data-testid="stMetric"]', has=name)
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def commit(page, key: str, text: str) -> None:
    """Type into a text input and let the app take the value. The app is idle first (an
    input a running rerun replaces loses what was typed into it) and after (a click that
    follows at once can be lost in the rerun the new value starts)."""
    box = widget(page, key).locator("input")
    settle(page)
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value(text)
    page.wait_for_timeout(400)  # the rerun Enter starts may not show as running yet
    settle(page)


def fill_number(page, key: str, value: int) -> None:
    box = widget(page, key).locator("input")
    box.fill(str(value))


def test_create_step_and_chart_a_run(page, app_url, runs_dir, screenshot):
    open_page(page, app_url, "run")
    page.get_by_role("heading", name="Run", exact=True).wait_for(timeout=30_000)
    # the "New run" expander starts closed once other runs exist (other tests make some)
    # (its open state, not its widgets' visibility: they render a moment after the summary)
    summary = page.locator('[data-testid="stExpander"] summary', has_text="New run")
    summary.wait_for()
    if not summary.evaluate("s => s.parentElement.open"):
        summary.click()
    widget(page, "nr_dataset").locator("input").wait_for(timeout=30_000)  # widgets load lazily
    widget(page, "nr_name").locator("input").fill(RUN_NAME)
    dataset = widget(page, "nr_dataset").locator("input")
    dataset.fill("ARC-AGI-1 evaluation")
    dataset.press("Enter")
    expect(dataset).to_have_value("ARC-AGI-1 evaluation (arc1-eval)")
    widget(page, "nr_tasks").locator("input").fill("3")
    policy = widget(page, "nr_policy").locator("input")  # the fast baseline, for a test
    policy.fill("mutation")
    policy.press("Enter")
    expect(policy).to_have_value("mutation")
    fill_number(page, "nr_samples_per_task", 4)
    fill_number(page, "nr_learn_size", 50)
    fill_number(page, "nr_seed_mutants", 20)
    fill_number(page, "nr_search_mutants", 20)  # a fast Seed step
    fill_number(page, "nr_iterations", 3)
    screenshot("run_new_form")
    page.locator('[data-testid="stFormSubmitButton"] button').click()
    page.get_by_text(f"Created run '{RUN_NAME}': 3 task(s) of arc1-eval").wait_for(
        timeout=30_000)
    config = json.loads((runs_dir / RUN_NAME / "config.json").read_text())
    assert config["search_mutants"] == 20 and config["seed_mutants"] == 20

    for key, heading in STEP_VIEWS:
        button = button_of(page, f"rv_step_{key}")
        button.wait_for(timeout=30_000)
        wait_enabled(page, f"rv_step_{key}")
        button.click()
        page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=60_000)
        if key == "seed":  # the search tasks: 20 mutant samples on the 3 tasks
            summary = page.get_by_text(re.compile(
                r"programs \(20 mutant samples\) × 3 tasks → \d+ candidates, \d+ tasks "
                r"solved \(top-3\)"))
            summary.wait_for(timeout=30_000)
            widget(page, "rv_seed_task").wait_for()
            page.get_by_text("seed experiences").wait_for()
            screenshot("run_step_seed")
        if key == "sample":  # the unique programs in all, and their mean per task
            unique = (_metric(page, "unique programs"), _metric(page, "unique per task"))
        if key == "execute":  # the samples are in the database now: the counts were right
            db = sqlite3.connect(f"file:{runs_dir / RUN_NAME / 'run.sqlite'}?mode=ro",
                                 uri=True)
            n = db.execute("SELECT count(*) FROM samples").fetchone()[0]
            db.close()
            assert unique == (str(n), f"{n / 3:.1f}"), (unique, n)
            page.mouse.wheel(0, 20_000)
            page.wait_for_function(f"() => ({LOADED_IMAGES})() >= 6", timeout=30_000)
            page.mouse.wheel(0, -20_000)
            captions = page.locator('[data-testid="stImageCaption"]').all_inner_texts()
            assert any(c.startswith("predicted") for c in captions), captions
            page.set_viewport_size({"width": 1400, "height": 2600})  # the whole view
            page.wait_for_timeout(500)
            screenshot("run_step_execute")
            page.set_viewport_size({"width": 1400, "height": 1600})
    page.get_by_text("oracle solved").wait_for()
    page.get_by_text(f"{HEADLINE} solved").wait_for()
    page.get_by_text("Iteration 1 done").wait_for()
    screenshot("run_step_score")
    # one step's view at a time: the page stays short (the five views stacked: 4,391 px),
    # measured once the script run is over (a run in flight still shows the last view)
    settle(page)
    assert page.evaluate(PAGE_HEIGHT) < 2_000
    widget(page, "rv_view").get_by_text("Execute · 1").click()
    page.get_by_role("heading", name="Execute — iteration 1", exact=True).wait_for()
    page.wait_for_timeout(1_000)
    assert page.evaluate(PAGE_HEIGHT) < 3_000

    open_page(page, app_url, f"metrics?run={RUN_NAME}")
    page.get_by_role("heading", name="Metrics", exact=True).wait_for(timeout=30_000)
    page.wait_for_function(f"() => ({CHART_POINTS})() >= 1", timeout=30_000)
    assert page.evaluate(CHART_POINTS) >= 5  # five measures at iteration 1
    traces = dict(page.evaluate(CHART_TRACES))
    assert traces[f"{RUN_NAME} · {HEADLINE}"] == "star"  # the headline, drawn apart
    # one run: every measure in a colour of its own (they coincide at 0 early on)
    colours = page.evaluate(CHART_COLOURS)
    assert len(colours) >= 5 and len(set(colours)) == len(colours), colours
    page.get_by_text("full set only").wait_for()
    widget(page, "mx_csv").wait_for()
    # the CSV as people read it: dates, not epoch seconds; no column of empty {}
    with page.expect_download() as download:
        button_of(page, "mx_csv").click()
    with open(download.value.path(), encoding="utf-8") as f:
        csv = f.read()
    header = csv.splitlines()[0].split(",")
    assert "started (UTC)" in header and "started" not in header, header
    assert "{}" not in csv
    assert re.search(r"\b20\d\d-\d\d-\d\d \d\d:\d\d:\d\d\b", csv)
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.wait_for_timeout(800)
    screenshot("metrics_one_run")


def test_background_run_and_stop(page, app_url, runs_dir, screenshot):
    from codeit_core.background import request_stop, wait_until_done
    from codeit_core.runs import RunConfig, RunDir

    name = "browser-background"
    run = RunDir(runs_dir / name)
    run.create(RunConfig(dataset="arc1-eval", tasks="3", policy="mutation", samples_per_task=4,
                         learn_size=50,
                         seed_mutants=20, search_mutants=20, workers=2, iterations=2))
    try:
        open_page(page, app_url, f"run?run={name}")
        page.get_by_role("tab", name="In the background").click()
        fill_number(page, f"rv_bg_n_{name}", 400)
        page.keyboard.press("Tab")
        button_of(page, "rv_bg_start").click()
        page.get_by_text("Started: 400 meta-iteration(s)").wait_for(timeout=30_000)
        # live numbers arrive while it runs (the fragment polls every 2 s)
        page.wait_for_function(
            """() => [...document.querySelectorAll('[data-testid="stProgress"]')]
                     .some(p => /[1-9]\\d* of 400 meta-iterations/.test(p.innerText))""",
            timeout=60_000)
        # with an estimate of the time left, from the iterations done so far
        page.wait_for_function(
            """() => [...document.querySelectorAll('[data-testid="stProgress"]')]
                     .some(p => /about \\d+ (s|min|h \\d+ min) left/.test(p.innerText))""",
            timeout=60_000)
        screenshot("run_background_live")
        button_of(page, "rv_bg_stop").click()
        state = wait_until_done(run, timeout=60)
        assert state["status"] == "stopped" and 1 <= state["completed"] < 400
        # the page notices by itself: the progress says stopped, stepping comes back
        page.wait_for_function(
            """() => [...document.querySelectorAll('[data-testid="stProgress"]')]
                     .some(p => /of 400 meta-iterations · stopped/.test(p.innerText))""",
            timeout=30_000)
        wait_enabled(page, "rv_bg_start")
        screenshot("run_background_stopped")
        page.get_by_role("tab", name="Step by step").click()
        page.wait_for_function(  # the next step (whichever it is) can be taken again
            """() => [...document.querySelectorAll('[class*="st-key-rv_step_"] button')]
                     .some(b => !b.disabled)""", timeout=30_000)
        screenshot("run_background_then_step")
    finally:
        request_stop(run)
        wait_until_done(run, timeout=60)


def test_a_start_keeps_the_plan_it_was_not_asked_to_change(page, app_url, runs_dir):
    from codeit_core.background import request_stop, wait_until_done
    from codeit_core.runs import RunConfig, RunDir

    small = dict(dataset="arc1-eval", tasks="3", policy="mutation", samples_per_task=4,
                 learn_size=50, seed_mutants=20, search_mutants=20, workers=2)
    first, second = RunDir(runs_dir / "browser-plan-a"), RunDir(runs_dir / "browser-plan-b")
    first.create(RunConfig(**small, iterations=10))
    second.create(RunConfig(**small, iterations=3))
    try:
        open_page(page, app_url, f"run?run={first.path.name}")
        page.get_by_role("tab", name="In the background").click()
        fill_number(page, f"rv_bg_n_{first.path.name}", 2)
        page.keyboard.press("Tab")
        page.get_by_text("Runs meta-iterations 1 to 2; the plan stays at 10 "
                         "meta-iterations.").wait_for(timeout=30_000)
        # the other run, opened in the same session: its own number, not the first one's
        picker = widget(page, "rv_run").locator("input")
        picker.fill(second.path.name)
        picker.press("Enter")
        page.get_by_role("tab", name="In the background").click()
        expect(widget(page, f"rv_bg_n_{second.path.name}").locator("input")).to_have_value(
            "3", timeout=30_000)
        fill_number(page, f"rv_bg_n_{second.path.name}", 1)
        page.keyboard.press("Tab")
        page.get_by_text("Runs meta-iterations 1 to 1; the plan stays at 3 "
                         "meta-iterations.").wait_for(timeout=30_000)
        button_of(page, "rv_bg_start").click()
        page.get_by_text("Started: 1 meta-iteration(s)").wait_for(timeout=30_000)
        state = wait_until_done(second, timeout=120)
        assert state["completed"] == 1 and state["planned"] == 3, state
        assert json.loads(second.config_path.read_text())["iterations"] == 3
        page.wait_for_function(
            """() => [...document.querySelectorAll('[data-testid="stProgress"]')]
                     .some(p => /1 of 3 meta-iterations · stopped/.test(p.innerText))""",
            timeout=30_000)
    finally:
        for run in (first, second):
            request_stop(run)
            wait_until_done(run, timeout=60)


def test_the_demo_preset_creates_a_run_from_the_bundled_weights(page, app_url, runs_dir):
    open_page(page, app_url, "run")
    summary = page.locator('[data-testid="stExpander"] summary', has_text="New run")
    summary.wait_for(timeout=30_000)
    if not summary.evaluate("s => s.parentElement.open"):
        summary.click()
    widget(page, "nr_tasks").locator("input").wait_for(timeout=30_000)
    fill_number(page, "nr_samples_per_task", 3)  # changed, then reset by the preset
    button_of(page, "nr_demo").click()
    page.get_by_text("Demo preset filled in").wait_for(timeout=30_000)
    expect(widget(page, "nr_tasks").locator("input")).to_have_value("40")
    expect(widget(page, "nr_samples_per_task").locator("input")).to_have_value("24")
    name = widget(page, "nr_name").locator("input").input_value()
    assert name.startswith("demo-")
    page.locator('[data-testid="stFormSubmitButton"] button').click()
    page.get_by_text(f"Created run '{name}': 40 task(s) of arc1-eval").wait_for(
        timeout=30_000)
    config = json.loads((runs_dir / name / "config.json").read_text())
    assert config["policy_options"] == {"init_checkpoint": "bundled"}
    assert config["search_mutants"] == config["seed_mutants"]


def test_one_task_in_two_runs_side_by_side_opens_a_program_in_the_playground(page, app_url,
                                                                             runs_dir):
    from codeit_core.runs import RunConfig, RunDir
    from codeit_core.store import RunStore

    left, right = "browser-cmp-a", "browser-cmp-b"
    task = "00576224"  # the first ARC-AGI-1 evaluation task
    mine, theirs = "x1 = hmirror(I)\nO = vconcat(I, x1)\n", "O = vmirror(I)\n"
    for name, program, right_on_test in ((left, mine, 1), (right, theirs, 0)):
        run = RunDir(runs_dir / name)
        run.create(RunConfig(dataset="arc1-eval", tasks="1", policy="mutation"))
        with RunStore.writing(run) as store:
            store.record_phase(1, "scored", {"n_tasks": 1, "cumulative_solved": right_on_test})
            store.conn.execute("INSERT INTO candidates VALUES (?,?,?,?,?,?,?)",
                               (1, "cumulative", task, 1, program, 1.0, right_on_test))
    open_page(page, app_url, f"metrics?run={left}")
    runs = widget(page, "mx_runs").locator("input")
    runs.wait_for(timeout=30_000)
    runs.fill(right)
    runs.press("Enter")
    runs.press("Escape")  # close the list, which would cover the links
    page.get_by_text("One task, two runs", exact=True).wait_for(timeout=30_000)
    page.get_by_text(f"{left} — solved at 1").wait_for(timeout=30_000)
    page.get_by_text(f"{right} — demos solved").wait_for(timeout=30_000)
    codes = page.locator('[data-testid="stCode"]')
    expect(codes).to_have_count(2, timeout=30_000)
    assert "vconcat(I, x1)" in codes.nth(0).inner_text()
    assert "vmirror(I)" in codes.nth(1).inner_text()
    page.get_by_text("demo accuracy 100% · wrong on the test · policy").wait_for()
    with page.context.expect_page() as opened:  # the link opens a new tab
        page.get_by_role("link", name="open in the Playground").nth(0).click()
    playground = opened.value
    playground.get_by_role("heading", name="Playground").wait_for(timeout=30_000)
    editor = playground.get_by_role("textbox", name="Program", exact=True)
    expect(editor).to_have_value(mine.strip() + "\n", timeout=30_000)


def test_manage_exports_renames_clones_deletes_and_imports_a_run(page, app_url, runs_dir,
                                                                 tmp_path):
    import zipfile

    from codeit_core.runs import RunConfig, RunDir
    from codeit_core.store import RunStore

    name = "browser-mg"
    run = RunDir(runs_dir / name)
    run.create(RunConfig(dataset="arc1-eval", tasks="2", policy="mutation", seed=4))
    with RunStore.writing(run) as store:
        store.record_phase(1, "scored", {"n_tasks": 2, "cumulative_solved": 1})
    open_page(page, app_url, f"run?run={name}")
    page.get_by_role("tab", name="Manage").click()

    button_of(page, "mg_export_go").click()
    page.get_by_text(f"Exported '{name}' to").wait_for(timeout=30_000)
    with page.expect_download() as got:
        button_of(page, "mg_download").click()
    archive = tmp_path / "export.zip"
    got.value.save_as(archive)
    with zipfile.ZipFile(archive) as z:
        assert any(n.endswith("config.json") for n in z.namelist())

    commit(page, "mg_rename", f"{name}-renamed")
    button_of(page, "mg_rename_go").click()
    page.get_by_text(f"Renamed '{name}' to '{name}-renamed'.").wait_for(timeout=30_000)
    assert not run.path.exists() and (runs_dir / f"{name}-renamed" / "config.json").is_file()

    # the Manage tab stays open after each action (the message above it moves it down)
    commit(page, "mg_clone", f"{name}-s5")
    expect(widget(page, "mg_clone_seed").locator("input")).to_have_value("5")
    button_of(page, "mg_clone_go").click()
    page.get_by_text(f"Created '{name}-s5': the config of '{name}-renamed' with seed 5"
                     ).wait_for(timeout=30_000)
    assert RunDir(runs_dir / f"{name}-s5").config().seed == 5
    # the clone is now the open run, and the Manage tab is still the one shown
    expect(page.get_by_role("tab", name="Manage")).to_have_attribute("aria-selected", "true")

    commit(page, "mg_delete_confirm", f"{name}-s5")
    button_of(page, "mg_delete_go").click()
    page.get_by_text(f"Deleted '{name}-s5'.").wait_for(timeout=30_000)
    assert not (runs_dir / f"{name}-s5").exists()

    summary = page.locator('[data-testid="stExpander"] summary', has_text="New run")
    if not summary.evaluate("s => s.parentElement.open"):
        summary.click()
    commit(page, "mg_import_name", f"{name}-back")
    widget(page, "mg_import").locator('input[type="file"]').set_input_files(str(archive))
    page.get_by_text(f"Imported '{name}-back'.").wait_for(timeout=30_000)
    back = RunDir(runs_dir / f"{name}-back")
    assert back.config() == RunDir(runs_dir / f"{name}-renamed").config()
    with RunStore.reading(back) as store:
        assert store.completed_iterations() == 1
