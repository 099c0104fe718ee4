"""More primitives: periodic patterns, rays and sweeps, rectangles, mirrors, recolouring
by order, and splitting at separator lines.

Grown from the reference programs of the ARC-AGI-1 training set (each one general and
named in ARC-neutral terms), so that families of tasks get short programs.
"""

from __future__ import annotations

from collections import Counter

from codeit_core.dsl.errors import TooLargeError, check_count, check_grid_dims
from codeit_core.dsl.prims_core import order_key
from codeit_core.dsl.prims_objects import _background
from codeit_core.dsl.checks import check_colour as _colour, grid_dims as _dims, \
    pair as _pair, patch_positions as _positions
from codeit_core.dsl.prims_painting import joining_cells
from codeit_core.dsl.registry import primitive
from codeit_core.dsl.types import Any, Colour, Container, Grid, Indices, Integer, \
    IntegerTuple, Object, Objects, Patch


# --------------------------------------------------------------------------- colour


@primitive("colour")
def recolour_in_order(objs: Container, colour: Colour) -> Objects:
    """Recolour the objects of a tuple in order: the first gets colour, the next colour + 1, ..."""
    _colour(colour)
    if type(objs) is not tuple:
        raise TypeError("expected a tuple of objects (e.g. from objects_by_size)")
    if colour + len(objs) - 1 > 9:
        raise ValueError(f"{len(objs)} objects from colour {colour} run past colour 9")
    out = []
    for i, obj in enumerate(objs):
        out.append(frozenset((colour + i, p) for p in _positions(obj)))
    return frozenset(out)


# --------------------------------------------------------------------------- lines


@primitive("lines", keeps_shape_of="grid")
def connect_same_colours_diagonal(grid: Grid) -> Grid:
    """Join pairs of same-coloured cells that are neighbours on a diagonal, across background only."""
    h, w = _dims(grid)
    bg = _background(grid)
    lines = []
    for step_c, begin in ((1, [(0, c) for c in range(w)] + [(r, 0) for r in range(1, h)]),
                          (-1, [(0, c) for c in range(w)] + [(r, w - 1) for r in range(1, h)])):
        for r, c in begin:
            line = []
            while 0 <= r < h and 0 <= c < w:
                line.append((r, c))
                r, c = r + 1, c + step_c
            lines.append(line)
    out = [list(row) for row in grid]
    for v, (r, c) in joining_cells(grid, lines, bg):
        if out[r][c] == bg:  # where two diagonals cross, the first join wins
            out[r][c] = v
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
    if type(min_side) is not int:
        raise TypeError(f"min_side must be an integer, got {type(min_side).__name__}")
    if min_side < 1:
        raise ValueError(f"min_side must be at least 1, got {min_side}")
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


@primitive("symmetry", keeps_shape_of="grid")
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


_RAY_LENGTH = 30  # the largest ARC grid side: enough to cross any grid
_ORTHOGONAL = ((-1, 0), (1, 0), (0, -1), (0, 1))


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


def _direction(direction: IntegerTuple) -> tuple[int, int]:
    dr, dc = _pair(direction, "direction")
    if (dr, dc) == (0, 0) or abs(dr) > 1 or abs(dc) > 1:
        raise ValueError(f"not a unit direction: {direction!r}")
    return dr, dc


def _ranked(container: Container) -> list:
    """The elements in order: a tuple as it is, a set sorted by the fixed value order."""
    if type(container) not in (tuple, frozenset):
        raise TypeError(f"expected a tuple or set, got {type(container).__name__}")
    if not container:
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


@primitive("lines", keeps_shape_of="grid")
def smear(grid: Grid, direction: IntegerTuple) -> Grid:
    """Paint each background cell with the nearest non-background colour behind it in a direction."""
    h, w = _dims(grid)
    dr, dc = _direction(direction)
    bg = _background(grid)
    if dr == 0 or dc == 0:
        if all(type(row) is tuple and len(row) == w for row in grid):
            return _smear_straight(grid, dr, dc, bg)
    out = [list(row) for row in grid]
    rows = range(h) if dr >= 0 else range(h - 1, -1, -1)
    cols = range(w) if dc >= 0 else range(w - 1, -1, -1)
    for r in rows:
        for c in cols:
            pr, pc = r - dr, c - dc
            if out[r][c] == bg and 0 <= pr < h and 0 <= pc < w:
                out[r][c] = out[pr][pc]
    return tuple(map(tuple, out))


