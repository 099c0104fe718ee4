"""Every page through Streamlit's AppTest (no browser): renders, navigates, handles uploads."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from helpers import ROOT, task_record

APP = str(ROOT / "app.py")


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def no_failure(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_home_explains_codeit_and_draws_the_loop():
    at = app().run()
    no_failure(at)
    assert at.title[0].value == "CodeIt Dashboard"
    text = " ".join(m.value for m in at.markdown)
    assert "prioritized replay" in text and "relabeled in hindsight" in text
    assert len(at.image) == 1  # the loop picture


def tasks_page() -> AppTest:
    at = app().run()
    at.switch_page("views/tasks.py").run()
    no_failure(at)
    return at


def shown_task(at: AppTest) -> str:
    return next(s.value for s in at.subheader if s.value.startswith("Task "))


def image_count(at: AppTest) -> int:
    return len(at.main.image)


def test_tasks_page_shows_first_task_with_all_pairs():
    at = tasks_page()
    assert shown_task(at) == "Task 007bbfb7"
    # 5 demonstrations + 1 test, input and output each
    assert image_count(at) == 12
    assert at.metric[0].value == "5"


def test_tasks_page_next_previous_and_pick():
    at = tasks_page()
    next_button = next(b for b in at.button if "Next" in b.label)
    next_button.click().run()
    assert shown_task(at) == "Task 00d62c1b"
    prev_button = next(b for b in at.button if "Previous" in b.label)
    prev_button.click().run()
    prev_button.click().run()  # wraps around to the last task
    assert shown_task(at) == "Task ff805c23"
    at.selectbox(key="task_pick").select("3c9b0459").run()
    no_failure(at)
    assert shown_task(at) == "Task 3c9b0459"


def test_tasks_page_random_picks_a_task():
    at = tasks_page()
    random_button = next(b for b in at.button if "Random" in b.label)
    seen = set()
    for _ in range(3):
        random_button.click().run()
        no_failure(at)
        seen.add(shown_task(at))
    assert len(seen) >= 2


@pytest.mark.parametrize("name,count", [("arc1-train", 400), ("arc1-eval", 400),
                                        ("arc2-train", 1000), ("arc2-eval", 120)])
def test_tasks_page_every_dataset(name, count):
    at = tasks_page()
    at.selectbox(key="dataset").select(name).run()
    no_failure(at)
    assert at.selectbox(key="task_pick").label == f"Task ({count} in this dataset)"
    assert image_count(at) >= 4


def test_upload_valid_and_invalid_files():
    at = tasks_page()
    bad = task_record()
    bad["train"][1]["output"] = [[1, 0], [0, 1, 1]]
    at.sidebar.file_uploader[0].set_value([
        ("mine.json", json.dumps(task_record(3)).encode(), "application/json"),
        ("broken.json", json.dumps(bad).encode(), "application/json"),
        ("junk.json", b"\x00\xffnot json", "application/json"),
    ]).run()
    no_failure(at)
    errors = [e.value for e in at.sidebar.error]
    assert any("broken.json: task 'broken': train[1].output row 1 has 3 cells, row 0 has 2"
               in e for e in errors), errors
    assert any("junk.json: not valid JSON" in e for e in errors), errors
    assert at.selectbox(key="dataset").value == "uploaded"
    assert shown_task(at) == "Task mine"
    assert image_count(at) == 8  # 3 demos + 1 test
    # the app goes on working: switch back to a bundled dataset
    at.selectbox(key="dataset").select("arc1-eval").run()
    no_failure(at)
    assert shown_task(at) == "Task 00576224"
