"""Completeness of the primitive registry: every primitive is documented, typed and tested.

Convention: each primitive NAME has a test function named exactly ``test_NAME`` in some
``tests/dsl/test_prims_*.py`` module.
"""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import codeit_core.dsl  # noqa: F401  (registers every primitive)
from codeit_core.dsl.constants import CONSTANTS
from codeit_core.dsl.registry import CATEGORIES, REGISTRY
from codeit_core.dsl.types import TYPE_NAMES

HERE = Path(__file__).resolve().parent


def _test_names() -> set[str]:
    names: set[str] = set()
    files = sorted(HERE.glob("test_prims_*.py"))
    assert files, "no tests/dsl/test_prims_*.py modules found"
    for path in files:
        spec = importlib.util.spec_from_file_location(f"_registry_scan_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        names.update(n for n, v in vars(module).items()
                     if n.startswith("test_") and inspect.isfunction(v))
    return names


def test_every_primitive_has_a_test_named_after_it():
    tested = {n[5:] for n in _test_names() if n[5:] in REGISTRY}
    missing = sorted(set(REGISTRY) - tested)
    assert set(REGISTRY) == tested, f"primitives without a test_<name>: {missing}"


def test_every_primitive_is_documented_and_typed():
    problems = []
    for name, prim in REGISTRY.items():
        if not prim.doc.strip():
            problems.append(f"{name}: empty docstring")
        if prim.category not in CATEGORIES:
            problems.append(f"{name}: unknown category {prim.category}")
        if prim.returns not in TYPE_NAMES:
            problems.append(f"{name}: return type {prim.returns}")
        bad = [t for t in prim.params if t not in TYPE_NAMES]
        if bad:
            problems.append(f"{name}: parameter types {bad}")
        if len(prim.params) != len(prim.param_names) or prim.arity != len(prim.params):
            problems.append(f"{name}: arity mismatch")
        if prim.fn.__name__ != name or not callable(prim.fn):
            problems.append(f"{name}: function mismatch")
        if len(inspect.signature(prim.fn).parameters) != prim.arity:
            problems.append(f"{name}: signature mismatch")
        if not name.isidentifier() or name.startswith("_") or name != name.lower():
            problems.append(f"{name}: not a snake_case name")
    assert not problems, "\n".join(problems)


def test_my_modules_register_enough_primitives():
    mine = [p for p in REGISTRY.values()
            if p.fn.__module__ in ("codeit_core.dsl.prims_grid", "codeit_core.dsl.prims_core")]
    assert len(mine) >= 70


def test_constants_do_not_clash_with_primitives():
    assert not set(CONSTANTS) & set(REGISTRY)
    for const in CONSTANTS.values():
        assert const.type in TYPE_NAMES
        assert const.name.isupper()
