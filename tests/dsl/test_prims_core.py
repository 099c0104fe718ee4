"""Tests of the core primitives: arithmetic, pairs, logic, containers and combinators."""

from __future__ import annotations

import pytest

from codeit_core.dsl import prims_core as C
from codeit_core.dsl import prims_grid as G
from codeit_core.dsl.errors import TooLargeError

OBJ_A = frozenset({(1, (0, 0)), (1, (0, 1))})
OBJ_B = frozenset({(2, (3, 3))})


# --- arithmetic ------------------------------------------------------------------------------


def test_add():
    assert C.add(2, 3) == 5
    assert C.add(-4, 1) == -3
    with pytest.raises(TooLargeError):
        C.add(10**6, 1)
    with pytest.raises(TypeError):
        C.add((1, 2), 1)


def test_subtract():
    assert C.subtract(2, 3) == -1
    with pytest.raises(TooLargeError):
        C.subtract(-10**6, 1)


def test_multiply():
    assert C.multiply(4, -3) == -12
    with pytest.raises(TooLargeError):
        C.multiply(10**4, 10**4)
    with pytest.raises(TypeError):  # no sequence repetition
        C.multiply((1,) * 100, 30)


def test_divide():
    assert C.divide(7, 2) == 3
    assert C.divide(-7, 2) == -4  # rounds down
    with pytest.raises(ZeroDivisionError):
        C.divide(1, 0)


def test_modulo():
    assert C.modulo(7, 3) == 1
    assert C.modulo(-1, 3) == 2
    with pytest.raises(ZeroDivisionError):
        C.modulo(1, 0)


def test_negate():
    assert C.negate(3) == -3
    assert C.negate(0) == 0


def test_increment():
    assert C.increment(3) == 4


def test_decrement():
    assert C.decrement(3) == 2


def test_double():
    assert C.double(-3) == -6
    with pytest.raises(TooLargeError):
        C.double(10**6)


def test_halve():
    assert C.halve(7) == 3
    assert C.halve(-3) == -2


def test_minimum():
    assert C.minimum(3, -2) == -2


def test_maximum():
    assert C.maximum(3, -2) == 3


def test_smallest():
    assert C.smallest(frozenset({4, 2, 9})) == 2
    assert C.smallest((5,)) == 5
    with pytest.raises(ValueError):
        C.smallest(frozenset())
    with pytest.raises(TypeError):
        C.smallest(((1, 2),))


def test_largest():
    assert C.largest((4, 2, 9)) == 9
    with pytest.raises(ValueError):
        C.largest(())


def test_pair():
    assert C.pair(2, 3) == (2, 3)
    with pytest.raises(TypeError):
        C.pair(True, 3)


def test_pair_first():
    assert C.pair_first((2, 3)) == 2


def test_pair_second():
    assert C.pair_second((2, 3)) == 3
    with pytest.raises(TypeError):
        C.pair_second((1, 2, 3))


def test_pair_add():
    assert C.pair_add((1, 2), (-1, 5)) == (0, 7)
    with pytest.raises(TooLargeError):
        C.pair_add((10**6, 0), (1, 0))


def test_pair_subtract():
    assert C.pair_subtract((1, 2), (-1, 5)) == (2, -3)


def test_pair_multiply():
    assert C.pair_multiply((2, 3), (4, -1)) == (8, -3)


def test_pair_scale():
    assert C.pair_scale((2, -3), 3) == (6, -9)


# --- logic -----------------------------------------------------------------------------------


def test_equal():
    assert C.equal((1, 2), (1, 2)) is True
    assert C.equal(OBJ_A, OBJ_B) is False
    assert C.equal(1, True) is False  # Booleans are not integers
    assert C.equal(((1,),), ((1,),)) is True


def test_logical_not():
    assert C.logical_not(False) is True
    with pytest.raises(TypeError):
        C.logical_not(0)


def test_logical_and():
    assert C.logical_and(True, False) is False
    assert C.logical_and(True, True) is True
    with pytest.raises(TypeError):
        C.logical_and(True, 1)


def test_logical_or():
    assert C.logical_or(False, True) is True
    assert C.logical_or(False, False) is False


def test_branch():
    assert C.branch(True, "a", "b") == "a"
    assert C.branch(False, (1,), (2,)) == (2,)
    with pytest.raises(TypeError):
        C.branch(1, "a", "b")


