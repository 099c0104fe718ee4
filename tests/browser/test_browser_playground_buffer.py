"""The Playground and the Replay buffer in a real browser: run a program and see the exact
verdicts; open a run's buffer, pick an experience, open it in the Playground."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from codeit_core.buffer import ReplayBuffer
from codeit_core.db import connect
from codeit_core.dsl import REGISTRY
from test_pages_replay_buffer import RUN_NAME, make_run

pytestmark = pytest.mark.browser

LOADED_IMAGES = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] img'))
                     .filter(i => i.complete && i.naturalWidth > 0).length"""
SOLUTION_0D3D703E = ("x1 = swap_colours(I, 3, 4)\nx2 = swap_colours(x1, 1, 5)\n"
                     "x3 = swap_colours(x2, 2, 6)\nO = swap_colours(x3, 8, 9)\n")


@pytest.fixture(scope="module")
def demo_run(runs_dir):
    """A small real run in the server's runs folder (the session `runs_dir` fixture)."""
    folder = runs_dir / RUN_NAME
    if not folder.exists():
        make_run(runs_dir)
    return folder


def open_page(page, app_url: str, path: str) -> None:
    """Load the app, then the page: a fresh browser session that opens a page other than
    the default first shows Streamlit's "Page not found" dialog over it (streamlit#9992)."""
    page.goto(app_url)
    page.get_by_text("CodeIt Dashboard").first.wait_for(timeout=30_000)
    page.goto(f"{app_url}/{path}")


def wait_for_grids(page, count: int) -> None:
    page.mouse.wheel(0, 20_000)
    page.wait_for_function(f"() => ({LOADED_IMAGES})() >= {count}", timeout=30_000)
    page.mouse.wheel(0, -20_000)


def image_captions(page) -> list[str]:
    return page.locator('[data-testid="stImageCaption"]').all_inner_texts()


def test_playground_runs_a_program_and_shows_exact_verdicts(page, app_url, screenshot):
    open_page(page, app_url, "playground")
    page.get_by_role("heading", name="Playground").wait_for(timeout=30_000)
    # the default program solves the first task: run it
    page.get_by_role("button", name="Run").click()
    page.get_by_text("demos solved 5/5 · test solved 1/1").wait_for(timeout=30_000)
    wait_for_grids(page, 18)
    captions = image_captions(page)
    assert sum("exact" in c for c in captions) == 6, captions
    screenshot("playground_007bbfb7")

    # another task, a program typed by hand
    page.get_by_label("Task (400 in this dataset)").fill("0d3d703e")
    page.keyboard.press("Enter")
    page.get_by_text("changed since the last run").wait_for(timeout=30_000)
    editor = page.get_by_role("textbox", name="Program", exact=True)
    editor.fill(SOLUTION_0D3D703E)
    editor.press("Control+Enter")
    page.get_by_text("parses · 4 line(s)").wait_for(timeout=30_000)
    page.get_by_role("button", name="Run").click()
    page.get_by_text("demos solved 4/4 · test solved 1/1").wait_for(timeout=30_000)

    # a syntax error is shown with its line, without running
    editor.fill("x1 = rotate_cw(I)\nO = __import__('os')\n")
    editor.press("Control+Enter")
    page.get_by_text(re.compile(r"line 2: syntax error")).wait_for(timeout=30_000)
    assert page.get_by_role("button", name="Run").is_disabled()

    # the primitive reference finds a primitive
    page.get_by_placeholder("name or words, e.g. rotate").fill("swap_col")
    page.keyboard.press("Enter")
    matches = sum("swap_col" in p.name or "swap_col" in p.doc.lower()
                  for p in REGISTRY.values())
    page.get_by_text(f"{matches} of {len(REGISTRY)} primitives").wait_for(timeout=30_000)
    page.get_by_text("swap_colours(grid: Grid", exact=False).first.wait_for()
    screenshot("playground_syntax_error_and_reference")


def test_replay_buffer_sorted_by_priority_and_opens_in_playground(page, app_url, screenshot,
                                                                  demo_run):
    conn = connect(demo_run / "run.sqlite", readonly=True)
    top = ReplayBuffer(conn).page(limit=60)
    conn.close()
    open_page(page, app_url, "replay-buffer")
    page.get_by_role("heading", name="Replay buffer").wait_for(timeout=30_000)
    page.get_by_text("page 1 of 2").wait_for(timeout=30_000)
    # the detail view opens on the highest-priority experience
    page.get_by_role("heading", name=f"Experience #{top[0]['id']}").wait_for(timeout=30_000)
    wait_for_grids(page, 2)
    page.get_by_text("realized output = parent's output").first.wait_for()
    screenshot("replay_buffer_top")

    # click the third row of the table: the detail follows
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 * 3 + 17)
    page.get_by_role("heading", name=f"Experience #{top[2]['id']}").wait_for(timeout=30_000)

    # the next page, then a policy experience on it
    page.get_by_role("button", name="Next").click()
    page.get_by_text("page 2 of 2").wait_for(timeout=30_000)
    page.get_by_role("heading", name=f"Experience #{top[50]['id']}").wait_for(timeout=30_000)
    wait_for_grids(page, 2)
    screenshot("replay_buffer_page2")

    page.get_by_role("link", name="Open in Playground").click()
    page.get_by_role("heading", name="Playground").wait_for(timeout=30_000)
    page.get_by_text(f"Loaded experience #{top[50]['id']}").wait_for(timeout=30_000)
    editor = page.get_by_role("textbox", name="Program", exact=True)
    expect(editor).to_have_value(top[50]["program"], timeout=30_000)  # drawn a moment later
    page.get_by_role("button", name="Run").click()
    page.get_by_text(re.compile(r"demos solved \d/\d")).wait_for(timeout=30_000)
    wait_for_grids(page, 4)
    screenshot("playground_from_buffer")


