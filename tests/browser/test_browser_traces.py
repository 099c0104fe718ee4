"""The Traces page in a real browser: its run picker sits in the main area like every other
page's, and the `--resume --trace` command is offered only for a run with iterations left."""

from __future__ import annotations

import pytest

from codeit_core.db import set_meta
from codeit_core.runs import RunConfig, RunDir

pytestmark = pytest.mark.browser


def make_run(root, name: str, status: str | None = None) -> None:
    run = RunDir(root / name)
    run.create(RunConfig(dataset="arc1-train", tasks="3", search_mutants=20))
    if status:
        conn = run.connect()
        set_meta(conn, "status", status)
        conn.close()


def open_traces(page, app_url: str, run: str) -> None:
    page.goto(app_url)
    page.get_by_text("CodeIt Dashboard").first.wait_for(timeout=30_000)
    page.goto(f"{app_url}/traces?run={run}")
    page.get_by_role("heading", name="Traces", exact=True).wait_for(timeout=30_000)
    page.get_by_role("heading", name="Tracing a run").wait_for(timeout=30_000)


def test_the_run_picker_is_in_the_main_area(page, app_url, runs_dir, screenshot):
    make_run(runs_dir, "traces-open")
    open_traces(page, app_url, "traces-open")
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("Run", exact=True).first.wait_for(timeout=30_000)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.locator('[data-testid="stSelectbox"]').count() == 0
    page.get_by_text("--resume --trace").first.wait_for(timeout=30_000)
    screenshot("traces_picker_in_main")


def test_a_finished_run_is_not_offered_a_resume(page, app_url, runs_dir, screenshot):
    make_run(runs_dir, "traces-done", status="finished")
    open_traces(page, app_url, "traces-done")
    page.get_by_text("has done every meta-iteration it planned").wait_for(timeout=30_000)
    assert page.get_by_text("--resume --trace").count() == 0
    page.get_by_text("--iterations 3 --trace").first.wait_for(timeout=30_000)
    screenshot("traces_finished_run")
