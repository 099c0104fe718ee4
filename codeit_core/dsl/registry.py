"""The one registry of DSL primitives, read by the parser, the interpreter, mutation, random
generation, constrained decoding and the UI's reference panel.

A primitive is a pure Python function whose annotations name DSL types (see `types.py`) and
whose docstring's first line says what it does::

    @primitive("geometry")
    def rot90(grid: Grid) -> Grid:
        \"\"\"Rotate the grid a quarter turn clockwise.\"\"\"
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

from codeit_core.dsl.types import TYPE_NAMES

CATEGORIES: tuple[str, ...] = (
    "geometry", "slicing", "scaling", "tiling", "colour", "objects", "painting", "lines",
    "symmetry", "gravity", "counting", "arithmetic", "logic", "sets", "combinators",
)


@dataclass(frozen=True)
class Primitive:
    """A registered primitive: its function, typed signature, docstring and category.

    keeps_shape_of: the Grid parameter whose dimensions the result always has, or None:
    given rows of one length there (a grid, whatever its cells hold), the primitive
    returns rows of the same number and length, or fails. A search uses it to know a program's output shape before running it
    (``SharedPlan.run`` with ``dims``); ``tests/dsl/test_shapes.py`` checks every claim.

    paints_with: the Colour parameter that is the only colour the result writes, or None:
    the result differs from its ``keeps_shape_of`` grid only in cells of that colour. A
    search compares such a program's grid argument with the target before it computes the
    rest: a cell the grid has wrong whose target colour is another one cannot be put right
    (``SharedPlan.run`` with ``target``).
    """

    name: str
    fn: Callable[..., Any]
    params: tuple[str, ...]
    param_names: tuple[str, ...]
    returns: str
    doc: str
    category: str
    keeps_shape_of: str | None = None
    paints_with: str | None = None

    @property
    def arity(self) -> int:
        return len(self.params)

    @property
    def signature(self) -> str:
        args = ", ".join(f"{n}: {t}" for n, t in zip(self.param_names, self.params))
        return f"{self.name}({args}) -> {self.returns}"


REGISTRY: dict[str, Primitive] = {}


def primitive(category: str, keeps_shape_of: str | None = None,
              paints_with: str | None = None
              ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a DSL primitive of `category` (`keeps_shape_of`
    and `paints_with`: see ``Primitive``)."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown primitive category {category!r}; known: {CATEGORIES}")

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        name = fn.__name__
        if name in REGISTRY:
            raise ValueError(f"primitive {name!r} registered twice")
        sig = inspect.signature(fn)
        params, names = [], []
        for p in sig.parameters.values():
            if p.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD or p.default is not p.empty:
                raise ValueError(f"primitive {name!r}: parameter {p.name!r} must be plain positional")
            params.append(_type_name(name, p.name, p.annotation))
            names.append(p.name)
        returns = _type_name(name, "return", sig.return_annotation)
        doc = (inspect.getdoc(fn) or "").strip().splitlines()
        if not doc:
            raise ValueError(f"primitive {name!r} needs a one-line docstring")
        if keeps_shape_of is not None and (
                returns != "Grid" or keeps_shape_of not in names
                or params[names.index(keeps_shape_of)] != "Grid"):
            raise ValueError(f"primitive {name!r}: keeps_shape_of={keeps_shape_of!r} must "
                             f"name a Grid parameter of a primitive returning a Grid")
        if paints_with is not None and (
                keeps_shape_of is None or paints_with not in names
                or params[names.index(paints_with)] != "Colour"):
            raise ValueError(f"primitive {name!r}: paints_with={paints_with!r} must name a "
                             f"Colour parameter of a primitive that keeps a grid's shape")
        REGISTRY[name] = Primitive(name, fn, tuple(params), tuple(names), returns, doc[0],
                                   category, keeps_shape_of, paints_with)
        return fn

    return register


def _type_name(prim: str, where: str, annotation: Any) -> str:
    # Modules use `from __future__ import annotations`, so annotations arrive as strings.
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    if text not in TYPE_NAMES:
        raise ValueError(f"primitive {prim!r}: annotation of {where!r} is {annotation!r}, "
                         f"expected one of {TYPE_NAMES}")
    return text
