"""The primitives' shared argument checks live in one module (dsl/checks.py); a primitive
module defines its own only where the docstring of checks.py lists it as different."""

from __future__ import annotations

import ast

import pytest

from codeit_core.dsl import checks
from helpers import ROOT

SHARED = {"_pair", "_dims", "_positions", "_is_cell", "_check_colour", "_colour"}
# defined apart on purpose (another error kind); named in checks.py's docstring
APART = {("prims_grid", "_colour"), ("prims_patterns", "_dims"),
         ("prims_patterns", "_positions"), ("prims_patterns", "_pair")}


def test_only_the_documented_checks_are_defined_outside_the_checks_module():
    found = set()
    for path in sorted((ROOT / "codeit_core" / "dsl").glob("prims_*.py")):
        tree = ast.parse(path.read_text())
        found |= {(path.stem, n.name) for n in tree.body
                  if isinstance(n, ast.FunctionDef) and n.name in SHARED}
    assert found == APART
    for module, name in APART:
        assert f"{module}.{name}" in checks.__doc__


def test_each_mistake_is_one_kind_of_error():
    assert checks.pair((1, 2)) == (1, 2)
    for bad in ((1,), (1, 2.0), [1, 2], (True, 2)):
        with pytest.raises(TypeError, match="pair of integers"):
            checks.pair(bad)
    assert checks.check_colour(9) == 9
    for bad in (10, -1, True, "3"):
        with pytest.raises(ValueError, match="not a colour"):
            checks.check_colour(bad)
    cells = frozenset({(3, (0, 1)), (4, (2, 2))})
    assert checks.positions(cells) == {(0, 1), (2, 2)}
    assert checks.positions(frozenset({(0, 1)})) == {(0, 1)}
    assert checks.positions(frozenset()) == frozenset()
    assert checks.dims(((1, 2, 3),)) == (1, 3) and checks.dims(()) == (0, 0)