def test_greater():
    assert C.greater(3, 2) is True
    assert C.greater(2, 2) is False


def test_less():
    assert C.less(1, 2) is True
    assert C.less(2, 2) is False


def test_is_even():
    assert C.is_even(4) is True
    assert C.is_even(-3) is False
    assert C.is_even(0) is True


# --- containers ------------------------------------------------------------------------------


def test_size():
    assert C.size(frozenset({1, 2, 3})) == 3
    assert C.size(()) == 0
    with pytest.raises(TypeError):
        C.size(5)


def test_first():
    assert C.first((3, 1, 2)) == 3
    assert C.first(frozenset({(2, 2), (0, 5), (0, 1)})) == (0, 1)  # least in value order
    assert C.first(frozenset({OBJ_A, OBJ_B})) == OBJ_A
    with pytest.raises(ValueError):
        C.first(())


def test_last():
    assert C.last((3, 1, 2)) == 2
    assert C.last(frozenset({5, 1, 9})) == 9
    with pytest.raises(ValueError):
        C.last(frozenset())


def test_other():
    assert C.other(frozenset({OBJ_A, OBJ_B}), OBJ_A) == OBJ_B
    assert C.other((4, 7), 7) == 4
    with pytest.raises(ValueError):
        C.other((1, 2, 3), 1)
    with pytest.raises(ValueError):
        C.other((1, 2), 5)


def test_union():
    assert C.union(frozenset({1}), frozenset({2, 1})) == frozenset({1, 2})
    assert C.union((1, 2), (2,)) == (1, 2, 2)
    with pytest.raises(TypeError):
        C.union((1,), frozenset({1}))
    with pytest.raises(TooLargeError):
        C.union(tuple(range(600)), tuple(range(600)))


def test_intersection():
    assert C.intersection(frozenset({1, 2}), frozenset({2, 3})) == frozenset({2})
    assert C.intersection((3, 1, 2), (2, 3)) == (3, 2)


def test_difference():
    assert C.difference(frozenset({1, 2}), frozenset({2, 3})) == frozenset({1})
    assert C.difference((3, 1, 2, 1), (3,)) == (1, 2, 1)


def test_contains():
    assert C.contains(frozenset({(1, 1)}), (1, 1)) is True
    assert C.contains((1, 2), 3) is False


def test_insert():
    assert C.insert(frozenset({1}), 2) == frozenset({1, 2})
    assert C.insert((1,), 1) == (1, 1)
    with pytest.raises(TooLargeError):
        C.insert(tuple(range(1000)), 5)


def test_remove():
    assert C.remove(frozenset({1, 2}), 2) == frozenset({1})
    assert C.remove((1, 2, 1), 1) == (2,)
    assert C.remove(frozenset({1}), 7) == frozenset({1})


def test_singleton():
    assert C.singleton((2, 3)) == frozenset({(2, 3)})
    assert C.singleton(OBJ_A) == frozenset({OBJ_A})


def test_merge():
    assert C.merge(frozenset({OBJ_A, OBJ_B})) == OBJ_A | OBJ_B
    assert C.merge(((1, 2), (3,))) == (1, 2, 3)
    assert C.merge(frozenset()) == frozenset()
    with pytest.raises(TypeError):
        C.merge((1, 2))
    with pytest.raises(TooLargeError):
        C.merge((tuple(range(600)), tuple(range(600))))


def test_int_range():
    assert C.int_range(3) == (0, 1, 2)
    assert C.int_range(0) == ()
    with pytest.raises(ValueError):
        C.int_range(-1)
    with pytest.raises(TooLargeError):
        C.int_range(10**6)


def test_sort_by():
    assert C.sort_by((3, -1, 2), C.negate) == (3, 2, -1)
    assert C.sort_by(frozenset({OBJ_A, OBJ_B}), C.size) == (OBJ_B, OBJ_A)
    assert C.sort_by((), C.size) == ()
    with pytest.raises(TypeError):
        C.sort_by((1, 2), 3)


def test_argmax_by():
    assert C.argmax_by(frozenset({OBJ_A, OBJ_B}), C.size) == OBJ_A
    assert C.argmax_by((1, 5, 5), C.identity) == 5
    assert C.argmax_by((2, -3), C.negate) == -3
    with pytest.raises(ValueError):
        C.argmax_by((), C.size)


