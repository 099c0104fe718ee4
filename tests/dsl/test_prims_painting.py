"""Tests of the painting, line, symmetry and gravity primitives."""

from __future__ import annotations

import pytest

from codeit_core.dsl.prims_objects import colour_components
from codeit_core.dsl.prims_painting import (
    column_through, complete_left_right, complete_symmetry, complete_top_bottom,
    connect_colour, connect_same_colours, diagonals_through, draw_box, draw_line,
    erase_objects, erase_patch, fall_down, fall_left, fall_right, fall_up,
    fill_background_cells, fill_box_background, fill_cells, fill_enclosed, flood_fill,
    gravity_cells, gravity_objects, is_symmetric_diagonal, is_symmetric_left_right,
    is_symmetric_top_bottom, keep_only, line_between, mirror_grid_into_halves,
    mirror_object_left_right, mirror_object_top_bottom, move_object, paint_object,
    paint_objects, paint_under, ray, ray_until_blocked, recolour_by_size,
    reflect_across_column, reflect_across_row, row_through, slide_object,
)


def g(text: str):
    """Parse a grid written as lines of digits (spaces optional)."""
    return tuple(tuple(int(ch) for ch in line if ch.isdigit())
                 for line in text.strip().splitlines())


def cells(colour, *positions):
    return frozenset((colour, p) for p in positions)


def idx(*positions):
    return frozenset(positions)


BLANK = g("000\n000\n000")


# --------------------------------------------------------------------------- painting

def test_paint_object():
    obj = cells(2, (0, 0), (1, 1)) | cells(3, (5, 5))  # (5, 5) is off the grid: ignored
    assert paint_object(BLANK, obj) == g("200\n020\n000")
    assert paint_object(BLANK, frozenset()) == BLANK
    with pytest.raises(ValueError):
        paint_object(BLANK, idx((0, 0)))


def test_paint_objects():
    objs = frozenset({cells(1, (0, 0)), cells(4, (2, 2), (2, 1))})
    assert paint_objects(BLANK, objs) == g("100\n000\n044")
    assert paint_objects(BLANK, frozenset()) == BLANK


def test_paint_under():
    grid = g("050\n000\n000")
    assert paint_under(grid, cells(7, (0, 0), (0, 1))) == g("750\n000\n000")


def test_fill_cells():
    assert fill_cells(BLANK, 8, idx((1, 0), (1, 1), (1, 2), (-1, 0))) == g("000\n888\n000")
    assert fill_cells(BLANK, 8, cells(3, (0, 0))) == g("800\n000\n000")  # objects accepted
    with pytest.raises(ValueError):
        fill_cells(BLANK, 12, idx((0, 0)))


def test_fill_background_cells():
    grid = g("010\n000\n000")
    assert fill_background_cells(grid, 6, idx((0, 0), (0, 1), (0, 2))) == g("616\n000\n000")


def test_erase_patch():
    grid = g("123\n000\n000")
    assert erase_patch(grid, idx((0, 0), (0, 2))) == g("020\n000\n000")


def test_erase_objects():
    grid = g("100\n000\n022")
    objs = colour_components(grid)
    assert erase_objects(grid, objs) == BLANK
    assert erase_objects(grid, frozenset()) == grid


def test_keep_only():
    grid = g("100\n000\n022")
    big = cells(2, (2, 1), (2, 2))
    assert keep_only(grid, frozenset({big})) == g("000\n000\n022")
    # background of a non-black grid is kept
    assert keep_only(g("515\n555"), frozenset()) == g("555\n555")


def test_move_object():
    grid = g("110\n000\n000")
    obj = cells(1, (0, 0), (0, 1))
    assert move_object(grid, obj, (2, 1)) == g("000\n000\n011")
    # overlapping move: the object still appears whole at its new place
    assert move_object(grid, obj, (0, 1)) == g("011\n000\n000")


def test_flood_fill():
    grid = g("""
    0010
    0010
    1100
    """)
    assert flood_fill(grid, (0, 0), 4) == g("4410\n4410\n1100")
    assert flood_fill(grid, (2, 3), 4) == g("0014\n0014\n1144")
    with pytest.raises(ValueError):
        flood_fill(grid, (3, 0), 4)


