"""Random well-typed programs, built by sampling primitives from the REGISTRY.

Each line calls a primitive whose every parameter can be filled with an argument of an
accepted static type: an earlier variable (preferring recent ones, so lines tend to feed
each other), a small integer literal, a named constant, True/False, or a primitive passed
as a function. The last line is a Grid-returning call assigned to ``O``. The text always
passes the parser's static checks; running it may still fail (a type error through a
callable or ``Any``, an empty container, ...), as sampled programs do.

    rng = random.Random(0)
    program = random_program(rng, 4)       # a Program of 4 lines
    text = format_program(program)
"""

from __future__ import annotations

import random

from codeit_core.dsl.constants import CONSTANTS, DIRECTIONS
from codeit_core.dsl.parser import parse
from codeit_core.dsl.program import INPUT, OUTPUT, Program
from codeit_core.dsl.registry import REGISTRY, Primitive
from codeit_core.dsl.types import accepts

_COLOUR_NAMES = tuple(n for n, c in CONSTANTS.items() if c.type == "Colour")
# types a literal or constant can stand for (everything else needs a variable)
_LITERAL_TYPES = frozenset({"Integer", "Colour", "Boolean", "IntegerTuple", "Callable",
                            "Any"})


def _literal(rng: random.Random, param: str) -> str:
    if param == "Integer":
        return str(rng.choice((0, 1, 1, 2, 2, 3, 4, 5, -1)))
    if param == "Colour":
        return rng.choice(_COLOUR_NAMES) if rng.random() < 0.5 else str(rng.randrange(10))
    if param == "Boolean":
        return rng.choice(("True", "False"))
    if param == "IntegerTuple":
        return rng.choice(DIRECTIONS + ("ORIGIN",))
    if param == "Callable":
        return rng.choice(_FUNCTION_ARGS)
    return str(rng.randrange(10))  # Any: a small integer


# primitives of one or two arguments are the ones combinators can call
_FUNCTION_ARGS = tuple(sorted(p.name for p in REGISTRY.values() if 1 <= p.arity <= 2))


def _argument(rng: random.Random, param: str, env: list[tuple[str, str]]) -> str | None:
    """Source text of an argument for a parameter of type `param`, or None if impossible."""
    fits = [name for name, typ in env if typ != "Any" and accepts(param, typ)]
    if param == "Any":
        fits = [name for name, _ in env]
    loose = [name for name, typ in env if typ == "Any"]  # unknown static type: allowed
    if param in _LITERAL_TYPES and (not fits or rng.random() < 0.5):
        return _literal(rng, param)
    if fits:
        # favour recent variables: programs whose lines build on each other
        return fits[-1] if rng.random() < 0.6 else rng.choice(fits)
    if loose and rng.random() < 0.3:
        return rng.choice(loose)
    return None


def _line(rng: random.Random, prims: list[Primitive], env: list[tuple[str, str]]
          ) -> tuple[Primitive, list[str]] | None:
    for _ in range(50):
        prim = rng.choice(prims)
        args = [_argument(rng, p, env) for p in prim.params]
        if all(a is not None for a in args):
            return prim, args  # type: ignore[return-value]
    return None


def random_program_text(rng: random.Random, length: int) -> str:
    """The text of a random well-typed program of `length` lines (1..40)."""
    if not 1 <= length <= 40:
        raise ValueError(f"length must be in 1..40, got {length}")
    everything = list(REGISTRY.values())
    to_grid = [p for p in everything if p.returns == "Grid"]
    while True:
        env: list[tuple[str, str]] = [(INPUT, "Grid")]
        lines = []
        for i in range(1, length + 1):
            last = i == length
            made = _line(rng, to_grid if last else everything, env)
            if made is None:
                break
            prim, args = made
            target = OUTPUT if last else f"x{i}"
            lines.append(f"{target} = {prim.name}({', '.join(args)})")
            env.append((target, prim.returns))
        else:
            return "\n".join(lines) + "\n"


def random_program(rng: random.Random, length: int) -> Program:
    """A random well-typed Program of `length` lines (see the module docstring)."""
    return parse(random_program_text(rng, length))
