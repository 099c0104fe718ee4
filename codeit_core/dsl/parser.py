"""Parse program text into a ``Program``, by hand: no eval, exec, compile or ast.

Grammar (one statement per line; blank lines and ``#`` comments ignored)::

    line  := NAME '=' NAME '(' [arg (',' arg)*] ')'
    arg   := NAME | INT | '-' INT        (INT in -30..30)
    NAME  := [A-Za-z][A-Za-z0-9_]*

An argument NAME is ``True``/``False``, a named constant, a primitive (passed as a
function) or a variable defined on an earlier line (or ``I``). Static checks: single
assignment, names defined before use, ``I`` never assigned, the last line assigns ``O``,
functions exist with the right arity, argument types fit parameter types where known.
Every problem raises ``ParseError`` with the 1-based source ``line``.
"""

from __future__ import annotations

import difflib
from typing import Iterable

from codeit_core.dsl.constants import CONSTANTS
from codeit_core.dsl.errors import ParseError
from codeit_core.dsl.program import INPUT, MAX_INT, MIN_INT, OUTPUT, Const, Line, PrimRef, \
    Program, Ref
from codeit_core.dsl.registry import REGISTRY
from codeit_core.dsl.types import accepts

MAX_LINES = 40            # statements (calls) per program
MAX_LINE_CHARS = 200      # characters per source line, comments included
MAX_TEXT_CHARS = 20_000   # characters in the whole text
MAX_NAME_CHARS = 40

_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NAME_CHARS = _NAME_START | frozenset("0123456789_")
_DIGITS = frozenset("0123456789")
_SPACE = frozenset(" \t")
_BOOLS = {"True": True, "False": False}

# Helpful words for characters that cannot appear in a program.
_FORBIDDEN = {
    ".": "attribute access and decimal points are not allowed",
    "[": "subscripts are not allowed",
    "]": "subscripts are not allowed",
    "'": "string literals are not allowed",
    '"': "string literals are not allowed",
    ":": "':' is not allowed (no lambdas, slices or blocks)",
    ";": "one statement per line; ';' is not allowed",
    "\\": "line continuations are not allowed",
    "*": "operators are not allowed; use a primitive such as multiply",
    "+": "operators are not allowed; use a primitive such as add",
    "/": "operators are not allowed; use a primitive such as divide",
    "%": "operators are not allowed; use a primitive such as modulo",
    "{": "braces are not allowed",
    "}": "braces are not allowed",
    "@": "decorators and operators are not allowed",
}



def _did_you_mean(name: str, known: Iterable[str] = REGISTRY) -> str:
    """"; did you mean 'crop'?" for a misspelt name ('' when nothing known is close)."""
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.7)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?"

def parse(text: str) -> Program:
    """Parse program text into a checked ``Program`` (raises ``ParseError``)."""
    if not isinstance(text, str):
        raise ParseError(f"program text must be a str, got {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise ParseError(f"program text has {len(text)} characters, the limit is "
                         f"{MAX_TEXT_CHARS}")
    checker = _Checker()
    for lineno, raw in enumerate(text.split("\n"), 1):
        if raw.endswith("\r"):
            raw = raw[:-1]
        if len(raw) > MAX_LINE_CHARS:
            raise ParseError(f"line has {len(raw)} characters, the limit is {MAX_LINE_CHARS}",
                             lineno)
        for ch in raw:
            if not (" " <= ch <= "~" or ch == "\t"):
                raise ParseError(f"character {ch!r} is not allowed (printable ASCII only)",
                                 lineno)
        hash_at = raw.find("#")
        code = raw if hash_at < 0 else raw[:hash_at]
        if not code.strip():
            continue
        checker.add(_parse_line(code, lineno))
    return checker.finish()


def check_program(program: Program) -> Program:
    """Run the parser's static checks on a Program built in code; return it or raise."""
    if not isinstance(program, Program):
        raise ParseError(f"expected a Program, got {type(program).__name__}")
    checker = _Checker()
    for i, line in enumerate(program.lines, 1):
        if not isinstance(line, Line):
            raise ParseError(f"expected a Line, got {type(line).__name__}", i)
        checker.add(line if line.lineno else Line(line.target, line.function, line.args, i))
    checker.finish()
    return program


def static_types(program: Program) -> dict[str, str]:
    """The static type of every variable of a (checked) program, ``I`` included."""
    types = {INPUT: "Grid"}
    for line in program.lines:
        prim = REGISTRY.get(line.function)
        types[line.target] = prim.returns if prim else "Any"
    return types


