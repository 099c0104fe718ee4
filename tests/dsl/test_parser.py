"""Tests of the hand-written parser: structure, static checks, line numbers, hostile text."""

from __future__ import annotations

import pytest

from codeit_core.dsl import (Const, DSLError, Line, ParseError, PrimRef, Program, Ref,
                             canonical, check_program, parse, static_types)
from codeit_core.dsl.parser import MAX_LINE_CHARS, MAX_LINES, MAX_TEXT_CHARS


def error_of(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(text)
    err = info.value
    assert isinstance(err, DSLError) and err.kind == "syntax"
    return err


def test_parses_a_program():
    p = parse("x1 = rotate_cw(I)\nx2 = upscale(x1, 2)\nO = replace_colour(x2, 0, BLUE)\n")
    assert p == Program((
        Line("x1", "rotate_cw", (Ref("I"),)),
        Line("x2", "upscale", (Ref("x1"), Const(2, "2"))),
        Line("O", "replace_colour", (Ref("x2"), Const(0, "0"), Const(1, "BLUE"))),
    ))
    assert p.length == 3 and len(p) == 3
    assert p.functions == ("rotate_cw", "upscale", "replace_colour")


def test_argument_kinds():
    p = parse("x1 = fix_second(upscale, -3)\nx2 = branch(True, I, I)\n"
              "x3 = shift_grid(I, DOWN_LEFT)\nO = call(x1, I)")
    assert p.lines[0].args == (PrimRef("upscale"), Const(-3, "-3"))
    assert p.lines[1].args[0] == Const(True, "True")
    assert p.lines[2].args[1] == Const((1, -1), "DOWN_LEFT")


def test_comments_blank_lines_and_whitespace():
    text = "# header\n\n  x1 = rotate_cw( I )   # turn\r\n\t\nO=flip_vertical(x1)#done"
    p = parse(text)
    assert p == parse("x1 = rotate_cw(I)\nO = flip_vertical(x1)\n")
    assert [line.lineno for line in p.lines] == [3, 5]


def test_line_numbers_do_not_take_part_in_equality():
    a = parse("x1 = rotate_cw(I)\nO = flip_vertical(x1)")
    b = parse("\n\n# c\nx1 = rotate_cw(I)\n\nO = flip_vertical(x1)")
    assert a == b and hash(a) == hash(b)
    assert a.lines[0].lineno != b.lines[0].lineno


def test_canonical_renames_in_definition_order():
    p = parse("b = rotate_cw(I)\nzz = upscale(b, 2)\nO = hconcat(zz, b)")
    c = canonical(p)
    assert c == parse("x1 = rotate_cw(I)\nx2 = upscale(x1, 2)\nO = hconcat(x2, x1)")
    # already-canonical names that collide with new ones are handled
    q = parse("x2 = rotate_cw(I)\nx1 = upscale(x2, 2)\nO = hconcat(x1, x2)")
    assert canonical(q) == c
    assert canonical(c) == c


def test_static_types():
    p = parse("x1 = grid_size(I)\nx2 = palette(I)\nO = canvas(1, x1)")
    assert static_types(p) == {"I": "Grid", "x1": "IntegerTuple", "x2": "IntegerSet",
                               "O": "Grid"}


# --- static checks ---------------------------------------------------------------------------


def test_arity_error_message():
    err = error_of("x1 = rotate_cw(I)\nx2 = upscale(x1, 2)\nx3 = rotate_cw(x2, x1)\nO = "
                   "rotate_cw(x3)")
    assert err.line == 3
    assert str(err) == "line 3: 'rotate_cw' takes 1 argument, got 2"
    assert err.message == "'rotate_cw' takes 1 argument, got 2"
    assert "takes 2 arguments, got 1" in str(error_of("O = upscale(I)"))


def test_unknown_name():
    err = error_of("x1 = rotate_cw(I)\nO = hconcat(x1, x9)")
    assert err.line == 2 and str(err) == "line 2: unknown name 'x9'"


def test_name_used_before_definition():
    err = error_of("x1 = hconcat(I, x2)\nx2 = rotate_cw(I)\nO = hconcat(x1, x2)")
    assert err.line == 1 and "unknown name 'x2'" in str(err)


def test_self_reference_is_undefined():
    assert "unknown name 'x1'" in str(error_of("x1 = rotate_cw(x1)\nO = rotate_cw(x1)"))


def test_unknown_primitive():
    err = error_of("x1 = frobnicate(I)\nO = rotate_cw(x1)")
    assert err.line == 1 and "unknown primitive 'frobnicate'" in str(err)


def test_a_misspelt_name_gets_the_close_known_names():
    err = error_of("x1 = rotate_cv(I)\nO = x1")
    assert err.line == 1 and "unknown primitive 'rotate_cv'; did you mean 'rotate_cw'" in str(err)
    assert "did you mean" not in str(error_of("x1 = frobnicate(I)\nO = rotate_cw(x1)"))
    err = error_of("x1 = crop_to_foreground(I)\nx2 = crop_to_foreground(x1)\n"
                   "O = crop_to_foreground(x3x2)")
    assert err.line == 3 and "unknown name 'x3x2'" in str(err)


def test_calling_a_variable_is_rejected():
    err = error_of("x1 = fix_second(upscale, 2)\nO = x1(I)")
    assert err.line == 2 and "variable, not a primitive" in str(err)


def test_single_assignment():
    err = error_of("x1 = rotate_cw(I)\nx1 = rotate_ccw(I)\nO = rotate_cw(x1)")
    assert err.line == 2 and "assigned twice" in str(err)


def test_input_cannot_be_assigned():
    err = error_of("I = rotate_cw(I)\nO = rotate_cw(I)")
    assert err.line == 1 and "'I'" in str(err)


def test_last_line_must_assign_output():
    err = error_of("x1 = rotate_cw(I)\nx2 = rotate_cw(x1)\n# trailing comment\n")
    assert err.line == 2 and "last line must assign O" in str(err)


def test_output_assigned_early():
    err = error_of("x1 = rotate_cw(I)\nO = rotate_cw(x1)\nx2 = rotate_cw(I)")
    assert err.line == 2 and "before the last line" in str(err)


def test_output_must_be_a_grid():
    err = error_of("x1 = rotate_cw(I)\nO = grid_height(x1)")
    assert err.line == 2 and "O must be a Grid" in str(err)
    parse("x1 = split_rows(I, 2)\nO = first(x1)")  # Any is accepted


def test_empty_program():
    for text in ("", "\n\n", "# only a comment\n"):
        err = error_of(text)
        assert "empty" in str(err)


def test_type_errors():
    err = error_of("x1 = grid_height(I)\nO = rotate_cw(x1)")
    assert err.line == 2
    assert "argument 1 of 'rotate_cw' (grid) must be Grid, got Integer (x1)" in str(err)
    assert "must be Integer, got Grid" in str(error_of("O = upscale(I, I)"))
    assert "must be IntegerTuple, got Integer" in str(error_of("O = shift_grid(I, 3)"))
    assert "must be Callable, got Grid" in str(error_of("x1 = apply(I, I)\nO = first(x1)"))
    assert "got Boolean" in str(error_of("O = upscale(I, True)"))
    assert "got Callable" in str(error_of("O = upscale(I, rotate_cw)"))
    assert "got IntegerTuple (UP)" in str(error_of("O = upscale(I, UP)"))


def test_any_typed_values_pass_static_checks():
    parse("x1 = split_rows(I, 2)\nx2 = first(x1)\nx3 = last(x1)\nO = hconcat(x2, x3)")


def test_colour_constants_are_integers():
    parse("O = upscale(I, RED)")
    parse("O = replace_colour(I, 0, 3)")


def test_integer_literal_range():
    parse("O = shift_grid(I, UP)")
    parse("x1 = pair(-30, 30)\nO = shift_grid(I, x1)")
    assert "out of range" in str(error_of("O = upscale(I, 31)"))
    assert "out of range" in str(error_of("O = upscale(I, -31)"))
    assert "out of range" in str(error_of("O = upscale(I, " + "9" * 150 + ")"))


def test_names_reserved_for_primitives_and_constants():
    assert "is a primitive" in str(error_of("rotate_cw = rotate_cw(I)\nO = rotate_cw(I)"))
    assert "is a constant" in str(error_of("UP = rotate_cw(I)\nO = rotate_cw(I)"))
    assert "is a constant" in str(error_of("True = rotate_cw(I)\nO = rotate_cw(I)"))


def test_max_program_length():
    body = "".join(f"x{i} = rotate_cw(I)\n" for i in range(1, MAX_LINES))
    parse(body + "O = rotate_cw(I)\n")  # exactly MAX_LINES lines
    err = error_of(body + f"x{MAX_LINES} = rotate_cw(I)\nO = rotate_cw(I)\n")
    assert err.line == MAX_LINES + 1 and f"more than {MAX_LINES} lines" in str(err)


def test_max_line_length():
    err = error_of("x1 = rotate_cw(I)\nO = rotate_cw(x1)" + " " * MAX_LINE_CHARS)
    assert err.line == 2 and "characters" in str(err)
    err = error_of("x" * 45 + " = rotate_cw(I)\nO = rotate_cw(I)")
    assert err.line == 1 and "longer than" in str(err)


def test_max_text_length():
    err = error_of("\n" * (MAX_TEXT_CHARS + 1))
    assert err.line is None and "characters" in str(err)


def test_non_string_input():
    with pytest.raises(ParseError):
        parse(b"O = rotate_cw(I)")  # type: ignore[arg-type]
    with pytest.raises(ParseError):
        parse(None)  # type: ignore[arg-type]


# --- syntax errors and hostile text ----------------------------------------------------------


HOSTILE = [
    "O = __import__('os')",
    "x1 = __import__(os)\nO = rotate_cw(I)",
    "import os\nO = rotate_cw(I)",
    "O = eval('rotate_cw(I)')",
    "O = exec(I)",
    "O = rotate_cw(I.__class__)",
    "x1 = I.__class__\nO = rotate_cw(I)",
    "O = rotate_cw(I)[0]",
    "O = rotate_cw(I[0])",
    "O = (lambda x: x)(I)",
    "O = lambda: rotate_cw(I)",
    "x1 = lambda\nO = rotate_cw(I)",
    "O = rotate_cw(rotate_cw(I))",
    "O = rotate_cw(I)(I)",
    "O = upscale(I, factor=2)",
    "O = rotate_cw(I); import os",
    "O = rotate_cw(*I)",
    "O = rotate_cw(**I)",
    "O = upscale(I, 1+1)",
    "O = upscale(I, 2.0)",
    "O = upscale(I, 0x2)",
    "O = upscale(I, 2e1)",
    "O = upscale(I, 1_0)",
    "O = upscale(I, - 2)",
    "O = upscale(I, --2)",
    "O = rotate_cw(I) if True else I",
    "O = rotate_cw(I,)",
    "O = rotate_cw(,I)",
    "O = rotate_cw(I",
    "O = rotate_cw I",
    "O == rotate_cw(I)",
    "O = rotate_cw(\"I\")",
    "O = {rotate_cw}(I)",
    "@rotate_cw\nO = rotate_cw(I)",
    "O = rotate_cw(I) \\\n",
    "O = _private(I)",
    "_x = rotate_cw(I)\nO = rotate_cw(_x)",
    "O = rotate_cw(I)\x00",
    "O = rotate_cw(I\u037e",  # Greek question mark looks like ';'
    "O = rotate\u200b_cw(I)",  # zero-width space
    "O = rotаte_cw(I)",  # Cyrillic 'а'
    "x1 = rotate_cw(I)\u2028O = rotate_cw(x1)",  # unicode line separator
    "O = rotate_cw(I)\x0bx1 = I",
    "\ufeffO = rotate_cw(I)",  # byte order mark
    "x1, x2 = rotate_cw(I)\nO = rotate_cw(I)",
    "x1 = x2 = rotate_cw(I)\nO = rotate_cw(I)",
    "O = rotate_cw(I) # ok\n  def f(): pass",
    "O = rotate_cw(x1 x2)",
    "O = 3",
    "O = I",
    "O = rotate_cw",
    "= rotate_cw(I)",
    "O = rotate_cw(I))",
    "O = upscale(I, 2)2",
    "O = upscale(I, 2x)",
    "O = upscale(I, " + "(" * 5000,
    "x1 = rotate_cw(I)\n" * 20000,
    "(" * 100000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_is_rejected(text, monkeypatch):
    import builtins

    def forbidden(*args, **kwargs):
        raise AssertionError("the parser must never evaluate text")

    for name in ("eval", "exec", "compile", "__import__"):
        monkeypatch.setattr(builtins, name, forbidden)
    try:
        with pytest.raises(ParseError) as info:
            parse(text)
    finally:
        monkeypatch.undo()
    assert info.value.kind == "syntax"
    assert info.value.message


def test_syntax_error_messages():
    assert "attribute access" in str(error_of("O = rotate_cw(I.x)"))
    assert "subscripts" in str(error_of("O = rotate_cw(I[0])"))
    assert "nested calls" in str(error_of("O = rotate_cw(rotate_cw(I))"))
    assert "keyword arguments" in str(error_of("O = upscale(I, factor=2)"))
    assert "string literals" in str(error_of("O = rotate_cw('I')"))
    assert "names may not start with '_'" in str(error_of("O = __import__(I)"))
    err = error_of("x1 = rotate_cw(I)\n\nO = rotate_cw(x1) ?")
    assert err.line == 3


def test_check_program_on_built_programs():
    good = Program((Line("x1", "rotate_cw", (Ref("I"),)), Line("O", "upscale",
                                                               (Ref("x1"), Const(2, "2")))))
    assert check_program(good) is good
    bad_const = Program((Line("O", "upscale", (Ref("I"), Const(99, "99"))),))
    assert "out of range" in str(pytest.raises(ParseError, check_program, bad_const).value)
    wrong_text = Program((Line("O", "upscale", (Ref("I"), Const(2, "3"))),))
    with pytest.raises(ParseError):
        check_program(wrong_text)
    wrong_named = Program((Line("O", "shift_grid", (Ref("I"), Const((5, 5), "UP"))),))
    with pytest.raises(ParseError):
        check_program(wrong_named)
    bad_prim = Program((Line("O", "first", (PrimRef("nope"),)),))
    with pytest.raises(ParseError):
        check_program(bad_prim)
    bad_target = Program((Line("O O", "rotate_cw", (Ref("I"),)),))
    with pytest.raises(ParseError):
        check_program(bad_target)
    err = pytest.raises(ParseError, check_program,
                        Program((Line("x1", "rotate_cw", (Ref("I"),)),
                                 Line("O", "rotate_cw", (Ref("x2"),))))).value
    assert err.line == 2
    with pytest.raises(ParseError):
        check_program("O = rotate_cw(I)")  # type: ignore[arg-type]
