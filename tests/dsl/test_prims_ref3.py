"""Tests of the primitives in `prims_ref3` (one test_<name> per primitive)."""

from __future__ import annotations

import pytest

from codeit_core.dsl import prims_ref3 as P
from codeit_core.dsl.errors import TooLargeError


def g(text: str):
    """A grid written as lines of digits."""
    return tuple(tuple(int(ch) for ch in line.strip()) for line in text.strip().splitlines())


def test_expand_cells():
    grid = g("""
    20
    03
    """)
    pattern = g("""
    10
    11
    """)
    assert P.expand_cells(grid, pattern) == g("""
    2000
    2200
    0030
    0033
    """)
    assert P.expand_cells(g("5"), g("010")) == g("050")
    with pytest.raises(TooLargeError):
        P.expand_cells(g("1" * 10), g("1" * 10))


def test_most_frequent_element():
    assert P.most_frequent_element((3, 1, 3, 2)) == 3
    assert P.most_frequent_element((1, 2, 2, 1)) == 1   # tie: the first
    assert P.most_frequent_element(frozenset({5, 4})) == 4
    with pytest.raises(ValueError):
        P.most_frequent_element(())


def test_least_frequent_element():
    a, b = g("12"), g("34")
    assert P.least_frequent_element((a, a, b, a)) == b
    assert P.least_frequent_element((1, 2, 2, 1)) == 1   # tie: the first
    with pytest.raises(ValueError):
        P.least_frequent_element(frozenset())


def test_sweep():
    grid = g("""
    000
    000
    000
    """)
    assert P.sweep(grid, frozenset({(1, 1)}), (0, 1)) == frozenset({(1, 1), (1, 2)})
    assert P.sweep(grid, frozenset({(0, 0), (2, 0)}), (-1, 1)) == \
        frozenset({(0, 0), (2, 0), (1, 1), (0, 2)})
    # objects are accepted, positions outside the grid give nothing
    assert P.sweep(grid, frozenset({(7, (0, 2)), (7, (5, 5))}), (1, 0)) == \
        frozenset({(0, 2), (1, 2), (2, 2)})
    with pytest.raises(ValueError):
        P.sweep(grid, frozenset({(0, 0)}), (0, 0))


def test_smear():
    grid = g("""
    0000
    0200
    0003
    0000
    """)
    assert P.smear(grid, (0, 1)) == g("""
    0000
    0222
    0003
    0000
    """)
    assert P.smear(grid, (1, 0)) == g("""
    0000
    0200
    0203
    0203
    """)
    assert P.smear(grid, (1, 1)) == g("""
    0000
    0200
    0023
    0002
    """)
    # the background is the most common colour
    assert P.smear(g("555\n155"), (0, 1)) == g("555\n111")
    with pytest.raises(ValueError):
        P.smear(grid, (2, 0))


def test_recolour_each():
    a = frozenset({(1, (0, 0)), (1, (0, 1))})
    b = frozenset({(2, (1, 1))})
    assert P.recolour_each((a, b), (5, 7)) == frozenset({
        frozenset({(5, (0, 0)), (5, (0, 1))}), frozenset({(7, (1, 1))})})
    # plain positions are accepted too
    assert P.recolour_each((frozenset({(3, 3)}),), (4,)) == frozenset({frozenset({(4, (3, 3))})})
    with pytest.raises(ValueError):
        P.recolour_each((a, b), (5,))
    with pytest.raises(ValueError):
        P.recolour_each((a,), (12,))
