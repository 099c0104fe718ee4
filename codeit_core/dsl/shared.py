"""Run many programs on one input, computing each distinct call once.

Mutants share most of their lines with their parent and with each other, so a search that
runs thousands of them on the same grid repeats the same calls again and again. A
``SharedPlan`` compiles a list of programs into one space of value slots in which a call
is identified by its function and the slots of its arguments (hash-consing, as the DAG of
states of the strongest brute-force ARC searches): ``x1 = rotate_cw(I)`` is one slot
whatever program it appears in. Running the plan on an input fills slots on demand:

    plan = SharedPlan([parse(a), parse(b), None])   # None: a program that did not parse
    state = plan.start(grid)
    plan.run(0, state)       # (output, None, "") or (None, kind, message)

``plan.order`` is an evaluation order that keeps programs with shared calls together.

A program whose last lines only repaint a grid (primitives that keep the shape of a grid
argument: ``Primitive.keeps_shape_of``) has the shape of that grid — often the input
itself. ``plan.run(index, state, dims=(h, w))`` computes that grid first and, when its
shape is not (h, w), returns ``(None, "shape", …)`` without running the rest: the output
cannot equal a target of that shape. A search compares outputs with demonstration
targets and needs no more.

A program whose last line only writes one colour into a grid (``Primitive.paints_with``:
``fill_cells(x5, RED, x9)``) can put right only the cells of the grid whose target colour
is that colour. ``plan.run(index, state, target=grid)`` computes the grid and the colour
first and, when a cell the grid has wrong wants another colour, returns
``(None, "colour", …)`` without computing the rest (``x9``, often most of the work).

Every call goes through the interpreter's own step loop (``interpreter._execute``), so a
program's outcome is the one ``run`` gives: the same caps, checks and error kinds. A call
that fails is remembered as failed for every program that uses it, a timeout included
(the caller's alarm interrupting a call marks that call).
"""

from __future__ import annotations

from typing import Any, Sequence

from codeit_core.dsl.errors import DEFAULT_LIMITS, DSLError, Limits
from codeit_core.dsl.interpreter import _GRID, _INT, _PAIR, _SIZED, _execute, \
    _grid_problem_fast, compile_program
from codeit_core.dsl.program import INPUT, Const, PrimRef, Program, Ref
from codeit_core.dsl.registry import REGISTRY

_UNSET = object()