def test_fill_enclosed():
    grid = g("""
    00000
    05550
    05050
    05550
    00000
    """)
    assert fill_enclosed(grid, 4)[2] == (0, 5, 4, 5, 0)
    assert fill_enclosed(g("050\n505\n050"), 4) == g("050\n545\n050")
    assert fill_enclosed(g("050\n505\n000"), 4) == g("050\n505\n000")  # leaks out
    assert fill_enclosed(g("05\n50"), 4) == g("05\n50")


def test_draw_box():
    assert draw_box(g("0000\n0000\n0000"), idx((0, 0), (2, 2)), 3) == g("3330\n3030\n3330")


def test_fill_box_background():
    grid = g("0000\n0100\n0010\n0000")
    patch = idx((1, 1), (2, 2))
    assert fill_box_background(grid, patch, 5) == g("0000\n0150\n0510\n0000")


def test_recolour_by_size():
    grid = g("110\n000\n202")
    assert recolour_by_size(grid, 7, 1) == g("110\n000\n707")
    assert recolour_by_size(grid, 7, 5) == grid


# --------------------------------------------------------------------------- lines

def test_line_between():
    assert line_between((0, 0), (0, 3)) == idx((0, 0), (0, 1), (0, 2), (0, 3))
    assert line_between((3, 0), (1, 0)) == idx((1, 0), (2, 0), (3, 0))
    assert line_between((2, 2), (0, 0)) == idx((0, 0), (1, 1), (2, 2))
    assert line_between((1, 1), (1, 1)) == idx((1, 1))
    with pytest.raises(ValueError):
        line_between((0, 0), (1, 2))


def test_draw_line():
    assert draw_line(BLANK, (0, 2), (2, 0), 9) == g("009\n090\n900")


def test_ray():
    grid = g("0000\n0000\n0000")
    assert ray(grid, (1, 1), (0, 1)) == idx((1, 2), (1, 3))
    assert ray(grid, (1, 1), (-1, -1)) == idx((0, 0))
    assert ray(grid, (0, 3), (-1, 0)) == frozenset()
    # a start outside the grid may enter it
    assert ray(grid, (1, -5), (0, 1)) == idx((1, 0), (1, 1), (1, 2), (1, 3))
    assert ray(grid, (1, 10 ** 6), (0, 1)) == frozenset()
    with pytest.raises(ValueError):
        ray(grid, (1, 1), (2, 0))


def test_ray_until_blocked():
    grid = g("00000\n00000\n00005")
    assert ray_until_blocked(grid, (2, 0), (0, 1)) == idx((2, 1), (2, 2), (2, 3))
    assert ray_until_blocked(grid, (2, 0), (-1, 0)) == idx((1, 0), (0, 0))


def test_row_through():
    assert row_through(g("000\n000"), (1, 7)) == idx((1, 0), (1, 1), (1, 2))
    assert row_through(g("000\n000"), (4, 0)) == frozenset()


def test_column_through():
    assert column_through(g("000\n000"), (0, 2)) == idx((0, 2), (1, 2))
    assert column_through(g("000\n000"), (0, -1)) == frozenset()


def test_diagonals_through():
    assert diagonals_through(BLANK, (1, 1)) == idx((0, 0), (1, 1), (2, 2), (0, 2), (2, 0))
    assert diagonals_through(BLANK, (0, 0)) == idx((0, 0), (1, 1), (2, 2))


def test_connect_colour():
    grid = g("""
    30003
    00000
    30020
    """)
    assert connect_colour(grid, 3) == g("33333\n30000\n30020")
    # only background is overwritten between the cells
    assert connect_colour(g("31213\n00000\n00000"), 3) == g("31213\n00000\n00000")
    assert connect_colour(grid, 0) == grid  # the background itself: nothing to join


def test_connect_same_colours():
    grid = g("""
    20200
    00000
    40140
    """)
    # the two 2s join; the 4s are separated by a 1 and stay apart
    assert connect_same_colours(grid) == g("22200\n00000\n40140")
    assert connect_same_colours(g("5\n0\n5\n0\n0")) == g("5\n5\n5\n0\n0")


# --------------------------------------------------------------------------- symmetry

def test_is_symmetric_left_right():
    assert is_symmetric_left_right(g("121\n303"))
    assert not is_symmetric_left_right(g("12\n21"))


def test_is_symmetric_top_bottom():
    assert is_symmetric_top_bottom(g("12\n34\n12"))
    assert not is_symmetric_top_bottom(g("12\n21"))