# --- one line --------------------------------------------------------------------------------


class _Cursor:
    __slots__ = ("text", "pos", "lineno")

    def __init__(self, text: str, lineno: int) -> None:
        self.text = text
        self.pos = 0
        self.lineno = lineno

    def skip_space(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in _SPACE:
            pos += 1
        self.pos = pos

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def fail(self, message: str) -> ParseError:
        return ParseError(message, self.lineno)

    def unexpected(self, wanted: str) -> ParseError:
        ch = self.peek()
        if not ch:
            return self.fail(f"line ended early, expected {wanted}")
        if ch in _FORBIDDEN:
            return self.fail(_FORBIDDEN[ch])
        return self.fail(f"unexpected {ch!r}, expected {wanted}")

    def name(self, what: str) -> str:
        self.skip_space()
        text, start = self.text, self.pos
        if start < len(text) and text[start] == "_":
            raise self.fail("names may not start with '_'")
        if start >= len(text) or text[start] not in _NAME_START:
            raise self.unexpected(what)
        end = start + 1
        while end < len(text) and text[end] in _NAME_CHARS:
            end += 1
        if end - start > MAX_NAME_CHARS:
            raise self.fail(f"name is longer than {MAX_NAME_CHARS} characters")
        self.pos = end
        return text[start:end]

    def expect(self, ch: str, wanted: str) -> None:
        self.skip_space()
        if self.peek() != ch:
            raise self.unexpected(wanted)
        self.pos += 1


def _parse_line(code: str, lineno: int) -> Line:
    cur = _Cursor(code, lineno)
    target = cur.name("a variable name at the start of the line")
    cur.skip_space()
    if cur.peek() == "(":
        raise cur.fail("each line must assign a call to a variable: 'x1 = function(args)'")
    cur.expect("=", f"'=' after {target!r}")
    if cur.peek() == "=":
        raise cur.fail("'==' is not allowed; use the primitive 'equal'")
    function = cur.name("a primitive name after '='")
    cur.expect("(", f"'(' after {function!r}")
    args = []
    cur.skip_space()
    if cur.peek() == ")":
        cur.pos += 1
    else:
        while True:
            args.append(_parse_arg(cur))
            cur.skip_space()
            ch = cur.peek()
            if ch == ",":
                cur.pos += 1
                continue
            if ch == ")":
                cur.pos += 1
                break
            if ch == "(":
                raise cur.fail("nested calls are not allowed; use one call per line")
            if ch == "=":
                raise cur.fail("keyword arguments are not allowed")
            raise cur.unexpected("',' or ')'")
    cur.skip_space()
    if cur.pos < len(code):
        if cur.peek() == "(":
            raise cur.fail("calling a call's result is not allowed; use one call per line")
        raise cur.unexpected("the end of the line")
    return Line(target, function, tuple(args), lineno)


def _parse_arg(cur: _Cursor):
    cur.skip_space()
    ch = cur.peek()
    text = cur.text
    if ch == "-" or ch in _DIGITS:
        start = cur.pos
        pos = start + 1 if ch == "-" else start
        digits_start = pos
        while pos < len(text) and text[pos] in _DIGITS:
            pos += 1
        digits = text[digits_start:pos]
        if not digits:
            raise cur.fail("'-' must be followed directly by digits")
        if pos < len(text) and text[pos] in _NAME_CHARS:
            raise cur.fail(f"malformed number {text[start:pos + 1]!r}")
        if pos < len(text) and text[pos] == ".":
            raise cur.fail("only integers are allowed")
        cur.pos = pos
        if len(digits) > 3:
            raise cur.fail(f"integer {text[start:pos]} is out of range {MIN_INT}..{MAX_INT}")
        value = int(digits) * (-1 if ch == "-" else 1)
        return Const.integer(value)  # range checked by _Checker
    if ch == "":
        raise cur.fail("line ended early, expected an argument")
    name = cur.name("an argument (a variable, number, constant or primitive name)")
    if name in _BOOLS:
        return Const.boolean(_BOOLS[name])
    const = CONSTANTS.get(name)
    if const is not None:
        return Const(const.value, name)
    if name in REGISTRY:
        cur.skip_space()
        if cur.peek() == "(":
            raise cur.fail("nested calls are not allowed; use one call per line")
        return PrimRef(name)
    return Ref(name)


# --- static checks ---------------------------------------------------------------------------


def _plural(n: int) -> str:
    return f"{n} argument" if n == 1 else f"{n} arguments"


def _is_name(text: object) -> bool:
    return (isinstance(text, str) and 0 < len(text) <= MAX_NAME_CHARS
            and text[0] in _NAME_START and all(c in _NAME_CHARS for c in text))


class _Checker:
    """Checks lines in order; knows every defined variable's static type."""

    def __init__(self) -> None:
        self.types: dict[str, str] = {INPUT: "Grid"}
        self.lines: list[Line] = []

    def add(self, line: Line) -> None:
        n = line.lineno or len(self.lines) + 1

        def fail(message: str) -> ParseError:
            return ParseError(message, n)

        if self.lines and self.lines[-1].target == OUTPUT:
            prev = self.lines[-1]
            raise ParseError("O is assigned before the last line; 'O = ...' must come last",
                             prev.lineno or len(self.lines))
        if len(self.lines) >= MAX_LINES:
            raise fail(f"program has more than {MAX_LINES} lines")
        target = line.target
        if not _is_name(target):
            raise fail(f"{target!r} is not a valid variable name")
        if target == INPUT:
            raise fail("'I' is the input grid and cannot be assigned")
        if target in REGISTRY:
            raise fail(f"{target!r} is a primitive and cannot be used as a variable name")
        if target in CONSTANTS or target in _BOOLS:
            raise fail(f"{target!r} is a constant and cannot be used as a variable name")
        if target in self.types:
            raise fail(f"{target!r} is assigned twice; each variable is assigned once")
        prim = REGISTRY.get(line.function)
        if prim is None:
            if line.function in self.types:
                raise fail(f"{line.function!r} is a variable, not a primitive; "
                           f"only primitives can be called")
            raise fail(f"unknown primitive {line.function!r}{_did_you_mean(line.function)}")
        if len(line.args) != prim.arity:
            raise fail(f"{prim.name!r} takes {_plural(prim.arity)}, got {len(line.args)}")
        for i, (arg, ptype, pname) in enumerate(zip(line.args, prim.params, prim.param_names),
                                                1):
            atype, label = self._arg_type(arg, fail)
            if not accepts(ptype, atype):
                raise fail(f"argument {i} of {prim.name!r} ({pname}) must be {ptype}, "
                           f"got {atype} {label}")
        self.types[target] = prim.returns
        self.lines.append(line)

    def _arg_type(self, arg, fail) -> tuple[str, str]:
        if isinstance(arg, Ref):
            t = self.types.get(arg.name)
            if t is None:
                if arg.name in REGISTRY or arg.name in CONSTANTS or arg.name in _BOOLS:
                    raise fail(f"{arg.name!r} must be passed as a primitive or constant, "
                               f"not as a variable")
                raise fail(f"unknown name {arg.name!r}"
                           f"{_did_you_mean(arg.name, [*self.types, *REGISTRY, *CONSTANTS])}")
            return t, f"({arg.name})"
        if isinstance(arg, PrimRef):
            if arg.name not in REGISTRY:
                raise fail(f"unknown primitive {arg.name!r}{_did_you_mean(arg.name)}")
            return "Callable", f"(primitive {arg.name})"
        if isinstance(arg, Const):
            value, text = arg.value, arg.text
            if text in _BOOLS:
                if value is not _BOOLS[text]:
                    raise fail(f"constant {text} has the wrong value {value!r}")
                return "Boolean", f"({text})"
            const = CONSTANTS.get(text)
            if const is not None:
                if value != const.value or type(value) is not type(const.value):
                    raise fail(f"constant {text} has the wrong value {value!r}")
                return const.type, f"({text})"
            if type(value) is not int or text != str(value):
                raise fail(f"invalid literal {text!r}")
            if not MIN_INT <= value <= MAX_INT:
                raise fail(f"integer {value} is out of range {MIN_INT}..{MAX_INT}")
            return "Integer", f"({text})"
        raise fail(f"invalid argument {arg!r}")

    def finish(self) -> Program:
        if not self.lines:
            raise ParseError("the program is empty; the last line must assign O")
        last = self.lines[-1]
        n = last.lineno or len(self.lines)
        if last.target != OUTPUT:
            raise ParseError("the last line must assign O", n)
        returns = REGISTRY[last.function].returns
        if returns not in ("Grid", "Any"):
            raise ParseError(f"O must be a Grid, but {last.function!r} returns {returns}", n)
        return Program(tuple(self.lines))
