"""Extra primitives added while writing reference programs (range 3): cell-wise grid
expansion, frequency of elements in a container, sweeping positions across the grid,
smearing colours into the background and recolouring objects from a list of colours.

Conventions follow `prims_grid` and `prims_objects`: grids are tuples of rows, positions are
(row, column), directions (d_row, d_col); meaningless input raises ValueError; anything that
could build a large value is checked against the size limits first.
"""

from __future__ import annotations

from collections import Counter

from codeit_core.dsl.errors import check_count, check_grid_dims
from codeit_core.dsl.prims_core import order_key
from codeit_core.dsl.registry import primitive
from codeit_core.dsl.types import Any, Container, Grid, Indices, IntegerTuple, Objects, Patch


def _dims(grid: Grid) -> tuple[int, int]:
    if not grid or not grid[0]:
        raise ValueError("empty grid")
    return len(grid), len(grid[0])


def _background(grid: Grid) -> int:
    counts = Counter(v for row in grid for v in row)
    return min(counts, key=lambda c: (-counts[c], c))


def _positions(patch: Patch) -> frozenset:
    if not patch:
        return frozenset()
    first = next(iter(patch))
    if isinstance(first[1], tuple):
        return frozenset(pos for _, pos in patch)
    return frozenset(patch)


def _direction(direction: IntegerTuple) -> tuple[int, int]:
    if type(direction) is not tuple or len(direction) != 2 \
            or any(type(v) is not int for v in direction):
        raise ValueError(f"not a direction: {direction!r:.60}")
    dr, dc = direction
    if (dr, dc) == (0, 0) or abs(dr) > 1 or abs(dc) > 1:
        raise ValueError(f"not a unit direction: {direction!r}")
    return dr, dc


def _ranked(container: Container) -> list:
    """The elements in order: a tuple as it is, a set sorted by the fixed value order."""
    if type(container) not in (tuple, frozenset) or not container:
        raise ValueError("expected a non-empty tuple or set")
    return list(container) if type(container) is tuple else sorted(container, key=order_key)


# --- scaling --------------------------------------------------------------------------------


@primitive("scaling")
def expand_cells(grid: Grid, pattern: Grid) -> Grid:
    """Replace each cell by a copy of pattern drawn in the cell's colour (0 cells give blank blocks)."""
    h, w = _dims(grid)
    ph, pw = _dims(pattern)
    check_grid_dims(h * ph, w * pw)
    return tuple(
        tuple(v if v != 0 and p != 0 else 0 for v in grid[r // ph] for p in pattern[r % ph])
        for r in range(h * ph))


# --- sets -------------------------------------------------------------------------------------


@primitive("sets")
def most_frequent_element(container: Container) -> Any:
    """The element occurring most often in a tuple (ties: the first); of a set, the first."""
    items = _ranked(container)
    counts = Counter(items)
    return max(items, key=lambda x: counts[x])


@primitive("sets")
def least_frequent_element(container: Container) -> Any:
    """The element occurring least often in a tuple (ties: the first); of a set, the first."""
    items = _ranked(container)
    counts = Counter(items)
    return min(items, key=lambda x: counts[x])


# --- lines ------------------------------------------------------------------------------------


@primitive("lines")
def sweep(grid: Grid, patch: Patch, direction: IntegerTuple) -> Indices:
    """The patch's positions and every grid position reached from them stepping in a direction."""
    h, w = _dims(grid)
    dr, dc = _direction(direction)
    out = set()
    for r, c in _positions(patch):
        while 0 <= r < h and 0 <= c < w and (r, c) not in out:
            out.add((r, c))
            r, c = r + dr, c + dc
    check_count(len(out))
    return frozenset(out)


@primitive("lines")
def smear(grid: Grid, direction: IntegerTuple) -> Grid:
    """Paint each background cell with the nearest non-background colour behind it in a direction."""
    h, w = _dims(grid)
    dr, dc = _direction(direction)
    bg = _background(grid)
    out = [list(row) for row in grid]
    rows = range(h) if dr >= 0 else range(h - 1, -1, -1)
    cols = range(w) if dc >= 0 else range(w - 1, -1, -1)
    for r in rows:
        for c in cols:
            pr, pc = r - dr, c - dc
            if out[r][c] == bg and 0 <= pr < h and 0 <= pc < w:
                out[r][c] = out[pr][pc]
    return tuple(map(tuple, out))


# --- colour -----------------------------------------------------------------------------------


@primitive("colour")
def recolour_each(objs: Container, colours: Container) -> Objects:
    """Recolour the i-th object of a tuple with the i-th colour of a tuple of the same length."""
    if type(objs) is not tuple or type(colours) is not tuple:
        raise ValueError("expected a tuple of objects and a tuple of colours")
    if len(objs) != len(colours):
        raise ValueError(f"{len(objs)} objects but {len(colours)} colours")
    out = []
    for obj, colour in zip(objs, colours):
        if type(colour) is not int or not 0 <= colour <= 9:
            raise ValueError(f"not a colour: {colour!r:.40}")
        out.append(frozenset((colour, pos) for pos in _positions(obj)))
    return frozenset(out)