def test_is_symmetric_diagonal():
    assert is_symmetric_diagonal(g("12\n21"))
    assert not is_symmetric_diagonal(g("12\n34"))
    assert not is_symmetric_diagonal(g("123\n456"))


def test_complete_left_right():
    assert complete_left_right(g("1200\n3403"), 0) == g("1221\n3443")
    # a cell whose mirror is also missing stays
    assert complete_left_right(g("000"), 0) == g("000")


def test_complete_top_bottom():
    assert complete_top_bottom(g("12\n00\n34\n99"), 9) == g("12\n00\n34\n12")


def test_complete_symmetry():
    grid = g("""
    1230
    2552
    3553
    0320
    """)
    # (0,3) and (3,0) are holes; left-right mirror of (0,3) is (0,0)=1
    done = complete_symmetry(grid, 0)
    assert done == g("1231\n2552\n3553\n1321")


def test_mirror_object_left_right():
    assert mirror_object_left_right(cells(1, (0, 5), (1, 5), (1, 6))) == \
        cells(1, (0, 6), (1, 6), (1, 5))
    assert mirror_object_left_right(idx((2, 2), (2, 4), (3, 2))) == idx((2, 4), (2, 2), (3, 4))
    assert mirror_object_left_right(frozenset()) == frozenset()


def test_mirror_object_top_bottom():
    assert mirror_object_top_bottom(idx((0, 0), (1, 0), (1, 1))) == idx((1, 0), (0, 0), (0, 1))
    obj = cells(3, (4, 4)) | cells(5, (6, 4))
    assert mirror_object_top_bottom(obj) == cells(3, (6, 4)) | cells(5, (4, 4))


def test_reflect_across_column():
    assert reflect_across_column(idx((0, 1), (0, 2)), 3) == idx((0, 5), (0, 4))
    assert reflect_across_column(cells(2, (1, 0)), 0) == cells(2, (1, 0))


def test_reflect_across_row():
    assert reflect_across_row(cells(2, (1, 0), (0, 0)), 2) == cells(2, (3, 0), (4, 0))


def test_mirror_grid_into_halves():
    assert mirror_grid_into_halves(g("1200\n3400")) == g("1221\n3443")
    assert mirror_grid_into_halves(g("12300")) == g("12321")


# --------------------------------------------------------------------------- gravity

TUMBLE = g("""
102
000
030
000
""")


def test_gravity_cells():
    assert gravity_cells(TUMBLE, (1, 0)) == g("000\n000\n000\n132")
    assert gravity_cells(TUMBLE, (0, 1)) == g("012\n000\n003\n000")
    with pytest.raises(ValueError):
        gravity_cells(TUMBLE, (1, 1))


def test_fall_down():
    # order within a column is kept
    assert fall_down(g("1\n0\n2\n0")) == g("0\n0\n1\n2")


def test_fall_up():
    assert fall_up(TUMBLE) == g("132\n000\n000\n000")


def test_fall_left():
    assert fall_left(TUMBLE) == g("120\n000\n300\n000")


def test_fall_right():
    assert fall_right(g("1020\n0300")) == g("0012\n0003")


def test_gravity_objects():
    grid = g("""
    110
    010
    000
    020
    000
    """)
    # the red cell falls to the floor first; the L moves rigidly and lands on it
    assert gravity_objects(grid, (1, 0)) == g("000\n000\n110\n010\n020")
    stacked = g("""
    010
    000
    222
    000
    """)
    assert gravity_objects(stacked, (1, 0)) == g("000\n000\n010\n222")
    assert gravity_objects(stacked, (-1, 0)) == g("010\n222\n000\n000")
    with pytest.raises(ValueError):
        gravity_objects(stacked, (0, 2))


def test_slide_object():
    grid = g("""
    1000
    0000
    0000
    0055
    """)
    one = cells(1, (0, 0))
    assert slide_object(grid, one, (1, 0)) == g("0000\n0000\n0000\n1055")
    assert slide_object(grid, one, (1, 1)) == g("0000\n0000\n0010\n0055")
    assert slide_object(grid, one, (-1, 0)) == grid
    five = cells(5, (3, 2), (3, 3))
    assert slide_object(grid, five, (0, -1)) == g("1000\n0000\n0000\n5500")
