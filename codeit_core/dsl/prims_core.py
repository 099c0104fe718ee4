"""Core primitives: integer and pair arithmetic, logic, containers and combinators.

Containers are tuples (ordered) or frozensets (Object, Objects, Indices, IntegerSet).
Generic container primitives keep the kind they are given and return ``Any`` so that
their results may flow into any typed parameter (checked at run time).

Callables passed to combinators are primitives (named in the program) or functions built
by other combinators; nothing from program text is ever evaluated. Every value a
combinator builds is checked against the size limits as it is built.

Frozensets have no natural order; where an order matters (first, last, sort_by, argmax_by
ties) elements are ordered by a fixed total order on values (numbers, then tuples
lexicographically, then sets by their sorted elements).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any as PyAny

from codeit_core.dsl.errors import SizeBudget, check_count, check_int, check_size
from codeit_core.dsl.checks import pair as _pair
from codeit_core.dsl.registry import primitive
from codeit_core.dsl.types import Any, Boolean, Callable, Container, Integer, IntegerTuple

MAX_REPEAT = 30  # most times apply_n_times may apply a function


def _int(value: PyAny) -> int:
    if type(value) is not int:
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def _bool(value: PyAny) -> bool:
    if type(value) is not bool:
        raise TypeError(f"expected a Boolean, got {type(value).__name__}")
    return value


def _container(value: PyAny) -> tuple | frozenset:
    if type(value) is not tuple and type(value) is not frozenset:
        raise TypeError(f"expected a container (tuple or set), got {type(value).__name__}")
    return value


def _callable(value: PyAny) -> PyAny:
    if not callable(value):
        raise TypeError(f"expected a function, got {type(value).__name__}")
    return value


def order_key(value: PyAny) -> tuple:
    """A key giving every DSL value a place in one fixed total order."""
    t = type(value)
    if t is int or t is bool:
        return (0, int(value))
    # Equal values have equal keys (1 and True included), so a key computed once serves
    # every equal value: a search orders the same cells and objects again and again.
    try:
        return _ORDER_KEYS[value]
    except KeyError:
        hashable = True
    except TypeError:  # not a DSL value (a list, say): ordered all the same, not kept
        hashable = False
    if t is tuple:
        key = (1, tuple(map(order_key, value)))
    elif t is frozenset:
        key = (2, tuple(sorted(map(order_key, value))))
    else:
        key = (3, getattr(value, "__qualname__", t.__name__))
    if hashable:
        global _order_keys_weight
        _order_keys_weight += 1 + (len(value) if t is tuple or t is frozenset else 0)
        if _order_keys_weight > _ORDER_KEYS_MAX_WEIGHT:
            _ORDER_KEYS.clear()
            _order_keys_weight = 0
        _ORDER_KEYS[value] = key
    return key


# Keys of order_key, bounded by the elements they hold, and cleared whole when full. The
# cache also keeps its values alive: at 2^20 elements it added 65 MB to a search worker's
# peak on a 30x30 task, at 2^18 7 MB, with no difference in speed that this machine's
# noise lets one see (bench/bench_dsl.py).
_ORDER_KEYS: dict = {}
_ORDER_KEYS_MAX_WEIGHT = 1 << 18
_order_keys_weight = 0


def _ordered(container: tuple | frozenset) -> tuple:
    """Elements in order: a tuple as it is, a set by ``order_key``."""
    if type(container) is tuple:
        return container
    if type(container) is frozenset:
        return _sorted_set(container)
    raise TypeError(f"expected a container (tuple or set), got {type(container).__name__}")


@lru_cache(maxsize=256)
def _sorted_set(container: frozenset) -> tuple:
    # A search runs thousands of programs on one input: the same set (the objects of a
    # grid, say) is ordered again and again, and ordering sets of sets is costly.
    return tuple(sorted(container, key=order_key))


def _checked(value: PyAny) -> PyAny:
    check_size(value)
    return value


def _named(fn: PyAny, name: str) -> PyAny:
    fn.__name__ = fn.__qualname__ = name
    return fn


# --- arithmetic ------------------------------------------------------------------------------


@primitive("arithmetic")
def add(a: Integer, b: Integer) -> Integer:
    """a + b."""
    return check_int(_int(a) + _int(b))


@primitive("arithmetic")
def subtract(a: Integer, b: Integer) -> Integer:
    """a - b."""
    return check_int(_int(a) - _int(b))


@primitive("arithmetic")
def multiply(a: Integer, b: Integer) -> Integer:
    """a * b."""
    return check_int(_int(a) * _int(b))


@primitive("arithmetic")
def divide(a: Integer, b: Integer) -> Integer:
    """a // b, rounding down (ZeroDivisionError when b is 0)."""
    return _int(a) // _int(b)


