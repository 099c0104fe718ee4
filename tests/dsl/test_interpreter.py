"""Tests of the interpreter: whole programs, the caps in Limits, and every error kind."""

from __future__ import annotations

import pickle

import pytest

from codeit_core.dsl import (DEFAULT_LIMITS, REGISTRY, DSLError, DSLRuntimeError, DSLTypeError,
                             InvalidGridError, Limits, Line, ParseError, Primitive, Program,
                             Ref, TooLargeError, check_size, compile_program, parse, run,
                             trace)
from codeit_core.dsl import errors as errors_module


def g(text: str):
    return tuple(tuple(int(ch) for ch in line.strip()) for line in text.strip().splitlines())


GRID = g("""
1020
0300
0004
""")
TEN = tuple(tuple((r * 10 + c) % 3 for c in range(10)) for r in range(10))


def fails(text: str, grid=GRID, limits: Limits = DEFAULT_LIMITS) -> DSLError:
    with pytest.raises(DSLError) as info:
        run(parse(text), grid, limits)
    return info.value


# --- whole programs --------------------------------------------------------------------------


def test_geometry_program():
    p = parse("x1 = rotate_cw(I)\nO = flip_horizontal(x1)\n")
    assert run(p, GRID) == g("100\n030\n200\n004")  # the transpose


def test_colour_and_tiling_program():
    p = parse("""
        x1 = replace_colour(I, 0, 5)
        x2 = flip_horizontal(x1)
        O = hconcat(x1, x2)
    """)
    assert run(p, g("10\n02")) == g("1551\n5225")


def test_higher_order_program():
    # sort the columns of the grid (as 1-column grids) by their number of non-zero cells
    p = parse("""
        x1 = transpose(I)
        x2 = split_rows(x1, 4)
        x3 = fix_second(count_colour, 0)
        x4 = sort_by(x2, x3)
        x5 = merge(x4)
        O = transpose(x5)
    """)
    # zeros per column: 2, 1, 0, 2 -> columns 2, 1, 0, 3 (ties keep their order)
    assert run(p, g("1020\n0320\n0324")) == g("2010\n2300\n2304")
    q = parse("""
        x1 = split_columns(I, 2)
        x2 = apply(rotate_180, x1)
        x3 = first(x2)
        x4 = last(x2)
        O = hconcat(x4, x3)
    """)
    assert run(q, g("1234\n5678")) == g("8765\n4321")


def test_program_with_arithmetic_and_constants():
    p = parse("""
        x1 = grid_width(I)
        x2 = halve(x1)
        x3 = pair(0, x2)
        x4 = roll_grid(I, x3)
        O = replace_colour(x4, 0, MAROON)
    """)
    assert run(p, g("1200")) == g("9912")


def test_fork_and_compose_program():
    p = parse("""
        x1 = fork(hconcat, identity, flip_horizontal)
        x2 = compose(flip_vertical, x1)
        O = call(x2, I)
    """)
    assert run(p, g("12\n34")) == g("3443\n1221")


def test_same_input_same_output_and_input_untouched():
    p = parse("x1 = upscale(I, 2)\nO = rotate_cw(x1)")
    before = GRID
    assert run(p, GRID) == run(p, GRID)
    assert GRID == before


# --- error kinds -----------------------------------------------------------------------------


def test_syntax_kind_for_malformed_program_objects():
    bad = Program((Line("O", "no_such_primitive", (Ref("I"),)),))
    with pytest.raises(ParseError) as info:
        run(bad, GRID)
    assert info.value.kind == "syntax" and info.value.line == 1


def test_type_kind():
    err = fails("x1 = first(I)\nO = upscale(I, x1)")  # a row where an Integer belongs
    assert isinstance(err, DSLTypeError) and err.kind == "type" and err.line == 2
    assert "upscale" in str(err)
    err = fails("x1 = first(I)\nO = rotate_cw(x1)")
    assert err.kind == "type" and err.line == 2


