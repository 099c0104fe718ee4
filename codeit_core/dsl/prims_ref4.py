"""Extra primitives added while writing reference programs (range 4): periodic repair,
masked components, whole-line detection, colour lists as grids and row majority.

Conventions follow `prims_grid` and `prims_objects`: grids are tuples of rows, positions are
(row, column); meaningless input raises ValueError; anything that could build a large value
is checked against the size limits first.
"""

from __future__ import annotations

from codeit_core.dsl.errors import check_count, check_grid_dims
from codeit_core.dsl.registry import primitive
from codeit_core.dsl.types import Colour, Container, Grid, Indices, Objects


def _colour(value: int) -> int:
    if type(value) is not int or not 0 <= value <= 9:
        raise ValueError(f"not a colour: {value!r}")
    return value


def _dims(grid: Grid) -> tuple[int, int]:
    if not grid or not grid[0]:
        raise ValueError("empty grid")
    return len(grid), len(grid[0])


def _consistent(grid: Grid, unknown: int, key) -> dict | None:
    """Map each class key(r, c) to the one known colour of its cells, or None on a clash."""
    seen: dict = {}
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            if v == unknown:
                continue
            k = key(r, c)
            old = seen.setdefault(k, v)
            if old != v:
                return None
    return seen


@primitive("symmetry")
def fill_periodic(grid: Grid, colour: Colour) -> Grid:
    """Treat cells of the colour as unknown and fill them from the smallest row, then column, period."""
    _colour(colour)
    h, w = _dims(grid)
    pr = next(p for p in range(1, h + 1)
              if _consistent(grid, colour, lambda r, c, p=p: (r % p, c)) is not None)
    for pc in range(1, w + 1):
        known = _consistent(grid, colour, lambda r, c, pc=pc: (r % pr, c % pc))
        if known is not None:
            break
    return tuple(tuple(known.get((r % pr, c % pc), colour) if v == colour else v
                       for c, v in enumerate(row)) for r, row in enumerate(grid))


@primitive("objects")
def multicolour_components_except(grid: Grid, colour: Colour) -> Objects:
    """Multicolour 4-connected objects formed by all cells not of the given colour."""
    _colour(colour)
    h, w = _dims(grid)
    seen = [[False] * w for _ in range(h)]
    result = []
    for r0 in range(h):
        for c0 in range(w):
            if seen[r0][c0] or grid[r0][c0] == colour:
                continue
            seen[r0][c0] = True
            stack = [(r0, c0)]
            cells = []
            while stack:
                r, c = stack.pop()
                cells.append((grid[r][c], (r, c)))
                for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                    if 0 <= nr < h and 0 <= nc < w and not seen[nr][nc] \
                            and grid[nr][nc] != colour:
                        seen[nr][nc] = True
                        stack.append((nr, nc))
            result.append(frozenset(cells))
    check_count(len(result))
    return frozenset(result)


@primitive("lines")
def uniform_lines(grid: Grid, colour: Colour) -> Indices:
    """Positions of every full row and every full column made only of the colour."""
    _colour(colour)
    h, w = _dims(grid)
    rows = [r for r in range(h) if all(v == colour for v in grid[r])]
    cols = [c for c in range(w) if all(grid[r][c] == colour for r in range(h))]
    return frozenset([(r, c) for r in rows for c in range(w)]
                     + [(r, c) for c in cols for r in range(h)])


@primitive("colour")
def colours_to_column(colours: Container) -> Grid:
    """A one-column grid listing the colours of a tuple from top to bottom."""
    if type(colours) is not tuple or not colours:
        raise ValueError("expected a non-empty tuple of colours")
    check_grid_dims(len(colours), 1)
    return tuple((_colour(v),) for v in colours)


@primitive("colour")
def majority_rows(grid: Grid) -> Grid:
    """Paint every row entirely with its most common colour (ties: the smallest colour)."""
    h, w = _dims(grid)
    out = []
    for row in grid:
        counts: dict[int, int] = {}
        for v in row:
            counts[v] = counts.get(v, 0) + 1
        best = min(counts, key=lambda k: (-counts[k], k))
        out.append((best,) * w)
    return tuple(out)
