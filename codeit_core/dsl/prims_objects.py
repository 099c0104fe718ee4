"""Object primitives: connected components, patch geometry, selection, filtering, relations
and counting.

Conventions used throughout (also relied on by `prims_painting`):
  * a cell is ``(colour, (row, col))``; an Object is a frozenset of cells, Indices a frozenset
    of ``(row, col)``; a Patch is either (primitives that only need positions accept both);
  * the background of a grid is its most common colour (ties: the smallest colour);
  * positions and directions are ``(row, col)`` / ``(d_row, d_col)``: down = (1, 0),
    right = (0, 1);
  * where objects must be ordered or a tie broken, "reading order" is used: by top row, then
    left column, then size, then the sorted cells -- so every result is deterministic;
  * selecting from an empty collection, or asking for the corner of an empty patch, raises
    ValueError; counts and sizes of empty things are 0.
"""

from __future__ import annotations

from collections import Counter, deque
from functools import lru_cache
from typing import Iterable

from codeit_core.dsl.checks import check_colour as _check_colour, dims as _dims, \
    is_cell as _is_cell, positions as _positions
from codeit_core.dsl.errors import check_count, check_grid_dims
from codeit_core.dsl.registry import primitive
from codeit_core.dsl.types import (
    Any, Boolean, Colour, Container, Grid, Indices, Integer, IntegerSet, IntegerTuple, Object,
    Objects, Patch,
)

ORTHOGONAL = ((-1, 0), (1, 0), (0, -1), (0, 1))
DIAGONAL = ((-1, -1), (-1, 1), (1, -1), (1, 1))
ALL_DIRECTIONS = ORTHOGONAL + DIAGONAL


# --------------------------------------------------------------------------- helpers (private)

def _is_object(patch: Patch) -> bool:
    return bool(patch) and _is_cell(next(iter(patch)))


# The helpers below marked @lru_cache are pure functions of immutable values, called again
# and again on the same grid or patch (a search runs thousands of programs on one input):
# a small cache returns the same value without recomputing it.

@lru_cache(maxsize=256)
def _background(grid: Grid) -> int:
    if not grid or not grid[0]:
        raise ValueError("empty grid has no background colour")
    counts = Counter(v for row in grid for v in row)
    return min(counts, key=lambda c: (-counts[c], c))


def _in_grid(grid: Grid, pos: tuple[int, int]) -> bool:
    h, w = _dims(grid)
    return 0 <= pos[0] < h and 0 <= pos[1] < w