EVAL_RUN = "eval-run"


@pytest.fixture(scope="module")
def eval_run(runs_dir):
    """A run on the ARC-AGI-1 evaluation set: its seed experience's parent is a training
    task (a reference program's own), its policy experience's an evaluation task."""
    import json

    from codeit_core.dsl import parse, run
    from codeit_core.relabel import relabel
    from codeit_core.solutions import load_solutions
    from codeit_core.tasks import load_dataset

    folder = runs_dir / EVAL_RUN
    if folder.exists():
        return folder
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"dataset": "arc1-eval"}))
    train_task = load_dataset("arc1-train")[0]
    eval_task = load_dataset("arc1-eval")[0]
    text = load_solutions()[train_task.id]
    seed = relabel(train_task, text, [run(parse(text), p.input) for p in train_task.train],
                   0, "seed")
    policy = relabel(eval_task, "O = rotate_cw(I)\n",
                     [run(parse("O = rotate_cw(I)"), p.input) for p in eval_task.train], 1,
                     "policy", sample_id=1)
    conn = connect(folder / "run.sqlite")
    ReplayBuffer(conn).add([seed, policy])
    conn.close()
    return folder


def test_a_seed_experience_of_an_evaluation_run_finds_its_training_parent(
        page, app_url, screenshot, eval_run):
    conn = connect(eval_run / "run.sqlite", readonly=True)
    top = ReplayBuffer(conn).page(limit=10)[0]  # the seed one first: it solves its demos
    conn.close()
    assert top["pool"] == "seed"
    open_page(page, app_url, f"replay-buffer?run={EVAL_RUN}")
    page.get_by_role("heading", name=f"Experience #{top['id']}").wait_for(timeout=30_000)
    wait_for_grids(page, 3)  # input, realized output and the parent's output
    page.get_by_text("realized output = parent's output").first.wait_for(timeout=30_000)
    assert page.get_by_text("Parent task not found").count() == 0
    screenshot("replay_buffer_seed_parent_in_training_set")

    page.get_by_role("link", name="Open in Playground").click()
    page.get_by_role("heading", name="Playground").wait_for(timeout=30_000)
    page.get_by_text(f"Loaded experience #{top['id']}").wait_for(timeout=30_000)
    editor = page.get_by_role("textbox", name="Program", exact=True)
    expect(editor).to_have_value(top["program"], timeout=30_000)
    assert page.get_by_text(re.compile(r"is not in .*; showing")).count() == 0
    page.get_by_role("button", name="Run").click()
    # the program on its own parent task: every demonstration solved
    page.get_by_text(re.compile(r"demos solved (\d)/\1")).wait_for(timeout=30_000)
    screenshot("playground_seed_experience_on_its_task")


def test_the_priority_histogram_never_shows_a_negative_priority(page, app_url, runs_dir):
    """One experience of priority ε (it solves no demonstration): every priority is equal,
    and the histogram's single bin must not reach below 0."""
    from codeit_core.dsl import parse, run
    from codeit_core.relabel import relabel
    from codeit_core.tasks import load_dataset

    folder = runs_dir / "flat-run"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"dataset": "arc1-eval"}')
    task = load_dataset("arc1-eval")[0]
    text = "O = rotate_cw(I)\n"
    exp = relabel(task, text, [run(parse(text), p.input) for p in task.train], 1, "policy",
                  sample_id=1)
    conn = connect(folder / "run.sqlite")
    ReplayBuffer(conn).add([exp])
    conn.close()
    open_page(page, app_url, "replay-buffer?run=flat-run")
    page.get_by_role("heading", name="Priority distribution").wait_for(timeout=30_000)
    hist = ".st-key-rb_hist .js-plotly-plot"
    page.wait_for_function(f"() => document.querySelector('{hist}')?._fullLayout",
                           timeout=30_000)
    low = page.evaluate(f"() => document.querySelector('{hist}')._fullLayout.xaxis.range[0]")
    assert low >= 0, low
