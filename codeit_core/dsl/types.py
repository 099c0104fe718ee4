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


# what each type is, in the words of an error message
TYPE_WORDS: dict[str, str] = {
    "Grid": "a grid", "Object": "an object (cells with colours)",
    "Objects": "a set of objects", "Indices": "a set of positions",
    "Integer": "an integer", "Colour": "a colour (0..9)", "Boolean": "True or False",
    "IntegerTuple": "a pair of integers", "IntegerSet": "a set of integers",
    "Callable": "a function", "Patch": "an object or a set of positions",
    "Container": "a tuple or a set", "Any": "a value",
}


def _is_int(v: Any) -> bool:
    return type(v) is int


def _is_pos(v: Any) -> bool:
    return type(v) is tuple and len(v) == 2 and _is_int(v[0]) and _is_int(v[1])


def _is_cell(v: Any) -> bool:
    return type(v) is tuple and len(v) == 2 and _is_int(v[0]) and _is_pos(v[1])


def _is_object(v: Any) -> bool:
    return type(v) is frozenset and all(_is_cell(x) for x in v)


def _is_indices(v: Any) -> bool:
    return type(v) is frozenset and all(_is_pos(x) for x in v)


_VALUE_CHECKS: dict[str, PyCallable[[Any], bool]] = {
    "Grid": lambda v: type(v) is tuple and all(type(r) is tuple and all(map(_is_int, r))
                                               for r in v),
    "Object": _is_object,
    "Objects": lambda v: type(v) is frozenset and all(_is_object(o) for o in v),
    "Indices": _is_indices,
    "Integer": _is_int,
    "Colour": lambda v: _is_int(v) and 0 <= v <= 9,
    "Boolean": lambda v: type(v) is bool,
    "IntegerTuple": _is_pos,
    "IntegerSet": lambda v: type(v) is frozenset and all(map(_is_int, v)),
    "Callable": callable,
    "Patch": lambda v: _is_object(v) or _is_indices(v),
    "Container": lambda v: type(v) in (tuple, frozenset),
    "Any": lambda v: True,
}


def is_value_of(param_type: str, value: Any) -> bool:
    """Whether a run-time value is of a DSL type (the static types cannot see inside Any
    values and functions, so a program that type-checks can still pass a wrong one)."""
    return _VALUE_CHECKS[param_type](value)


def describe_value(value: Any) -> str:
    """What a run-time value is, in the words of an error message."""
    for name in ("Boolean", "Integer", "IntegerTuple", "Grid", "Object", "Indices",
                 "Objects", "IntegerSet"):
        if name == "Grid" and not (type(value) is tuple and value and
                                   type(value[0]) is tuple):
            continue
        if _VALUE_CHECKS[name](value) and (name != "IntegerSet" or value):
            if name in ("Object", "Indices", "Objects") and not value:
                return "an empty set"
            return TYPE_WORDS[name]
    if type(value) is tuple:
        return f"a tuple of {len(value)} values"
    if type(value) is frozenset:
        return f"a set of {len(value)} mixed values"
    if callable(value):
        return "a function"
    return f"a {type(value).__name__}"
