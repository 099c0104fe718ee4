"""``keeps_shape_of`` and ``paints_with``: every claim that a primitive keeps a grid
argument's shape, or writes only one colour into it, holds on real programs and inputs,
and the search's early stops on them change no outcome."""

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


def computed_calls(plan, pairs, names):
    """(primitive name, its result, its arguments by parameter name) of every call of one
    of `names` that every program of `plan` computed on the pairs' inputs."""
    for pair in pairs:
        state = plan.start(pair.input)
        for index in plan.order:
            plan.run(index, state)
        env = state.env
        for compiled in plan.plans:
            for fn, _, _, _, _, slots, target, _, name in compiled[1] if compiled else ():
                if name in names and env[target] is not _UNSET:
                    params = REGISTRY[name].param_names
                    yield name, env[target], {p: env[s] for p, s in zip(params, slots)}


def test_every_shape_claim_holds_on_real_programs_and_inputs(corpus):
    plan, pairs = corpus
    exercised = dict.fromkeys(CLAIMS, 0)
    for name, result, args in computed_calls(plan, pairs, CLAIMS):
        shape = rectangle(args[CLAIMS[name]])
        if shape is None:
            continue  # the claim is about rows of one length only
        assert rectangle(result) == shape, f"{name} changed the shape of its {CLAIMS[name]!r}"
        exercised[name] += 1
    assert len(CLAIMS) >= 40
    unexercised = [name for name, n in exercised.items() if n == 0]
    assert len(unexercised) <= len(CLAIMS) // 4, unexercised


def test_the_early_stops_on_the_shape_and_the_painted_colour_change_no_exactness(corpus):
    plan, pairs = corpus
    stops = {"shape": 0, "colour": 0}
    for pair in pairs:
        dims = (len(pair.output), len(pair.output[0]))
        plain, shaped, painted = (plan.start(pair.input) for _ in range(3))
        for index in plan.order:
            output, _, _ = plan.run(index, plain, check_output=False)
            for state, how in ((shaped, {"dims": dims}), (painted, {"target": pair.output})):
                fast, kind, _ = plan.run(index, state, check_output=False, **how)
                assert (output == pair.output) == (fast == pair.output)
                stops[kind] = stops.get(kind, 0) + 1
    assert stops["shape"] > 2000 and stops["colour"] > 500


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


PAINTS = {name: p.paints_with for name, p in REGISTRY.items() if p.paints_with}


def test_every_paint_claim_holds_on_real_programs_and_inputs(corpus):
    """A primitive that claims to write only its colour argument into its grid changes no
    cell of that grid to anything else."""
    plan, pairs = corpus
    exercised = dict.fromkeys(PAINTS, 0)
    for name, result, args in computed_calls(plan, pairs, PAINTS):
        grid, colour = args[CLAIMS[name]], args[PAINTS[name]]
        if rectangle(grid) is None:
            continue
        changed = {v for row, old in zip(result, grid) for v, u in zip(row, old) if v != u}
        assert changed <= {colour}, f"{name} wrote {changed - {colour}}, not {colour}"
        exercised[name] += 1
    assert len(PAINTS) >= 10
    unexercised = [name for name, n in exercised.items() if n == 0]
    assert len(unexercised) <= len(PAINTS) // 3, unexercised


def test_a_fill_of_a_colour_the_target_does_not_want_stops_before_its_patch():
    program = parse("x1 = colour_components(I)\nx2 = largest_object(x1)\n"
                    "O = fill_cells(I, 3, x2)\n")
    plan = SharedPlan([program])
    grid = ((1, 1, 0), (0, 0, 2))
    # the target wants a 4 where the input has a 1: a fill with 3 cannot give it
    state = plan.start(grid)
    output, kind, message = plan.run(0, state, target=((4, 1, 0), (0, 0, 2)))
    assert (output, kind) == (None, "colour") and "colour 3" in message
    assert all(state.env[s] is _UNSET for s in (plan.plans[0][1][0][6], plan.plans[0][1][1][6]))
    # where every wrong cell wants a 3 the program runs, right or wrong
    assert plan.run(0, plan.start(grid), target=((3, 3, 0), (0, 0, 2)))[:2] == \
        (((3, 3, 0), (0, 0, 2)), None)
    output, kind, _ = plan.run(0, plan.start(grid), target=((1, 1, 0), (0, 3, 2)))
    assert kind is None and output == ((3, 3, 0), (0, 0, 2))
    # a target equal to the grid: nothing is known, the program runs
    assert plan.run(0, plan.start(grid), target=grid)[1] is None
    # the colour computed by a line after the patch's: that line runs first, alone
    program = parse("x1 = colour_components(I)\nx2 = largest_object(x1)\n"
                    "x3 = least_common_colour(I)\nO = fill_cells(I, x3, x2)\n")
    plan = SharedPlan([program])
    steps = plan.plans[0][1]
    assert plan.paint_roots[0] == (0, steps[2][6], (2,))
    state = plan.start(grid)
    assert plan.run(0, state, target=((4, 1, 0), (0, 0, 2)))[1] == "colour"
    assert state.env[steps[2][6]] == 2 and state.env[steps[0][6]] is _UNSET


def test_a_paint_claim_must_name_a_colour_parameter_of_a_shape_keeping_primitive():
    with pytest.raises(ValueError, match="paints_with='grid' must name a Colour"):
        primitive("colour", keeps_shape_of="grid", paints_with="grid")(not_a_grid_parameter)
    with pytest.raises(ValueError, match="paints_with='colour' must name a Colour"):
        primitive("colour", paints_with="colour")(not_a_grid_parameter)
    assert "not_a_grid_parameter" not in REGISTRY
