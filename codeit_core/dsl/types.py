"""The DSL's types: names used in primitive signatures, their Python values, and which
argument types each parameter type accepts.

Values are immutable so that programs are pure and results hashable:
  Grid          tuple of rows of ints 0..9
  Object        frozenset of (colour, (row, col)) cells
  Objects       frozenset of Object
  Indices       frozenset of (row, col)
  Integer       int;   Colour  int 0..9;   Boolean  bool
  IntegerTuple  (int, int), e.g. a position, a size or a direction
  IntegerSet    frozenset of int (e.g. a palette)
  Callable      a primitive or a function built by a combinator
  Patch         Object or Indices (primitives that only need positions accept both)
  Container     any of the collections above (tuple or frozenset)
  Any           anything (generic primitives such as `first`; checked at run time)
"""

from __future__ import annotations

from typing import Any, Callable as PyCallable, FrozenSet, Tuple

from codeit_core.grids import Grid  # noqa: F401  (re-exported: a DSL type)

Integer = int
Colour = int
Boolean = bool
IntegerTuple = Tuple[int, int]
IntegerSet = FrozenSet[int]
Cell = Tuple[int, Tuple[int, int]]
Object = FrozenSet[Cell]
Objects = FrozenSet[Object]
Indices = FrozenSet[Tuple[int, int]]
Patch = Object | Indices
Container = Any
Callable = PyCallable[..., Any]

TYPE_NAMES: tuple[str, ...] = (
    "Grid", "Object", "Objects", "Indices", "Integer", "Colour", "Boolean",
    "IntegerTuple", "IntegerSet", "Callable", "Patch", "Container", "Any",
)

# parameter type -> argument types it accepts (static check; "Any" arguments always pass)
ACCEPTS: dict[str, frozenset[str]] = {
    "Grid": frozenset({"Grid"}),
    "Object": frozenset({"Object"}),
    "Objects": frozenset({"Objects"}),
    "Indices": frozenset({"Indices"}),
    # Colours are integers; integer literals may stand where a colour is expected.
    "Integer": frozenset({"Integer", "Colour"}),
    "Colour": frozenset({"Colour", "Integer"}),
    "Boolean": frozenset({"Boolean"}),
    "IntegerTuple": frozenset({"IntegerTuple"}),
    "IntegerSet": frozenset({"IntegerSet"}),
    "Callable": frozenset({"Callable"}),
    "Patch": frozenset({"Object", "Indices", "Patch"}),
    "Container": frozenset({"Objects", "Object", "Indices", "IntegerSet", "Grid", "Patch",
                            "IntegerTuple", "Container"}),
    "Any": frozenset(TYPE_NAMES),
}


def accepts(param_type: str, arg_type: str) -> bool:
    """True when an argument of static type `arg_type` may be passed as `param_type`."""
    return arg_type == "Any" or arg_type in ACCEPTS[param_type]
