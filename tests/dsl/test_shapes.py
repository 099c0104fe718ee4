"""``keeps_shape_of``: every claim that a primitive keeps a grid argument's shape holds on
real programs and inputs, and the search's early stop on it changes no outcome."""

from __future__ import annotations

import random

import pytest

from codeit_core.dsl import REGISTRY, parse
from codeit_core.dsl.registry import primitive
from codeit_core.dsl.types import Colour, Grid  # noqa: F401 - annotations below
from codeit_core.dsl.shared import _UNSET, SharedPlan, rectangle
from codeit_core.mutate import mutate_program, random_program
from codeit_core.solutions import load_solutions
from codeit_core.tasks import load_dataset

CLAIMS = {name: p.keeps_shape_of for name, p in REGISTRY.items() if p.keeps_shape_of}


@pytest.fixture(scope="module")
def corpus():
    """The reference programs, mutants of them and random programs, with the demonstration
    inputs and outputs of 16 training tasks."""
    rng = random.Random(11)
    references = [parse(text) for _, text in sorted(load_solutions().items())]
    programs = list(references)
    programs += [mutate_program(rng.choice(references), rng) for _ in range(1500)]
    programs += [random_program(rng, rng.randint(1, 6)) for _ in range(500)]
    tasks = load_dataset("arc1-train")
    pairs = [p for t in random.Random(5).sample(tasks, 16) for p in t.train]
    return SharedPlan(programs), pairs


def test_every_shape_claim_holds_on_real_programs_and_inputs(corpus):
    plan, pairs = corpus
    exercised = dict.fromkeys(CLAIMS, 0)
    for pair in pairs:
        state = plan.start(pair.input)
        for index in plan.order:
            plan.run(index, state)
        env = state.env
        for compiled in plan.plans:
            for fn, _, _, _, _, slots, target, _, name in compiled[1] if compiled else ():
                if name not in CLAIMS or env[target] is _UNSET:
                    continue
                argument = env[slots[REGISTRY[name].param_names.index(CLAIMS[name])]]
                shape = rectangle(argument)
                if shape is None:
                    continue  # the claim is about rows of one length only
                assert rectangle(env[target]) == shape, \
                    f"{name} changed the shape of its {CLAIMS[name]!r}"
                exercised[name] += 1
    assert len(CLAIMS) >= 40
    unexercised = [name for name, n in exercised.items() if n == 0]
    assert len(unexercised) <= len(CLAIMS) // 4, unexercised


def test_the_early_stop_on_the_output_shape_changes_no_exactness(corpus):
    plan, pairs = corpus
    skipped = 0
    for pair in pairs:
        dims = (len(pair.output), len(pair.output[0]))
        plain, early = plan.start(pair.input), plan.start(pair.input)
        for index in plan.order:
            output, _, _ = plan.run(index, plain, check_output=False)
            fast, kind, _ = plan.run(index, early, check_output=False, dims=dims)
            assert (output == pair.output) == (fast == pair.output)
            skipped += kind == "shape"
    assert skipped > 1000


def test_a_repainted_input_of_the_wrong_shape_stops_before_its_costly_lines():
    program = parse("x1 = colour_components(I)\nx2 = largest_object(x1)\n"
                    "x3 = fill_cells(I, 3, x2)\nO = flip_horizontal(x3)\n")
    plan = SharedPlan([program])
    grid = ((1, 1, 0), (0, 0, 2))
    state = plan.start(grid)
    output, kind, message = plan.run(0, state, dims=(3, 3))
    assert (output, kind) == (None, "shape") and "2x3, not 3x3" in message
    assert all(v is _UNSET for v in state.env[1:] if v is not None and not callable(v)
               and type(v) is not int)  # nothing computed
    output, kind, _ = plan.run(0, plan.start(grid), dims=(2, 3))
    assert kind is None and output == ((0, 3, 3), (2, 0, 0))
    # a shape taken from a computed grid: that grid is computed first, the rest is not
    program = parse("x1 = top_half(I)\nx2 = colour_components(I)\nx3 = largest_object(x2)\n"
                    "O = fill_cells(x1, 3, x3)\n")
    plan = SharedPlan([program])
    state = plan.start(((1, 1), (0, 0)))
    assert plan.run(0, state, dims=(2, 2))[1] == "shape"
    assert plan.shape_roots[0] == (plan.plans[0][1][0][6], 1)


def not_a_grid_parameter(grid: Grid, colour: Colour) -> Grid:
    """A primitive that claims to keep the shape of a colour."""
    return grid


def test_a_claim_must_name_a_grid_parameter_of_a_grid_primitive():
    with pytest.raises(ValueError, match="keeps_shape_of='colour' must name a Grid"):
        primitive("colour", keeps_shape_of="colour")(not_a_grid_parameter)
    assert "not_a_grid_parameter" not in REGISTRY
    assert rectangle(((1, 2), (3, 4), (5, 6))) == (3, 2)
    assert rectangle(((1, 2), (3,))) is None and rectangle(((),)) is None
    assert rectangle(((1, 2), [3, 4])) is None and rectangle(()) is None
