"""Grids: the one value every part of CodeIt shares.

A grid is an immutable tuple of rows, each a tuple of ints 0..9 (the ARC colours).
Immutable and hashable so that programs, caches and the replay buffer can key on it.
"""

from __future__ import annotations

from typing import Any, Iterable

Grid = tuple[tuple[int, ...], ...]

MAX_SIDE = 30
NUM_COLOURS = 10

# The standard ARC palette (index = colour), as hex strings.
PALETTE_HEX: tuple[str, ...] = (
    "#000000",  # 0 black
    "#0074D9",  # 1 blue
    "#FF4136",  # 2 red
    "#2ECC40",  # 3 green
    "#FFDC00",  # 4 yellow
    "#AAAAAA",  # 5 grey
    "#F012BE",  # 6 magenta
    "#FF851B",  # 7 orange
    "#7FDBFF",  # 8 azure
    "#870C25",  # 9 maroon
)
COLOUR_NAMES: tuple[str, ...] = (
    "black", "blue", "red", "green", "yellow", "grey", "magenta", "orange", "azure", "maroon",
)


def to_grid(rows: Iterable[Iterable[Any]]) -> Grid:
    """Convert nested sequences (lists, numpy arrays) to a Grid of plain ints, unchecked."""
    return tuple(tuple(int(v) for v in row) for row in rows)


def grid_problem(value: Any) -> str | None:
    """Say what makes `value` not a valid ARC grid, or None when it is one.

    Valid: a non-empty rectangular sequence of rows, 1..30 per side, cells ints 0..9.
    The message names the row and cell so a user can find the fault in a file.
    """
    if not isinstance(value, (list, tuple)):
        return f"is a {type(value).__name__}, expected a list of rows"
    if not 1 <= len(value) <= MAX_SIDE:
        return f"has {len(value)} rows, expected 1..{MAX_SIDE}"
    width = None
    for r, row in enumerate(value):
        if not isinstance(row, (list, tuple)):
            return f"row {r} is a {type(row).__name__}, expected a list of cells"
        if width is None:
            width = len(row)
            if not 1 <= width <= MAX_SIDE:
                return f"row 0 has {width} cells, expected 1..{MAX_SIDE}"
        elif len(row) != width:
            return f"row {r} has {len(row)} cells, row 0 has {width}"
        for c, cell in enumerate(row):
            if isinstance(cell, bool) or not isinstance(cell, int):
                return f"row {r} cell {c} is {_short(repr(cell))}, expected an integer colour 0..9"
            if not 0 <= cell < NUM_COLOURS:
                return f"row {r} cell {c} is {_short(str(cell))}, expected a colour 0..9"
    return None


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def is_grid(value: Any) -> bool:
    """True when `value` is a valid ARC grid (see grid_problem)."""
    return grid_problem(value) is None


def shape(grid: Grid) -> tuple[int, int]:
    """(height, width) of a grid."""
    return len(grid), len(grid[0]) if grid else 0
