"""Painting, filling, lines, symmetry and gravity primitives.

Conventions (shared with `prims_objects`): the background is the grid's most common colour
(ties: smallest); positions are (row, col) and directions (d_row, d_col), down = (1, 0);
painting ignores positions outside the grid, so patches may hang over the edge.
"""

from __future__ import annotations

from codeit_core.dsl.checks import check_colour as _check_colour, dims as _dims, \
    positions as _positions
from codeit_core.dsl.prims_objects import (
    ORTHOGONAL, _background, _bounds, _components, _in_grid, _is_object, _order_key,
    _reachable, box_outline, enclosed_cells,
)
from codeit_core.dsl.errors import check_count
from codeit_core.dsl.registry import primitive
from codeit_core.dsl.types import (
    Boolean, Colour, Grid, Indices, Integer, IntegerTuple, Object, Objects, Patch,
)

UNIT_STEPS = frozenset({(-1, 0), (1, 0), (0, -1), (0, 1),
                        (-1, -1), (-1, 1), (1, -1), (1, 1)})


# --------------------------------------------------------------------------- helpers (private)

def _mutable(grid: Grid) -> list[list[int]]:
    return [list(row) for row in grid]


def _freeze(rows: list[list[int]]) -> Grid:
    return tuple(tuple(row) for row in rows)


def _set_cells(grid: Grid, cells, only_on: int | None = None) -> Grid:
    """Write (colour, (r, c)) cells into the grid, skipping off-grid positions; with `only_on`,
    only cells currently of that colour are overwritten."""
    h, w = _dims(grid)
    rows = _mutable(grid)
    for v, (r, c) in cells:
        if 0 <= r < h and 0 <= c < w and (only_on is None or grid[r][c] == only_on):
            rows[r][c] = v
    return _freeze(rows)


def _check_direction(direction: IntegerTuple, orthogonal_only: bool) -> tuple[int, int]:
    d = (int(direction[0]), int(direction[1]))
    if d not in UNIT_STEPS or (orthogonal_only and d not in ORTHOGONAL):
        raise ValueError(f"not a unit direction: {direction!r}")
    return d


def _ray(grid: Grid, start: IntegerTuple, direction: IntegerTuple, stop_at_non_bg: bool):
    dr, dc = _check_direction(direction, False)
    bg = _background(grid) if stop_at_non_bg else None
    h, w = _dims(grid)
    # Steps k >= 1 for which start + k * direction lies inside the grid form one interval.
    lo, hi = 1, h + w + abs(start[0]) + abs(start[1])  # tightened below (direction != 0)
    for s, d, n in ((start[0], dr, h), (start[1], dc, w)):
        if d == 0:
            if not 0 <= s < n:
                return frozenset()
        elif d > 0:
            lo, hi = max(lo, -s), min(hi, n - 1 - s)
        else:
            lo, hi = max(lo, s - (n - 1)), min(hi, s)
    out = []
    for k in range(lo, hi + 1):
        r, c = start[0] + k * dr, start[1] + k * dc
        if bg is not None and grid[r][c] != bg:
            break
        out.append((r, c))
    return frozenset(out)


# --------------------------------------------------------------------------- painting

@primitive("painting", keeps_shape_of="grid")
def paint_object(grid: Grid, obj: Object) -> Grid:
    """Draw the object's cells onto the grid (cells outside the grid are ignored)."""
    if obj and not _is_object(obj):
        raise ValueError("paint_object needs an object (use fill_cells for indices)")
    return _set_cells(grid, obj)


@primitive("painting", keeps_shape_of="grid")
def paint_objects(grid: Grid, objs: Objects) -> Grid:
    """Draw every object onto the grid (in reading order, so overlaps are deterministic)."""
    cells = []
    for obj in sorted(objs, key=_order_key):
        if obj and not _is_object(obj):
            raise ValueError("paint_objects needs objects")
        cells.extend(obj)
    return _set_cells(grid, cells)


@primitive("painting", keeps_shape_of="grid")
def paint_under(grid: Grid, obj: Object) -> Grid:
    """Draw the object's cells only where the grid shows background."""
    if obj and not _is_object(obj):
        raise ValueError("paint_under needs an object")
    return _set_cells(grid, obj, only_on=_background(grid))