class SharedPlan:
    """Programs compiled into one slot space; see the module docstring."""

    def __init__(self, programs: Sequence[Program | None],
                 limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.template: list[Any] = [None]  # slot 0: the input grid
        self.plans: list[tuple[Program, tuple, int] | None] = []
        self.static_errors: dict[int, tuple[str, str]] = {}
        # per program: (the slot whose shape its output has, steps that compute it) or None
        self.shape_roots: list[tuple[int, int] | None] = []
        # per program: (its last line's grid slot, colour slot, indices of the steps that
        # compute both) when that line only writes the colour into the grid, else None
        self.paint_roots: list[tuple[int, int, tuple] | None] = []
        keys: dict[tuple, int] = {}
        for index, program in enumerate(programs):
            if program is None:
                self.plans.append(None)
                self.shape_roots.append(None)
                self.paint_roots.append(None)
                self.static_errors[index] = ("syntax", "the program does not parse")
                continue
            try:
                compiled = compile_program(program)
            except DSLError as e:
                self.plans.append(None)
                self.shape_roots.append(None)
                self.paint_roots.append(None)
                self.static_errors[index] = (e.kind, str(e))
                continue
            slot_of = {INPUT: 0}
            steps = []
            for line, step in zip(program.lines, compiled.steps):
                slots = tuple(self._arg_slot(arg, slot_of, keys) for arg in line.args)
                key = (line.function, slots)
                target = keys.get(key)
                if target is None:
                    target = keys[key] = len(self.template)
                    self.template.append(_UNSET)
                slot_of[line.target] = target
                fn, n, _, _, _, _, _, check, name = step
                a, b, c = (slots + (0, 0, 0))[:3]
                steps.append((fn, n, a, b, c, slots, target, check, name))
            self.plans.append((program, tuple(steps), steps[-1][6]))
            self.shape_roots.append(_shape_root(program, steps))
            self.paint_roots.append(_paint_root(program, steps))

        # programs with shared calls next to each other (by the slots they fill)
        def targets(i: int) -> tuple:
            plan = self.plans[i]
            return tuple(s[6] for s in plan[1]) if plan else ()

        self.order: tuple[int, ...] = tuple(sorted(range(len(self.plans)), key=targets))

    @classmethod
    def of_texts(cls, texts: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> "SharedPlan":
        """Program texts compiled into one plan; a text that does not parse is a program
        that fails with a syntax error."""
        from codeit_core.dsl.parser import parse

        parsed: list[Program | None] = []
        for text in texts:
            try:
                parsed.append(parse(text))
            except DSLError:
                parsed.append(None)
        return cls(parsed, limits)

    def _arg_slot(self, arg: Any, slot_of: dict[str, int], keys: dict[tuple, int]) -> int:
        if isinstance(arg, Ref):
            return slot_of[arg.name]
        if isinstance(arg, PrimRef):
            key, value = ("p", arg.name), REGISTRY[arg.name].fn
        elif isinstance(arg, Const):
            key, value = ("c", arg.text), arg.value
        else:  # compile_program rules this out
            raise TypeError(f"invalid argument {arg!r}")
        slot = keys.get(key)
        if slot is None:
            slot = keys[key] = len(self.template)
            self.template.append(value)
        return slot

    def start(self, grid: Any) -> "_State":
        """Fresh state for one input grid."""
        return _State(self, grid)

    def run(self, index: int, state: "_State", check_output: bool = True,
            dims: tuple[int, int] | None = None, target: Any = None
            ) -> tuple[Any, str | None, str]:
        """Program `index` on the state's input: (output, None, "") or (None, kind, message).

        Without `check_output` the final value is returned as it is, valid grid or not (a
        caller comparing it with a target grid needs no more). With `dims`, a program
        whose output is known to have another shape returns (None, "shape", message)
        before its last lines run (see the module docstring). With `target` (a grid; its
        shape is `dims`), a program whose output provably differs from it returns
        (None, "shape" or "colour", message) as early. A BaseException from
        outside (the caller's timeout alarm) marks the call it interrupted as a timeout
        and propagates."""
        plan = self.plans[index]
        if plan is None:
            kind, message = self.static_errors[index]
            return None, kind, message
        program, steps, out = plan
        if target is not None:
            dims = (len(target), len(target[0]))
        if dims is not None:
            root = self.shape_roots[index]
            if root is not None:
                slot, n_steps = root
                if n_steps:
                    early = self._fill(program, steps, state, range(n_steps))
                    if early is not None:
                        return early
                shape = state.shape(slot)
                if shape is not None and shape != dims:
                    return None, "shape", (f"the output is {shape[0]}x{shape[1]}, "
                                           f"not {dims[0]}x{dims[1]}")
        if target is not None:
            root = self.paint_roots[index]
            if root is not None:
                grid, colour, needed = root
                if needed:
                    early = self._fill(program, steps, state, needed)
                    if early is not None:
                        return early
                wanted = state.wanted(grid, target)
                paint = state.env[colour]
                if wanted and any(c != paint for c in wanted):
                    return None, "colour", (f"the target's cells that differ from the grid "
                                            f"are not all of the colour {paint!r:.20}")
        failure = self._fill(program, steps, state, range(len(steps)))
        if failure is not None:
            return failure
        value = state.env[out]
        if check_output:
            problem = _grid_problem_fast(value)
            if problem is not None:
                return None, "invalid_grid", f"the output {problem}"
        return value, None, ""

    def _fill(self, program: Program, steps: tuple, state: "_State", lines: Sequence[int]
              ) -> tuple[None, str, str] | None:
        """Compute the slots of the `lines` (indices, in order) of `steps` not computed
        yet: None, or the failure."""
        env, failed, ids, memo = state.env, state.failed, state.ids, state.memo
        for i in lines:
            step = steps[i]
            target = step[6]
            if env[target] is not _UNSET:
                continue
            known = failed.get(target)
            if known is not None:
                return None, known[0], known[1]
            # the same function on equal values: computed already under another slot
            key = (step[8], tuple([ids[s] for s in step[5]]))
            done = memo.get(key)
            if done is not None:
                if done[0] is None:
                    failed[target] = done[1]
                    return None, done[1][0], done[1][1]
                env[target] = done[1]
                ids[target] = done[0]
                continue
            try:
                _execute((step,), env, self.limits, program)
            except DSLError as e:
                failed[target] = (e.kind, f"line {i + 1}: {e.message}")
                memo[key] = (None, failed[target])
                return None, failed[target][0], failed[target][1]
            except BaseException:
                failed[target] = ("timeout", "ran out of time")
                raise
            ids[target] = state.identify(env[target], step[7], target)
            memo[key] = (ids[target], env[target])
        return None


def _paint_root(program: Program, steps: list[tuple]) -> tuple[int, int, tuple] | None:
    """(grid slot, colour slot, lines) of the program's last line when its primitive
    writes only that colour into that grid (``paints_with``); `lines` are the indices of
    the steps that compute the two, in order (no other line: the patch is what a stop
    saves). None for other programs."""
    prim = REGISTRY[program.lines[-1].function]
    if prim.paints_with is None:
        return None
    slots = steps[-1][5]
    grid = slots[prim.param_names.index(prim.keeps_shape_of)]
    colour = slots[prim.param_names.index(prim.paints_with)]
    wanted, lines = {grid, colour}, []
    for k in range(len(steps) - 2, -1, -1):
        if steps[k][6] in wanted:
            lines.append(k)
            wanted.update(steps[k][5])
    return grid, colour, tuple(reversed(lines))


def _shape_root(program: Program, steps: list[tuple]) -> tuple[int, int] | None:
    """(slot, n): the program's output has the shape of `slot`'s grid, computed by its
    first n steps; None when its last line does not keep a shape."""
    produced = {step[6]: (k, line) for k, (line, step) in enumerate(zip(program.lines, steps))}
    slot = steps[-1][6]
    while slot in produced:
        k, line = produced[slot]
        keeps = REGISTRY[line.function].keeps_shape_of
        if keeps is None:
            break
        slot = steps[k][5][REGISTRY[line.function].param_names.index(keeps)]
    if slot == steps[-1][6]:
        return None
    return slot, (produced[slot][0] + 1 if slot in produced else 0)


# check codes (interpreter) of values whose equality is exact: grids, integers, pairs,
# sets of cells or positions — never booleans, which compare equal to 0 and 1
_EXACT_CHECKS = frozenset({_GRID, _INT, _PAIR, _SIZED})


class _State:
    """What one input has computed: slot values, failed slots, and the value-level
    memo — a call of the same function on equal argument values (e.g. after a mutated
    line that changed nothing on this input) is not computed twice."""

    __slots__ = ("env", "failed", "ids", "memo", "values", "shapes", "wants")

    def __init__(self, plan: SharedPlan, grid: Any) -> None:
        self.env = plan.template[:]
        self.env[0] = grid
        self.failed: dict[int, tuple[str, str]] = {}
        # a value id per slot: constants and the input are their own slot; a computed
        # value gets the id of an equal earlier value when its type compares exactly
        self.ids: list[Any] = list(range(len(plan.template)))
        self.memo: dict[tuple, tuple] = {}
        self.values: dict[tuple, int] = {(type(grid), grid): 0}
        self.shapes: dict[int, tuple[int, int] | None] = {}
        self.wants: dict[int, tuple[Any, frozenset]] = {}

    def shape(self, slot: int) -> tuple[int, int] | None:
        """(height, width) of the value in `slot` when it is rows of one length (a grid,
        whatever its cells hold), else None."""
        if slot not in self.shapes:
            self.shapes[slot] = rectangle(self.env[slot])
        return self.shapes[slot]

    def wanted(self, slot: int, target: Any) -> frozenset:
        """The target's colours at the cells where the grid in `slot` differs from it;
        empty when that value is not a grid of the target's shape (nothing is known)."""
        known = self.wants.get(slot)
        if known is not None and known[0] is target:
            return known[1]
        grid = self.env[slot]
        colours: frozenset = frozenset()
        if self.shape(slot) == (len(target), len(target[0])):
            colours = frozenset(t for row, goal in zip(grid, target) if row != goal
                                for v, t in zip(row, goal) if v != t)
        self.wants[slot] = (target, colours)
        return colours

    def identify(self, value: Any, check: int, slot: int) -> Any:
        if check not in _EXACT_CHECKS:
            return slot
        try:
            return self.values.setdefault((type(value), value), slot)
        except TypeError:  # unhashable: its own value
            return slot


def rectangle(value: Any) -> tuple[int, int] | None:
    """(height, width) of a non-empty tuple of rows (tuples) of one non-zero length, else
    None. This is the shape ``keeps_shape_of`` speaks of: a primitive keeping it keeps it
    whatever the cells hold, so a chain of them from such a value keeps its shape."""
    if type(value) is not tuple or not value or type(value[0]) is not tuple:
        return None
    width = len(value[0])
    if not width or any(type(row) is not tuple or len(row) != width for row in value):
        return None
    return len(value), width