def test_argmin_by():
    assert C.argmin_by(frozenset({OBJ_A, OBJ_B}), C.size) == OBJ_B
    assert C.argmin_by(((1, 2), (3,)), C.size) == (3,)
    with pytest.raises(ValueError):
        C.argmin_by(frozenset(), C.size)


def test_keep_if():
    assert C.keep_if((1, 2, 3, 4), C.is_even) == (2, 4)
    assert C.keep_if(frozenset({1, 2, 3}), C.is_even) == frozenset({2})
    with pytest.raises(TypeError):  # predicate must return a Boolean
        C.keep_if((1, 2), C.identity)


def test_drop_if():
    assert C.drop_if((1, 2, 3, 4), C.is_even) == (1, 3)
    assert C.drop_if(frozenset({1, 2}), C.is_even) == frozenset({1})


# --- combinators -----------------------------------------------------------------------------


def test_identity():
    assert C.identity(OBJ_A) is OBJ_A


def test_always():
    f = C.always(7)
    assert f(1) == 7 and f("x") == 7
    assert C.apply(f, (1, 2)) == (7, 7)


def test_compose():
    f = C.compose(C.increment, C.double)
    assert f(3) == 7
    g = C.compose(G.flip_horizontal, G.rotate_cw)
    assert g(((1, 2),)) == ((1,), (2,))
    assert g(((1, 2), (3, 4))) == ((1, 3), (2, 4))
    with pytest.raises(TypeError):
        C.compose(C.increment, 3)


def test_fork():
    f = C.fork(C.add, C.double, C.negate)  # x -> 2x + -x
    assert f(5) == 5
    h = C.fork(C.pair, C.increment, C.decrement)
    assert h(3) == (4, 2)


def test_fix_first():
    f = C.fix_first(C.subtract, 10)  # x -> 10 - x
    assert f(3) == 7


def test_fix_second():
    f = C.fix_second(C.subtract, 10)  # x -> x - 10
    assert f(3) == -7
    up = C.fix_second(G.upscale, 2)
    assert up(((1,),)) == ((1, 1), (1, 1))


def test_flip_args():
    f = C.flip_args(C.subtract)
    assert f(3, 10) == 7


def test_complement():
    odd = C.complement(C.is_even)
    assert odd(3) is True and odd(4) is False
    with pytest.raises(TypeError):
        C.complement(C.identity)(5)


def test_call():
    assert C.call(C.increment, 4) == 5
    assert C.call(C.fix_second(G.upscale, 2), ((3,),)) == ((3, 3), (3, 3))
    with pytest.raises(TypeError):
        C.call(4, 4)


def test_apply_to_pair():
    assert C.apply_to_pair(C.subtract, (5, 2)) == 3
    assert C.apply_to_pair(G.hconcat, (((1,),), ((2,),))) == ((1, 2),)
    with pytest.raises(TypeError):
        C.apply_to_pair(C.add, (1, 2, 3))


def test_apply():
    assert C.apply(C.increment, (1, 2, 3)) == (2, 3, 4)
    assert C.apply(C.size, frozenset({OBJ_A, OBJ_B})) == frozenset({1, 2})
    assert C.apply(C.size, ()) == ()
    grids = (((1,),), ((2,),))
    assert C.apply(G.rotate_cw, grids) == grids
    with pytest.raises(TypeError):
        C.apply(C.increment, 5)


def test_apply_guards_against_huge_results():
    # 1000 elements, each mapped to a 1000-element tuple: over the total size limit
    with pytest.raises(TooLargeError):
        C.apply(C.always(tuple(range(1000))), tuple(range(1000)))
    # each element must itself be within limits
    with pytest.raises(TooLargeError):
        C.apply(C.always(tuple(range(1001))), (1,))


def test_apply_n_times():
    assert C.apply_n_times(C.double, 1, 10) == 1024
    assert C.apply_n_times(C.double, 5, 0) == 5
    with pytest.raises(ValueError):
        C.apply_n_times(C.double, 1, 31)
    with pytest.raises(TooLargeError):
        C.apply_n_times(C.double, 1, 30)  # 2**30 is over the integer limit
    grid = ((1, 2),)
    assert C.apply_n_times(G.rotate_cw, grid, 4) == grid
