"""Tests of the primitives in prims_patterns.py: one test named after each primitive."""

from __future__ import annotations

import pytest

from codeit_core.dsl import prims_patterns as P
from codeit_core.dsl.errors import TooLargeError

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
    with pytest.raises(TypeError, match="expected a tuple of objects"):
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


def _smear_cell_by_cell(grid, direction):
    """smear as its docstring says it, one cell at a time in the direction's order."""
    h, w = len(grid), len(grid[0])
    dr, dc = direction
    bg = min(set(v for row in grid for v in row),
             key=lambda c: (-sum(row.count(c) for row in grid), c))
    out = [list(row) for row in grid]
    for r in (range(h) if dr >= 0 else range(h - 1, -1, -1)):
        for c in (range(w) if dc >= 0 else range(w - 1, -1, -1)):
            if out[r][c] == bg and 0 <= r - dr < h and 0 <= c - dc < w:
                out[r][c] = out[r - dr][c - dc]
    return tuple(map(tuple, out))


def test_smear_matches_the_cell_by_cell_definition_in_every_direction():
    # rows and columns take a faster path than the diagonals; both must give the same
    import random

    rng = random.Random(7)
    for _ in range(400):
        h, w, k = rng.randint(1, 7), rng.randint(1, 7), rng.randint(1, 4)
        grid = tuple(tuple(rng.randrange(k) if rng.random() < 0.5 else 0 for _ in range(w))
                     for _ in range(h))
        for direction in ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1)):
            assert P.smear(grid, direction) == _smear_cell_by_cell(grid, direction)


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


def test_completed_copies():
    grid = g("""
    1210000
    0000020
    0000000
    0010100
    """)
    template = frozenset({(1, (0, 0)), (2, (0, 1)), (1, (0, 2))})
    # the template itself, a copy at the lone 2, a copy at the pair of 1s
    assert P.completed_copies(grid, template) == frozenset({
        template,
        frozenset({(1, (1, 4)), (2, (1, 5)), (1, (1, 6))}),
        frozenset({(1, (3, 2)), (2, (3, 3)), (1, (3, 4))}),
    })
    # a part of the template cut off by the edge does not match; copies may stick out
    edge = g("""
    2000
    0001
    """)
    assert P.completed_copies(edge, template) == frozenset({
        frozenset({(1, (0, -1)), (2, (0, 0)), (1, (0, 1))}),
    })
    assert P.completed_copies(g("000\n000"), template) == frozenset()
    with pytest.raises(TypeError, match="expected an object"):
        P.completed_copies(grid, frozenset({(0, 1)}))
    big = frozenset((1, (r, c)) for r in range(30) for c in range(10))
    with pytest.raises(TooLargeError):
        P.completed_copies(tuple((1,) * 30 for _ in range(30)), big)


def test_fit_template():
    bar = frozenset({(4, (0, 0)), (4, (0, 1)), (4, (0, 2)), (2, (1, 2))})
    # a quarter turn: the bar stands upright with the 2 left of its lower end
    partial = frozenset({(4, (5, 3)), (2, (7, 2))})
    assert P.fit_template(bar, partial) == frozenset(
        {(4, (5, 3)), (4, (6, 3)), (4, (7, 3)), (2, (7, 2))})
    # a left-right flip: the 2 under the left end
    flipped = frozenset({(4, (0, 0)), (4, (0, 1)), (4, (0, 2)), (2, (1, 0))})
    assert P.fit_template(bar, flipped) == flipped
    assert P.fit_template(bar, bar) == bar
    # no placement fits, or nothing to fit
    assert P.fit_template(bar, frozenset({(4, (0, 0)), (2, (0, 5))})) == frozenset()
    assert P.fit_template(bar, frozenset()) == frozenset()
    with pytest.raises(TypeError, match="expected an object"):
        P.fit_template(frozenset({(0, 1)}), partial)
    big = frozenset((1, (r, c)) for r in range(30) for c in range(10))
    with pytest.raises(TooLargeError):
        P.fit_template(big, big)


def test_fit_template_to_grid():
    template = frozenset({(2, (0, 0)), (5, (0, 1)), (5, (0, 2)), (3, (0, 3))})
    grid = g("""
    0000
    0200
    0000
    0000
    0300
    """)
    # only a quarter turn puts the 2 and the 3 on the grid's 2 and 3
    assert P.fit_template_to_grid(grid, template) == frozenset(
        {(2, (1, 1)), (5, (2, 1)), (5, (3, 1)), (3, (4, 1))})
    assert P.fit_template_to_grid(g("0200\n0030"), template) == frozenset()
    assert P.fit_template_to_grid(grid, frozenset({(5, (0, 0)), (5, (0, 1))})) == frozenset()
    with pytest.raises(TypeError, match="expected an object"):
        P.fit_template_to_grid(grid, frozenset({(0, 1)}))
    big = frozenset((1 if r < 20 else 2, (r, c)) for r in range(30) for c in range(10))
    with pytest.raises(TooLargeError):
        P.fit_template_to_grid(tuple((2,) * 30 for _ in range(30)), big)