@lru_cache(maxsize=4096)
def _bounds(patch: Patch) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of a non-empty patch."""
    if not patch:
        raise ValueError("empty patch has no bounding box")
    # straight from the cells: no set of positions to build (this runs very often)
    pos = [p for _, p in patch] if _is_cell(next(iter(patch))) else patch
    rows = [r for r, _ in pos]
    cols = [c for _, c in pos]
    return min(rows), min(cols), max(rows), max(cols)


def _check_area(top: int, left: int, bottom: int, right: int) -> None:
    # Patches shifted or unioned far apart must not make us materialise millions of cells.
    check_count((bottom - top + 1) * (right - left + 1))


def _order_key(patch: Patch) -> tuple:
    """Reading-order key of a patch: top row, left column, size, then the sorted cells."""
    if not patch:
        return (float("-inf"), float("-inf"), 0, ())
    top, left, _, _ = _bounds(patch)
    return (top, left, len(patch), tuple(sorted(patch)))


def _pick(objs: Iterable, score) -> Any:
    """The element with the highest score; ties go to the first in reading order."""
    items = list(objs)
    if not items:
        raise ValueError("cannot select from an empty collection")
    return min(items, key=lambda o: (_neg(score(o)), _order_key(o)))


def _neg(value: Any) -> Any:
    return tuple(-v for v in value) if isinstance(value, tuple) else -value


def _shift_positions(patch: Patch, dr: int, dc: int) -> Patch:
    if _is_object(patch):
        return frozenset((v, (r + dr, c + dc)) for v, (r, c) in patch)
    return frozenset((r + dr, c + dc) for r, c in patch)


@lru_cache(maxsize=128)
def _components(grid: Grid, single_colour: bool, diagonal: bool, skip: int | None) -> frozenset:
    """Connected components of a grid; cells of colour `skip` (if not None) are left out."""
    h, w = _dims(grid)
    steps = ALL_DIRECTIONS if diagonal else ORTHOGONAL
    seen = [[False] * w for _ in range(h)]
    result = []
    for r0 in range(h):
        for c0 in range(w):
            if seen[r0][c0] or grid[r0][c0] == skip:
                continue
            colour0 = grid[r0][c0]
            seen[r0][c0] = True
            queue = deque([(r0, c0)])
            cells = []
            while queue:
                r, c = queue.popleft()
                cells.append((grid[r][c], (r, c)))
                for dr, dc in steps:
                    nr, nc = r + dr, c + dc
                    if 0 <= nr < h and 0 <= nc < w and not seen[nr][nc]:
                        v = grid[nr][nc]
                        if v == skip or (single_colour and v != colour0):
                            continue
                        seen[nr][nc] = True
                        queue.append((nr, nc))
            result.append(frozenset(cells))
    return frozenset(result)


def _reachable(free: set, starts: Iterable, diagonal: bool = False) -> set:
    """Positions of `free` reachable from the `starts` (which must be in `free`)."""
    steps = ALL_DIRECTIONS if diagonal else ORTHOGONAL
    seen = set(s for s in starts if s in free)
    queue = deque(seen)
    while queue:
        r, c = queue.popleft()
        for dr, dc in steps:
            n = (r + dr, c + dc)
            if n in free and n not in seen:
                seen.add(n)
                queue.append(n)
    return seen


@lru_cache(maxsize=4096)
def _shape_key(patch: Patch) -> frozenset:
    pos = _positions(patch)
    if not pos:
        raise ValueError("empty patch has no bounding box")
    top = min(r for r, _ in pos)
    left = min(c for _, c in pos)
    return frozenset((r - top, c - left) for r, c in pos)


def _cells_of_colour(grid: Grid, colour: int) -> frozenset:
    return frozenset((r, c) for r, row in enumerate(grid) for c, v in enumerate(row)
                     if v == colour)


def _main_colour(obj: Object) -> int:
    if not obj:
        raise ValueError("empty object has no colour")
    if not _is_object(obj):
        raise ValueError("indices have no colour")
    counts = Counter(v for v, _ in obj)
    return min(counts, key=lambda c: (-counts[c], c))


# --------------------------------------------------------------------------- finding objects

@primitive("objects")
def find_objects(grid: Grid, single_colour: Boolean, diagonal: Boolean,
                 skip_background: Boolean) -> Objects:
    """Connected components of the grid, with options: one colour each, 8-connectivity, no background."""
    skip = _background(grid) if skip_background else None
    return _components(grid, bool(single_colour), bool(diagonal), skip)


@primitive("objects")
def colour_components(grid: Grid) -> Objects:
    """Single-colour 4-connected objects of the grid, background (most common colour) excluded."""
    return _components(grid, True, False, _background(grid))


@primitive("objects")
def colour_components_diagonal(grid: Grid) -> Objects:
    """Single-colour 8-connected objects of the grid, background excluded."""
    return _components(grid, True, True, _background(grid))


@primitive("objects")
def multicolour_components(grid: Grid) -> Objects:
    """Multicolour 4-connected objects of the grid (any non-background cells join), background excluded."""
    return _components(grid, False, False, _background(grid))


@primitive("objects")
def multicolour_components_diagonal(grid: Grid) -> Objects:
    """Multicolour 8-connected objects of the grid, background excluded."""
    return _components(grid, False, True, _background(grid))


@primitive("objects")
def components_except_colour(grid: Grid, colour: Colour) -> Objects:
    """Single-colour 4-connected objects of every colour except the given one (e.g. 0)."""
    return _components(grid, True, False, colour)


@primitive("objects")
def objects_of_colour(grid: Grid, colour: Colour) -> Objects:
    """The 4-connected objects made of the given colour."""
    return frozenset(o for o in _components(grid, True, False, None)
                     if next(iter(o))[0] == colour)


@primitive("objects")
def colour_groups(grid: Grid) -> Objects:
    """One object per non-background colour holding all cells of that colour, connected or not."""
    bg = _background(grid)
    groups: dict[int, list] = {}
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            if v != bg:
                groups.setdefault(v, []).append((v, (r, c)))
    return frozenset(frozenset(cells) for cells in groups.values())


@primitive("objects")
def all_indices(grid: Grid) -> Indices:
    """Every position of the grid."""
    h, w = _dims(grid)
    return frozenset((r, c) for r in range(h) for c in range(w))


@primitive("objects")
def foreground(grid: Grid) -> Object:
    """All non-background cells of the grid as one object."""
    bg = _background(grid)
    return frozenset((v, (r, c)) for r, row in enumerate(grid) for c, v in enumerate(row)
                     if v != bg)


@primitive("objects")
def grid_to_object(grid: Grid) -> Object:
    """Every cell of the grid (background included) as one object."""
    return frozenset((v, (r, c)) for r, row in enumerate(grid) for c, v in enumerate(row))


@primitive("objects")
def object_to_grid(obj: Object) -> Grid:
    """Draw the object alone in a grid of its bounding-box size; uncovered cells are 0."""
    if not _is_object(obj):
        raise ValueError("object_to_grid needs a non-empty object")
    top, left, bottom, right = _bounds(obj)
    check_grid_dims(bottom - top + 1, right - left + 1)
    rows = [[0] * (right - left + 1) for _ in range(bottom - top + 1)]
    for v, (r, c) in obj:
        rows[r - top][c - left] = v
    return tuple(tuple(row) for row in rows)


@primitive("objects")
def object_at(objs: Objects, position: IntegerTuple) -> Object:
    """The object containing the given position (ValueError when none does)."""
    found = [o for o in objs if position in _positions(o)]
    if not found:
        raise ValueError(f"no object at {position}")
    return min(found, key=_order_key)


# --------------------------------------------------------------------------- patch geometry

@primitive("objects")
def to_indices(patch: Patch) -> Indices:
    """The positions of a patch, dropping colours."""
    return _positions(patch)


@primitive("objects")
def bounding_box(patch: Patch) -> Indices:
    """All positions inside the patch's bounding box."""
    top, left, bottom, right = _bounds(patch)
    _check_area(top, left, bottom, right)
    return frozenset((r, c) for r in range(top, bottom + 1) for c in range(left, right + 1))