@primitive("painting", keeps_shape_of="grid", paints_with="colour")
def fill_cells(grid: Grid, colour: Colour, patch: Patch) -> Grid:
    """Set every position of the patch to the colour."""
    _check_colour(colour)
    return _set_cells(grid, [(colour, p) for p in _positions(patch)])


@primitive("painting", keeps_shape_of="grid", paints_with="colour")
def fill_background_cells(grid: Grid, colour: Colour, patch: Patch) -> Grid:
    """Set the positions of the patch to the colour where the grid shows background."""
    _check_colour(colour)
    return _set_cells(grid, [(colour, p) for p in _positions(patch)],
                      only_on=_background(grid))


@primitive("painting", keeps_shape_of="grid")
def erase_patch(grid: Grid, patch: Patch) -> Grid:
    """Cover the patch with the grid's background colour."""
    return fill_cells(grid, _background(grid), patch)


@primitive("painting", keeps_shape_of="grid")
def erase_objects(grid: Grid, objs: Objects) -> Grid:
    """Cover every object with the grid's background colour."""
    return fill_cells(grid, _background(grid), frozenset().union(*map(_positions, objs)))


@primitive("painting", keeps_shape_of="grid")
def keep_only(grid: Grid, objs: Objects) -> Grid:
    """A background-coloured grid of the same size showing only the given objects."""
    bg = _background(grid)
    blank = tuple(tuple(bg for _ in row) for row in grid)
    return paint_objects(blank, objs)


@primitive("painting", keeps_shape_of="grid")
def move_object(grid: Grid, obj: Object, offset: IntegerTuple) -> Grid:
    """Erase the object and redraw it shifted by (d_row, d_col)."""
    moved = frozenset((v, (r + offset[0], c + offset[1])) for v, (r, c) in obj)
    return paint_object(erase_patch(grid, obj), moved)


@primitive("painting", keeps_shape_of="grid", paints_with="colour")
def flood_fill(grid: Grid, position: IntegerTuple, colour: Colour) -> Grid:
    """Recolour the 4-connected same-coloured region containing the position."""
    _check_colour(colour)
    if not _in_grid(grid, position):
        raise ValueError(f"position {position} outside the grid")
    start = grid[position[0]][position[1]]
    h, w = _dims(grid)
    same = {(r, c) for r in range(h) for c in range(w) if grid[r][c] == start}
    region = _reachable(same, [tuple(position)])
    return _set_cells(grid, [(colour, p) for p in region])


@primitive("painting", keeps_shape_of="grid", paints_with="colour")
def fill_enclosed(grid: Grid, colour: Colour) -> Grid:
    """Colour background cells that cannot reach the border through background."""
    _check_colour(colour)
    return _set_cells(grid, [(colour, p) for p in enclosed_cells(grid)])


@primitive("painting", keeps_shape_of="grid", paints_with="colour")
def draw_box(grid: Grid, patch: Patch, colour: Colour) -> Grid:
    """Draw the outline of the patch's bounding box in the colour."""
    _check_colour(colour)
    return _set_cells(grid, [(colour, p) for p in box_outline(patch)])


@primitive("painting", keeps_shape_of="grid", paints_with="colour")
def fill_box_background(grid: Grid, patch: Patch, colour: Colour) -> Grid:
    """Colour the background cells inside the patch's bounding box."""
    _check_colour(colour)
    top, left, bottom, right = _bounds(patch)
    h, w = _dims(grid)
    cells = [(colour, (r, c)) for r in range(max(top, 0), min(bottom, h - 1) + 1)
             for c in range(max(left, 0), min(right, w - 1) + 1)]
    return _set_cells(grid, cells, only_on=_background(grid))


@primitive("painting", keeps_shape_of="grid", paints_with="colour")
def recolour_by_size(grid: Grid, colour: Colour, n: Integer) -> Grid:
    """Recolour every single-colour non-background object having exactly n cells."""
    _check_colour(colour)
    objs = _components(grid, True, False, _background(grid))
    cells = [(colour, p) for o in objs if len(o) == n for _, p in o]
    return _set_cells(grid, cells)


