"""Tests of the primitives in `prims_ref4` (one test_<name> per primitive)."""

from __future__ import annotations

import pytest

from codeit_core.dsl import prims_ref4 as P
from codeit_core.dsl.errors import TooLargeError


def g(text: str):
    """A grid written as lines of digits."""
    return tuple(tuple(int(ch) for ch in line.strip()) for line in text.strip().splitlines())


def test_fill_periodic():
    grid = g("""
    123123
    231231
    302310
    123123
    """)
    assert P.fill_periodic(grid, 0) == g("""
    123123
    231231
    312312
    123123
    """)
    # a class with no known cell keeps the unknown colour
    assert P.fill_periodic(g("12\n30"), 0) == g("12\n30")
    # cells not of the colour are never changed
    assert P.fill_periodic(g("1212\n1512"), 5) == g("1212\n1212")
    with pytest.raises(ValueError):
        P.fill_periodic(g("12"), 10)


def test_multicolour_components_except():
    grid = g("""
    1200
    0030
    4000
    """)
    objs = P.multicolour_components_except(grid, 0)
    assert objs == frozenset({
        frozenset({(1, (0, 0)), (2, (0, 1))}),
        frozenset({(3, (1, 2))}),
        frozenset({(4, (2, 0))}),
    })
    # the excluded colour need not be the most common one
    assert len(P.multicolour_components_except(g("1111\n1001"), 1)) == 1
    assert P.multicolour_components_except(g("00\n00"), 0) == frozenset()


def test_uniform_lines():
    grid = g("""
    102
    000
    304
    """)
    assert P.uniform_lines(grid, 0) == frozenset({(1, 0), (1, 1), (1, 2), (0, 1), (2, 1)})
    assert P.uniform_lines(grid, 7) == frozenset()
    with pytest.raises(ValueError):
        P.uniform_lines(grid, -1)


def test_colours_to_column():
    assert P.colours_to_column((3, 1, 4)) == ((3,), (1,), (4,))
    assert P.colours_to_column((5,)) == ((5,),)
    with pytest.raises(ValueError):
        P.colours_to_column(())
    with pytest.raises(ValueError):
        P.colours_to_column((1, 12))
    with pytest.raises(TooLargeError):
        P.colours_to_column(tuple([1] * 61))


def test_majority_rows():
    grid = g("""
    1121
    3433
    5566
    """)
    assert P.majority_rows(grid) == g("""
    1111
    3333
    5555
    """)
    assert P.majority_rows(((7,),)) == ((7,),)