def test_runtime_kind():
    err = fails("x1 = divide(3, 0)\nO = upscale(I, x1)")
    assert isinstance(err, DSLRuntimeError) and err.kind == "runtime" and err.line == 1
    assert "ZeroDivisionError" in str(err)
    assert fails("x1 = top_half(I)\nx2 = top_half(x1)\nO = top_half(x2)").line == 2
    err = fails("x1 = cells_of_colour(I, 7)\nx2 = first(x1)\nO = identity(I)")
    assert err.kind == "runtime" and err.line == 2


def test_line_numbers_count_source_lines():
    err = fails("# comment\n\nx1 = divide(3, 0)\nO = upscale(I, x1)")
    assert err.line == 3 and str(err).startswith("line 3: ")


def test_line_numbers_are_per_program_even_when_cached():
    a = parse("x1 = divide(1, 0)\nO = upscale(I, x1)")
    b = parse("# note\n\n\nx1 = divide(1, 0)\nO = upscale(I, x1)")
    assert a == b
    with pytest.raises(DSLError) as ea:
        run(a, GRID)
    with pytest.raises(DSLError) as eb:
        run(b, GRID)
    assert (ea.value.line, eb.value.line) == (1, 4)


def test_invalid_grid_kind():
    err = fails("x1 = grid_size(I)\nO = identity(x1)")
    assert isinstance(err, InvalidGridError) and err.kind == "invalid_grid" and err.line == 2
    err = fails("O = upscale(I, 4)", grid=TEN)  # 40x40: a fine intermediate, not an output
    assert err.kind == "invalid_grid"
    err = fails("x1 = split_rows(I, 3)\nO = identity(x1)")  # a tuple of grids
    assert err.kind == "invalid_grid"
    err = fails("x1 = palette(I)\nO = identity(x1)")
    assert err.kind == "invalid_grid"


@pytest.mark.parametrize("value, ok", [
    (((0,),), True), (((1, 2), (3, 4)), True), ((), False), (((),), False),
    (((1, 2), (3,)), False), (((10,),), False), (((-1,),), False), (((True,),), False),
    (((1.0,),), False), ([[1]], False), ((([1]),), False), (tuple(((0,),) * 31), False),
    ((tuple([0] * 31),), False), ((1, 2), False), (7, False),
])
def test_output_validation(value, ok, monkeypatch):
    monkeypatch.setitem(REGISTRY, "fake_output",
                        Primitive("fake_output", lambda grid: value, ("Grid",), ("grid",),
                                  "Grid", "test stub", "geometry"))
    program = Program((Line("O", "fake_output", (Ref("I"),)),))
    compile_program.cache_clear()
    if ok:
        assert run(program, GRID) == value
    else:
        with pytest.raises(DSLError) as info:
            run(program, GRID)
        assert info.value.kind in ("invalid_grid", "too_large", "type")
    compile_program.cache_clear()


def _stub(monkeypatch, exc: BaseException):
    def boom(grid):
        raise exc

    monkeypatch.setitem(REGISTRY, "boom", Primitive("boom", boom, ("Grid",), ("grid",), "Grid",
                                                    "test stub", "geometry"))
    compile_program.cache_clear()
    return Program((Line("x1", "rotate_cw", (Ref("I"),)), Line("O", "boom", (Ref("x1"),))))


@pytest.mark.parametrize("exc, kind", [
    (TypeError("bad"), "type"), (ValueError("bad"), "runtime"), (IndexError("i"), "runtime"),
    (KeyError("k"), "runtime"), (ZeroDivisionError(), "runtime"),
    (RecursionError("deep"), "runtime"), (StopIteration(), "runtime"),
    (AttributeError("a"), "runtime"), (MemoryError(), "too_large"),
    (OverflowError(), "too_large"), (TooLargeError("big"), "too_large"),
])
def test_exceptions_become_dsl_errors(monkeypatch, exc, kind):
    program = _stub(monkeypatch, exc)
    with pytest.raises(DSLError) as info:
        run(program, GRID)
    assert info.value.kind == kind and info.value.line == 2
    compile_program.cache_clear()


def test_executor_timeouts_pass_through(monkeypatch):
    program = _stub(monkeypatch, TimeoutError())
    with pytest.raises(TimeoutError):
        run(program, GRID)
    compile_program.cache_clear()


# --- caps ------------------------------------------------------------------------------------


