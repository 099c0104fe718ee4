"""Tests of the primitives in `prims_ref1` (one test_<name> per primitive)."""

from __future__ import annotations

import pytest

from codeit_core.dsl import prims_ref1 as P


def g(text: str):
    """A grid written as lines of digits."""
    return tuple(tuple(int(ch) for ch in line.strip()) for line in text.strip().splitlines())


def test_recolour_in_order():
    a = frozenset({(5, (0, 0)), (5, (0, 1))})
    b = frozenset({(0, 1)})
    out = P.recolour_in_order((a, b), 3)
    assert out == frozenset({frozenset({(3, (0, 0)), (3, (0, 1))}), frozenset({(4, (0, 1))})})
    assert P.recolour_in_order((), 2) == frozenset()
    with pytest.raises(ValueError):
        P.recolour_in_order((a, b), 9)
    with pytest.raises(ValueError):
        P.recolour_in_order(frozenset({a}), 1)


def test_connect_same_colours_diagonal():
    grid = g("""
    2003
    0000
    0000
    3002
    """)
    assert P.connect_same_colours_diagonal(grid) == g("""
    2003
    0230
    0320
    3002
    """)
    # a different colour in between blocks the join
    assert P.connect_same_colours_diagonal(g("100\n040\n001")) == g("100\n040\n001")
    assert P.connect_same_colours_diagonal(g("1000\n0000\n0010")) == g("1000\n0100\n0010")


def test_rows_of_patch():
    grid = g("000\n000\n000")
    assert P.rows_of_patch(grid, frozenset({(1, 2)})) == frozenset({(1, 0), (1, 1), (1, 2)})
    obj = frozenset({(4, (0, 0)), (4, (2, 0)), (4, (7, 0))})  # off-grid rows are ignored
    assert P.rows_of_patch(grid, obj) == frozenset({(0, 0), (0, 1), (0, 2),
                                                    (2, 0), (2, 1), (2, 2)})


def test_columns_of_patch():
    grid = g("00\n00\n00")
    assert P.columns_of_patch(grid, frozenset({(0, 1)})) == frozenset({(0, 1), (1, 1), (2, 1)})
    assert P.columns_of_patch(grid, frozenset()) == frozenset()


def test_largest_rectangle_of_colour():
    grid = g("""
    00000
    11011
    01011
    """)
    assert P.largest_rectangle_of_colour(grid, 0, 1) == frozenset(
        (0, c) for c in range(5))
    assert P.largest_rectangle_of_colour(grid, 1, 2) == frozenset(
        {(1, 3), (1, 4), (2, 3), (2, 4)})
    assert P.largest_rectangle_of_colour(grid, 0, 2) == frozenset()
    with pytest.raises(ValueError):
        P.largest_rectangle_of_colour(grid, 0, 0)


def test_corner_neighbours():
    assert P.corner_neighbours(frozenset({(1, 1)})) == frozenset(
        {(0, 0), (0, 2), (2, 0), (2, 2)})
    # corners of one cell that belong to the patch are left out
    assert P.corner_neighbours(frozenset({(3, (0, 0)), (3, (1, 1))})) == frozenset(
        {(-1, -1), (-1, 1), (1, -1), (0, 2), (2, 0), (2, 2)})


def test_axis_direction_to():
    a = frozenset({(0, 0), (1, 1)})
    assert P.axis_direction_to(a, frozenset({(5, 2)})) == (1, 0)
    assert P.axis_direction_to(a, frozenset({(1, 9)})) == (0, 1)
    assert P.axis_direction_to(frozenset({(5, 5)}), frozenset({(0, 4)})) == (-1, 0)
    assert P.axis_direction_to(frozenset({(5, 5)}), frozenset({(4, 0)})) == (0, -1)
    with pytest.raises(ValueError):
        P.axis_direction_to(a, frozenset({(1, 0)}))


def test_complete_mirror():
    # the mirror axis lies between columns 1 and 2 of a grid 5 wide, not at its centre
    grid = g("""
    12215
    34435
    56055
    """)
    assert P.complete_mirror(grid, 0) == g("""
    12215
    34435
    56655
    """)
    # rows mirror first: row 3 is filled from row 0 about the axis between rows 1 and 2
    assert P.complete_mirror(g("12\n34\n34\n00"), 0) == g("12\n34\n34\n12")
    assert P.complete_mirror(g("120\n000"), 0) == g("120\n000")
    # nothing to mirror from: unchanged
    assert P.complete_mirror(g("00\n00"), 0) == g("00\n00")
