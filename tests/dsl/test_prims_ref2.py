"""Tests of the primitives added for reference programs, range 2 (`prims_ref2`)."""

from __future__ import annotations

import pytest

from codeit_core.dsl import prims_ref2 as P


def g(text: str):
    """A grid written as lines of digits."""
    return tuple(tuple(int(ch) for ch in line.strip()) for line in text.strip().splitlines())


def test_ray_from():
    ray = P.ray_from((2, 3), (1, -1))
    assert len(ray) == 30
    assert (3, 2) in ray and (5, 0) in ray and (6, -1) in ray
    assert (2, 3) not in ray
    assert P.ray_from((0, 0), (0, 1)) == frozenset((0, k) for k in range(1, 31))
    with pytest.raises(ValueError):
        P.ray_from((0, 0), (0, 0))
    with pytest.raises(ValueError):
        P.ray_from((0, 0), (2, 0))


def test_cells_with_neighbours():
    grid = g("""
    101
    010
    101
    """)
    # every cell counts, whatever its own colour: edge centres touch three 1s
    assert P.cells_with_neighbours(grid, 1, 3) == frozenset({(0, 1), (1, 0), (1, 2), (2, 1)})
    assert P.cells_with_neighbours(grid, 0, 2) == frozenset({(0, 0), (0, 2), (2, 0), (2, 2),
                                                           (1, 1)})
    assert P.cells_with_neighbours(grid, 1, 4) == frozenset()
    with pytest.raises(ValueError):
        P.cells_with_neighbours(grid, 1, 0)
    with pytest.raises(ValueError):
        P.cells_with_neighbours(grid, 12, 1)


def test_split_at_lines():
    grid = g("""
    12055
    34055
    00000
    67089
    """)
    blocks = P.split_at_lines(grid, 0)
    assert blocks == (
        (g("12\n34"), g("55\n55")),
        (g("67"), g("89")),
    )
    # no separator line: the whole grid is one block
    assert P.split_at_lines(g("12\n34"), 0) == ((g("12\n34"),),)
    # separators on the border are dropped
    assert P.split_at_lines(g("000\n010\n000"), 0) == ((g("1"),),)
    with pytest.raises(ValueError):
        P.split_at_lines(g("00\n00"), 0)
