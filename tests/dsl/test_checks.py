"""The primitives' shared argument checks live in one module (dsl/checks.py), and one
kind of mistake is one kind of error whichever primitive finds it."""

from __future__ import annotations

import ast

import pytest

from codeit_core.dsl import checks
from codeit_core.dsl.errors import DSLError
from codeit_core.dsl.interpreter import run
from codeit_core.dsl.parser import parse
from helpers import ROOT

SHARED = {"_pair", "_dims", "_grid_dims", "_positions", "_patch_positions", "_is_cell",
          "_check_colour", "_colour"}


def test_no_primitive_module_defines_a_check_of_its_own():
    found = set()
    for path in sorted((ROOT / "codeit_core" / "dsl").glob("prims_*.py")):
        tree = ast.parse(path.read_text())
        found |= {(path.stem, n.name) for n in tree.body
                  if isinstance(n, ast.FunctionDef) and n.name in SHARED}
    assert found == set()


def test_a_value_of_the_wrong_type_is_a_type_error_and_one_out_of_range_a_value_error():
    assert checks.pair((1, 2)) == (1, 2)
    for bad in ((1,), (1, 2.0), [1, 2], (True, 2)):
        with pytest.raises(TypeError, match="start must be a pair of integers"):
            checks.pair(bad, "start")
    assert checks.check_colour(9) == 9
    for bad in (True, "3", 2.0, None):
        with pytest.raises(TypeError, match="a colour must be an integer"):
            checks.check_colour(bad)
    for bad in (10, -1):
        with pytest.raises(ValueError, match="outside 0..9"):
            checks.check_colour(bad)
    assert checks.grid_dims(((1, 2, 3),)) == (1, 3)
    for bad in ([[1]], (1, 2), frozenset()):
        with pytest.raises(TypeError, match="expected a grid"):
            checks.grid_dims(bad)
    for bad in ((), ((),)):
        with pytest.raises(ValueError, match="non-empty grid"):
            checks.grid_dims(bad)
    with pytest.raises(TypeError, match="expected a patch"):
        checks.patch_positions(((0, 1),))


def test_positions_of_an_object_of_indices_and_of_a_mix():
    cells = frozenset({(3, (0, 1)), (4, (2, 2))})
    for positions in (checks.positions, checks.patch_positions):
        assert positions(cells) == {(0, 1), (2, 2)}
        assert positions(frozenset({(0, 1)})) == {(0, 1)}
        assert positions(frozenset()) == frozenset()
    assert checks.patch_positions(cells | {(5, 5)}) == {(0, 1), (2, 2), (5, 5)}
    assert checks.dims(((1, 2, 3),)) == (1, 3) and checks.dims(()) == (0, 0)


def test_the_unchecked_ones_read_what_they_can_and_raise_nothing_of_their_own():
    assert checks.positions(0) == checks.positions(()) == frozenset()
    assert checks.positions(((0, 1), (2, 3))) == {(0, 1), (2, 3)}


@pytest.mark.parametrize("text", [
    "O = replace_colour(I, 1, 12)",                                      # prims_grid
    "x1 = cells_of_colour(I, 1)\nx2 = recolour(x1, 12)\nO = paint_object(I, x2)",          # prims_objects
    "x1 = cells_of_colour(I, 1)\nO = fill_cells(I, 12, x1)",             # prims_painting
    "x1 = largest_rectangle_of_colour(I, 12, 1)\nO = fill_cells(I, 1, x1)",  # prims_patterns
])
def test_one_mistake_gets_the_same_kind_from_primitives_of_different_modules(text):
    grid = ((1, 0), (0, 1))
    with pytest.raises(DSLError) as raised:
        run(parse(text + "\n"), grid)
    assert raised.value.kind == "runtime"
    assert "outside 0..9" in str(raised.value)
