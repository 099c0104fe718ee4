"""Tests of the object, patch-geometry, relation and counting primitives."""

from __future__ import annotations

import pytest

from codeit_core.dsl.prims_objects import (
    all_indices, are_adjacent, are_adjacent_diagonal, bottom_left, bottom_right,
    bottommost_object, bounding_box, box_corners, box_delta, box_outline,
    colour_components, colour_components_diagonal, colour_groups,
    components_except_colour, count_foreground_cells,
    count_holes, count_objects, count_objects_of_colour, crop_to_foreground, crop_to_patch,
    direction_to, enclosed_cells, fills_box, find_objects, foreground, grid_to_object,
    has_holes, holes, is_above, is_left_of, largest_object, leftmost_object,
    manhattan_distance, most_colourful_object, move_to, multicolour_components,
    multicolour_components_diagonal, neighbours, neighbours_diagonal, normalize,
    normalize_indices, object_at,
    object_colour, object_palette, object_to_grid, objects_by_size, objects_coloured,
    objects_in_reading_order, objects_larger_than, objects_not_coloured, objects_of_colour,
    objects_off_border, objects_smaller_than, objects_with_size, odd_colour_out,
    odd_shape_out, patch_centre, patch_edge, patch_height, patch_shape, patch_size,
    patch_width, recolour, rightmost_object, same_shape, share_column, share_row, shift,
    shift_indices,
    smallest_object, surrounding_box, to_indices, top_left, top_right, topmost_object,
    touches_border,
)


def g(text: str):
    """Parse a grid written as lines of digits (spaces optional)."""
    return tuple(tuple(int(ch) for ch in line if ch.isdigit())
                 for line in text.strip().splitlines())


def cells(colour, *positions):
    return frozenset((colour, p) for p in positions)


def idx(*positions):
    return frozenset(positions)


# A 5x5 grid on black: a blue L (3 cells), a red bar (2), two diagonal green cells, yellow corner.
GRID = g("""
00000
01102
01002
00030
40300
""")

BLUE = cells(1, (1, 1), (1, 2), (2, 1))
RED = cells(2, (1, 4), (2, 4))
GREEN_A = cells(3, (3, 3))
GREEN_B = cells(3, (4, 2))
YELLOW = cells(4, (4, 0))

# A ring of grey with a hole in the middle, on black.
RING = g("""
00000
05550
05050
05550
00000
""")


# --------------------------------------------------------------------------- finding objects

def test_find_objects():
    assert find_objects(GRID, True, False, True) == {BLUE, RED, GREEN_A, GREEN_B, YELLOW}
    assert find_objects(GRID, True, True, True) == {BLUE, RED, GREEN_A | GREEN_B, YELLOW}
    # multicolour, diagonal: green joins red? (2,4)-(3,3) diagonal -> yes
    merged = find_objects(GRID, False, True, True)
    assert RED | GREEN_A | GREEN_B in merged and BLUE in merged and YELLOW in merged
    # keeping the background: the black cells form components too
    with_bg = find_objects(GRID, True, False, False)
    assert sum(len(o) for o in with_bg) == 25
    assert find_objects(g("000\n000"), True, False, True) == frozenset()


def test_colour_components():
    assert colour_components(GRID) == {BLUE, RED, GREEN_A, GREEN_B, YELLOW}
    # background is the most common colour, not necessarily 0
    grid = g("555\n505\n555")
    assert colour_components(grid) == {cells(0, (1, 1))}


def test_colour_components_diagonal():
    assert colour_components_diagonal(GRID) == {BLUE, RED, GREEN_A | GREEN_B, YELLOW}


def test_multicolour_components():
    grid = g("""
    0120
    0000
    0300
    """)
    assert multicolour_components(grid) == {
        cells(1, (0, 1)) | cells(2, (0, 2)), cells(3, (2, 1))}


def test_multicolour_components_diagonal():
    grid = g("""
    100
    020
    003
    """)
    assert multicolour_components_diagonal(grid) == {
        cells(1, (0, 0)) | cells(2, (1, 1)) | cells(3, (2, 2))}
    assert len(multicolour_components(grid)) == 3


def test_components_except_colour():
    # most common colour here is 8, but we exclude 0 explicitly
    grid = g("""
    880
    800
    """)
    assert components_except_colour(grid, 0) == {cells(8, (0, 0), (0, 1), (1, 0))}
    assert components_except_colour(grid, 8) == {cells(0, (0, 2), (1, 1), (1, 2))}


def test_objects_of_colour():
    assert objects_of_colour(GRID, 3) == {GREEN_A, GREEN_B}
    assert objects_of_colour(GRID, 7) == frozenset()
    # the background colour may be asked for too
    assert len(objects_of_colour(RING, 0)) == 2


