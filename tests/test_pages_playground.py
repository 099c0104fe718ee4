"""The Playground page through Streamlit's AppTest: run programs on tasks, see verdicts and
errors, search the primitive reference, load a program from a run's replay buffer."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from helpers import ROOT

APP = str(ROOT / "app.py")
SOLUTION_0D3D703E = ("x1 = swap_colours(I, 3, 4)\nx2 = swap_colours(x1, 1, 5)\n"
                     "x3 = swap_colours(x2, 2, 6)\nO = swap_colours(x3, 8, 9)\n")


def no_failure(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def playground(query_params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (query_params or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page("views/playground.py").run()
    no_failure(at)
    return at


def captions(at: AppTest) -> list[str]:
    """Captions of the grid pictures in the main area."""
    return [i.caption for img in at.main.image for i in img.proto.imgs]


def run_program(at: AppTest, text: str, task: str | None = None) -> AppTest:
    if task:
        at.selectbox(key="pg_task").select(task).run()
    at.text_area(key="pg_program").input(text).run()
    no_failure(at)
    if not at.button(key="pg_run").disabled:
        at.button(key="pg_run").click().run()
        no_failure(at)
    return at


def test_default_program_solves_its_task_exactly():
    at = playground()
    assert at.selectbox(key="pg_task").value == "007bbfb7"
    at.button(key="pg_run").click().run()
    no_failure(at)
    assert any("demos solved 5/5 · test solved 1/1" in s.value for s in at.success)
    verdicts = [c for c in captions(at) if c.startswith("predicted")]
    assert len(verdicts) == 6 and all("exact" in c for c in verdicts), verdicts


def test_correct_program_on_another_task_is_exact():
    at = run_program(playground(), SOLUTION_0D3D703E, task="0d3d703e")
    assert any("demos solved 4/4 · test solved 1/1" in s.value for s in at.success)
    assert sum("exact" in c for c in captions(at)) == 5


def test_wrong_program_shows_differing_cells():
    at = run_program(playground(), "O = swap_colours(I, 3, 4)\n", task="0d3d703e")
    summary = [w.value for w in at.warning] + [e.value for e in at.error]
    assert any("demos solved 0/4 · test solved 0/1" in s for s in summary), summary
    assert any("cells differ" in c for c in captions(at)), captions(at)


def test_wrong_size_and_runtime_errors_are_reported_per_pair():
    at = run_program(playground(), "x1 = rotate_cw(I)\nO = upscale(x1, 2)\n", task="0d3d703e")
    assert any("wrong size" in c for c in captions(at)), captions(at)
    at = run_program(at, "x1 = subtract(0, 1)\nx2 = rotate_cw(I)\nO = upscale(x2, x1)\n")
    errors = [e.value for e in at.error]
    assert sum(e.startswith("line 3: runtime error: upscale") for e in errors) == 5, errors
    assert any("demos solved 0/4 · test solved 0/1" in e for e in errors), errors


def test_syntax_error_shows_its_line_without_running():
    at = run_program(playground(), "x1 = rotate_cw(I)\nx2 = upscale(x1, 2)\nO = nope(x2)\n")
    assert at.button(key="pg_run").disabled
    errors = [e.value for e in at.error]
    assert any(e.startswith("line 3: syntax error") and "nope" in e for e in errors), errors
    assert not any(c.startswith("predicted") for c in captions(at))


def test_hostile_program_is_a_syntax_error():
    at = run_program(playground(), "O = __import__('os').system('echo hacked')\n")
    errors = [e.value for e in at.error]
    assert any(e.startswith("line 1: syntax error") for e in errors), errors
    assert at.button(key="pg_run").disabled


def test_primitive_reference_search_and_category():
    at = playground()
    at.text_input(key="pg_ref_query").input("rotate_cw").run()
    no_failure(at)
    text = " ".join(m.value for m in at.markdown)
    assert "rotate_cw(grid: Grid) -> Grid" in text or "`rotate_cw(" in text, text[:500]
    assert "swap_colours(" not in text
    at.text_input(key="pg_ref_query").input("").run()
    at.selectbox(key="pg_ref_category").select("gravity").run()
    no_failure(at)
    text = " ".join(m.value for m in at.markdown)
    assert "fall_down(" in text and "rotate_cw(" not in text
    # the constants are listed too
    assert "`RED` = `2`" in text


def test_a_primitive_of_the_reference_is_inserted_before_the_output_line():
    at = playground()
    at.text_area(key="pg_program").input("x1 = rotate_cw(I)\nO = x1\n").run()
    at.text_input(key="pg_ref_query").input("swap_colours").run()
    assert at.selectbox(key="pg_insert_name").value == "swap_colours"
    at.button(key="pg_insert").click().run()
    no_failure(at)
    from codeit_core.dsl.registry import REGISTRY

    params = ", ".join(REGISTRY["swap_colours"].param_names)
    assert at.text_area(key="pg_program").value == (
        f"x1 = rotate_cw(I)\nx2 = swap_colours({params})\nO = x1\n")


def test_a_link_opens_a_program_on_its_task():
    at = playground({"dataset": "arc1-train", "task": "0d3d703e",
                     "program": SOLUTION_0D3D703E})
    assert at.text_area(key="pg_program").value == SOLUTION_0D3D703E
    assert at.selectbox(key="pg_task").value == "0d3d703e"
