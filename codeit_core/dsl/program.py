"""The structure of a DSL program.

A program is straight-line and single-assignment, one primitive call per line::

    x1 = rotate_cw(I)
    x2 = upscale(x1, 2)
    O = replace_colour(x2, 0, BLUE)

``I`` is the input grid; the last line assigns ``O``. Arguments are earlier variables
(``Ref``), literals and named constants (``Const``) or primitive names passed as functions
(``PrimRef``). Everything is a frozen dataclass, so programs are hashable and comparable;
source line numbers are kept for error messages but take no part in equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

INPUT = "I"
OUTPUT = "O"
MIN_INT = -30
MAX_INT = 30


@dataclass(frozen=True)
class Ref:
    """A reference to a variable defined earlier (or the input ``I``)."""

    name: str


@dataclass(frozen=True)
class Const:
    """A literal or named constant: its value and its canonical source text.

    Integer literals have text ``str(value)``; booleans ``"True"`` / ``"False"``; named
    constants (see ``constants.py``) their name, e.g. ``Const((-1, 0), "UP")``.
    """

    value: Any
    text: str

    @staticmethod
    def integer(value: int) -> "Const":
        """The integer literal `value`."""
        return Const(int(value), str(int(value)))

    @staticmethod
    def boolean(value: bool) -> "Const":
        """The literal True or False."""
        return Const(bool(value), "True" if value else "False")

    @staticmethod
    def named(name: str) -> "Const":
        """The named constant `name` (KeyError when there is none)."""
        from codeit_core.dsl.constants import CONSTANTS

        return Const(CONSTANTS[name].value, name)


@dataclass(frozen=True)
class PrimRef:
    """A primitive passed by name as a Callable argument, e.g. ``apply(rotate_cw, x1)``."""

    name: str


Arg = Union[Ref, Const, PrimRef]


@dataclass(frozen=True)
class Line:
    """One line: ``target = function(args...)``. ``lineno`` (source line) is not compared."""

    target: str
    function: str
    args: tuple[Arg, ...]
    lineno: int = field(default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.args, tuple):
            object.__setattr__(self, "args", tuple(self.args))


@dataclass(frozen=True)
class Program:
    """A straight-line program: a tuple of lines, the last assigning ``O``."""

    lines: tuple[Line, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.lines, tuple):
            object.__setattr__(self, "lines", tuple(self.lines))

    @property
    def length(self) -> int:
        """Number of lines (calls)."""
        return len(self.lines)

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def functions(self) -> tuple[str, ...]:
        """The primitive called on each line, in order."""
        return tuple(line.function for line in self.lines)

    def __str__(self) -> str:
        from codeit_core.dsl.printer import format_program

        return format_program(self)


def canonical(program: Program) -> Program:
    """Rename variables to x1..xn in order of definition, keeping ``I`` and ``O``.

    Line numbers are renumbered 1..n, as if the program had been printed and re-parsed.
    """
    names: dict[str, str] = {INPUT: INPUT}
    count = 0
    for line in program.lines:
        if line.target == OUTPUT:
            names[OUTPUT] = OUTPUT
        elif line.target not in names:
            count += 1
            names[line.target] = f"x{count}"
    new_lines = []
    for i, line in enumerate(program.lines, 1):
        args = tuple(Ref(names.get(a.name, a.name)) if isinstance(a, Ref) else a
                     for a in line.args)
        new_lines.append(Line(names.get(line.target, line.target), line.function, args, i))
    return Program(tuple(new_lines))


def used_lines(program: Program) -> tuple[bool, ...]:
    """For each line, whether the output ``O`` depends on it (the O line always does)."""
    needed = {OUTPUT}
    flags = []
    for line in reversed(program.lines):
        use = line.target in needed
        flags.append(use)
        if use:
            needed.update(a.name for a in line.args if isinstance(a, Ref))
    return tuple(reversed(flags))


def remove_dead_lines(program: Program) -> Program:
    """Drop lines whose result the output ``O`` does not depend on."""
    flags = used_lines(program)
    return Program(tuple(line for line, keep in zip(program.lines, flags) if keep))
