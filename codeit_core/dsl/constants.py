"""Named constants a program may use as arguments, with their DSL types.

Directions are (row step, column step) with rows growing downwards, so UP is (-1, 0).
Colours are the ten ARC colours by name (BLACK = 0 ... MAROON = 9).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Constant:
    """A named constant: its name, value and DSL type."""

    name: str
    value: Any
    type: str
    doc: str


def _build() -> dict[str, Constant]:
    table: list[tuple[str, Any, str, str]] = [
        ("ORIGIN", (0, 0), "IntegerTuple", "the position (0, 0); also a zero offset"),
        ("UP", (-1, 0), "IntegerTuple", "one row up"),
        ("DOWN", (1, 0), "IntegerTuple", "one row down"),
        ("LEFT", (0, -1), "IntegerTuple", "one column left"),
        ("RIGHT", (0, 1), "IntegerTuple", "one column right"),
        ("UP_LEFT", (-1, -1), "IntegerTuple", "one step up and left"),
        ("UP_RIGHT", (-1, 1), "IntegerTuple", "one step up and right"),
        ("DOWN_LEFT", (1, -1), "IntegerTuple", "one step down and left"),
        ("DOWN_RIGHT", (1, 1), "IntegerTuple", "one step down and right"),
    ]
    colours = ("BLACK", "BLUE", "RED", "GREEN", "YELLOW", "GREY", "MAGENTA", "ORANGE",
               "AZURE", "MAROON")
    for value, name in enumerate(colours):
        table.append((name, value, "Colour", f"colour {value} ({name.lower()})"))
    return {name: Constant(name, value, typ, doc) for name, value, typ, doc in table}


CONSTANTS: dict[str, Constant] = _build()

DIRECTIONS: tuple[str, ...] = ("UP", "DOWN", "LEFT", "RIGHT", "UP_LEFT", "UP_RIGHT",
                               "DOWN_LEFT", "DOWN_RIGHT")
COLOUR_CONSTANTS: tuple[str, ...] = tuple(n for n, c in CONSTANTS.items() if c.type == "Colour")