# --------------------------------------------------------------------------- lines

@primitive("lines")
def line_between(a: IntegerTuple, b: IntegerTuple) -> Indices:
    """Positions on the straight (horizontal, vertical or diagonal) segment from a to b."""
    dr, dc = b[0] - a[0], b[1] - a[1]
    if dr and dc and abs(dr) != abs(dc):
        raise ValueError(f"{a} and {b} are not on a row, column or diagonal")
    n = max(abs(dr), abs(dc))
    check_count(n + 1)
    sr, sc = (dr > 0) - (dr < 0), (dc > 0) - (dc < 0)
    return frozenset((a[0] + i * sr, a[1] + i * sc) for i in range(n + 1))


@primitive("lines", keeps_shape_of="grid", paints_with="colour")
def draw_line(grid: Grid, a: IntegerTuple, b: IntegerTuple, colour: Colour) -> Grid:
    """Draw the straight segment from a to b in the colour."""
    return fill_cells(grid, colour, line_between(a, b))


@primitive("lines")
def ray(grid: Grid, start: IntegerTuple, direction: IntegerTuple) -> Indices:
    """Positions stepping from start (exclusive) in a unit direction until the grid's edge."""
    return _ray(grid, start, direction, False)


@primitive("lines")
def ray_until_blocked(grid: Grid, start: IntegerTuple, direction: IntegerTuple) -> Indices:
    """Positions stepping from start (exclusive) in a direction while the cells are background."""
    return _ray(grid, start, direction, True)


@primitive("lines")
def row_through(grid: Grid, position: IntegerTuple) -> Indices:
    """All positions of the grid row containing the position."""
    h, w = _dims(grid)
    if not 0 <= position[0] < h:
        return frozenset()
    return frozenset((position[0], c) for c in range(w))


@primitive("lines")
def column_through(grid: Grid, position: IntegerTuple) -> Indices:
    """All positions of the grid column containing the position."""
    h, w = _dims(grid)
    if not 0 <= position[1] < w:
        return frozenset()
    return frozenset((r, position[1]) for r in range(h))


@primitive("lines")
def diagonals_through(grid: Grid, position: IntegerTuple) -> Indices:
    """All grid positions on the two diagonals through the position."""
    h, w = _dims(grid)
    r0, c0 = position
    out = set()
    for r in range(h):
        for c in (c0 + (r - r0), c0 - (r - r0)):
            if 0 <= c < w:
                out.add((r, c))
    return frozenset(out)


@primitive("lines", keeps_shape_of="grid", paints_with="colour")
def connect_colour(grid: Grid, colour: Colour) -> Grid:
    """Join consecutive cells of the colour on each row and column by colouring the background between."""
    _check_colour(colour)
    bg = _background(grid)
    if colour == bg:
        return grid
    h, w = _dims(grid)
    cells = []
    for r in range(h):
        cols = [c for c in range(w) if grid[r][c] == colour]
        for c1, c2 in zip(cols, cols[1:]):
            cells.extend((colour, (r, c)) for c in range(c1 + 1, c2))
    for c in range(w):
        rows = [r for r in range(h) if grid[r][c] == colour]
        for r1, r2 in zip(rows, rows[1:]):
            cells.extend((colour, (r, c)) for r in range(r1 + 1, r2))
    return _set_cells(grid, cells, only_on=bg)


@primitive("lines", keeps_shape_of="grid")
def connect_same_colours(grid: Grid) -> Grid:
    """Join pairs of same-coloured cells that are neighbours on a row or column, across background only."""
    bg = _background(grid)
    h, w = _dims(grid)
    lines = [[(r, c) for c in range(w)] for r in range(h)] + \
            [[(r, c) for r in range(h)] for c in range(w)]
    return _set_cells(grid, joining_cells(grid, lines, bg), only_on=bg)