@primitive("arithmetic")
def modulo(a: Integer, b: Integer) -> Integer:
    """a mod b, with the sign of b (ZeroDivisionError when b is 0)."""
    return _int(a) % _int(b)


@primitive("arithmetic")
def negate(a: Integer) -> Integer:
    """-a."""
    return -_int(a)


@primitive("arithmetic")
def increment(a: Integer) -> Integer:
    """a + 1."""
    return check_int(_int(a) + 1)


@primitive("arithmetic")
def decrement(a: Integer) -> Integer:
    """a - 1."""
    return check_int(_int(a) - 1)


@primitive("arithmetic")
def double(a: Integer) -> Integer:
    """2 * a."""
    return check_int(_int(a) * 2)


@primitive("arithmetic")
def halve(a: Integer) -> Integer:
    """a // 2, rounding down."""
    return _int(a) // 2


@primitive("arithmetic")
def minimum(a: Integer, b: Integer) -> Integer:
    """The smaller of a and b."""
    return min(_int(a), _int(b))


@primitive("arithmetic")
def maximum(a: Integer, b: Integer) -> Integer:
    """The larger of a and b."""
    return max(_int(a), _int(b))


@primitive("arithmetic")
def smallest(container: Container) -> Integer:
    """The least integer in a non-empty container of integers."""
    values = _container(container)
    if not values:
        raise ValueError("smallest of an empty container")
    return min(map(_int, values))


@primitive("arithmetic")
def largest(container: Container) -> Integer:
    """The greatest integer in a non-empty container of integers."""
    values = _container(container)
    if not values:
        raise ValueError("largest of an empty container")
    return max(map(_int, values))


@primitive("arithmetic")
def pair(a: Integer, b: Integer) -> IntegerTuple:
    """The pair (a, b), e.g. a position (row, column) or a size (height, width)."""
    return (_int(a), _int(b))


@primitive("arithmetic")
def pair_first(p: IntegerTuple) -> Integer:
    """The first number of a pair (the row of a position, the height of a size)."""
    return _pair(p)[0]


@primitive("arithmetic")
def pair_second(p: IntegerTuple) -> Integer:
    """The second number of a pair (the column of a position, the width of a size)."""
    return _pair(p)[1]


@primitive("arithmetic")
def pair_add(a: IntegerTuple, b: IntegerTuple) -> IntegerTuple:
    """Element-wise sum of two pairs."""
    (a0, a1), (b0, b1) = _pair(a), _pair(b)
    return (check_int(a0 + b0), check_int(a1 + b1))


@primitive("arithmetic")
def pair_subtract(a: IntegerTuple, b: IntegerTuple) -> IntegerTuple:
    """Element-wise difference of two pairs, a - b."""
    (a0, a1), (b0, b1) = _pair(a), _pair(b)
    return (check_int(a0 - b0), check_int(a1 - b1))


@primitive("arithmetic")
def pair_multiply(a: IntegerTuple, b: IntegerTuple) -> IntegerTuple:
    """Element-wise product of two pairs."""
    (a0, a1), (b0, b1) = _pair(a), _pair(b)
    return (check_int(a0 * b0), check_int(a1 * b1))


