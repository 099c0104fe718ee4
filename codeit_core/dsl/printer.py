"""Print a Program as canonical text: ``target = function(a, b)``, one line per call.

``parse(format_program(p)) == p`` for every well-formed program ``p``.
"""

from __future__ import annotations

from codeit_core.dsl.program import Const, Line, PrimRef, Program, Ref


def format_arg(arg: Ref | Const | PrimRef) -> str:
    """The source text of one argument."""
    if isinstance(arg, Const):
        return arg.text
    if isinstance(arg, (Ref, PrimRef)):
        return arg.name
    raise TypeError(f"not a program argument: {arg!r}")


def format_line(line: Line) -> str:
    """One line of source, without the newline."""
    return f"{line.target} = {line.function}({', '.join(map(format_arg, line.args))})"


def format_program(program: Program) -> str:
    """The canonical source text of `program`, every line newline-terminated."""
    return "".join(format_line(line) + "\n" for line in program.lines)