def _smear_straight(grid: Grid, dr: int, dc: int, bg: int) -> Grid:
    """smear along a row or a column of a rectangular grid: the same cells, a row (or a
    row of cells) at a time instead of one indexed cell at a time."""
    if dc:
        out = []
        for row in grid:
            cells = row if dc > 0 else row[::-1]
            done, last = [], cells[0]
            for v in cells:
                if v == bg:
                    v = last
                done.append(v)
                last = v
            out.append(tuple(done) if dc > 0 else tuple(reversed(done)))
        return tuple(out)
    rows = grid if dr > 0 else grid[::-1]
    out, last = [], rows[0]
    for row in rows:
        last = tuple([p if v == bg else v for v, p in zip(row, last)])
        out.append(last)
    return tuple(out) if dr > 0 else tuple(reversed(out))


# --- colour -----------------------------------------------------------------------------------


@primitive("colour")
def recolour_each(objs: Container, colours: Container) -> Objects:
    """Recolour the i-th object of a tuple with the i-th colour of a tuple of the same length."""
    if type(objs) is not tuple or type(colours) is not tuple:
        raise TypeError("expected a tuple of objects and a tuple of colours")
    if len(objs) != len(colours):
        raise ValueError(f"{len(objs)} objects but {len(colours)} colours")
    out = []
    for obj, colour in zip(objs, colours):
        _colour(colour)
        out.append(frozenset((colour, pos) for pos in _positions(obj)))
    return frozenset(out)


def _consistent(known: list[tuple[int, int, int]], pr: int, pc: int) -> dict | None:
    """Map each class (r mod pr, c mod pc) to the one colour of its `known` (r, c, colour)
    cells, or None on a clash."""
    seen: dict = {}
    for r, c, v in known:
        k = (r % pr, c % pc)
        old = seen.setdefault(k, v)
        if old != v:
            return None
    return seen