@primitive("arithmetic")
def pair_scale(p: IntegerTuple, factor: Integer) -> IntegerTuple:
    """Both numbers of the pair multiplied by factor."""
    a0, a1 = _pair(p)
    f = _int(factor)
    return (check_int(a0 * f), check_int(a1 * f))


# --- logic -----------------------------------------------------------------------------------


@primitive("logic")
def equal(a: Any, b: Any) -> Boolean:
    """True when a and b are the same value."""
    return type(a) is type(b) and a == b


@primitive("logic")
def logical_not(a: Boolean) -> Boolean:
    """not a."""
    return not _bool(a)


@primitive("logic")
def logical_and(a: Boolean, b: Boolean) -> Boolean:
    """a and b."""
    return _bool(a) and _bool(b)


@primitive("logic")
def logical_or(a: Boolean, b: Boolean) -> Boolean:
    """a or b."""
    return _bool(a) or _bool(b)


@primitive("logic")
def branch(condition: Boolean, if_true: Any, if_false: Any) -> Any:
    """if_true when condition holds, otherwise if_false."""
    return if_true if _bool(condition) else if_false


@primitive("logic")
def greater(a: Integer, b: Integer) -> Boolean:
    """a > b."""
    return _int(a) > _int(b)


@primitive("logic")
def less(a: Integer, b: Integer) -> Boolean:
    """a < b."""
    return _int(a) < _int(b)


@primitive("logic")
def is_even(a: Integer) -> Boolean:
    """True when a is even."""
    return _int(a) % 2 == 0


# --- containers ------------------------------------------------------------------------------


@primitive("sets")
def size(container: Container) -> Integer:
    """The number of elements."""
    return len(_container(container))


@primitive("sets")
def first(container: Container) -> Any:
    """The first element (of a set: the least in the fixed value order)."""
    if not _container(container):
        raise ValueError("first of an empty container")
    if type(container) is tuple:
        return container[0]
    return min(container, key=order_key)


@primitive("sets")
def last(container: Container) -> Any:
    """The last element (of a set: the greatest in the fixed value order)."""
    if not _container(container):
        raise ValueError("last of an empty container")
    if type(container) is tuple:
        return container[-1]
    return max(container, key=order_key)


@primitive("sets")
def other(container: Container, value: Any) -> Any:
    """Of a two-element container holding value, the element that is not value."""
    if len(_container(container)) != 2:
        raise ValueError(f"other needs a container of 2 elements, got {len(container)}")
    a, b = _ordered(container)
    if a == value:
        return b
    if b == value:
        return a
    raise ValueError("the value is not in the container")


def _same_kind(a: PyAny, b: PyAny) -> type:
    ta = type(_container(a))
    if type(_container(b)) is not ta:
        raise TypeError(f"cannot combine a {ta.__name__} with a {type(b).__name__}")
    return ta


@primitive("sets")
def union(a: Container, b: Container) -> Any:
    """Elements of a or b (two sets: set union; two tuples: a then b)."""
    if _same_kind(a, b) is tuple:
        check_count(len(a) + len(b))
        return a + b
    check_count(len(a) + len(b))
    return a | b


@primitive("sets")
def intersection(a: Container, b: Container) -> Any:
    """Elements of a that are also in b (tuples keep a's order)."""
    if _same_kind(a, b) is tuple:
        members = set(b)
        return tuple(x for x in a if x in members)
    return a & b


@primitive("sets")
def difference(a: Container, b: Container) -> Any:
    """Elements of a that are not in b (tuples keep a's order)."""
    if _same_kind(a, b) is tuple:
        members = set(b)
        return tuple(x for x in a if x not in members)
    return a - b


@primitive("sets")
def contains(container: Container, value: Any) -> Boolean:
    """True when value is an element of container."""
    return value in _container(container)