def test_cap_on_intermediate_grid_side():
    assert len(run(parse("x1 = upscale(I, 6)\nO = downscale(x1, 6)"), TEN)) == 10  # 60 is fine
    err = fails("x1 = upscale(I, 7)\nO = downscale(x1, 7)", grid=TEN)
    assert err.kind == "too_large" and err.line == 1
    small = Limits(max_intermediate_side=15)
    err = fails("x1 = hconcat(I, I)\nO = left_half(x1)", grid=TEN, limits=small)
    assert err.kind == "too_large" and err.line == 1


def test_cap_on_containers():
    small = Limits(max_container=5)
    err = fails("x1 = cells_of_colour(I, 0)\nO = identity(I)", limits=small)
    assert err.kind == "too_large" and err.line == 1
    run(parse("x1 = cells_of_colour(I, 1)\nO = identity(I)"), GRID, small)
    err = fails("x1 = int_range(30)\nx2 = int_range(30)\nO = identity(I)", limits=small)
    assert err.kind == "too_large" and err.line == 1


def test_cap_on_integers():
    text = "x1 = multiply(30, 30)\nx2 = multiply(x1, x1)\nx3 = multiply(x2, x2)\nO = identity(I)"
    err = fails(text)
    assert err.kind == "too_large" and err.line == 3
    err = fails("x1 = grid_width(I)\nO = identity(I)", grid=TEN, limits=Limits(max_int=5))
    assert err.kind == "too_large" and err.line == 1
    err = fails("x1 = grid_size(I)\nO = identity(I)", grid=TEN, limits=Limits(max_int=5))
    assert err.kind == "too_large"


def test_no_huge_integer_blowup_through_containers():
    text = """
        x1 = int_range(30)
        x2 = fix_first(multiply, 30)
        x3 = apply(x2, x1)
        x4 = apply(x2, x3)
        x5 = apply(x2, x4)
        x6 = apply(x2, x5)
        x7 = apply(x2, x6)
        O = identity(I)
    """
    err = fails(text)
    assert err.kind == "too_large"


def test_apply_cannot_build_something_huge_in_one_line():
    text = """
        x1 = int_range(30)
        x2 = multiply(30, 30)
        x3 = int_range(x2)
        x4 = always(x3)
        x5 = apply(x4, x3)
        O = identity(I)
    """
    err = fails(text)
    assert err.kind == "too_large" and err.line == 6


def test_limits_are_restored_after_a_run():
    run(parse("O = identity(I)"), GRID, Limits(max_container=3))
    assert errors_module.active_limits() == DEFAULT_LIMITS


def test_check_size():
    assert check_size(5) == 1
    assert check_size(((1, 2, 3), (4, 5, 6))) == 6
    with pytest.raises(TooLargeError):
        check_size(10**7)
    with pytest.raises(TooLargeError):
        check_size(tuple(range(1001)))
    with pytest.raises(TooLargeError):
        check_size(tuple([tuple([0] * 61)] * 3))
    with pytest.raises(TooLargeError):
        check_size(frozenset({10**9}))
    with pytest.raises(TooLargeError):
        check_size(tuple(tuple(range(900)) for _ in range(200)))
    assert check_size(tuple(range(10)), Limits(max_container=10)) == 10


# --- trace, caching, pickling ----------------------------------------------------------------


def test_trace():
    p = parse("x1 = rotate_cw(I)\nx2 = grid_height(x1)\nO = upscale(x1, x2)")
    values, error = trace(p, g("12"))
    assert error is None
    assert values == {"I": g("12"), "x1": g("1\n2"), "x2": 2, "O": g("11\n11\n22\n22")}
    values, error = trace(parse("x1 = rotate_cw(I)\nx2 = divide(1, 0)\nO = upscale(x1, x2)"),
                          GRID)
    assert error is not None and error.kind == "runtime" and error.line == 2
    assert set(values) == {"I", "x1"}


def test_compile_is_cached():
    p = parse("x1 = rotate_cw(I)\nO = rotate_ccw(x1)")
    assert compile_program(p) is compile_program(parse(str(p)))


