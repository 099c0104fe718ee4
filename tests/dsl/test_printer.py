"""Tests of the canonical printer, including a hypothesis round trip through the parser."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codeit_core.dsl import (Const, Line, PrimRef, Program, Ref, canonical, format_line,
                             format_program, parse)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_round_trip(program_strategy, data):
    program = data.draw(program_strategy())
    text = format_program(program)
    assert text.endswith("\n") and text.count("\n") == program.length
    assert parse(text) == program
    assert format_program(parse(text)) == text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_canonical_round_trip(program_strategy, data):
    program = data.draw(program_strategy())
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
