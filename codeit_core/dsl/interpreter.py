"""Run a Program on an input grid.

A program is compiled once (checked, then turned into a list of steps that index a flat
list of values) and cached; running it is then a tight loop of primitive calls. After
every line the result is checked against ``Limits`` (container sizes, grid sides, integer
magnitude) and the final value must be a valid ARC grid. Any exception raised inside a
primitive becomes a ``DSLError`` with ``kind`` and the 1-based ``line``.

``line`` is the source line when the program was parsed from text (comments and blank
lines counted), otherwise the position of the call in the program (1-based).
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain
from typing import Any, Sequence

from codeit_core.dsl import errors as _errors
from codeit_core.dsl.errors import DEFAULT_LIMITS, DSLError, DSLRuntimeError, DSLTypeError, \
    InvalidGridError, Limits, TooLargeError, check_size
from codeit_core.dsl.parser import check_program
from codeit_core.dsl.program import INPUT, Const, PrimRef, Program, Ref
from codeit_core.dsl.registry import REGISTRY
from codeit_core.dsl.types import TYPE_WORDS, describe_value, is_value_of
from codeit_core.grids import MAX_SIDE, Grid, grid_problem

__all__ = ["run", "trace", "compile_program", "Limits", "DEFAULT_LIMITS"]

# check codes, chosen per line from the primitive's static return type
_NONE, _GRID, _INT, _PAIR, _SIZED, _ANY = range(6)
_CHECK_OF_TYPE = {
    "Grid": _GRID, "Integer": _INT, "Colour": _INT, "IntegerTuple": _PAIR,
    "Object": _SIZED, "Objects": _SIZED, "Indices": _SIZED, "IntegerSet": _SIZED,
    "Patch": _SIZED, "Container": _SIZED, "Boolean": _NONE, "Callable": _NONE, "Any": _ANY,
}
_COLOURS = frozenset(range(10))
_INT_TYPES = {int}


class _Compiled:
    """A program turned into steps: (fn, arity, slot_a, slot_b, slot_c, slots, target,
    check code, prim name). Slot 0 holds the input grid; constants have their own slots."""

    __slots__ = ("steps", "template")

    def __init__(self, steps: tuple, template: list) -> None:
        self.steps = steps
        self.template = template


@lru_cache(maxsize=4096)
def compile_program(program: Program) -> _Compiled:
    """Check `program` and resolve its functions and arguments into steps (cached)."""
    check_program(program)
    slot_of: dict[str, int] = {INPUT: 0}
    template: list[Any] = [None]
    const_slot: dict[tuple, int] = {}

    def slot_for_value(key: tuple, value: Any) -> int:
        if key not in const_slot:
            const_slot[key] = len(template)
            template.append(value)
        return const_slot[key]

    for line in program.lines:
        slot_of[line.target] = len(template)
        template.append(None)
    steps = []
    for line in program.lines:
        prim = REGISTRY[line.function]
        slots = []
        for arg in line.args:
            if isinstance(arg, Ref):
                slots.append(slot_of[arg.name])
            elif isinstance(arg, PrimRef):
                slots.append(slot_for_value(("p", arg.name), REGISTRY[arg.name].fn))
            elif isinstance(arg, Const):
                slots.append(slot_for_value(("c", arg.text), arg.value))
            else:  # check_program rules this out
                raise DSLTypeError(f"invalid argument {arg!r}")
        n = len(slots)
        a, b, c = (slots + [0, 0, 0])[:3]
        steps.append((prim.fn, n, a, b, c, tuple(slots), slot_of[line.target],
                      _CHECK_OF_TYPE.get(prim.returns, _ANY), prim.name))
    return _Compiled(tuple(steps), template)


def run(program: Program, grid: Grid, limits: Limits = DEFAULT_LIMITS) -> Grid:
    """Run `program` on `grid` and return the output grid; raise ``DSLError`` on failure."""
    compiled = compile_program(program)
    env = compiled.template[:]
    env[0] = grid
    index = _execute(compiled.steps, env, limits, program)
    value = env[compiled.steps[-1][6]]
    problem = _grid_problem_fast(value)
    if problem is not None:
        raise InvalidGridError(f"the output {problem}", _line_of(program, index))
    return value


def trace(program: Program, grid: Grid, limits: Limits = DEFAULT_LIMITS
          ) -> tuple[dict[str, Any], DSLError | None]:
    """Run `program` keeping every variable's value: (values by name, error or None).

    On failure the values computed before the failing line are returned with the error.
    """
    compiled = compile_program(program)
    env = compiled.template[:]
    env[0] = grid
    error: DSLError | None = None
    try:
        index = _execute(compiled.steps, env, limits, program)
        problem = _grid_problem_fast(env[compiled.steps[-1][6]])
        if problem is not None:
            error = InvalidGridError(f"the output {problem}", _line_of(program, index))
    except DSLError as e:
        error = e
    values: dict[str, Any] = {INPUT: grid}
    for line, step in zip(program.lines, compiled.steps):
        if error is not None and env[step[6]] is None:
            break
        values[line.target] = env[step[6]]
    return values, error


def _execute(steps: tuple, env: list, limits: Limits, program: Program) -> int:
    """Run the steps, filling `env`; return the index of the last step."""
    _errors.set_active_limits(limits)
    side = limits.max_intermediate_side
    maxc = limits.max_container
    maxi = limits.max_int
    i = -1
    try:
        for fn, n, a, b, c, slots, target, check, _name in steps:
            i += 1
            if n == 1:
                v = fn(env[a])
            elif n == 2:
                v = fn(env[a], env[b])
            elif n == 3:
                v = fn(env[a], env[b], env[c])
            else:
                v = fn(*[env[k] for k in slots])
            if check == _GRID:
                if type(v) is not tuple:
                    raise DSLTypeError(f"{_name} returned a {type(v).__name__}, not a grid")
                if len(v) > side or (v and len(v[0]) > side):
                    raise TooLargeError(f"grid of {len(v)}x{len(v[0]) if v else 0} is over "
                                        f"the limit of {side} per side")
            elif check == _INT:
                if v > maxi or v < -maxi:
                    raise TooLargeError(f"integer {_errors._short(v)} is over the limit of "
                                        f"{maxi} in magnitude")
            elif check == _SIZED:
                if len(v) > maxc:
                    raise TooLargeError(f"container of {len(v)} elements is over the limit "
                                        f"of {maxc}")
            elif check == _PAIR:
                for x in v:
                    if x > maxi or x < -maxi:
                        raise TooLargeError(f"integer {_errors._short(x)} is over the limit "
                                            f"of {maxi} in magnitude")
            elif check == _ANY:
                check_size(v, limits)
            env[target] = v
    except DSLError as e:
        if e.line is None:
            e.line = _line_of(program, i)
        raise
    except Exception as e:  # noqa: BLE001 - every primitive failure becomes a DSLError
        if isinstance(e, TimeoutError):  # the executor's deadline, not ours to convert
            raise
        args = [env[k] for k in steps[i][5]] if i >= 0 else []
        raise _convert(e, steps[i][8] if i >= 0 else "?", _line_of(program, i), args) from e
    finally:
        # primitives called outside a run see the defaults
        _errors.set_active_limits(DEFAULT_LIMITS)
    return i


# Python's own words for a function called with the wrong number of arguments
_MISSING = re.compile(r"^(\w+)\(\) missing (\d+) required positional argument")
_TAKES = re.compile(r"^(\w+)\(\) takes (\d+) positional arguments? but (\d+) (?:was|were) "
                    r"given")


def _argument_problem(name: str, args: Sequence[Any]) -> str | None:
    """The first argument of primitive `name` that is not of its declared type, in words."""
    prim = REGISTRY.get(name)
    if prim is None:
        return None
    for pname, ptype, value in zip(prim.param_names, prim.params, args):
        if not is_value_of(ptype, value):
            return (f"argument {pname!r} should be {TYPE_WORDS[ptype]}, got "
                    f"{describe_value(value)}")
    for pname, ptype, value in zip(prim.param_names, prim.params, args):
        if ptype == "Grid" and (not value or not value[0]):
            return f"argument {pname!r} is an empty grid (no rows or no columns)"
        if ptype == "Grid" and len(set(map(len, value))) > 1:
            return f"argument {pname!r} is not rectangular (its rows differ in length)"
    return None


def _explain(exc: Exception, name: str, args: Sequence[Any]) -> str | None:
    """Our words for a Python error raised inside a primitive — a value of the wrong type
    (which the static types cannot see inside Any values and functions), or a function
    argument called with the wrong number of values — or None when neither explains it."""
    if not isinstance(exc, (TypeError, AttributeError, IndexError, KeyError)):
        return None
    detail = str(exc)
    m = _MISSING.match(detail) or _TAKES.match(detail)
    if m:
        fn = m.group(1)
        prim = REGISTRY.get(fn)
        if m.re is _MISSING:
            arity = prim.arity if prim else None
            given = arity - int(m.group(2)) if arity is not None else None
        else:
            arity, given = int(m.group(2)), int(m.group(3))
        if arity is not None and given is not None:
            return (f"its function argument {fn} takes {arity} value(s), but {name} calls "
                    f"it with {given}")
    problem = _argument_problem(name, args)
    if problem:
        return problem
    # a primitive called by a combinator (a function argument) failing on its own inputs
    tb, inner = exc.__traceback__, None
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name in REGISTRY and code.co_name != name and "prims_" in code.co_filename:
            inner = tb.tb_frame
        tb = tb.tb_next
    if inner is not None:
        prim = REGISTRY[inner.f_code.co_name]
        problem = _argument_problem(prim.name, [inner.f_locals.get(p)
                                                for p in prim.param_names])
        if problem:
            return f"its function argument {prim.name}: {problem}"
    return None


def _convert(exc: Exception, name: str, line: int, args: Sequence[Any] = ()) -> DSLError:
    explained = _explain(exc, name, args)
    if explained is not None:  # our words; the kind stays the one Python's error gives
        cls = DSLTypeError if isinstance(exc, TypeError) else DSLRuntimeError
        return cls(f"{name}: {explained}", line)
    detail = str(exc)
    if len(detail) > 200:
        detail = detail[:200] + "..."
    message = f"{name}: {type(exc).__name__}" + (f": {detail}" if detail else "")
    if isinstance(exc, TypeError):
        return DSLTypeError(message, line)
    if isinstance(exc, (MemoryError, OverflowError)):
        return TooLargeError(message, line)
    if isinstance(exc, ValueError) and "exceeds the limit" in detail:  # int <-> str digits
        return TooLargeError(message, line)
    return DSLRuntimeError(message, line)


def _line_of(program: Program, index: int) -> int:
    if index < 0:
        index = 0
    lines = program.lines
    if index >= len(lines):
        index = len(lines) - 1
    return lines[index].lineno or index + 1


def _grid_problem_fast(value: Any) -> str | None:
    """None when `value` is a valid ARC grid, else what is wrong (fast path first)."""
    if type(value) is tuple and 1 <= len(value) <= MAX_SIDE:
        head = value[0]
        if type(head) is tuple:
            w = len(head)
            if 1 <= w <= MAX_SIDE:
                for row in value:
                    if type(row) is not tuple or len(row) != w:
                        break
                else:
                    if (_COLOURS.issuperset(chain.from_iterable(value))
                            and set(map(type, chain.from_iterable(value))) == _INT_TYPES):
                        return None
    problem = grid_problem(value)
    if problem is None:  # lists instead of tuples: valid content, wrong container type
        return f"is a {type(value).__name__} of rows, not a tuple of tuples"
    return problem
