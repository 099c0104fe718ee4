"""The argument checks the primitives share: one definition each, so that one mistake is
reported the same way by every primitive that checks it (TypeError: a "type" error;
ValueError: a "runtime" error).

    pair(value)          a pair of integers, else TypeError
    check_colour(value)  an integer colour 0..9 (not a Boolean), else ValueError
    dims(grid)           (height, width) of a grid, (0, 0) when empty; no check
    positions(patch)     the (row, col) positions of an Object or of Indices; no check

Still defined apart, and not the same: ``prims_grid._colour`` raises TypeError for a
non-integer and accepts True/False as 1/0 (``check_colour`` raises ValueError for both);
``prims_patterns._dims`` and ``prims_patterns._positions`` check their argument and raise
ValueError (``dims`` and ``positions`` take what they can read); ``prims_patterns._pair``
raises ValueError naming the argument (``pair`` raises TypeError). Making each of them one
definition changes the error kind some programs get on some inputs (an earlier attempt at
it changed 114 of 160,405 runs of the seed programs), so it is an algorithm change of its
own, to be measured apart.
"""

from __future__ import annotations

from typing import Any


def pair(value: Any) -> tuple[int, int]:
    if type(value) is not tuple or len(value) != 2 or type(value[0]) is not int \
            or type(value[1]) is not int:
        raise TypeError(f"expected a pair of integers, got {value!r:.60}")
    return value


def check_colour(colour: int) -> int:
    if not isinstance(colour, int) or isinstance(colour, bool) or not 0 <= colour <= 9:
        raise ValueError(f"not a colour: {colour!r}")
    return colour


def dims(grid: Any) -> tuple[int, int]:
    return len(grid), (len(grid[0]) if grid else 0)


def is_cell(element: Any) -> bool:
    """An Object's element (colour, (row, col)) rather than an Indices' (row, col)."""
    return isinstance(element[1], tuple)


def positions(patch: Any) -> frozenset:
    """The positions of a patch, whether it is an Object or Indices."""
    if not patch:
        return frozenset()
    if is_cell(next(iter(patch))):
        return frozenset(pos for _, pos in patch)
    return frozenset(patch)
