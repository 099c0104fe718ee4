"""Extra primitives added while writing reference programs (range 1): numbering objects by
colour, diagonal joins, largest solid rectangles, whole rows / columns under a patch,
corner neighbours, axis-aligned directions and mirror repair with a free axis.

Conventions follow `prims_grid` and `prims_objects`: grids are tuples of rows, positions are
(row, column); colour 0 is the background where a primitive says "background"; meaningless
input raises ValueError; anything that could build a large value is checked first.
"""

from __future__ import annotations

from collections import Counter

from codeit_core.dsl.errors import check_count
from codeit_core.dsl.registry import primitive
from codeit_core.dsl.types import Colour, Container, Grid, Indices, Integer, IntegerTuple, \
    Objects, Patch


def _colour(value: int) -> int:
    if type(value) is not int or not 0 <= value <= 9:
        raise ValueError(f"not a colour: {value!r}")
    return value


def _dims(grid: Grid) -> tuple[int, int]:
    if not grid or not grid[0]:
        raise ValueError("empty grid")
    return len(grid), len(grid[0])


def _positions(patch: Patch) -> list[tuple[int, int]]:
    if type(patch) is not frozenset:
        raise ValueError("expected a patch (Object or Indices)")
    out = []
    for item in patch:
        if type(item) is tuple and len(item) == 2 and type(item[1]) is tuple:
            out.append(item[1])  # an object cell (colour, (row, col))
        else:
            out.append(item)
    return out


def _background(grid: Grid) -> int:
    return Counter(v for row in grid for v in row).most_common(1)[0][0]


# --------------------------------------------------------------------------- colour


@primitive("colour")
def recolour_in_order(objs: Container, colour: Colour) -> Objects:
    """Recolour the objects of a tuple in order: the first gets colour, the next colour + 1, ..."""
    _colour(colour)
    if type(objs) is not tuple:
        raise ValueError("expected a tuple of objects (e.g. from objects_by_size)")
    if colour + len(objs) - 1 > 9:
        raise ValueError(f"{len(objs)} objects from colour {colour} run past colour 9")
    out = []
    for i, obj in enumerate(objs):
        out.append(frozenset((colour + i, p) for p in _positions(obj)))
    return frozenset(out)


# --------------------------------------------------------------------------- lines


@primitive("lines")
def connect_same_colours_diagonal(grid: Grid) -> Grid:
    """Join pairs of same-coloured cells that are neighbours on a diagonal, across background only."""
    h, w = _dims(grid)
    bg = _background(grid)
    out = [list(row) for row in grid]
    starts = [(0, c) for c in range(w)] + [(r, 0) for r in range(1, h)]
    for step_c, begin in ((1, starts), (-1, [(0, c) for c in range(w)]
                                          + [(r, w - 1) for r in range(1, h)])):
        for r0, c0 in begin:
            line = []
            r, c = r0, c0
            while 0 <= r < h and 0 <= c < w:
                line.append((r, c))
                r, c = r + 1, c + step_c
            last = None
            for i, (r, c) in enumerate(line):
                v = grid[r][c]
                if v == bg:
                    continue
                if last is not None and grid[line[last][0]][line[last][1]] == v:
                    for rr, cc in line[last + 1:i]:
                        if out[rr][cc] == bg:
                            out[rr][cc] = v
                last = i
    return tuple(tuple(row) for row in out)


@primitive("lines")
def rows_of_patch(grid: Grid, patch: Patch) -> Indices:
    """All grid positions on the rows that the patch occupies."""
    h, w = _dims(grid)
    rows = {r for r, _ in _positions(patch) if 0 <= r < h}
    check_count(len(rows) * w)
    return frozenset((r, c) for r in rows for c in range(w))


@primitive("lines")
def columns_of_patch(grid: Grid, patch: Patch) -> Indices:
    """All grid positions on the columns that the patch occupies."""
    h, w = _dims(grid)
    cols = {c for _, c in _positions(patch) if 0 <= c < w}
    check_count(len(cols) * h)
    return frozenset((r, c) for c in cols for r in range(h))


# --------------------------------------------------------------------------- objects