def joining_cells(grid: Grid, lines, bg: int) -> list:
    """The (colour, position) cells that join, along each line of positions, two cells of
    the same colour seen with nothing but background between them (for the connect_*
    primitives)."""
    cells = []
    for line in lines:
        last = None
        for i, (r, c) in enumerate(line):
            v = grid[r][c]
            if v == bg:
                continue
            if last is not None and grid[line[last][0]][line[last][1]] == v:
                cells.extend((v, p) for p in line[last + 1:i])
            last = i
    return cells


# --------------------------------------------------------------------------- symmetry

@primitive("symmetry")
def is_symmetric_left_right(grid: Grid) -> Boolean:
    """Whether the grid equals its mirror image about the vertical centre line."""
    return all(row == row[::-1] for row in grid)


@primitive("symmetry")
def is_symmetric_top_bottom(grid: Grid) -> Boolean:
    """Whether the grid equals its mirror image about the horizontal centre line."""
    return grid == grid[::-1]


@primitive("symmetry")
def is_symmetric_diagonal(grid: Grid) -> Boolean:
    """Whether the grid equals its transpose (mirror about the main diagonal)."""
    return grid == tuple(zip(*grid))


def _complete(grid: Grid, colour: int, maps) -> Grid:
    h, w = _dims(grid)
    rows = _mutable(grid)
    for r in range(h):
        for c in range(w):
            if grid[r][c] != colour:
                continue
            for f in maps:
                mr, mc = f(r, c)
                if 0 <= mr < h and 0 <= mc < w and grid[mr][mc] != colour:
                    rows[r][c] = grid[mr][mc]
                    break
    return _freeze(rows)


@primitive("symmetry", keeps_shape_of="grid")
def complete_left_right(grid: Grid, colour: Colour) -> Grid:
    """Fill cells of the colour from their mirror across the vertical centre line."""
    w = _dims(grid)[1]
    return _complete(grid, colour, [lambda r, c: (r, w - 1 - c)])


@primitive("symmetry", keeps_shape_of="grid")
def complete_top_bottom(grid: Grid, colour: Colour) -> Grid:
    """Fill cells of the colour from their mirror across the horizontal centre line."""
    h = _dims(grid)[0]
    return _complete(grid, colour, [lambda r, c: (h - 1 - r, c)])


@primitive("symmetry", keeps_shape_of="grid")
def complete_symmetry(grid: Grid, colour: Colour) -> Grid:
    """Fill cells of the colour from any mirror image (left-right, top-bottom, half turn, diagonals if square)."""
    h, w = _dims(grid)
    maps = [lambda r, c: (r, w - 1 - c), lambda r, c: (h - 1 - r, c),
            lambda r, c: (h - 1 - r, w - 1 - c)]
    if h == w:
        maps += [lambda r, c: (c, r), lambda r, c: (w - 1 - c, h - 1 - r)]
    return _complete(grid, colour, maps)


@primitive("symmetry")
def mirror_object_left_right(patch: Object) -> Object:
    """Mirror the object left-right within its own bounding box."""
    if not patch:
        return patch
    _, left, _, right = _bounds(patch)
    if _is_object(patch):
        return frozenset((v, (r, left + right - c)) for v, (r, c) in patch)
    return frozenset((r, left + right - c) for r, c in patch)


@primitive("symmetry")
def mirror_object_top_bottom(patch: Object) -> Object:
    """Mirror the object top-bottom within its own bounding box."""
    if not patch:
        return patch
    top, _, bottom, _ = _bounds(patch)
    if _is_object(patch):
        return frozenset((v, (top + bottom - r, c)) for v, (r, c) in patch)
    return frozenset((top + bottom - r, c) for r, c in patch)


@primitive("symmetry")
def reflect_across_column(patch: Object, column: Integer) -> Object:
    """Reflect the object across the vertical line through the given column."""
    if _is_object(patch):
        return frozenset((v, (r, 2 * column - c)) for v, (r, c) in patch)
    return frozenset((r, 2 * column - c) for r, c in patch)


@primitive("symmetry")
def reflect_across_row(patch: Object, row: Integer) -> Object:
    """Reflect the object across the horizontal line through the given row."""
    if _is_object(patch):
        return frozenset((v, (2 * row - r, c)) for v, (r, c) in patch)
    return frozenset((2 * row - r, c) for r, c in patch)


