"""The Tasks page in a real browser: open it, go to a task, see its grids."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


LOADED_IMAGES = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] img'))
                     .filter(i => i.complete && i.naturalWidth > 0).length"""


def wait_for_grids(page, count: int) -> None:
    """Scroll through the page (images may load lazily) until `count` grids are decoded."""
    page.mouse.wheel(0, 20_000)
    page.wait_for_function(f"() => ({LOADED_IMAGES})() >= {count}", timeout=30_000)


def test_home_page_renders(page, app_url, screenshot):
    page.goto(app_url)
    page.get_by_text("CodeIt Dashboard").first.wait_for(timeout=30_000)
    page.get_by_text("prioritized replay buffer").first.wait_for()
    page.get_by_text("One meta-iteration of CodeIt").wait_for()
    wait_for_grids(page, 1)  # the loop picture is drawn
    screenshot("home")


def test_tasks_page_goes_to_a_task_and_shows_its_grids(page, app_url, screenshot):
    page.goto(f"{app_url}/tasks")
    page.get_by_text("Task 007bbfb7").wait_for(timeout=30_000)
    wait_for_grids(page, 12)
    # go to the next task with the button, as a person would
    page.get_by_role("button", name="Next ▶").click()
    page.get_by_text("Task 00d62c1b").wait_for(timeout=30_000)
    wait_for_grids(page, 12)
    captions = page.locator('[data-testid="stImageCaption"]').all_inner_texts()
    assert any("input · 20×20" in c for c in captions), captions
    path = screenshot("tasks_00d62c1b")
    assert path.stat().st_size > 10_000
