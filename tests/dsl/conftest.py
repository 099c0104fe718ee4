"""Shared fixtures for the DSL tests: a hypothesis strategy of random well-typed programs."""

from __future__ import annotations

from functools import lru_cache

import pytest
from hypothesis import strategies as st

from codeit_core.dsl import (CONSTANTS, REGISTRY, Const, Line, PrimRef, Program, Ref,
                             accepts)

RESERVED = set(REGISTRY) | set(CONSTANTS) | {"True", "False", "I", "O"}
NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True).filter(
    lambda n: n not in RESERVED)


def _options(ptype: str, types: dict[str, str]) -> list:
    """Every kind of argument that may be passed to a parameter of type ptype."""
    opts: list = [("ref", name) for name, t in types.items() if accepts(ptype, t)]
    if accepts(ptype, "Integer"):
        opts.append(("int", None))
    if accepts(ptype, "Boolean"):
        opts.append(("bool", None))
    if accepts(ptype, "Callable"):
        opts.append(("prim", None))
    opts.extend(("const", n) for n, c in CONSTANTS.items() if accepts(ptype, c.type))
    return opts


@lru_cache(maxsize=None)
def _candidates(available: frozenset, last: bool) -> list[str]:
    """Primitives whose every parameter can be filled from the available types."""
    types = {f"v{i}": t for i, t in enumerate(sorted(available))}
    return [p for p in sorted(REGISTRY)
            if (not last or REGISTRY[p].returns in ("Grid", "Any"))
            and all(_options(t, types) for t in REGISTRY[p].params)]


@st.composite
def programs(draw, max_lines: int = 10, small_ints: bool = False) -> Program:
    """Random well-typed programs (they may still fail at run time)."""
    n = draw(st.integers(1, max_lines))
    types = {"I": "Grid"}
    lines = []
    prim_names = sorted(REGISTRY)
    for i in range(n):
        last = i == n - 1
        prim = REGISTRY[draw(st.sampled_from(_candidates(frozenset(types.values()), last)))]
        args = []
        for ptype in prim.params:
            kind, value = draw(st.sampled_from(_options(ptype, types)))
            if kind == "ref":
                args.append(Ref(value))
            elif kind == "int":
                args.append(Const.integer(draw(st.integers(-3, 5) if small_ints
                                               else st.integers(-30, 30))))
            elif kind == "bool":
                args.append(Const.boolean(draw(st.booleans())))
            elif kind == "prim":
                args.append(PrimRef(draw(st.sampled_from(prim_names))))
            else:
                args.append(Const.named(value))
        target = "O" if last else draw(NAMES.filter(lambda name: name not in types))
        types[target] = prim.returns
        lines.append(Line(target, prim.name, tuple(args)))
    return Program(tuple(lines))


@pytest.fixture(scope="session")
def program_strategy():
    """The `programs` strategy factory (use with hypothesis' st.data())."""
    return programs