@primitive("objects")
def largest_rectangle_of_colour(grid: Grid, colour: Colour, min_side: Integer) -> Indices:
    """Positions of the largest solid rectangle of the colour with both sides >= min_side (ties: reading order)."""
    _colour(colour)
    if type(min_side) is not int or min_side < 1:
        raise ValueError(f"min_side must be a positive integer, got {min_side!r}")
    h, w = _dims(grid)
    heights = [0] * w
    best = (0, 0, 0, 0, 0)  # (area, -top, -left, height, width)
    for r in range(h):
        for c in range(w):
            heights[c] = heights[c] + 1 if grid[r][c] == colour else 0
        stack: list[int] = []  # column indices with increasing heights
        for c in range(w + 1):
            cur = heights[c] if c < w else 0
            while stack and heights[stack[-1]] >= cur:
                hh = heights[stack.pop()]
                left = stack[-1] + 1 if stack else 0
                width = c - left
                if hh >= min_side and width >= min_side:
                    cand = (hh * width, -(r - hh + 1), -left, hh, width)
                    if cand > best:
                        best = cand
            stack.append(c)
    area, top, left, hh, width = best
    if not area:
        return frozenset()
    top, left = -top, -left
    return frozenset((top + i, left + j) for i in range(hh) for j in range(width))


@primitive("objects")
def corner_neighbours(patch: Patch) -> Indices:
    """Positions diagonally adjacent (corner to corner) to some cell of the patch, not in it."""
    cells = set(_positions(patch))
    out = {(r + dr, c + dc) for r, c in cells for dr in (-1, 1) for dc in (-1, 1)}
    return frozenset(out - cells)


@primitive("objects")
def axis_direction_to(a: Patch, b: Patch) -> IntegerTuple:
    """Unit orthogonal step from a towards b, along the axis on which their boxes do not overlap."""
    pa, pb = _positions(a), _positions(b)
    if not pa or not pb:
        raise ValueError("empty patch")
    ra = (min(r for r, _ in pa), max(r for r, _ in pa))
    rb = (min(r for r, _ in pb), max(r for r, _ in pb))
    ca = (min(c for _, c in pa), max(c for _, c in pa))
    cb = (min(c for _, c in pb), max(c for _, c in pb))
    gap_rows = max(rb[0] - ra[1], ra[0] - rb[1])
    gap_cols = max(cb[0] - ca[1], ca[0] - cb[1])
    if gap_rows <= 0 and gap_cols <= 0:
        raise ValueError("the patches' boxes overlap")
    if gap_rows >= gap_cols:
        return (1, 0) if rb[0] > ra[1] else (-1, 0)
    return (0, 1) if cb[0] > ca[1] else (0, -1)


# --------------------------------------------------------------------------- symmetry


def _best_axis(colour: int, n: int, pairs) -> int | None:
    """The axis sum s (cell i mirrors cell s - i) with the most agreeing known pairs, no clash."""
    best, best_score = None, 0
    for s in range(1, 2 * n - 2):
        score, ok = 0, True
        for a, b in pairs(s):
            if a == colour or b == colour:
                continue
            if a != b:
                ok = False
                break
            score += 1
        if ok and score > best_score:
            best, best_score = s, score
    return best


@primitive("symmetry")
def complete_mirror(grid: Grid, colour: Colour) -> Grid:
    """Fill cells of the colour from their mirror images across the best-fitting horizontal and vertical axes."""
    _colour(colour)
    h, w = _dims(grid)
    g = [list(row) for row in grid]

    def row_pairs(s):
        for r in range(max(0, s - h + 1), (s + 1) // 2):
            for c in range(w):
                yield g[r][c], g[s - r][c]

    def col_pairs(s):
        for c in range(max(0, s - w + 1), (s + 1) // 2):
            for r in range(h):
                yield g[r][c], g[r][s - c]

    s = _best_axis(colour, h, row_pairs)
    if s is not None:
        for r in range(h):
            m = s - r
            if 0 <= m < h:
                for c in range(w):
                    if g[r][c] == colour and g[m][c] != colour:
                        g[r][c] = g[m][c]
    s = _best_axis(colour, w, col_pairs)
    if s is not None:
        for c in range(w):
            m = s - c
            if 0 <= m < w:
                for r in range(h):
                    if g[r][c] == colour and g[r][m] != colour:
                        g[r][c] = g[r][m]
    return tuple(tuple(row) for row in g)
