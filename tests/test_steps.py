"""The steps declared once (codeit_core.steps) and what derives from them."""

from __future__ import annotations

from codeit_core import steps
from codeit_core.loop import CodeItLoop


def test_every_step_is_a_loop_method_in_the_order_of_the_algorithm():
    assert [s.name for s in steps.STEPS] == ["seed", "learn", "sample", "execute", "store",
                                             "score"]
    assert all(callable(getattr(CodeItLoop, s.name)) for s in steps.STEPS)
    assert len({s.label for s in steps.STEPS}) == len(steps.STEPS)


def test_the_next_step_follows_each_phase_and_wraps_to_the_next_iteration():
    assert steps.step_after(steps.NEW) == steps.step_after(steps.STARTED) == "learn"
    chain = [steps.step_after(s.leaves) for s in steps.ITERATION]
    assert chain == ["sample", "execute", "store", "score", "learn"]
    assert [steps.steps_done(s.leaves) for s in steps.ITERATION] == [1, 2, 3, 4, 5]
    assert steps.steps_done(steps.NEW) == steps.steps_done(steps.STARTED) == 0


def test_only_the_sample_phase_is_unsaved_and_is_recorded_as_learned():
    unsaved = [s.name for s in steps.ITERATION if not s.saved]
    assert unsaved == ["sample"]
    assert steps.recorded_phase("sampled") == "learned"
    assert steps.recorded_phase("executed") == "executed"
    assert steps.PHASES == ("started", "learned", "executed", "stored", "scored")
    assert steps.LAST_PHASE == "scored"
