"""Type-aware program mutation and random programs: how CodeIt seeds its replay buffer.

CodeIt (Butt et al., ICML 2024) starts from a library of reference programs and adds
*mutants* of them: each mutant is run on its parent task's demonstration inputs and, when it
produces valid grids, stored as a new (inputs, outputs, program) example — a task it solves
by construction (hindsight relabelling).

One mutation picks a line uniformly at random and applies one operator:

  ``replace_argument`` (p = 0.25)  an argument gets another value of an accepted static type:
                                   an earlier variable (or ``I``), a literal from a small pool
                                   (integers, colours, booleans, directions) or a primitive
                                   name for a Callable parameter;
  ``insert_line``      (p = 0.25)  the argument-replacing branch's other half: a new line is
                                   inserted before the chosen line, computing a value of the
                                   needed type from earlier values, and passed as the argument;
  ``replace_function`` (p = 0.25)  another primitive of the same arity whose parameters accept
                                   the line's argument types and whose return type is accepted
                                   wherever the result is used;
  ``regenerate_line``  (p = 0.25)  a fresh well-typed call whose return type every use accepts.

Every mutant passes the parser's static checks, differs from its parent, is canonical
(variables x1..xn) with dead lines removed and has at most ``MAX_MUTANT_LINES`` lines (a
longer parent is never lengthened). An operator that finds nothing to do on the chosen line
is retried on other lines a bounded number of times, then the others are tried; nothing
loops forever. Static types cannot see inside ``Any`` values and callables, so some mutants
fail at run time: ``generate_mutants`` runs candidates in the sandboxed ``Executor`` and
keeps only those that work.

    rng = random.Random(0)
    child = mutate_program(parse("O = rotate_cw(I)\\n"), rng)
    mutants = generate_mutants([(task, text)], 100, executor, rng)
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Sequence

from codeit_core.dsl import CONSTANTS, REGISTRY, Const, DSLError, Line, PrimRef, Program, \
    Ref, accepts, canonical, format_program, parse, remove_dead_lines, static_types
from codeit_core.dsl.program import INPUT, OUTPUT
from codeit_core.grids import Grid, is_grid
from codeit_core.tasks import Task

__all__ = [
    "MAX_MUTANT_LINES", "OPERATORS", "OPERATOR_PROBABILITIES", "Mutant", "mutate_program",
    "mutate_with_info", "random_program", "generate_mutants",
]

MAX_MUTANT_LINES = 20
OPERATORS: tuple[str, ...] = ("replace_argument", "insert_line", "replace_function",
                              "regenerate_line")
OPERATOR_PROBABILITIES: dict[str, float] = {op: 0.25 for op in OPERATORS}

_TRIES_PER_OPERATOR = 12      # lines tried per operator before falling back to another
_TRIES_PER_LINE = 8           # primitive / argument draws per attempt on one line
_RANDOM_PROGRAM_TRIES = 400

# Literal pools per parameter type (anything else must come from a variable).
_INTEGERS = tuple(range(-2, 11))
_COLOUR_NAMES = tuple(n for n, c in CONSTANTS.items() if c.type == "Colour")
_TUPLE_NAMES = tuple(n for n, c in CONSTANTS.items() if c.type == "IntegerTuple")
_ANY_INTEGERS = tuple(range(0, 10))
# Types a variable-free argument can stand for; other parameters need a variable (Grid: I).
_LITERAL_TYPES = frozenset({"Integer", "Colour", "Boolean", "IntegerTuple", "Callable", "Any"})


# --- the registry, read dynamically ---------------------------------------------------------


class _Tables:
    """Views of REGISTRY used by the generators; rebuilt whenever the registry changes."""

    def __init__(self) -> None:
        self.key = tuple(REGISTRY)
        self.prims = list(REGISTRY.values())
        # primitives of one or two parameters: the likely shape of a function argument
        self.function_args = tuple(p.name for p in self.prims if 1 <= p.arity <= 2)
        self.all_function_args = tuple(p.name for p in self.prims if p.arity >= 1)
        self._producers: dict[tuple[str, bool], list] = {}
        self._returning: dict[tuple, list] = {}
        self._replacements: dict[tuple, list] = {}

    def producers(self, param: str, allow_any: bool) -> list:
        """Primitives whose return type `param` accepts; ``Any`` returns only if allowed."""
        key = (param, allow_any)
        found = self._producers.get(key)
        if found is None:
            found = [p for p in self.prims
                     if p.arity >= 1 and (p.returns != "Any" or allow_any or param == "Any")
                     and accepts(param, p.returns)]
            self._producers[key] = found
        return found

    def returning(self, uses: tuple[str, ...], allow_any: bool) -> list:
        """Primitives of one parameter or more whose return type every parameter type of
        `uses` accepts; ``Any`` returns only if allowed."""
        key = (uses, allow_any)
        found = self._returning.get(key)
        if found is None:
            found = [p for p in self.prims if p.arity >= 1
                     and all(accepts(u, p.returns) for u in uses)
                     and (allow_any or p.returns != "Any")]
            self._returning[key] = found
        return found

    def replacements(self, function: str, arg_types: tuple[str, ...],
                     uses: tuple[str, ...]) -> list:
        """Primitives other than `function` that take arguments of `arg_types` and return
        what every parameter type of `uses` accepts."""
        key = (function, arg_types, uses)
        found = self._replacements.get(key)
        if found is None:
            found = [p for p in self.prims
                     if p.arity == len(arg_types) and p.name != function
                     and all(accepts(pt, at) for pt, at in zip(p.params, arg_types))
                     and all(accepts(u, p.returns) for u in uses)]
            self._replacements[key] = found
        return found


_tables: _Tables | None = None


def _registry() -> _Tables:
    global _tables
    if _tables is None or len(_tables.key) != len(REGISTRY) or _tables.key != tuple(REGISTRY):
        _tables = _Tables()
    return _tables


# --- arguments -------------------------------------------------------------------------------


def _const_type(arg: Const) -> str:
    if arg.text in ("True", "False"):
        return "Boolean"
    const = CONSTANTS.get(arg.text)
    return const.type if const is not None else "Integer"


def _arg_type(arg: Any, types: dict[str, str]) -> str:
    """The static type of an argument, as the parser sees it."""
    if isinstance(arg, Ref):
        return types.get(arg.name, "Any")
    if isinstance(arg, PrimRef):
        return "Callable"
    return _const_type(arg)


def _literals(param: str, tables: _Tables) -> list:
    """Variable-free arguments for a parameter of type `param` (maybe none)."""
    if param == "Integer":
        return [Const.integer(v) for v in _INTEGERS]
    if param == "Colour":
        return [Const.named(n) for n in _COLOUR_NAMES]
    if param == "Boolean":
        return [Const.boolean(True), Const.boolean(False)]
    if param == "IntegerTuple":
        return [Const.named(n) for n in _TUPLE_NAMES]
    if param == "Callable":
        return [PrimRef(n) for n in tables.function_args]
    if param == "Any":
        return [Const.integer(v) for v in _ANY_INTEGERS]
    return []


def _refs(param: str, env: Sequence[tuple[str, str]]) -> list[Ref]:
    """Variables of `env` (name, static type) that a `param` parameter accepts."""
    return [Ref(name) for name, typ in env if accepts(param, typ)]


def _random_arg(rng: random.Random, param: str, env: Sequence[tuple[str, str]],
                tables: _Tables, exclude: Any = None) -> Any:
    """A random argument for `param` from `env` or the literal pool, or None if impossible.

    Variables and literals are equally likely when both exist; within variables, recent
    ones are favoured a little so that lines tend to build on each other.
    """
    refs = [r for r in _refs(param, env) if r != exclude]
    lits = _literals(param, tables) if param in _LITERAL_TYPES else []
    if exclude is not None:
        lits = [a for a in lits if a != exclude]
    if refs and (not lits or rng.random() < 0.5):
        if len(refs) > 1 and rng.random() < 0.4:
            return refs[-1]
        return rng.choice(refs)
    if lits:
        if param == "Callable" and rng.random() < 0.1 and len(tables.all_function_args) > 0:
            choice = PrimRef(rng.choice(tables.all_function_args))
            if choice != exclude:
                return choice
        return rng.choice(lits)
    return None


def _env_before(program: Program, index: int, types: dict[str, str]) -> list[tuple[str, str]]:
    """(name, static type) of ``I`` and every variable defined before line `index`."""
    env = [(INPUT, "Grid")]
    env.extend((line.target, types[line.target]) for line in program.lines[:index])
    return env


def _uses(program: Program, index: int) -> list[str]:
    """The parameter types at every place the result of line `index` is used."""
    line = program.lines[index]
    if line.target == OUTPUT:
        return ["Grid"]
    found = []
    for later in program.lines[index + 1:]:
        prim = REGISTRY[later.function]
        for arg, param in zip(later.args, prim.params):
            if isinstance(arg, Ref) and arg.name == line.target:
                found.append(param)
    return found


def _fresh_name(program: Program) -> str:
    taken = {line.target for line in program.lines}
    k = 1
    while f"new{k}" in taken or f"new{k}" in REGISTRY or f"new{k}" in CONSTANTS:
        k += 1
    return f"new{k}"


def _new_call(rng: random.Random, uses: tuple[str, ...], env, tables: _Tables,
              need_ref: bool, allow_any: bool) -> tuple[str, tuple] | None:
    """A random well-typed call (function, args) over `env` whose return type every
    parameter type of `uses` accepts; with `need_ref`, at least one argument is a
    variable."""
    prims = tables.returning(uses, allow_any)
    if not prims:
        return None
    for _ in range(_TRIES_PER_LINE):
        prim = rng.choice(prims)
        args = []
        for param in prim.params:
            arg = _random_arg(rng, param, env, tables)
            if arg is None:
                break
            args.append(arg)
        else:
            if need_ref and not any(isinstance(a, Ref) for a in args):
                # make one argument that can take a variable take one
                slots = [k for k, p in enumerate(prim.params) if _refs(p, env)]
                if not slots:
                    continue
                k = rng.choice(slots)
                args[k] = rng.choice(_refs(prim.params[k], env))
            return prim.name, tuple(args)
    return None


# --- the four operators ----------------------------------------------------------------------
# Each takes (program, line index, static types, rng, tables) and returns a new Program or
# None when it found nothing to do. Results are checked by the caller.


def _op_replace_argument(program, i, types, rng, tables, max_lines):
    line = program.lines[i]
    if not line.args:
        return None
    prim = REGISTRY[line.function]
    env = _env_before(program, i, types)
    k = rng.randrange(len(line.args))
    new = _random_arg(rng, prim.params[k], env, tables, exclude=line.args[k])
    if new is None:
        return None
    args = line.args[:k] + (new,) + line.args[k + 1:]
    lines = list(program.lines)
    lines[i] = Line(line.target, line.function, args)
    return Program(tuple(lines))


def _op_insert_line(program, i, types, rng, tables, max_lines):
    if len(program.lines) >= max_lines:
        return None
    line = program.lines[i]
    if not line.args:
        return None
    prim = REGISTRY[line.function]
    k = rng.randrange(len(line.args))
    param = prim.params[k]
    env = _env_before(program, i, types)
    allow_any = rng.random() < 0.15
    made = _new_call(rng, (param,), env, tables, need_ref=True, allow_any=allow_any)
    if made is None:
        return None
    name = _fresh_name(program)
    function, new_args = made
    args = line.args[:k] + (Ref(name),) + line.args[k + 1:]
    lines = list(program.lines)
    lines[i:i + 1] = [Line(name, function, new_args), Line(line.target, line.function, args)]
    return Program(tuple(lines))


def _op_replace_function(program, i, types, rng, tables, max_lines):
    line = program.lines[i]
    candidates = tables.replacements(line.function,
                                     tuple(_arg_type(a, types) for a in line.args),
                                     tuple(_uses(program, i)))
    if not candidates:
        return None
    # Prefer primitives of a concrete return type; an Any return fits every use statically.
    concrete = [p for p in candidates if p.returns != "Any"]
    pool = concrete if concrete and rng.random() < 0.85 else candidates
    prim = rng.choice(pool)
    lines = list(program.lines)
    lines[i] = Line(line.target, prim.name, line.args)
    return Program(tuple(lines))


def _op_regenerate_line(program, i, types, rng, tables, max_lines):
    line = program.lines[i]
    uses = _uses(program, i)
    env = _env_before(program, i, types)
    allow_any = rng.random() < 0.15
    made = _new_call(rng, tuple(uses), env, tables, need_ref=True, allow_any=allow_any)
    if made is None:
        return None
    function, args = made
    if function == line.function and args == line.args:
        return None
    lines = list(program.lines)
    lines[i] = Line(line.target, function, args)
    return Program(tuple(lines))


_OPERATOR_FNS = {
    "replace_argument": _op_replace_argument,
    "insert_line": _op_insert_line,
    "replace_function": _op_replace_function,
    "regenerate_line": _op_regenerate_line,
}


def _choose_operator(rng: random.Random) -> str:
    # Argument replacement (p = 0.5) inserts a new line half of the time; the function and
    # line replacements take a quarter each.
    u = rng.random()
    if u < 0.5:
        return "insert_line" if rng.random() < 0.5 else "replace_argument"
    return "replace_function" if u < 0.75 else "regenerate_line"


def _finish(candidate: Program | None, parent_texts: set[str], max_lines: int,
            limit: int) -> Program | None:
    """`candidate` cleaned (dead lines removed, canonical) if it is a valid mutant."""
    if candidate is None:
        return None
    try:
        result = canonical(remove_dead_lines(candidate))
        text = format_program(result)
        if text in parent_texts or len(result.lines) > limit:
            return None
        if parse(text) != result:  # the full parser: static types, line lengths, ...
            return None
    except DSLError:
        return None
    return result


@lru_cache(maxsize=4096)
def _parent_texts(program: Program) -> frozenset[str]:
    """The texts a mutant of `program` must not have (a mutation starts from the same
    programs again and again: remembered)."""
    texts = {format_program(canonical(program))}
    try:
        texts.add(format_program(canonical(remove_dead_lines(program))))
    except DSLError:
        pass
    return frozenset(texts)


def mutate_with_info(program: Program, rng: random.Random,
                     max_lines: int = MAX_MUTANT_LINES) -> tuple[Program, str]:
    """Mutate `program` once; return (mutant, name of the operator that made it).

    The operator is drawn with ``OPERATOR_PROBABILITIES``; if it finds nothing to do after
    ``_TRIES_PER_OPERATOR`` uniformly chosen lines, the other operators are tried in random
    order, and as a last resort a random program of similar length is returned (operator
    ``"random_program"``). The mutant is never longer than ``max(max_lines, len(program))``.
    """
    if not program.lines:
        raise ValueError("cannot mutate an empty program")
    tables = _registry()
    types = static_types(program)
    parents = _parent_texts(program)
    limit = max(max_lines, len(program.lines))
    first = _choose_operator(rng)
    others = [op for op in OPERATORS if op != first]
    rng.shuffle(others)
    for op in [first] + others:
        fn = _OPERATOR_FNS[op]
        for _ in range(_TRIES_PER_OPERATOR):
            i = rng.randrange(len(program.lines))
            result = _finish(fn(program, i, types, rng, tables, max_lines), parents,
                             max_lines, limit)
            if result is not None:
                return result, op
    for _ in range(100):
        length = max(1, min(len(program.lines), max_lines))
        result = random_program(rng, length)
        if format_program(result) not in parents:
            return result, "random_program"
    raise RuntimeError("could not produce any mutant")  # pragma: no cover - unreachable


def mutate_program(program: Program, rng: random.Random, *,
                   max_lines: int = MAX_MUTANT_LINES, record: list | None = None) -> Program:
    """One type-aware mutation of `program` (see the module docstring).

    The result parses and type-checks, differs from `program`, is canonical with no dead
    lines and has at most ``max(max_lines, len(program))`` lines. When `record` is a list,
    the name of the operator applied is appended to it.
    """
    result, op = mutate_with_info(program, rng, max_lines)
    if record is not None:
        record.append(op)
    return result


# --- random programs -------------------------------------------------------------------------


@dataclass
class _Hole:
    line: int       # build index of the line whose argument this is
    pos: int        # argument position
    param: str      # parameter type


def _mandatory(param: str) -> bool:
    """True when no literal or ``I`` can fill a parameter of this type."""
    return param not in _LITERAL_TYPES and not accepts(param, "Grid")


def _build_top_down(rng: random.Random, length: int, tables: _Tables) -> Program | None:
    """One try at a program of exactly `length` lines, each used by a later one.

    Lines are built from the output backwards: every new line fills an open argument (a
    "hole") of a line built before it and is placed before all lines built so far, so
    everything it may refer to is already defined. Holes left at the end take ``I``, an
    earlier variable or a literal.
    """
    grid_out = [p for p in tables.prims if p.arity >= 1 and p.returns == "Grid"]
    if not grid_out:
        return None
    built: list[tuple[Any, list]] = []   # (primitive, args) in build order (O first)
    holes: list[_Hole] = []

    def add(prim) -> None:
        index = len(built)
        built.append((prim, [None] * prim.arity))
        holes.extend(_Hole(index, k, p) for k, p in enumerate(prim.params))

    add(rng.choice(grid_out))
    budget = length - 1
    while budget > 0:
        open_holes = [h for h in holes if built[h.line][1][h.pos] is None]
        if not open_holes:
            return None
        must = [h for h in open_holes if _mandatory(h.param)]
        if len(must) > budget:
            return None
        hole = rng.choice(must) if must and (len(must) == budget or rng.random() < 0.7) \
            else rng.choice(open_holes)
        producers = tables.producers(hole.param, allow_any=rng.random() < 0.1)
        if not producers:
            return None
        slack = budget - 1 - (len(must) - (1 if hole in must else 0))
        for _ in range(_TRIES_PER_LINE):
            prim = rng.choice(producers)
            if sum(_mandatory(p) for p in prim.params) <= slack:
                break
        else:
            return None
        built[hole.line][1][hole.pos] = ("line", len(built))
        add(prim)
        budget -= 1
    # Final order: reverse build order. Variable of build index b is defined before line a
    # exactly when b > a.
    n = len(built)
    names = [OUTPUT if b == 0 else f"x{n - b}" for b in range(n)]
    for hole in holes:
        args = built[hole.line][1]
        if args[hole.pos] is not None:
            continue
        env = [(INPUT, "Grid")] + [(names[b], built[b][0].returns)
                                   for b in range(n - 1, hole.line, -1)]
        arg = _random_arg(rng, hole.param, env, tables)
        if arg is None:
            return None
        args[hole.pos] = arg
    lines = []
    for b in range(n - 1, -1, -1):
        prim, args = built[b]
        lines.append(Line(names[b], prim.name, tuple(
            Ref(names[a[1]]) if isinstance(a, tuple) else a for a in args)))
    return Program(tuple(lines))


def random_program(rng: random.Random, length: int) -> Program:
    """A random well-typed program of exactly `length` lines whose last line assigns a Grid
    to ``O`` and whose every line is used by a later one (canonical form).

    It type-checks; running it may still fail, as sampled programs do.
    """
    if not 1 <= length <= 40:
        raise ValueError(f"length must be in 1..40, got {length}")
    tables = _registry()
    for _ in range(_RANDOM_PROGRAM_TRIES):
        program = _build_top_down(rng, length, tables)
        if program is None:
            continue
        try:
            program = canonical(program)
            if parse(format_program(program)) == program:
                return program
        except DSLError:
            continue
    raise RuntimeError(f"could not build a random program of {length} lines")


# --- seeding the replay buffer ---------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """An accepted mutant: its task, canonical text, the reference program it descends from
    (`parent_program`), its outputs on the task's demonstration inputs and how many
    mutations away from that reference it is (`depth`, 1..max_depth)."""

    task_id: str
    program: str
    parent_program: str
    outputs: tuple[Grid, ...]
    depth: int


def _acceptable(results: Sequence[Any], inputs: Sequence[Grid]) -> tuple[Grid, ...] | None:
    """The outputs when every run gave a valid grid and not all equal their inputs."""
    outputs = []
    for r in results:
        if r.error is not None or r.output is None or not is_grid(r.output):
            return None
        outputs.append(r.output)
    if all(o == g for o, g in zip(outputs, inputs)):
        return None
    return tuple(outputs)


def generate_mutants(parents: Sequence[tuple[Task, str]], n_mutants: int, executor: Any,
                     rng: random.Random, progress: Callable[[int, int], None] | None = None,
                     max_attempts_factor: int = 20, *, max_depth: int = 3,
                     batch_size: int = 256, max_lines: int = MAX_MUTANT_LINES
                     ) -> list[Mutant]:
    """Mutate reference programs into up to `n_mutants` new working programs.

    Repeatedly: pick a parent (task, program text) uniformly, pick a starting point among
    that parent (depth 0) and its accepted mutants of depth < `max_depth` (a depth uniformly
    among those present, then a program of that depth uniformly), and mutate it once. Candidates already seen (by canonical text) are skipped; the others run in the
    sandboxed `executor` on the task's demonstration inputs, `batch_size` programs per
    ``run_batch`` call. A candidate is accepted when every output is a valid grid, not all
    outputs equal their inputs, and its outputs differ from the parent's and from every
    mutant accepted for that task. Stops after `n_mutants` acceptances or
    ``n_mutants * max_attempts_factor`` attempts (mutations, duplicates included).
    `progress(accepted, attempted)` is called after every batch. Deterministic for a given
    rng state and parents, except for runs that hit the executor's timeout.

    Parents whose text does not parse are skipped. Duplicates are judged per task: the
    same program text may be accepted for two different tasks (their inputs differ).
    """
    if n_mutants <= 0 or not parents:
        return []
    max_attempts = n_mutants * max_attempts_factor
    roots: list[tuple[Task, str, Program]] = []
    for task, text in parents:
        try:
            roots.append((task, text, parse(text)))
        except DSLError:
            continue
    if not roots:
        return []
    # Behaviours already taken: the parents' own outputs on their demonstration inputs.
    seen_behaviour: set[tuple[str, tuple]] = set()
    parent_runs = executor.run_batch([(text, list(task.demo_inputs)) for task, text, _ in roots])
    for (task, _, _), results in zip(roots, parent_runs):
        outs = tuple(r.output for r in results)
        if all(r.error is None for r in results):
            seen_behaviour.add((task.id, outs))
    seen_text: set[tuple[str, str]] = set()
    for task, text, program in roots:
        for t in _parent_texts(program):
            seen_text.add((task.id, t))
    # per parent: depth -> programs of that depth (the parent itself at depth 0)
    lineage: list[dict[int, list[Program]]] = [{0: [program]} for _, _, program in roots]

    accepted: list[Mutant] = []
    attempts = 0
    while len(accepted) < n_mutants and attempts < max_attempts:
        # Plan a batch: never many more attempts than the budget allows.
        rate = len(accepted) / attempts if attempts else 0.0
        need = n_mutants - len(accepted)
        want = batch_size if rate <= 0 else min(batch_size, max(32, int(2 * need / rate) + 8))
        want = min(want, max_attempts - attempts)
        batch: list[tuple[int, Program, int, str]] = []
        for _ in range(want):
            attempts += 1
            r = rng.randrange(len(roots))
            # a starting depth uniformly among those available, then a program of it
            depths = [d for d in sorted(lineage[r]) if d < max_depth]
            depth = depths[rng.randrange(len(depths))]
            pool = lineage[r][depth]
            start = pool[rng.randrange(len(pool))]
            child = mutate_program(start, rng, max_lines=max_lines)
            text = format_program(child)
            key = (roots[r][0].id, text)
            if key in seen_text:
                continue
            seen_text.add(key)
            batch.append((r, child, depth + 1, text))
        if batch:
            results = executor.run_batch(
                [(text, list(roots[r][0].demo_inputs)) for r, _, _, text in batch])
            for (r, child, depth, text), res in zip(batch, results):
                if len(accepted) >= n_mutants:
                    break
                task, parent_text, _ = roots[r]
                outputs = _acceptable(res, task.demo_inputs)
                if outputs is None:
                    continue
                behaviour = (task.id, outputs)
                if behaviour in seen_behaviour:
                    continue
                seen_behaviour.add(behaviour)
                accepted.append(Mutant(task.id, text, parent_text, outputs, depth))
                lineage[r].setdefault(depth, []).append(child)
        if progress is not None:
            progress(len(accepted), attempts)
    return accepted


def generate_random_programs(tasks: Sequence[Task], n_programs: int, length: int,
                             executor: Any, rng: random.Random,
                             progress: Callable[[int, int], None] | None = None,
                             max_attempts_factor: int = 20,
                             batch_size: int = 256) -> list[Mutant]:
    """Up to `n_programs` random programs of `length` lines that work on a task.

    Each candidate (`random_program`) runs in the sandboxed `executor` on the demonstration
    inputs of a task drawn uniformly from `tasks`, and is accepted by the same rule as a
    mutant: every output a valid grid, not all equal to their inputs, and outputs not seen
    before for that task. Accepted programs come back as depth-0 `Mutant`s with an empty
    `parent_program` (they descend from nothing).
    """
    accepted: list[Mutant] = []
    if not tasks or n_programs <= 0:
        return accepted
    seen: dict[str, set] = {}
    attempts, limit = 0, n_programs * max_attempts_factor
    while len(accepted) < n_programs and attempts < limit:
        batch = []
        for _ in range(min(batch_size, limit - attempts)):
            task = tasks[rng.randrange(len(tasks))]
            batch.append((task, format_program(random_program(rng, length))))
        attempts += len(batch)
        results = executor.run_batch([(text, task.demo_inputs) for task, text in batch])
        for (task, text), res in zip(batch, results):
            outputs = _acceptable(res, task.demo_inputs)
            taken = seen.setdefault(task.id, set())
            if outputs is None or outputs in taken or len(accepted) >= n_programs:
                continue
            taken.add(outputs)
            accepted.append(Mutant(task.id, text, "", outputs, 0))
        if progress:
            progress(len(accepted), attempts)
    return accepted