def test_colour_groups():
    assert colour_groups(GRID) == {BLUE, RED, GREEN_A | GREEN_B, YELLOW}


def test_all_indices():
    assert all_indices(g("12\n34\n56")) == idx((0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1))


def test_foreground():
    assert foreground(GRID) == BLUE | RED | GREEN_A | GREEN_B | YELLOW
    assert foreground(g("00\n00")) == frozenset()


def test_grid_to_object():
    assert grid_to_object(g("10\n02")) == frozenset(
        {(1, (0, 0)), (0, (0, 1)), (0, (1, 0)), (2, (1, 1))})


def test_object_to_grid():
    assert object_to_grid(BLUE) == g("11\n10")
    assert object_to_grid(grid_to_object(GRID)) == GRID
    with pytest.raises(ValueError):
        object_to_grid(frozenset())
    with pytest.raises(ValueError):
        object_to_grid(idx((0, 0)))


def test_object_at():
    objs = colour_components(GRID)
    assert object_at(objs, (2, 1)) == BLUE
    with pytest.raises(ValueError):
        object_at(objs, (0, 0))


# --------------------------------------------------------------------------- patch geometry

def test_to_indices():
    assert to_indices(RED) == idx((1, 4), (2, 4))
    assert to_indices(idx((3, 3))) == idx((3, 3))
    assert to_indices(frozenset()) == frozenset()


def test_bounding_box():
    assert bounding_box(BLUE) == idx((1, 1), (1, 2), (2, 1), (2, 2))
    with pytest.raises(ValueError):
        bounding_box(frozenset())
    with pytest.raises(Exception):  # far-apart patch: refused, not materialised
        bounding_box(idx((0, 0), (5000, 5000)))


def test_top_left():
    assert top_left(BLUE) == (1, 1)
    assert top_left(idx((3, 5), (1, 7))) == (1, 5)
    with pytest.raises(ValueError):
        top_left(frozenset())


def test_top_right():
    assert top_right(idx((3, 5), (1, 7))) == (1, 7)


def test_bottom_left():
    assert bottom_left(idx((3, 5), (1, 7))) == (3, 5)


def test_bottom_right():
    assert bottom_right(BLUE) == (2, 2)


def test_box_corners():
    assert box_corners(BLUE) == idx((1, 1), (1, 2), (2, 1), (2, 2))
    assert box_corners(RED) == idx((1, 4), (2, 4))
    assert box_corners(GREEN_A) == idx((3, 3))


def test_patch_height():
    assert patch_height(RED) == 2
    assert patch_height(frozenset()) == 0


def test_patch_width():
    assert patch_width(RED) == 1
    assert patch_width(idx((0, 2), (0, 6))) == 5
    assert patch_width(frozenset()) == 0


def test_patch_shape():
    assert patch_shape(BLUE) == (2, 2)
    assert patch_shape(idx((0, 0), (2, 4))) == (3, 5)
    assert patch_shape(frozenset()) == (0, 0)


def test_patch_centre():
    assert patch_centre(idx((0, 0), (2, 4))) == (1, 2)
    assert patch_centre(BLUE) == (1, 1)  # even size rounds towards the top-left
    with pytest.raises(ValueError):
        patch_centre(frozenset())


def test_patch_size():
    assert patch_size(BLUE) == 3
    assert patch_size(idx((0, 0))) == 1
    assert patch_size(frozenset()) == 0


def test_object_colour():
    assert object_colour(RED) == 2
    assert object_colour(cells(3, (0, 0), (0, 1)) | cells(1, (1, 1))) == 3
    assert object_colour(cells(5, (0, 0)) | cells(2, (0, 1))) == 2  # tie -> smaller colour
    with pytest.raises(ValueError):
        object_colour(frozenset())


def test_object_palette():
    assert object_palette(cells(3, (0, 0)) | cells(1, (1, 1))) == {1, 3}
    assert object_palette(frozenset()) == frozenset()


def test_recolour():
    assert recolour(RED, 7) == cells(7, (1, 4), (2, 4))
    assert recolour(idx((0, 0)), 1) == cells(1, (0, 0))
    with pytest.raises(ValueError):
        recolour(RED, 10)


def test_normalize():
    assert normalize(BLUE) == cells(1, (0, 0), (0, 1), (1, 0))
    assert normalize(cells(4, (5, 7)) | cells(2, (6, 9))) == cells(4, (0, 0)) | cells(2, (1, 2))
    assert normalize(frozenset()) == frozenset()


def test_normalize_indices():
    assert normalize_indices(idx((5, 7), (6, 9))) == idx((0, 0), (1, 2))
    assert normalize_indices(frozenset()) == frozenset()


