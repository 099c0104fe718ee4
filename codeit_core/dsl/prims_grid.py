"""Whole-grid primitives: geometry, slicing, scaling, tiling, construction and colour.

Conventions: a grid is a tuple of rows; positions and sizes are (row, column) /
(height, width) pairs; colour 0 is the background unless a primitive takes a colour.
Meaningless input (a crop outside the grid, a zero factor, mismatched shapes, a colour
outside 0..9) raises ValueError; grids that would exceed the size limits raise
TooLargeError before they are built.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain

from codeit_core.dsl.errors import check_grid_dims
from codeit_core.dsl.checks import check_colour as _colour, pair as _pair
from codeit_core.dsl.registry import primitive
from codeit_core.dsl.types import Colour, Container, Grid, Indices, Integer, IntegerSet, \
    IntegerTuple

_IDENTITY = tuple(range(10))


def _count(value: int, what: str, low: int = 1) -> int:
    if type(value) is not int:
        raise TypeError(f"{what} must be an integer, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{what} must be at least {low}, got {value}")
    return value


def _recolour(grid: Grid, table: list[int]) -> Grid:
    get = table.__getitem__
    return tuple(tuple(map(get, row)) for row in grid)


def _same_shape(a: Grid, b: Grid) -> None:
    if len(a) != len(b) or len(a[0]) != len(b[0]):
        raise ValueError(f"grids differ in shape: {len(a)}x{len(a[0])} and "
                         f"{len(b)}x{len(b[0])}")


# --- geometry --------------------------------------------------------------------------------


@primitive("geometry")
def rotate_cw(grid: Grid) -> Grid:
    """Rotate the grid a quarter turn clockwise."""
    return tuple(zip(*grid[::-1]))


@primitive("geometry")
def rotate_ccw(grid: Grid) -> Grid:
    """Rotate the grid a quarter turn counter-clockwise."""
    return tuple(zip(*grid))[::-1]


@primitive("geometry", keeps_shape_of="grid")
def rotate_180(grid: Grid) -> Grid:
    """Rotate the grid a half turn."""
    return tuple(row[::-1] for row in grid[::-1])


@primitive("geometry", keeps_shape_of="grid")
def flip_horizontal(grid: Grid) -> Grid:
    """Mirror the grid left-to-right (each row reversed)."""
    return tuple(row[::-1] for row in grid)


@primitive("geometry", keeps_shape_of="grid")
def flip_vertical(grid: Grid) -> Grid:
    """Mirror the grid top-to-bottom (row order reversed)."""
    return grid[::-1]


@primitive("geometry")
def transpose(grid: Grid) -> Grid:
    """Mirror the grid in its main diagonal: rows become columns."""
    return tuple(zip(*grid))


@primitive("geometry")
def flip_antidiagonal(grid: Grid) -> Grid:
    """Mirror the grid in its anti-diagonal (top-right to bottom-left)."""
    return tuple(zip(*(row[::-1] for row in grid[::-1])))


@primitive("geometry", keeps_shape_of="grid")
def shift_grid(grid: Grid, offset: IntegerTuple) -> Grid:
    """Move the content by offset (rows, columns); vacated cells become 0, overflow is lost."""
    dr, dc = _pair(offset)
    h, w = len(grid), len(grid[0])
    blank = (0,) * w
    rows = []
    for r in range(h):
        src = r - dr
        if not 0 <= src < h:
            rows.append(blank)
            continue
        row = grid[src]
        if dc >= w or dc <= -w:
            rows.append(blank)
        elif dc >= 0:
            rows.append((0,) * dc + row[:w - dc])
        else:
            rows.append(row[-dc:] + (0,) * -dc)
    return tuple(rows)


@primitive("geometry", keeps_shape_of="grid")
def roll_grid(grid: Grid, offset: IntegerTuple) -> Grid:
    """Move the content cyclically by offset (rows, columns), wrapping around the edges."""
    dr, dc = _pair(offset)
    h, w = len(grid), len(grid[0])
    dr, dc = dr % h, dc % w
    rows = grid[h - dr:] + grid[:h - dr]
    return tuple(row[w - dc:] + row[:w - dc] for row in rows)


# --- slicing ---------------------------------------------------------------------------------


@primitive("slicing")
def crop(grid: Grid, start: IntegerTuple, dims: IntegerTuple) -> Grid:
    """The subgrid with top-left corner start (row, column) and size dims (height, width)."""
    top, left = _pair(start)
    height, width = _pair(dims)
    if top < 0 or left < 0 or height < 1 or width < 1 or top + height > len(grid) \
            or left + width > len(grid[0]):
        raise ValueError(f"crop at {start} of size {dims} does not fit a "
                         f"{len(grid)}x{len(grid[0])} grid")
    return tuple(row[left:left + width] for row in grid[top:top + height])


@primitive("slicing")
def top_half(grid: Grid) -> Grid:
    """The top half of the rows (the middle row of an odd height is left out)."""
    if len(grid) < 2:
        raise ValueError("a grid of one row has no halves")
    return grid[:len(grid) // 2]


@primitive("slicing")
def bottom_half(grid: Grid) -> Grid:
    """The bottom half of the rows (the middle row of an odd height is left out)."""
    if len(grid) < 2:
        raise ValueError("a grid of one row has no halves")
    return grid[(len(grid) + 1) // 2:]


@primitive("slicing")
def left_half(grid: Grid) -> Grid:
    """The left half of the columns (the middle column of an odd width is left out)."""
    w = len(grid[0])
    if w < 2:
        raise ValueError("a grid of one column has no halves")
    return tuple(row[:w // 2] for row in grid)


@primitive("slicing")
def right_half(grid: Grid) -> Grid:
    """The right half of the columns (the middle column of an odd width is left out)."""
    w = len(grid[0])
    if w < 2:
        raise ValueError("a grid of one column has no halves")
    return tuple(row[(w + 1) // 2:] for row in grid)


@primitive("slicing")
def top_third(grid: Grid) -> Grid:
    """The first height // 3 rows (for 3 equal bands, with or without separator rows)."""
    if len(grid) < 3:
        raise ValueError("a grid needs at least 3 rows to have thirds")
    return grid[:len(grid) // 3]


@primitive("slicing")
def bottom_third(grid: Grid) -> Grid:
    """The last height // 3 rows."""
    if len(grid) < 3:
        raise ValueError("a grid needs at least 3 rows to have thirds")
    return grid[len(grid) - len(grid) // 3:]


@primitive("slicing")
def left_third(grid: Grid) -> Grid:
    """The first width // 3 columns."""
    w = len(grid[0]) if grid else 0
    if w < 3:
        raise ValueError("a grid needs at least 3 columns to have thirds")
    return tuple(row[:w // 3] for row in grid)


@primitive("slicing")
def right_third(grid: Grid) -> Grid:
    """The last width // 3 columns."""
    w = len(grid[0]) if grid else 0
    if w < 3:
        raise ValueError("a grid needs at least 3 columns to have thirds")
    return tuple(row[w - w // 3:] for row in grid)


@primitive("slicing")
def first_rows(grid: Grid, count: Integer) -> Grid:
    """The first count rows (1 <= count <= height)."""
    if not 1 <= _count(count, "count") <= len(grid):
        raise ValueError(f"cannot take {count} rows of a grid of {len(grid)}")
    return grid[:count]


@primitive("slicing")
def last_rows(grid: Grid, count: Integer) -> Grid:
    """The last count rows (1 <= count <= height)."""
    if not 1 <= _count(count, "count") <= len(grid):
        raise ValueError(f"cannot take {count} rows of a grid of {len(grid)}")
    return grid[len(grid) - count:]


@primitive("slicing")
def first_columns(grid: Grid, count: Integer) -> Grid:
    """The first count columns (1 <= count <= width)."""
    w = len(grid[0]) if grid else 0
    if not 1 <= _count(count, "count") <= w:
        raise ValueError(f"cannot take {count} columns of a grid of {w}")
    return tuple(row[:count] for row in grid)


@primitive("slicing")
def last_columns(grid: Grid, count: Integer) -> Grid:
    """The last count columns (1 <= count <= width)."""
    w = len(grid[0]) if grid else 0
    if not 1 <= _count(count, "count") <= w:
        raise ValueError(f"cannot take {count} columns of a grid of {w}")
    return tuple(row[w - count:] for row in grid)


@primitive("slicing")
def take_row(grid: Grid, index: Integer) -> Grid:
    """Row number index (0-based) as a grid one row high."""
    if not 0 <= _count(index, "index", 0) < len(grid):
        raise ValueError(f"row {index} is outside a grid of {len(grid)} rows")
    return (grid[index],)


@primitive("slicing")
def take_column(grid: Grid, index: Integer) -> Grid:
    """Column number index (0-based) as a grid one column wide."""
    if not 0 <= _count(index, "index", 0) < len(grid[0]):
        raise ValueError(f"column {index} is outside a grid of {len(grid[0])} columns")
    return tuple((row[index],) for row in grid)


@primitive("slicing")
def trim_border(grid: Grid) -> Grid:
    """Remove the outermost ring of cells (the grid must be at least 3x3)."""
    if len(grid) < 3 or len(grid[0]) < 3:
        raise ValueError("a grid smaller than 3x3 has nothing inside its border")
    return tuple(row[1:-1] for row in grid[1:-1])


@primitive("slicing")
def dedupe_rows(grid: Grid) -> Grid:
    """Collapse runs of identical adjacent rows into one row."""
    if not grid:
        raise ValueError("an empty grid has no rows to collapse")
    rows = [grid[0]]
    for row in grid[1:]:
        if row != rows[-1]:
            rows.append(row)
    return tuple(rows)


@primitive("slicing")
def dedupe_columns(grid: Grid) -> Grid:
    """Collapse runs of identical adjacent columns into one column."""
    return tuple(zip(*dedupe_rows(tuple(zip(*grid)))))


def _split(length: int, parts: int) -> list[tuple[int, int]]:
    _count(parts, "parts")
    if length % parts == 0:
        size, gap = length // parts, 0
    elif (length - (parts - 1)) % parts == 0 and length - (parts - 1) >= parts:
        size, gap = (length - (parts - 1)) // parts, 1
    else:
        raise ValueError(f"{length} cells cannot be split into {parts} equal parts")
    return [(i * (size + gap), i * (size + gap) + size) for i in range(parts)]


@primitive("slicing")
def split_rows(grid: Grid, parts: Integer) -> Container:
    """Cut the grid into parts equal bands of rows, top to bottom, skipping 1-row separators.

    Returns a tuple of grids. The height must be parts * k, or parts * k + parts - 1 when
    single separator rows lie between the bands (they are dropped).
    """
    return tuple(grid[a:b] for a, b in _split(len(grid), parts))


@primitive("slicing")
def split_columns(grid: Grid, parts: Integer) -> Container:
    """Cut the grid into parts equal bands of columns, left to right, skipping separators.

    Returns a tuple of grids; widths as for split_rows.
    """
    return tuple(tuple(row[a:b] for row in grid) for a, b in _split(len(grid[0]), parts))


# --- scaling ---------------------------------------------------------------------------------


@primitive("scaling")
def upscale(grid: Grid, factor: Integer) -> Grid:
    """Scale the grid up: every cell becomes a factor x factor block."""
    _count(factor, "factor")
    check_grid_dims(len(grid) * factor, len(grid[0]) * factor)
    out = []
    for row in grid:
        big = tuple(chain.from_iterable((v,) * factor for v in row))
        out.extend((big,) * factor)
    return tuple(out)


@primitive("scaling")
def downscale(grid: Grid, factor: Integer) -> Grid:
    """Scale the grid down: keep the top-left cell of every factor x factor block."""
    _count(factor, "factor")
    if factor > len(grid) or factor > len(grid[0]):
        raise ValueError(f"factor {factor} is larger than the {len(grid)}x{len(grid[0])} grid")
    return tuple(row[::factor] for row in grid[::factor])


@primitive("scaling")
def upscale_horizontal(grid: Grid, factor: Integer) -> Grid:
    """Stretch the grid sideways: every cell is repeated factor times along its row."""
    _count(factor, "factor")
    check_grid_dims(len(grid), len(grid[0]) * factor)
    return tuple(tuple(chain.from_iterable((v,) * factor for v in row)) for row in grid)


@primitive("scaling")
def upscale_vertical(grid: Grid, factor: Integer) -> Grid:
    """Stretch the grid downwards: every row is repeated factor times."""
    _count(factor, "factor")
    check_grid_dims(len(grid) * factor, len(grid[0]))
    return tuple(chain.from_iterable((row,) * factor for row in grid))


# --- tiling ----------------------------------------------------------------------------------


@primitive("tiling")
def hconcat(left: Grid, right: Grid) -> Grid:
    """Place two grids of equal height side by side."""
    if len(left) != len(right):
        raise ValueError(f"heights differ: {len(left)} and {len(right)}")
    check_grid_dims(len(left), len(left[0]) + len(right[0]))
    return tuple(a + b for a, b in zip(left, right))


@primitive("tiling")
def vconcat(top: Grid, bottom: Grid) -> Grid:
    """Stack two grids of equal width, the first above the second."""
    if len(top[0]) != len(bottom[0]):
        raise ValueError(f"widths differ: {len(top[0])} and {len(bottom[0])}")
    check_grid_dims(len(top) + len(bottom), len(top[0]))
    return top + bottom


@primitive("tiling")
def tile(grid: Grid, down: Integer, across: Integer) -> Grid:
    """Repeat the grid down times vertically and across times horizontally."""
    _count(down, "down")
    _count(across, "across")
    check_grid_dims(len(grid) * down, len(grid[0]) * across)
    return tuple(row * across for row in grid) * down


@primitive("tiling")
def mirror_tile(grid: Grid) -> Grid:
    """A 2x2 tiling with mirrors: grid and its left-right mirror above their upside-down images."""
    check_grid_dims(len(grid) * 2, len(grid[0]) * 2)
    top = tuple(row + row[::-1] for row in grid)
    return top + top[::-1]


# --- construction and measurement --------------------------------------------------------------


@primitive("tiling")
def canvas(colour: Colour, dims: IntegerTuple) -> Grid:
    """A grid of size dims (height, width) filled with colour."""
    _colour(colour)
    h, w = _pair(dims)
    if h < 1 or w < 1:
        raise ValueError(f"a grid must be at least 1x1, got {h}x{w}")
    check_grid_dims(h, w)
    return ((colour,) * w,) * h


@primitive("slicing")
def grid_size(grid: Grid) -> IntegerTuple:
    """The size (height, width) of the grid."""
    return (len(grid), len(grid[0]))


@primitive("slicing")
def grid_height(grid: Grid) -> Integer:
    """The number of rows."""
    return len(grid)


@primitive("slicing")
def grid_width(grid: Grid) -> Integer:
    """The number of columns."""
    return len(grid[0])


@primitive("slicing")
def cell_at(grid: Grid, position: IntegerTuple) -> Colour:
    """The colour at position (row, column); ValueError outside the grid."""
    r, c = _pair(position)
    if not (0 <= r < len(grid) and 0 <= c < len(grid[0])):
        raise ValueError(f"position {position} is outside the {len(grid)}x{len(grid[0])} grid")
    return grid[r][c]


# --- colour ----------------------------------------------------------------------------------


@primitive("colour", keeps_shape_of="grid", paints_with="new")
def replace_colour(grid: Grid, old: Colour, new: Colour) -> Grid:
    """Paint every cell of colour old with colour new."""
    table = list(_IDENTITY)
    table[_colour(old)] = _colour(new)
    return _recolour(grid, table)


@primitive("colour", keeps_shape_of="grid")
def swap_colours(grid: Grid, first: Colour, second: Colour) -> Grid:
    """Exchange two colours everywhere in the grid."""
    table = list(_IDENTITY)
    table[_colour(first)], table[_colour(second)] = second, first
    return _recolour(grid, table)


@primitive("colour", keeps_shape_of="grid", paints_with="colour")
def recolour_non_background(grid: Grid, colour: Colour) -> Grid:
    """Paint every non-zero cell with colour."""
    _colour(colour)
    return _recolour(grid, [0] + [colour] * 9)


@primitive("colour", keeps_shape_of="grid")
def keep_colour(grid: Grid, colour: Colour) -> Grid:
    """Keep the cells of colour, set every other cell to 0."""
    table = [0] * 10
    table[_colour(colour)] = colour
    return _recolour(grid, table)


@primitive("colour", keeps_shape_of="grid")
def invert_mask(grid: Grid, colour: Colour) -> Grid:
    """Swap figure and ground: 0 cells become colour, non-zero cells become 0."""
    _colour(colour)
    return _recolour(grid, [colour] + [0] * 9)


@primitive("colour")
def palette(grid: Grid) -> IntegerSet:
    """The set of colours present in the grid."""
    return frozenset(chain.from_iterable(grid))


@primitive("colour")
def num_colours(grid: Grid) -> Integer:
    """How many distinct colours the grid holds (background included)."""
    return len(set(chain.from_iterable(grid)))


@primitive("colour")
def count_colour(grid: Grid, colour: Colour) -> Integer:
    """How many cells have colour."""
    return sum(row.count(colour) for row in grid)


@primitive("colour")
def most_common_colour(grid: Grid) -> Colour:
    """The colour covering the most cells (ties go to the smaller colour)."""
    counts = Counter(chain.from_iterable(grid))
    return min(counts, key=lambda c: (-counts[c], c))


@primitive("colour")
def least_common_colour(grid: Grid) -> Colour:
    """The colour present on the fewest cells (ties go to the smaller colour)."""
    counts = Counter(chain.from_iterable(grid))
    return min(counts, key=lambda c: (counts[c], c))


@primitive("colour")
def cells_of_colour(grid: Grid, colour: Colour) -> Indices:
    """The positions (row, column) of every cell of colour."""
    return frozenset((r, c) for r, row in enumerate(grid) if colour in row
                     for c, v in enumerate(row) if v == colour)


@primitive("colour", keeps_shape_of="base")
def overlay_grids(base: Grid, top: Grid) -> Grid:
    """Lay top over base (same shape): top's non-zero cells win, elsewhere base shows."""
    _same_shape(base, top)
    return tuple(tuple(t or b for b, t in zip(rb, rt)) for rb, rt in zip(base, top))


@primitive("colour", keeps_shape_of="first")
def mask_and(first: Grid, second: Grid, colour: Colour) -> Grid:
    """colour where both grids (same shape) are non-zero, else 0."""
    _same_shape(first, second)
    _colour(colour)
    return tuple(tuple(colour if a and b else 0 for a, b in zip(ra, rb))
                 for ra, rb in zip(first, second))


@primitive("colour", keeps_shape_of="first")
def mask_or(first: Grid, second: Grid, colour: Colour) -> Grid:
    """colour where either grid (same shape) is non-zero, else 0."""
    _same_shape(first, second)
    _colour(colour)
    return tuple(tuple(colour if a or b else 0 for a, b in zip(ra, rb))
                 for ra, rb in zip(first, second))


@primitive("colour", keeps_shape_of="first")
def mask_xor(first: Grid, second: Grid, colour: Colour) -> Grid:
    """colour where exactly one grid (same shape) is non-zero, else 0."""
    _same_shape(first, second)
    _colour(colour)
    return tuple(tuple(colour if bool(a) != bool(b) else 0 for a, b in zip(ra, rb))
                 for ra, rb in zip(first, second))


@primitive("colour", keeps_shape_of="first")
def mask_nor(first: Grid, second: Grid, colour: Colour) -> Grid:
    """colour where both grids (same shape) are 0, else 0."""
    _same_shape(first, second)
    _colour(colour)
    return tuple(tuple(0 if a or b else colour for a, b in zip(ra, rb))
                 for ra, rb in zip(first, second))