@primitive("sets")
def insert(container: Container, value: Any) -> Any:
    """The container with value added (a tuple gets it at the end)."""
    if type(_container(container)) is tuple:
        check_count(len(container) + 1)
        return container + (value,)
    check_count(len(container) + 1)
    return container | {value}


@primitive("sets")
def remove(container: Container, value: Any) -> Any:
    """The container without value (every occurrence)."""
    if type(_container(container)) is tuple:
        return tuple(x for x in container if x != value)
    return container - {value}


@primitive("sets")
def singleton(value: Any) -> Any:
    """The set holding just value (e.g. one position as Indices, one cell as an Object)."""
    return frozenset((value,))


@primitive("sets")
def merge(containers: Container) -> Any:
    """Flatten a container of containers one level (sets are united, tuples concatenated)."""
    parts = _container(containers)
    if not parts:
        return type(containers)()
    kinds = {type(p) for p in parts}
    if len(kinds) != 1 or not kinds <= {tuple, frozenset}:
        raise TypeError("merge needs a container of containers of one kind")
    check_count(sum(map(len, parts)))
    # in order only now: ordering a set of sets is costly, and a merge too large to build
    # needs no order. (The sets are united in order too: the union's iteration order
    # follows it, and a few primitives read a set in that order.)
    parts = _ordered(parts)
    if kinds == {tuple}:
        return tuple(x for p in parts for x in p)
    return frozenset().union(*parts)


@primitive("sets")
def int_range(count: Integer) -> Container:
    """The tuple (0, 1, ..., count - 1)."""
    if _int(count) < 0:
        raise ValueError(f"int_range of a negative count {count}")
    check_count(count)
    return tuple(range(count))


@primitive("sets")
def sort_by(container: Container, key: Callable) -> Any:
    """A tuple of the elements in ascending order of key(element); ties keep their order.

    key: a function of one element returning an Integer (or any comparable value).
    """
    key = _callable(key)
    items = _ordered(_container(container))
    keys = [key(x) for x in items]  # each once, in order, as sorted(key=...) would
    try:
        order = sorted(range(len(items)), key=keys.__getitem__)
    except TypeError:
        raise TypeError(f"sort_by: its key function gave values that cannot be compared "
                        f"({', '.join(sorted({type(k).__name__ for k in keys}))})") from None
    return tuple(items[i] for i in order)


@primitive("sets")
def argmax_by(container: Container, key: Callable) -> Any:
    """The element with the greatest key(element); ties go to the first in order.

    key: a function of one element returning an Integer.
    """
    key = _callable(key)
    items = _ordered(_container(container))
    if not items:
        raise ValueError("argmax_by of an empty container")
    best, best_key = items[0], key(items[0])
    for item in items[1:]:
        k = key(item)
        if _compare(k, best_key, "argmax_by") > 0:
            best, best_key = item, k
    return best


@primitive("sets")
def argmin_by(container: Container, key: Callable) -> Any:
    """The element with the least key(element); ties go to the first in order.

    key: a function of one element returning an Integer.
    """
    key = _callable(key)
    items = _ordered(_container(container))
    if not items:
        raise ValueError("argmin_by of an empty container")
    best, best_key = items[0], key(items[0])
    for item in items[1:]:
        k = key(item)
        if _compare(k, best_key, "argmin_by") < 0:
            best, best_key = item, k
    return best


def _compare(a: PyAny, b: PyAny, name: str) -> int:
    """-1, 0 or 1 as a is less than, equal to or greater than b — two keys of `name`."""
    try:
        return (a > b) - (a < b)
    except TypeError:
        raise TypeError(f"{name}: its key function gave values that cannot be compared "
                        f"({type(a).__name__} and {type(b).__name__})") from None