@primitive("objects")
def top_left(patch: Patch) -> IntegerTuple:
    """The top-left corner of the patch's bounding box."""
    top, left, _, _ = _bounds(patch)
    return (top, left)


@primitive("objects")
def top_right(patch: Patch) -> IntegerTuple:
    """The top-right corner of the patch's bounding box."""
    top, _, _, right = _bounds(patch)
    return (top, right)


@primitive("objects")
def bottom_left(patch: Patch) -> IntegerTuple:
    """The bottom-left corner of the patch's bounding box."""
    _, left, bottom, _ = _bounds(patch)
    return (bottom, left)


@primitive("objects")
def bottom_right(patch: Patch) -> IntegerTuple:
    """The bottom-right corner of the patch's bounding box."""
    _, _, bottom, right = _bounds(patch)
    return (bottom, right)


@primitive("objects")
def box_corners(patch: Patch) -> Indices:
    """The four corners of the patch's bounding box (fewer if it is one row or column)."""
    top, left, bottom, right = _bounds(patch)
    return frozenset({(top, left), (top, right), (bottom, left), (bottom, right)})


@primitive("objects")
def patch_height(patch: Patch) -> Integer:
    """Number of rows spanned by the patch (0 when empty)."""
    if not patch:
        return 0
    top, _, bottom, _ = _bounds(patch)
    return bottom - top + 1