@primitive("symmetry", keeps_shape_of="grid")
def fill_periodic(grid: Grid, colour: Colour) -> Grid:
    """Treat cells of the colour as unknown and fill them from the smallest row, then column, period."""
    _colour(colour)
    h, w = _dims(grid)
    if not any(colour in row for row in grid):
        return grid  # nothing unknown: every cell keeps its colour
    known = [(r, c, v) for r, row in enumerate(grid) for c, v in enumerate(row) if v != colour]
    # a column period of w (every column its own class) checks the row period alone
    pr = next(p for p in range(1, h + 1) if _consistent(known, p, w) is not None)
    for pc in range(1, w + 1):
        classes = _consistent(known, pr, pc)
        if classes is not None:  # at the latest for pc = w, as the row period holds
            break
    return tuple(tuple(classes.get((r % pr, c % pc), colour) if v == colour else v
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
    if type(colours) is not tuple:
        raise TypeError(f"expected a tuple of colours, got {type(colours).__name__}")
    if not colours:
        raise ValueError("expected a non-empty tuple of colours")
    check_grid_dims(len(colours), 1)
    return tuple((_colour(v),) for v in colours)


@primitive("colour", keeps_shape_of="grid")
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


# Matching work allowed to completed_copies: grid cells tried times template cells checked.
_MAX_MATCH_WORK = 250_000


@primitive("objects")
def completed_copies(grid: Grid, template: Object) -> Objects:
    """Copies of the template at every offset where all its cells of some one colour appear in the grid."""
    if type(template) is not frozenset or \
            any(type(cell) is not tuple or type(cell[1]) is not tuple for cell in template):
        raise TypeError("expected an object (cells with colours)")
    if not template:
        raise ValueError("expected a non-empty object")
    check_count(len(template))
    h, w = _dims(grid)
    parts: dict[int, list] = {}
    for colour, pos in template:
        parts.setdefault(colour, []).append(pos)
    work = sum(len(cells) for cells in parts.values()) * h * w
    if work > _MAX_MATCH_WORK:
        raise TooLargeError(f"matching {len(template)} template cells on a {h}x{w} grid "
                            f"is over the limit of {_MAX_MATCH_WORK} checks")
    result = set()
    for colour, cells in parts.items():
        for dr, dc in _placements(grid, [(colour, pos) for pos in sorted(cells)]):
            result.add(frozenset((v, (pr + dr, pc + dc)) for v, (pr, pc) in template))
    check_count(len(result))
    return frozenset(result)


def _placements(grid: Grid, cells: list):
    """The offsets (dr, dc), in reading order of the first cell's landing place, that put
    every (colour, (r, c)) of `cells` on a grid cell of that colour."""
    h, w = _dims(grid)
    v0, (r0, c0) = cells[0]
    for r in range(h):
        for c in range(w):
            if grid[r][c] != v0:
                continue
            dr, dc = r - r0, c - c0
            if all(0 <= pr + dr < h and 0 <= pc + dc < w and grid[pr + dr][pc + dc] == v
                   for v, (pr, pc) in cells):
                yield dr, dc


def _object_cells(value: Any, what: str) -> list:
    if type(value) is not frozenset or \
            any(type(cell) is not tuple or type(cell[1]) is not tuple for cell in value):
        raise TypeError(f"expected an object (cells with colours) as {what}")
    return sorted(value)


def _turnings(cells: list) -> list:
    """The cells under the four quarter turns, then the same after a left-right flip."""
    images = []
    for turn in range(8):
        image = []
        for v, (r, c) in cells:
            for _ in range(turn % 4):
                r, c = c, -r
            image.append((v, (r, -c if turn >= 4 else c)))
        images.append(image)
    return images


@primitive("symmetry")
def fit_template(template: Object, partial: Object) -> Object:
    """The template turned or flipped and shifted to cover every cell of partial in its colour (empty if none)."""
    cells = _object_cells(template, "template")
    wanted = _object_cells(partial, "partial")
    if not cells or not wanted:
        return frozenset()
    work = 8 * len(cells) * len(wanted)
    if work > _MAX_MATCH_WORK:
        raise TooLargeError(f"fitting {len(cells)} template cells onto {len(wanted)} cells "
                            f"is over the limit of {_MAX_MATCH_WORK} checks")
    v0, (r0, c0) = wanted[0]
    for image in _turnings(cells):
        colour_at = {pos: v for v, pos in image}
        for v, (r, c) in image:
            if v != v0:
                continue
            dr, dc = r0 - r, c0 - c
            if all(colour_at.get((pr - dr, pc - dc)) == pv for pv, (pr, pc) in wanted):
                return frozenset((iv, (ir + dr, ic + dc)) for iv, (ir, ic) in image)
    return frozenset()


@primitive("symmetry")
def fit_template_to_grid(grid: Grid, template: Object) -> Object:
    """The template turned or flipped and shifted so its cells off its main colour match the grid (empty if none)."""
    cells = _object_cells(template, "template")
    if not cells:
        return frozenset()
    counts = Counter(v for v, _ in cells)
    main = min(counts, key=lambda c: (-counts[c], c))
    h, w = _dims(grid)
    work = 8 * (len(cells) - counts[main]) * h * w
    if work > _MAX_MATCH_WORK:
        raise TooLargeError(f"fitting {len(cells)} template cells on a {h}x{w} grid "
                            f"is over the limit of {_MAX_MATCH_WORK} checks")
    for image in _turnings(cells):
        keys = [(v, pos) for v, pos in image if v != main]
        if not keys:
            return frozenset()
        for dr, dc in _placements(grid, keys):
            return frozenset((v, (pr + dr, pc + dc)) for v, (pr, pc) in image)
    return frozenset()