@primitive("sets")
def keep_if(container: Container, predicate: Callable) -> Any:
    """The elements for which predicate(element) is True (same kind of container).

    predicate: a function of one element returning a Boolean.
    """
    predicate = _callable(predicate)
    if type(_container(container)) is tuple:
        return tuple(x for x in container if _bool(predicate(x)))
    return frozenset(x for x in container if _bool(predicate(x)))


@primitive("sets")
def drop_if(container: Container, predicate: Callable) -> Any:
    """The elements for which predicate(element) is False (same kind of container).

    predicate: a function of one element returning a Boolean.
    """
    predicate = _callable(predicate)
    if type(_container(container)) is tuple:
        return tuple(x for x in container if not _bool(predicate(x)))
    return frozenset(x for x in container if not _bool(predicate(x)))


# --- combinators -----------------------------------------------------------------------------


@primitive("combinators")
def identity(value: Any) -> Any:
    """value, unchanged."""
    return value


@primitive("combinators")
def always(value: Any) -> Callable:
    """The function of one argument that ignores it and returns value."""
    return _named(lambda _x: value, "always")


@primitive("combinators")
def compose(outer: Callable, inner: Callable) -> Callable:
    """The function x -> outer(inner(x)); both take one argument."""
    _callable(outer)
    _callable(inner)
    return _named(lambda x: outer(inner(x)), "compose")


@primitive("combinators")
def fork(combine: Callable, left: Callable, right: Callable) -> Callable:
    """The function x -> combine(left(x), right(x)).

    combine takes two arguments; left and right take one.
    """
    _callable(combine)
    _callable(left)
    _callable(right)
    return _named(lambda x: combine(left(x), right(x)), "fork")


@primitive("combinators")
def fix_first(function: Callable, value: Any) -> Callable:
    """The function x -> function(value, x); function takes two arguments."""
    _callable(function)
    return _named(lambda x: function(value, x), "fix_first")


@primitive("combinators")
def fix_second(function: Callable, value: Any) -> Callable:
    """The function x -> function(x, value); function takes two arguments."""
    _callable(function)
    return _named(lambda x: function(x, value), "fix_second")


@primitive("combinators")
def flip_args(function: Callable) -> Callable:
    """The function (x, y) -> function(y, x); function takes two arguments."""
    _callable(function)
    return _named(lambda x, y: function(y, x), "flip_args")


@primitive("combinators")
def complement(predicate: Callable) -> Callable:
    """The predicate x -> not predicate(x); predicate takes one argument, returns Boolean."""
    _callable(predicate)
    return _named(lambda x: not _bool(predicate(x)), "complement")


@primitive("combinators")
def call(function: Callable, value: Any) -> Any:
    """function(value); function takes one argument."""
    return _checked(_callable(function)(value))


@primitive("combinators")
def apply_to_pair(function: Callable, values: Container) -> Any:
    """function(a, b) for a two-element tuple (a, b); function takes two arguments."""
    if type(values) is not tuple or len(values) != 2:
        raise TypeError("apply_to_pair needs a tuple of two values")
    return _checked(_callable(function)(values[0], values[1]))


@primitive("combinators")
def apply(function: Callable, container: Container) -> Any:
    """function applied to every element: a tuple maps to a tuple, a set to a set.

    function takes one argument (an element of container).
    """
    _callable(function)
    budget = SizeBudget()
    charge = budget.charge
    if type(_container(container)) is tuple:
        return tuple(charge(function(x)) for x in container)
    return frozenset(charge(function(x)) for x in container)


@primitive("combinators")
def apply_n_times(function: Callable, value: Any, times: Integer) -> Any:
    """function applied times times (0..30) in a row: function(function(...value)).

    function takes one argument and returns a value of the same kind.
    """
    _callable(function)
    if not 0 <= _int(times) <= MAX_REPEAT:
        raise ValueError(f"times must be in 0..{MAX_REPEAT}, got {times}")
    for _ in range(times):
        value = function(value)
        check_size(value)
    return value