@primitive("objects")
def patch_width(patch: Patch) -> Integer:
    """Number of columns spanned by the patch (0 when empty)."""
    if not patch:
        return 0
    _, left, _, right = _bounds(patch)
    return right - left + 1


@primitive("objects")
def patch_shape(patch: Patch) -> IntegerTuple:
    """(height, width) of the patch's bounding box; (0, 0) when empty."""
    return (patch_height(patch), patch_width(patch))


@primitive("objects")
def patch_centre(patch: Patch) -> IntegerTuple:
    """Centre of the patch's bounding box, rounded towards the top-left."""
    top, left, bottom, right = _bounds(patch)
    return ((top + bottom) // 2, (left + right) // 2)


@primitive("objects")
def patch_size(patch: Patch) -> Integer:
    """Number of cells in the patch."""
    return len(_positions(patch))


@primitive("objects")
def object_colour(obj: Object) -> Colour:
    """The most common colour of an object (ties: the smallest)."""
    return _main_colour(obj)


@primitive("objects")
def object_palette(obj: Object) -> IntegerSet:
    """The set of colours used by an object."""
    if obj and not _is_object(obj):
        raise ValueError("indices have no colours")
    return frozenset(v for v, _ in obj)


@primitive("objects")
def recolour(patch: Patch, colour: Colour) -> Object:
    """The patch as an object with every cell in the given colour."""
    _check_colour(colour)
    return frozenset((colour, pos) for pos in _positions(patch))


@primitive("objects")
def normalize(obj: Object) -> Object:
    """Shift the object so its bounding box starts at (0, 0)."""
    if not obj:
        return obj
    top, left, _, _ = _bounds(obj)
    return _shift_positions(obj, -top, -left)


@primitive("objects")
def normalize_indices(indices: Indices) -> Indices:
    """Shift the positions so their bounding box starts at (0, 0)."""
    return _positions(normalize(indices))


@primitive("objects")
def shift(obj: Object, offset: IntegerTuple) -> Object:
    """Move the object by (d_row, d_col)."""
    return _shift_positions(obj, offset[0], offset[1])


@primitive("objects")
def shift_indices(indices: Indices, offset: IntegerTuple) -> Indices:
    """Move the positions by (d_row, d_col)."""
    return _positions(_shift_positions(indices, offset[0], offset[1]))


@primitive("objects")
def move_to(obj: Object, position: IntegerTuple) -> Object:
    """Move the object so its bounding box's top-left corner is at the given position."""
    if not obj:
        return obj
    top, left, _, _ = _bounds(obj)
    return _shift_positions(obj, position[0] - top, position[1] - left)


@primitive("objects")
def crop_to_patch(grid: Grid, patch: Patch) -> Grid:
    """The part of the grid under the patch's bounding box (clipped to the grid)."""
    top, left, bottom, right = _bounds(patch)
    h, w = _dims(grid)
    top, left, bottom, right = max(top, 0), max(left, 0), min(bottom, h - 1), min(right, w - 1)
    if top > bottom or left > right:
        raise ValueError("patch lies outside the grid")
    return tuple(tuple(grid[r][left:right + 1]) for r in range(top, bottom + 1))


@primitive("objects")
def crop_to_foreground(grid: Grid) -> Grid:
    """Crop the grid to the bounding box of its non-background cells."""
    fg = foreground(grid)
    if not fg:
        raise ValueError("grid has no foreground")
    return crop_to_patch(grid, fg)


# --------------------------------------------------------------------------- selection

@primitive("objects")
def largest_object(objs: Objects) -> Object:
    """The object with the most cells (ties: first in reading order)."""
    return _pick(objs, len)


@primitive("objects")
def smallest_object(objs: Objects) -> Object:
    """The object with the fewest cells (ties: first in reading order)."""
    return _pick(objs, lambda o: -len(o))


@primitive("objects")
def topmost_object(objs: Objects) -> Object:
    """The object whose top row is highest (ties: leftmost)."""
    return _pick(objs, lambda o: -_bounds(o)[0])


@primitive("objects")
def bottommost_object(objs: Objects) -> Object:
    """The object whose bottom row is lowest (ties: first in reading order)."""
    return _pick(objs, lambda o: _bounds(o)[2])


@primitive("objects")
def leftmost_object(objs: Objects) -> Object:
    """The object whose left column is furthest left (ties: highest)."""
    return _pick(objs, lambda o: -_bounds(o)[1])


@primitive("objects")
def rightmost_object(objs: Objects) -> Object:
    """The object whose right column is furthest right (ties: first in reading order)."""
    return _pick(objs, lambda o: _bounds(o)[3])


@primitive("objects")
def most_colourful_object(objs: Objects) -> Object:
    """The object using the most distinct colours (ties: larger, then reading order)."""
    return _pick(objs, lambda o: (len({v for v, _ in o}), len(o)))


@primitive("objects")
def odd_shape_out(objs: Objects) -> Object:
    """The object whose shape (ignoring position and colour) no other object shares."""
    shapes = Counter(_shape_key(o) for o in objs)
    unique = [o for o in objs if shapes[_shape_key(o)] == 1]
    if not unique:
        raise ValueError("no object has a unique shape")
    return min(unique, key=_order_key)


@primitive("objects")
def odd_colour_out(objs: Objects) -> Object:
    """The object whose colour no other object shares."""
    colours = Counter(_main_colour(o) for o in objs)
    unique = [o for o in objs if colours[_main_colour(o)] == 1]
    if not unique:
        raise ValueError("no object has a unique colour")
    return min(unique, key=_order_key)


@primitive("objects")
def objects_in_reading_order(objs: Objects) -> Container:
    """The objects as a tuple ordered by top row, then left column."""
    return tuple(sorted(objs, key=_order_key))


@primitive("objects")
def objects_by_size(objs: Objects) -> Container:
    """The objects as a tuple from largest to smallest (ties: reading order)."""
    return tuple(sorted(objs, key=lambda o: (-len(o), _order_key(o))))


# --------------------------------------------------------------------------- filtering

@primitive("objects")
def objects_with_size(objs: Objects, n: Integer) -> Objects:
    """The objects having exactly n cells."""
    return frozenset(o for o in objs if len(o) == n)


@primitive("objects")
def objects_larger_than(objs: Objects, n: Integer) -> Objects:
    """The objects having more than n cells."""
    return frozenset(o for o in objs if len(o) > n)


@primitive("objects")
def objects_smaller_than(objs: Objects, n: Integer) -> Objects:
    """The objects having fewer than n cells."""
    return frozenset(o for o in objs if len(o) < n)


@primitive("objects")
def objects_coloured(objs: Objects, colour: Colour) -> Objects:
    """The objects whose main colour is the given one."""
    return frozenset(o for o in objs if o and _main_colour(o) == colour)


@primitive("objects")
def objects_not_coloured(objs: Objects, colour: Colour) -> Objects:
    """The objects whose main colour is not the given one."""
    return frozenset(o for o in objs if o and _main_colour(o) != colour)


@primitive("objects")
def touches_border(grid: Grid, patch: Patch) -> Boolean:
    """Whether any cell of the patch lies on the grid's outer border."""
    h, w = _dims(grid)
    return any(r == 0 or c == 0 or r == h - 1 or c == w - 1 for r, c in _positions(patch))


@primitive("objects")
def objects_off_border(grid: Grid, objs: Objects) -> Objects:
    """The objects that do not touch the grid's border."""
    return frozenset(o for o in objs if not touches_border(grid, o))


# --------------------------------------------------------------------------- shape analysis

@primitive("objects")
def holes(patch: Patch) -> Indices:
    """Positions inside the patch's bounding box enclosed by it (not 4-reachable from outside)."""
    top, left, bottom, right = _bounds(patch)
    _check_area(top, left, bottom, right)
    pos = _positions(patch)
    free = {(r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)} - pos
    edge = [p for p in free if p[0] in (top, bottom) or p[1] in (left, right)]
    return frozenset(free - _reachable(free, edge))


@primitive("objects")
def has_holes(patch: Patch) -> Boolean:
    """Whether the patch encloses at least one position."""
    return bool(holes(patch))


@primitive("objects")
def enclosed_cells(grid: Grid) -> Indices:
    """Background cells that cannot reach the grid's border through background (4-connected)."""
    bg = _background(grid)
    h, w = _dims(grid)
    free = _cells_of_colour(grid, bg)
    edge = [p for p in free if p[0] in (0, h - 1) or p[1] in (0, w - 1)]
    return frozenset(free - _reachable(set(free), edge))


@primitive("objects")
def neighbours(patch: Patch) -> Indices:
    """Positions orthogonally adjacent to the patch but not in it."""
    pos = _positions(patch)
    return frozenset((r + dr, c + dc) for r, c in pos for dr, dc in ORTHOGONAL) - pos


@primitive("objects")
def neighbours_diagonal(patch: Patch) -> Indices:
    """Positions adjacent to the patch, diagonals included, but not in it."""
    pos = _positions(patch)
    return frozenset((r + dr, c + dc) for r, c in pos for dr, dc in ALL_DIRECTIONS) - pos


@primitive("objects")
def box_outline(patch: Patch) -> Indices:
    """The border positions of the patch's bounding box."""
    top, left, bottom, right = _bounds(patch)
    check_count(2 * (bottom - top + right - left + 2))
    rows = range(top, bottom + 1)
    cols = range(left, right + 1)
    return frozenset([(top, c) for c in cols] + [(bottom, c) for c in cols]
                     + [(r, left) for r in rows] + [(r, right) for r in rows])


@primitive("objects")
def surrounding_box(patch: Patch) -> Indices:
    """The ring of positions just outside the patch's bounding box."""
    top, left, bottom, right = _bounds(patch)
    return box_outline(frozenset({(top - 1, left - 1), (bottom + 1, right + 1)}))


@primitive("objects")
def patch_edge(patch: Patch) -> Indices:
    """Positions of the patch having an orthogonal neighbour outside it."""
    pos = _positions(patch)
    return frozenset(p for p in pos
                     if any((p[0] + dr, p[1] + dc) not in pos for dr, dc in ORTHOGONAL))


@primitive("objects")
def box_delta(patch: Patch) -> Indices:
    """Positions in the patch's bounding box that the patch does not cover."""
    return bounding_box(patch) - _positions(patch)


@primitive("objects")
def fills_box(patch: Patch) -> Boolean:
    """Whether the patch is a solid rectangle (covers its whole bounding box)."""
    if not patch:
        return False
    top, left, bottom, right = _bounds(patch)
    return len(_positions(patch)) == (bottom - top + 1) * (right - left + 1)


@primitive("objects")
def same_shape(a: Patch, b: Patch) -> Boolean:
    """Whether two patches have the same shape up to translation (colours ignored)."""
    if not a or not b:
        return not a and not b
    return _shape_key(a) == _shape_key(b)


# --------------------------------------------------------------------------- relations

@primitive("objects")
def are_adjacent(a: Patch, b: Patch) -> Boolean:
    """Whether some cell of a is orthogonally next to (or on) some cell of b."""
    pa, pb = _positions(a), _positions(b)
    return bool(pa & pb) or bool(neighbours(pa) & pb)


@primitive("objects")
def are_adjacent_diagonal(a: Patch, b: Patch) -> Boolean:
    """Whether some cell of a touches (diagonals included) or overlaps some cell of b."""
    pa, pb = _positions(a), _positions(b)
    return bool(pa & pb) or bool(neighbours_diagonal(pa) & pb)


@primitive("objects")
def manhattan_distance(a: Patch, b: Patch) -> Integer:
    """Smallest Manhattan distance between a cell of a and a cell of b."""
    if type(a) is frozenset and type(b) is frozenset and len(a) == 1 and len(b) == 1:
        # one cell each (by far the commonest call, a key over the cells of a grid): the
        # same steps as below, in the same order, without building sets of positions
        pa, pb = next(iter(a)), next(iter(b))
        if isinstance(pa[1], tuple):
            _, pa = pa
        if isinstance(pb[1], tuple):
            _, pb = pb
        r1, c1 = pa
        r2, c2 = pb
        return abs(r1 - r2) + abs(c1 - c2)
    pa, pb = _positions(a), _positions(b)
    if not pa or not pb:
        raise ValueError("distance to an empty patch")
    if len(pa) > len(pb):
        pa, pb = pb, pa
    if len(pa) == 1:  # the common case (a cell and a patch): one pass
        (r1, c1), = pa
        return min([abs(r1 - r2) + abs(c1 - c2) for r2, c2 in pb])
    if len(pa) * len(pb) <= 20_000:
        return min(abs(r1 - r2) + abs(c1 - c2) for r1, c1 in pa for r2, c2 in pb)
    # Large patches: breadth-first search outwards from a, bounded by the joint box.
    top = min(p[0] for p in pa | pb) - 1
    bottom = max(p[0] for p in pa | pb) + 1
    left = min(p[1] for p in pa | pb) - 1
    right = max(p[1] for p in pa | pb) + 1
    dist = {p: 0 for p in pa}
    queue = deque(pa)
    while queue:
        r, c = queue.popleft()
        if (r, c) in pb:
            return dist[(r, c)]
        for dr, dc in ORTHOGONAL:
            n = (r + dr, c + dc)
            if top <= n[0] <= bottom and left <= n[1] <= right and n not in dist:
                dist[n] = dist[(r, c)] + 1
                queue.append(n)
    raise ValueError("unreachable")  # pragma: no cover


@primitive("objects")
def direction_to(a: Patch, b: Patch) -> IntegerTuple:
    """Unit step (each of -1, 0, 1) pointing from a's centre towards b's centre."""
    ra, ca = patch_centre(a)
    rb, cb = patch_centre(b)
    return ((rb > ra) - (rb < ra), (cb > ca) - (cb < ca))


@primitive("objects")
def is_above(a: Patch, b: Patch) -> Boolean:
    """Whether a lies entirely in rows above b."""
    return _bounds(a)[2] < _bounds(b)[0]


@primitive("objects")
def is_left_of(a: Patch, b: Patch) -> Boolean:
    """Whether a lies entirely in columns left of b."""
    return _bounds(a)[3] < _bounds(b)[1]


@primitive("objects")
def share_row(a: Patch, b: Patch) -> Boolean:
    """Whether the row ranges of a and b overlap."""
    ta, _, ba, _ = _bounds(a)
    tb, _, bb, _ = _bounds(b)
    return ta <= bb and tb <= ba


@primitive("objects")
def share_column(a: Patch, b: Patch) -> Boolean:
    """Whether the column ranges of a and b overlap."""
    _, la, _, ra = _bounds(a)
    _, lb, _, rb = _bounds(b)
    return la <= rb and lb <= ra


# --------------------------------------------------------------------------- counting

@primitive("counting")
def count_objects(grid: Grid) -> Integer:
    """Number of single-colour 4-connected non-background objects in the grid."""
    return len(colour_components(grid))


@primitive("counting")
def count_objects_of_colour(grid: Grid, colour: Colour) -> Integer:
    """Number of 4-connected objects of the given colour."""
    return len(objects_of_colour(grid, colour))


@primitive("counting")
def count_foreground_cells(grid: Grid) -> Integer:
    """Number of non-background cells."""
    return len(foreground(grid))


@primitive("counting")
def count_holes(patch: Patch) -> Integer:
    """Number of separate enclosed regions (4-connected) inside the patch."""
    free = set(holes(patch))
    n = 0
    while free:
        start = free.pop()
        free -= _reachable(free | {start}, [start])
        n += 1
    return n