def test_shift():
    assert shift(RED, (1, -2)) == cells(2, (2, 2), (3, 2))
    assert shift(RED, (0, 0)) == RED


def test_shift_indices():
    assert shift_indices(idx((0, 0), (1, 2)), (-1, -1)) == idx((-1, -1), (0, 1))
    assert shift_indices(frozenset(), (3, 3)) == frozenset()


def test_move_to():
    assert move_to(BLUE, (3, 0)) == cells(1, (3, 0), (3, 1), (4, 0))
    assert move_to(frozenset(), (3, 3)) == frozenset()


def test_crop_to_patch():
    assert crop_to_patch(GRID, BLUE) == g("11\n10")
    assert crop_to_patch(GRID, idx((3, 3), (4, 4))) == g("30\n00")
    # clipped to the grid when the patch hangs over the edge
    assert crop_to_patch(GRID, idx((-2, -2), (0, 1))) == g("00")
    with pytest.raises(ValueError):
        crop_to_patch(GRID, idx((9, 9)))


def test_crop_to_foreground():
    assert crop_to_foreground(g("000\n010\n002")) == g("10\n02")
    with pytest.raises(ValueError):
        crop_to_foreground(g("00\n00"))


# --------------------------------------------------------------------------- selection

OBJS = frozenset({BLUE, RED, GREEN_A, GREEN_B, YELLOW})


def test_largest_object():
    assert largest_object(OBJS) == BLUE
    # tie between red and another 2-cell object: first in reading order wins
    other = cells(6, (0, 0), (0, 1))
    assert largest_object(frozenset({RED, other})) == other
    with pytest.raises(ValueError):
        largest_object(frozenset())


def test_smallest_object():
    # three 1-cell objects: the topmost is chosen
    assert smallest_object(OBJS) == GREEN_A
    with pytest.raises(ValueError):
        smallest_object(frozenset())


def test_topmost_object():
    # blue and red both start on row 1: blue is further left
    assert topmost_object(OBJS) == BLUE


def test_bottommost_object():
    # yellow and green_b both reach row 4: yellow is further left
    assert bottommost_object(OBJS) == YELLOW


def test_leftmost_object():
    assert leftmost_object(OBJS) == YELLOW


def test_rightmost_object():
    assert rightmost_object(OBJS) == RED
    with pytest.raises(ValueError):
        rightmost_object(frozenset())


def test_most_colourful_object():
    two = cells(1, (0, 0)) | cells(2, (0, 1))
    assert most_colourful_object(frozenset({BLUE, two, RED})) == two


def test_odd_shape_out():
    square_a = cells(1, (0, 0), (0, 1), (1, 0), (1, 1))
    square_b = shift(square_a, (5, 5))
    bar = cells(1, (3, 0), (3, 1), (3, 2), (3, 3))
    assert odd_shape_out(frozenset({square_a, square_b, bar})) == bar
    with pytest.raises(ValueError):
        odd_shape_out(frozenset({square_a, square_b}))


def test_odd_colour_out():
    assert odd_colour_out(frozenset({GREEN_A, GREEN_B, RED})) == RED
    with pytest.raises(ValueError):
        odd_colour_out(frozenset({GREEN_A, GREEN_B}))


def test_objects_in_reading_order():
    assert objects_in_reading_order(OBJS) == (BLUE, RED, GREEN_A, YELLOW, GREEN_B)
    assert objects_in_reading_order(frozenset()) == ()


def test_objects_by_size():
    ordered = objects_by_size(OBJS)
    assert ordered[:2] == (BLUE, RED)
    assert ordered[2:] == (GREEN_A, YELLOW, GREEN_B)


# --------------------------------------------------------------------------- filtering

def test_objects_with_size():
    assert objects_with_size(OBJS, 2) == {RED}
    assert objects_with_size(OBJS, 9) == frozenset()


def test_objects_larger_than():
    assert objects_larger_than(OBJS, 1) == {BLUE, RED}


def test_objects_smaller_than():
    assert objects_smaller_than(OBJS, 2) == {GREEN_A, GREEN_B, YELLOW}
    assert objects_smaller_than(OBJS, 1) == frozenset()


def test_objects_coloured():
    assert objects_coloured(OBJS, 3) == {GREEN_A, GREEN_B}


def test_objects_not_coloured():
    assert objects_not_coloured(OBJS, 3) == {BLUE, RED, YELLOW}


def test_touches_border():
    assert touches_border(GRID, RED)
    assert touches_border(GRID, YELLOW)
    assert not touches_border(GRID, BLUE)
    assert not touches_border(GRID, frozenset())


def test_objects_off_border():
    assert objects_off_border(GRID, OBJS) == {BLUE, GREEN_A}


# --------------------------------------------------------------------------- shape analysis

RING_OBJ = colour_components(RING)