@primitive("symmetry", keeps_shape_of="grid")
def mirror_grid_into_halves(grid: Grid) -> Grid:
    """Copy the left half of the grid mirrored onto its right half."""
    w = _dims(grid)[1]
    return tuple(row[:(w + 1) // 2] + row[:w // 2][::-1] for row in grid)


# --------------------------------------------------------------------------- gravity

@primitive("gravity", keeps_shape_of="grid")
def gravity_cells(grid: Grid, direction: IntegerTuple) -> Grid:
    """Slide every non-background cell as far as it goes in an orthogonal direction, per row/column."""
    dr, dc = _check_direction(direction, True)
    bg = _background(grid)
    h, w = _dims(grid)
    rows = [[bg] * w for _ in range(h)]
    if dc == 0:
        for c in range(w):
            col = [grid[r][c] for r in range(h) if grid[r][c] != bg]
            start = h - len(col) if dr == 1 else 0
            for i, v in enumerate(col):
                rows[start + i][c] = v
    else:
        for r in range(h):
            line = [v for v in grid[r] if v != bg]
            start = w - len(line) if dc == 1 else 0
            rows[r][start:start + len(line)] = line
    return _freeze(rows)


@primitive("gravity", keeps_shape_of="grid")
def fall_down(grid: Grid) -> Grid:
    """Let every non-background cell drop to the bottom of its column."""
    return gravity_cells(grid, (1, 0))


@primitive("gravity", keeps_shape_of="grid")
def fall_up(grid: Grid) -> Grid:
    """Let every non-background cell rise to the top of its column."""
    return gravity_cells(grid, (-1, 0))


@primitive("gravity", keeps_shape_of="grid")
def fall_left(grid: Grid) -> Grid:
    """Slide every non-background cell to the left end of its row."""
    return gravity_cells(grid, (0, -1))


@primitive("gravity", keeps_shape_of="grid")
def fall_right(grid: Grid) -> Grid:
    """Slide every non-background cell to the right end of its row."""
    return gravity_cells(grid, (0, 1))


@primitive("gravity", keeps_shape_of="grid")
def gravity_objects(grid: Grid, direction: IntegerTuple) -> Grid:
    """Move each 8-connected non-background object rigidly in a direction until it hits the edge or another object."""
    dr, dc = _check_direction(direction, True)
    bg = _background(grid)
    h, w = _dims(grid)
    objs = _components(grid, False, True, bg)
    # Objects nearest the destination side move first, so others stack on them.
    lead = (lambda o: max(dr * r + dc * c for _, (r, c) in o))
    order = sorted(objs, key=lambda o: (-lead(o), sorted(o)))
    occupied: dict[tuple[int, int], int] = {}
    for obj in order:
        pos = [p for _, p in obj]
        k = 0
        while True:
            nxt = [(r + (k + 1) * dr, c + (k + 1) * dc) for r, c in pos]
            if all(0 <= r < h and 0 <= c < w and (r, c) not in occupied for r, c in nxt):
                k += 1
            else:
                break
        for v, (r, c) in obj:
            occupied[(r + k * dr, c + k * dc)] = v
    rows = [[bg] * w for _ in range(h)]
    for (r, c), v in occupied.items():
        rows[r][c] = v
    return _freeze(rows)


@primitive("gravity", keeps_shape_of="grid")
def slide_object(grid: Grid, obj: Object, direction: IntegerTuple) -> Grid:
    """Move one object in a unit direction until the next step would leave the grid or hit a non-background cell."""
    dr, dc = _check_direction(direction, False)
    if not _is_object(obj):
        raise ValueError("slide_object needs a non-empty object")
    bg = _background(grid)
    h, w = _dims(grid)
    pos = _positions(obj)
    k = 0
    while k <= h + w:
        nxt = [(r + (k + 1) * dr, c + (k + 1) * dc) for r, c in pos]
        if all(0 <= r < h and 0 <= c < w and ((r, c) in pos or grid[r][c] == bg)
               for r, c in nxt):
            k += 1
        else:
            break
    return move_object(grid, obj, (k * dr, k * dc))
