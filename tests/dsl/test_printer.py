"""Tests of the canonical printer, including a hypothesis round trip through the parser."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codeit_core.dsl import (CONSTANTS, REGISTRY, Const, Line, PrimRef, Program, Ref,
                             accepts, canonical, format_line, format_program, parse)

RESERVED = set(REGISTRY) | set(CONSTANTS) | {"True", "False", "I", "O"}
NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True).filter(
    lambda n: n not in RESERVED)
PRIM_NAMES = sorted(REGISTRY)


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
    return [p for p in PRIM_NAMES
            if (not last or REGISTRY[p].returns in ("Grid", "Any"))
            and all(_options(t, types) for t in REGISTRY[p].params)]


@st.composite
def programs(draw) -> Program:
    """Random well-typed programs (not necessarily runnable without error)."""
    n = draw(st.integers(1, 10))
    types = {"I": "Grid"}
    lines = []
    for i in range(n):
        last = i == n - 1
        candidates = _candidates(frozenset(types.values()), last)
        prim = REGISTRY[draw(st.sampled_from(candidates))]
        args = []
        for ptype in prim.params:
            kind, value = draw(st.sampled_from(_options(ptype, types)))
            if kind == "ref":
                args.append(Ref(value))
            elif kind == "int":
                args.append(Const.integer(draw(st.integers(-30, 30))))
            elif kind == "bool":
                args.append(Const.boolean(draw(st.booleans())))
            elif kind == "prim":
                args.append(PrimRef(draw(st.sampled_from(PRIM_NAMES))))
            else:
                args.append(Const.named(value))
        target = "O" if last else draw(NAMES.filter(lambda name: name not in types))
        types[target] = prim.returns
        lines.append(Line(target, prim.name, tuple(args)))
    return Program(tuple(lines))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_round_trip(program):
    text = format_program(program)
    assert text.endswith("\n") and text.count("\n") == program.length
    assert parse(text) == program
    assert format_program(parse(text)) == text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_canonical_round_trip(program):
    c = canonical(program)
    assert canonical(c) == c
    assert parse(format_program(c)) == c
    names = [line.target for line in c.lines[:-1]]
    assert names == [f"x{i}" for i in range(1, len(names) + 1)]
    assert c.lines[-1].target == "O"


def test_format_program():
    p = Program((
        Line("x1", "fix_second", (PrimRef("upscale"), Const.integer(-2))),
        Line("x2", "branch", (Const.boolean(False), Ref("I"), Ref("I"))),
        Line("O", "shift_grid", (Ref("x2"), Const.named("UP_LEFT"))),
    ))
    assert format_program(p) == ("x1 = fix_second(upscale, -2)\n"
                                 "x2 = branch(False, I, I)\n"
                                 "O = shift_grid(x2, UP_LEFT)\n")
    assert str(p) == format_program(p)


def test_format_line():
    assert format_line(Line("O", "rotate_cw", (Ref("I"),))) == "O = rotate_cw(I)"


def test_printer_normalises_source_layout():
    messy = "# c\n  x1=rotate_cw( I )\n\nO  =  upscale(x1,2)  # done\n"
    assert format_program(parse(messy)) == "x1 = rotate_cw(I)\nO = upscale(x1, 2)\n"
