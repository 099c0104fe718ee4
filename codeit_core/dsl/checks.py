"""The argument checks the primitives share: one definition each, and one error kind per
kind of mistake, whichever primitive finds it.

    a value of the wrong type (a colour that is not an integer, a pair that is not two
    integers, a patch that is not a set)           TypeError   -> a "type" error
    a value of the right type that is out of range (colour 12, an empty grid)
                                                   ValueError  -> a "runtime" error

    pair(value, what)    a pair of integers
    check_colour(value)  an integer colour 0..9 (True and False are not colours)
    grid_dims(grid)      (height, width) of a non-empty grid of rows
    patch_positions(p)   the (row, col) positions of an Object, of Indices or of a mix
    dims(grid)           (height, width), (0, 0) when empty, unchecked
    positions(patch)     the (row, col) positions of an Object or of Indices, unchecked
    is_cell(element)     an Object's element (colour, (row, col)) rather than a position

The unchecked two take what they can read (``positions(0)`` is empty, a tuple of positions
is read as its positions): the primitives that use them have always accepted such values,
and a program's outcome is kept as it was (what the seed's mutants are kept for depends on
it). They raise no error of their own, so they report no mistake in another kind.
"""

from __future__ import annotations

from typing import Any


def pair(value: Any, what: str = "argument") -> tuple[int, int]:
    if type(value) is not tuple or len(value) != 2 or type(value[0]) is not int \
            or type(value[1]) is not int:
        raise TypeError(f"{what} must be a pair of integers, got {value!r:.60}")
    return value


def check_colour(colour: Any) -> int:
    if type(colour) is not int:
        raise TypeError(f"a colour must be an integer, got {type(colour).__name__}")
    if not 0 <= colour <= 9:
        raise ValueError(f"colour {colour} is outside 0..9")
    return colour


def grid_dims(grid: Any) -> tuple[int, int]:
    if type(grid) is not tuple or (grid and type(grid[0]) is not tuple):
        raise TypeError(f"expected a grid, got {type(grid).__name__}")
    if not grid or not grid[0]:
        raise ValueError("expected a non-empty grid")
    return len(grid), len(grid[0])


def dims(grid: Any) -> tuple[int, int]:
    return len(grid), (len(grid[0]) if grid else 0)


def is_cell(element: Any) -> bool:
    """An Object's element (colour, (row, col)) rather than an Indices' (row, col)."""
    return isinstance(element[1], tuple)


def positions(patch: Any) -> frozenset:
    """The positions of a patch, whether it is an Object or Indices (read from its first
    element), unchecked: a value that is not a patch gives what can be read from it (an
    empty value, no positions)."""
    if not patch:
        return frozenset()
    if is_cell(next(iter(patch))):
        return frozenset(pos for _, pos in patch)
    return frozenset(patch)


def patch_positions(patch: Any) -> frozenset:
    """The positions of a patch, checked: each element on its own (an Object's cell or a
    position), so a set that mixes the two is read right."""
    if type(patch) is not frozenset:
        raise TypeError(f"expected a patch (Object or Indices), got {type(patch).__name__}")
    return frozenset(item[1] if type(item[1]) is tuple else item for item in patch)
