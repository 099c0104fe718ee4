"""Extra primitives added while writing reference programs (range 2): rays that are not tied
to a grid, counting a cell's neighbours of a colour, and cutting a grid into blocks along
separator lines.

Conventions follow `prims_grid` and `prims_objects`: grids are tuples of rows, positions are
(row, column), directions (d_row, d_col); meaningless input raises ValueError; anything that
could build a large value is checked against the size limits first.
"""

from __future__ import annotations

from codeit_core.dsl.errors import check_count
from codeit_core.dsl.registry import primitive
from codeit_core.dsl.types import Colour, Container, Grid, Indices, Integer, IntegerTuple

_RAY_LENGTH = 30  # the largest ARC grid side: enough to cross any grid
_ORTHOGONAL = ((-1, 0), (1, 0), (0, -1), (0, 1))


def _dims(grid: Grid) -> tuple[int, int]:
    if type(grid) is not tuple or not grid or type(grid[0]) is not tuple or not grid[0]:
        raise ValueError("expected a non-empty grid")
    return len(grid), len(grid[0])


def _colour(value: int) -> int:
    if type(value) is not int or not 0 <= value <= 9:
        raise ValueError(f"not a colour: {value!r:.40}")
    return value


def _pair(value: tuple, what: str) -> tuple[int, int]:
    if type(value) is not tuple or len(value) != 2 or any(type(v) is not int for v in value):
        raise ValueError(f"{what} must be a pair of integers, got {value!r:.60}")
    return value


# --- lines ----------------------------------------------------------------------------------


@primitive("lines")
def ray_from(start: IntegerTuple, direction: IntegerTuple) -> Indices:
    """Positions start + k * direction for k = 1..30: a ray not clipped to any grid."""
    r, c = _pair(start, "start")
    dr, dc = _pair(direction, "direction")
    if (dr, dc) == (0, 0) or abs(dr) > 1 or abs(dc) > 1:
        raise ValueError(f"not a unit direction: {direction!r}")
    return frozenset((r + k * dr, c + k * dc) for k in range(1, _RAY_LENGTH + 1))


# --- counting -------------------------------------------------------------------------------


@primitive("counting")
def cells_with_neighbours(grid: Grid, colour: Colour, n: Integer) -> Indices:
    """Positions having at least n of their 4 orthogonal neighbours in the colour."""
    h, w = _dims(grid)
    _colour(colour)
    if type(n) is not int or not 1 <= n <= 4:
        raise ValueError(f"neighbour count must be 1..4, got {n!r:.20}")
    out = []
    for r in range(h):
        for c in range(w):
            k = 0
            for dr, dc in _ORTHOGONAL:
                rr, cc = r + dr, c + dc
                if 0 <= rr < h and 0 <= cc < w and grid[rr][cc] == colour:
                    k += 1
            if k >= n:
                out.append((r, c))
    return frozenset(out)


# --- slicing --------------------------------------------------------------------------------


def _runs(flags: list[bool]) -> list[tuple[int, int]]:
    """(start, stop) of every maximal run of False entries."""
    runs, start = [], None
    for i, is_line in enumerate(flags + [True]):
        if not is_line and start is None:
            start = i
        elif is_line and start is not None:
            runs.append((start, i))
            start = None
    return runs


@primitive("slicing")
def split_at_lines(grid: Grid, colour: Colour) -> Container:
    """Cut the grid along its full rows and columns of the colour: a tuple of rows of blocks."""
    h, w = _dims(grid)
    _colour(colour)
    row_runs = _runs([all(v == colour for v in row) for row in grid])
    col_runs = _runs([all(grid[r][c] == colour for r in range(h)) for c in range(w)])
    if not row_runs or not col_runs:
        raise ValueError("the grid is made only of separator lines")
    check_count(len(row_runs) * len(col_runs))
    return tuple(
        tuple(tuple(row[c0:c1] for row in grid[r0:r1]) for c0, c1 in col_runs)
        for r0, r1 in row_runs)
