"""Errors raised by the DSL, the resource limits every run obeys, and the size guards that
primitives building containers call.

Every error carries ``kind`` (one of ``KINDS``), ``line`` (1-based, or None) and ``message``
(plain text, no line prefix). ``str(error)`` is ``"line 3: message"`` when the line is known.

Kinds:
  syntax        the text does not parse, or the program is malformed (ParseError)
  type          a value of the wrong type reached a primitive (DSLTypeError)
  runtime       a primitive failed on its input: empty container, division by zero, ...
  too_large     a value went over a cap in ``Limits`` (TooLargeError)
  invalid_grid  the program's output is not a valid ARC grid (InvalidGridError)
  timeout       produced by the sandboxed executor, never by this package
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS: tuple[str, ...] = ("syntax", "type", "runtime", "too_large", "invalid_grid", "timeout")


class DSLError(Exception):
    """Base of every DSL error: has ``kind``, ``line`` (1-based or None) and ``message``."""

    kind: str = "runtime"

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, line={self.line!r})"

    def __reduce__(self):  # keep message and line across pickling (process pools)
        return (type(self), (self.message, self.line))


class ParseError(DSLError):
    """The program text (or a Program object) is malformed."""

    kind = "syntax"


class DSLTypeError(DSLError):
    """A primitive received a value of the wrong type at run time."""

    kind = "type"


class DSLRuntimeError(DSLError):
    """A primitive failed on its input (empty container, division by zero, bad index ...)."""

    kind = "runtime"


class TooLargeError(DSLError):
    """A value went over one of the caps in ``Limits``."""

    kind = "too_large"


class InvalidGridError(DSLError):
    """The program's final value is not a valid ARC grid."""

    kind = "invalid_grid"


ERROR_CLASSES: dict[str, type[DSLError]] = {
    "syntax": ParseError,
    "type": DSLTypeError,
    "runtime": DSLRuntimeError,
    "too_large": TooLargeError,
    "invalid_grid": InvalidGridError,
}


@dataclass(frozen=True)
class Limits:
    """Caps checked after every line (and by primitives that build containers from callables).

    max_container          elements in any tuple / frozenset value
    max_intermediate_side  rows or columns of any intermediate grid
    max_int                absolute value of any integer (stops huge-integer blowups)
    max_total              summed size of the values one combinator call builds
                           (e.g. ``apply`` mapping a function over a container)
    """

    max_container: int = 1000
    max_intermediate_side: int = 60
    max_int: int = 10**6
    max_total: int = 100_000


DEFAULT_LIMITS = Limits()

# The limits of the run in progress; set by ``interpreter.run`` so that guards called from
# inside primitives see the same caps. (One interpreter per process/thread is the norm; the
# executor runs programs in worker processes.)
_active: Limits = DEFAULT_LIMITS


def set_active_limits(limits: Limits) -> None:
    """Make `limits` the caps the guards below check against (called by ``run``)."""
    global _active
    _active = limits


def active_limits() -> Limits:
    """The caps currently in force."""
    return _active


def check_int(value: int) -> int:
    """Return `value`, raising TooLargeError when its magnitude is over ``max_int``."""
    m = _active.max_int
    if value > m or value < -m:
        raise TooLargeError(f"integer {_short(value)} is over the limit of {m} in magnitude")
    return value


def check_grid_dims(height: int, width: int) -> None:
    """Raise TooLargeError before building a grid over ``max_intermediate_side`` per side."""
    side = _active.max_intermediate_side
    if height > side or width > side:
        raise TooLargeError(f"grid of {_short(height)}x{_short(width)} is over the limit of "
                            f"{side} per side")


def check_count(count: int) -> None:
    """Raise TooLargeError before building a container of more than ``max_container`` items."""
    if count > _active.max_container:
        raise TooLargeError(f"container of {_short(count)} elements is over the limit of "
                            f"{_active.max_container}")


def check_size(value: Any, limits: Limits | None = None) -> int:
    """Check one value against the caps and return its size (a cost estimate).

    ints: magnitude; tuples / frozensets: element count (grids: each side); nested
    containers are checked one level deep. Raises TooLargeError. Used by combinators
    (``apply`` and friends) on every value they build, so that a single line cannot build
    something huge before the interpreter's per-line check sees it.
    """
    lim = limits or _active
    t = type(value)
    if t is int:
        if value > lim.max_int or value < -lim.max_int:
            raise TooLargeError(f"integer {_short(value)} is over the limit of {lim.max_int} "
                                f"in magnitude")
        return 1
    if t is tuple or t is frozenset:
        n = len(value)
        if n > lim.max_container:
            raise TooLargeError(f"container of {n} elements is over the limit of "
                                f"{lim.max_container}")
        if n and t is tuple:
            head = value[0]
            if type(head) is tuple and len(head) and type(head[0]) is int and len(head) != 2:
                # a grid (rows of ints): check both sides
                side = lim.max_intermediate_side
                if n > side or len(head) > side:
                    raise TooLargeError(f"grid of {n}x{len(head)} is over the limit of "
                                        f"{side} per side")
                return n * len(head)
        total = n
        for item in value:
            ti = type(item)
            if ti is tuple or ti is frozenset:
                total += len(item)
            elif ti is int and (item > lim.max_int or item < -lim.max_int):
                raise TooLargeError(f"integer {_short(item)} is over the limit of "
                                    f"{lim.max_int} in magnitude")
        if total > lim.max_total:
            raise TooLargeError(f"value of total size {total} is over the limit of "
                                f"{lim.max_total}")
        return total
    return 1


class SizeBudget:
    """Accumulates ``check_size`` costs of the values one combinator call builds."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = _active.max_total

    def charge(self, value: Any) -> Any:
        """Check `value`, subtract its size from the budget, and return it."""
        self.left -= check_size(value)
        if self.left < 0:
            raise TooLargeError(f"values built in one call exceed the total size limit of "
                                f"{_active.max_total}")
        return value


def _short(n: int) -> str:
    """Render a possibly huge integer without converting all of its digits."""
    if -10**12 < n < 10**12:
        return str(n)
    return f"{'-' if n < 0 else ''}~2**{abs(n).bit_length() - 1}"