def test_errors_pickle_with_kind_and_line():
    err = fails("x1 = divide(3, 0)\nO = upscale(I, x1)")
    back = pickle.loads(pickle.dumps(err))
    assert (type(back), back.kind, back.line, back.message) == \
        (type(err), err.kind, err.line, err.message)
    program = parse("x1 = rotate_cw(I)\nO = rotate_ccw(x1)")
    assert pickle.loads(pickle.dumps(program)) == program
    compile_program(program)
    assert pickle.loads(pickle.dumps(program)) == program


def test_typical_program_is_fast():
    import time

    p = parse("""
        x1 = rotate_cw(I)
        x2 = flip_horizontal(x1)
        x3 = replace_colour(x2, 1, 5)
        x4 = most_common_colour(x3)
        x5 = swap_colours(x3, 2, 0)
        O = overlay_grids(x5, x2)
    """)
    run(p, TEN)
    times = []
    for _ in range(200):
        start = time.perf_counter()
        run(p, TEN)
        times.append(time.perf_counter() - start)
    assert sorted(times)[100] < 1e-3  # median well under a millisecond


# --- fuzz ------------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

GRIDS = st.integers(1, 12).flatmap(lambda h: st.integers(1, 12).flatmap(
    lambda w: st.lists(st.lists(st.sampled_from([0, 0, 0, 1, 2, 5]), min_size=w, max_size=w)
                       .map(tuple), min_size=h, max_size=h).map(tuple)))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), grid=GRIDS)
def test_random_programs_return_a_grid_or_a_dsl_error(program_strategy, data, grid):
    program = data.draw(program_strategy(max_lines=8, small_ints=True))
    try:
        out = run(program, grid)
    except DSLError as e:
        assert e.kind in ("syntax", "type", "runtime", "too_large", "invalid_grid")
        assert e.line is not None and 1 <= e.line <= program.length
    else:
        assert type(out) is tuple and 1 <= len(out) <= 30
        assert all(type(row) is tuple and len(row) == len(out[0]) for row in out)
        assert all(type(v) is int and 0 <= v <= 9 for row in out for v in row)


G3 = ((1, 0, 0), (0, 2, 0), (0, 0, 0))


@pytest.mark.parametrize("text, kind, words", [
    # a value of the wrong type inside an Any: the primitive, the argument, the type
    ("x1 = colour_components(I)\nx2 = first(x1)\nx3 = pair(x2, x2)\nx4 = first(x3)\n"
     "O = fill_background_cells(I, BLUE, x4)\n", "type",
     "line 3: pair: argument 'a' should be an integer, got an object (cells with colours)"),
    # a function argument given the wrong number of values
    ("x1 = colour_components(I)\nx2 = keep_if(x1, upscale)\nO = first(x2)\n", "type",
     "line 2: keep_if: its function argument upscale takes 2 value(s), but keep_if calls "
     "it with 1"),
    # a function argument given a value of the wrong type
    ("x1 = colour_components(I)\nx2 = apply(rotate_cw, x1)\nO = first(x2)\n", "type",
     "line 2: apply: its function argument rotate_cw: argument 'grid' should be a grid, got "
     "an object (cells with colours)"),
])
def test_python_errors_inside_primitives_are_told_in_our_words(text, kind, words):
    with pytest.raises(DSLError) as caught:
        run(parse(text), G3)
    assert caught.value.kind == kind and str(caught.value) == words
    assert "Error" not in str(caught.value)  # no TypeError, AttributeError, ... left


@pytest.mark.parametrize("prim", ["argmax_by", "argmin_by", "sort_by"])
def test_key_values_that_cannot_be_compared_are_named(prim):
    text = f"x1 = colour_components(I)\nx2 = {prim}(x1, always)\nO = first(x2)\n"
    with pytest.raises(DSLError, match=f"{prim}: .*its key function gave values that "
                                       f"cannot be compared"):
        run(parse(text), G3)


def test_an_empty_grid_reaching_a_primitive_is_named():
    from codeit_core.dsl.interpreter import _convert
    from codeit_core.dsl.prims_grid import left_half

    with pytest.raises(IndexError) as caught:
        left_half(())
    error = _convert(caught.value, "left_half", 4, [()])
    assert error.kind == "runtime" and error.line == 4
    assert str(error) == ("line 4: left_half: argument 'grid' is an empty grid (no rows or "
                          "no columns)")