def test_holes():
    ring = next(iter(RING_OBJ))
    assert holes(ring) == idx((2, 2))
    # a C shape has no holes: its gap opens to the outside
    assert holes(idx((0, 0), (0, 1), (1, 0), (2, 0), (2, 1))) == frozenset()
    with pytest.raises(ValueError):
        holes(frozenset())


def test_has_holes():
    assert has_holes(next(iter(RING_OBJ)))
    assert not has_holes(BLUE)


def test_enclosed_cells():
    assert enclosed_cells(RING) == idx((2, 2))
    # cells touching the border are never enclosed
    assert enclosed_cells(g("505\n555")) == frozenset()


def test_neighbours():
    assert neighbours(idx((1, 1))) == idx((0, 1), (2, 1), (1, 0), (1, 2))
    assert neighbours(RED) == idx((0, 4), (3, 4), (1, 3), (2, 3), (1, 5), (2, 5))


def test_neighbours_diagonal():
    assert len(neighbours_diagonal(idx((1, 1)))) == 8
    assert (0, 0) in neighbours_diagonal(idx((1, 1)))
    assert (1, 1) not in neighbours_diagonal(idx((1, 1)))


def test_box_outline():
    assert box_outline(idx((0, 0), (2, 2))) == all_indices(g("000\n000\n000")) - idx((1, 1))
    assert box_outline(idx((4, 4))) == idx((4, 4))


def test_surrounding_box():
    ring = surrounding_box(idx((1, 1)))
    assert ring == idx((0, 0), (0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1), (2, 2))


def test_patch_edge():
    square = bounding_box(idx((0, 0), (2, 2)))
    assert patch_edge(square) == square - idx((1, 1))
    assert patch_edge(frozenset()) == frozenset()


def test_box_delta():
    assert box_delta(BLUE) == idx((2, 2))
    assert box_delta(idx((0, 0), (1, 1))) == idx((0, 1), (1, 0))


def test_fills_box():
    assert fills_box(RED)
    assert not fills_box(BLUE)
    assert not fills_box(frozenset())


def test_same_shape():
    assert same_shape(BLUE, shift(recolour(BLUE, 5), (3, 3)))
    assert not same_shape(BLUE, RED)
    assert same_shape(frozenset(), frozenset())


# --------------------------------------------------------------------------- relations

def test_are_adjacent():
    assert are_adjacent(idx((0, 0)), idx((0, 1)))
    assert not are_adjacent(idx((0, 0)), idx((1, 1)))
    assert are_adjacent(BLUE, BLUE)  # overlapping counts
    assert not are_adjacent(BLUE, RED)


def test_are_adjacent_diagonal():
    assert are_adjacent_diagonal(idx((0, 0)), idx((1, 1)))
    assert are_adjacent_diagonal(GREEN_A, RED)
    assert not are_adjacent_diagonal(idx((0, 0)), idx((2, 2)))


def test_manhattan_distance():
    assert manhattan_distance(BLUE, RED) == 2
    assert manhattan_distance(idx((0, 0)), idx((3, 4))) == 7
    assert manhattan_distance(BLUE, BLUE) == 0
    # large patches take the breadth-first path and agree with brute force
    a = bounding_box(idx((0, 0), (14, 9)))
    b = bounding_box(idx((20, 15), (29, 29)))
    assert manhattan_distance(a, b) == 6 + 6
    with pytest.raises(ValueError):
        manhattan_distance(frozenset(), BLUE)


def test_direction_to():
    assert direction_to(BLUE, YELLOW) == (1, -1)
    assert direction_to(BLUE, RED) == (0, 1)
    assert direction_to(BLUE, BLUE) == (0, 0)


def test_is_above():
    assert is_above(BLUE, YELLOW)
    assert not is_above(BLUE, RED)  # rows overlap


def test_is_left_of():
    assert is_left_of(BLUE, RED)
    assert not is_left_of(RED, BLUE)


def test_share_row():
    assert share_row(BLUE, RED)
    assert not share_row(BLUE, YELLOW)


def test_share_column():
    assert share_column(BLUE, GREEN_B)
    assert not share_column(BLUE, RED)


# --------------------------------------------------------------------------- counting

def test_count_objects():
    assert count_objects(GRID) == 5
    assert count_objects(g("00\n00")) == 0


def test_count_objects_of_colour():
    assert count_objects_of_colour(GRID, 3) == 2
    assert count_objects_of_colour(GRID, 9) == 0


def test_count_foreground_cells():
    assert count_foreground_cells(GRID) == 8


def test_count_holes():
    two_holes = g("""
    11111
    10101
    11111
    """)
    assert count_holes(next(iter(components_except_colour(two_holes, 0)))) == 2
    assert count_holes(BLUE) == 0
