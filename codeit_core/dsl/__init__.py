"""The CodeIt DSL: typed primitives on ARC grids, straight-line programs, a hand-written
parser, a canonical printer and a fast interpreter.

    from codeit_core.dsl import parse, run
    program = parse("x1 = rotate_cw(I)\\nO = upscale(x1, 2)\\n")
    output = run(program, grid)

Importing this package registers every primitive in ``REGISTRY``.
"""

from __future__ import annotations

import importlib
import pkgutil

# Importing every prims_* module of this package registers its primitives.
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module.startswith("prims_"):
        importlib.import_module(f"{__name__}.{_module}")
from codeit_core.dsl.constants import CONSTANTS, Constant
from codeit_core.dsl.errors import DEFAULT_LIMITS, KINDS, DSLError, DSLRuntimeError, \
    DSLTypeError, InvalidGridError, Limits, ParseError, TooLargeError, check_size
from codeit_core.dsl.interpreter import compile_program, run, trace
from codeit_core.dsl.parser import MAX_LINE_CHARS, MAX_LINES, check_program, parse, \
    static_types
from codeit_core.dsl.printer import format_line, format_program
from codeit_core.dsl.program import Const, Line, PrimRef, Program, Ref, canonical, \
    remove_dead_lines, used_lines
from codeit_core.dsl.registry import CATEGORIES, REGISTRY, Primitive, primitive
from codeit_core.dsl.types import TYPE_NAMES, accepts

__all__ = [
    "parse", "format_program", "format_line", "canonical", "run", "trace", "compile_program",
    "check_program", "static_types", "remove_dead_lines", "used_lines",
    "Program", "Line", "Ref", "Const", "PrimRef",
    "DSLError", "ParseError", "DSLTypeError", "DSLRuntimeError", "TooLargeError",
    "InvalidGridError", "KINDS", "check_size",
    "REGISTRY", "Primitive", "primitive", "CATEGORIES", "TYPE_NAMES", "accepts",
    "CONSTANTS", "Constant", "DEFAULT_LIMITS", "Limits", "MAX_LINES", "MAX_LINE_CHARS",
]
