"""An LLM policy through DSPy: hindsight replay as in-context learning.

Each Sample step asks a language model, through one DSPy signature, for a program of the
CodeIt DSL that maps a task's demonstration inputs to their outputs. The model sees

  * a DSL reference card generated from the primitive REGISTRY (name(signature): doc,
    grouped by category), the constants and the program rules — in the instructions;
  * few-shot demonstrations drawn from the replay buffer: each Learn step keeps the
    priority-drawn training set, and every task gets the `shots` highest-priority programs
    of it (priority = demo accuracy, the paper's; ties go to programs whose grid shapes
    resemble the task's, then to pixel accuracy, then to draw order), rendered as their
    relabeled task (experience.inputs → experience.outputs) and the program;
  * the task's demonstration pairs (never its test pairs), each grid as its size and rows
    of digits.

The model is a DSPy/LiteLLM model string (``openai/gpt-4o-mini``, ``ollama_chat/llama3.1``,
...); its API key is read from the environment variable named by ``api_key_env`` (or the
provider's usual variable) when sampling starts and is never written anywhere: the options,
checkpoints and cache hold only the variable's name.

Responses are cached in ``<run_dir>/dspy_cache`` (a DSPy ``Cache`` owned by the policy; the
LM's own call cache, which is process-wide and lives under ``~/.dspy_cache``, is always off).
The key includes a rollout id drawn from the Sample step's random generator, so n samples
of one task are n distinct calls at temperature > 0, a new meta-iteration asks afresh, and a
resumed iteration replays exactly the answers the interrupted one got.

Answers are untrusted text: the program is extracted from fences and prose, printed
canonically when it parses, and returned unparsed otherwise (the executor reports it as an
invalid sample). An LM failure on one task is recorded in `sample_stats` and the other
tasks go on; a missing key or an authentication failure stops the step with an error naming
the environment variable.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import random
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeit_core.dsl import (
    CATEGORIES,
    CONSTANTS,
    REGISTRY,
    DSLError,
    canonical,
    format_program,
    parse,
)
from codeit_core.grids import Grid
from codeit_core.relabel import Experience
from codeit_core.runs import write_atomic
from codeit_core.tasks import Task

log = logging.getLogger(__name__)

CACHE_DIR = "dspy_cache"
CACHE_VERSION = 1                 # part of every cache key: bump when the prompt changes
MAX_PROGRAM_CHARS = 4000          # longer answers are cut (they would not parse anyway)

# The environment variable LiteLLM/DSPy read for a provider's key, when `api_key_env` is
# not given. Providers not listed (ollama, ollama_chat, hosted_vllm, lm_studio, ...) need
# no key, or the user names the variable.
DEFAULT_KEY_ENV = {
    "openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY", "groq": "GROQ_API_KEY", "mistral": "MISTRAL_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY", "together_ai": "TOGETHERAI_API_KEY",
    "openrouter": "OPENROUTER_API_KEY", "fireworks_ai": "FIREWORKS_AI_API_KEY",
}


class DSPyPolicyError(RuntimeError):
    """The DSPy policy cannot sample at all (no key, rejected key, bad model string)."""


class MissingAPIKeyError(DSPyPolicyError):
    """The environment variable that should hold the model's API key is unset or empty."""


# ---------------------------------------------------------------------- rendering

def render_grid(grid: Grid) -> str:
    """A grid as its size (rows x columns) and one line of digits per row."""
    rows = len(grid)
    cols = len(grid[0]) if rows else 0
    return f"{rows}x{cols}\n" + "\n".join("".join(str(c) for c in row) for row in grid)


def render_pairs(pairs: Sequence[tuple[Grid, Grid | None]], limit: int | None = None) -> str:
    """Demonstration pairs, numbered: 'input RxC' + rows, then 'output RxC' + rows."""
    pairs = list(pairs)[:limit] if limit else list(pairs)
    blocks = []
    for i, (inp, out) in enumerate(pairs, 1):
        block = f"Demonstration {i}\ninput {render_grid(inp)}"
        if out is not None:
            block += f"\noutput {render_grid(out)}"
        blocks.append(block)
    return "\n\n".join(blocks)


def render_task(task: Task) -> str:
    """What the model sees of a task: its demonstration pairs only."""
    return render_pairs([(p.input, p.output) for p in task.train])


RULES = """\
A program is straight-line code, one call per line:  target = primitive(arg, ...)
- I is the input grid. The last line assigns O, the output grid.
- Targets are x1, x2, ... in order; each is assigned once and used only after.
- An argument is I, an earlier variable, a constant below, an integer -30..30,
  True/False, or a primitive's name (passed as a function to a combinator).
- Nothing else: no operators, strings, subscripts, attributes, loops or lambdas.
Example:
x1 = rotate_cw(I)
O = upscale(x1, 2)"""


@functools.lru_cache(maxsize=1)
def reference_card() -> str:
    """The DSL reference the model gets: rules, types, constants, primitives by category."""
    directions = " ".join(f"{c.name}=({c.value[0]},{c.value[1]})"
                          for c in CONSTANTS.values() if c.type == "IntegerTuple")
    colours = " ".join(f"{c.name}={c.value}" for c in CONSTANTS.values() if c.type == "Colour")
    lines = ["CodeIt DSL reference", "", RULES, "",
             ("Types: Grid (rows of colours 0-9), Object (set of (colour, (row, col)) cells), "
              "Objects, Indices (set of (row, col)), Patch (Object or Indices), Integer, "
              "Colour (0-9), Boolean, IntegerTuple ((row, col) position, size or direction), "
              "IntegerSet, Callable, Container, Any."),
             f"Constants (row, col steps; rows grow downwards): {directions}",
             f"Colours: {colours}", "", "Primitives:"]
    by_category: dict[str, list[str]] = {c: [] for c in CATEGORIES}
    for prim in sorted(REGISTRY.values(), key=lambda p: p.name):
        args = ", ".join(t if n == t.lower() else f"{n}:{t}"
                         for n, t in zip(prim.param_names, prim.params))
        by_category.setdefault(prim.category, []).append(
            f"{prim.name}({args})->{prim.returns}  {prim.doc.rstrip('.')}")
    for category, entries in by_category.items():
        if entries:
            lines.append(f"[{category}]")
            lines.extend(entries)
    return "\n".join(lines)


INSTRUCTIONS = """\
Write a program in the CodeIt DSL that turns every demonstration input grid of an ARC task
into its output grid. Grids are given as their size (rows x columns) and one line of digits
(colours 0-9) per row. The solved examples show tasks and the programs that solve them.
Answer with the program only: one call per line, the last line `O = ...`."""


@functools.lru_cache(maxsize=1)
def _signature() -> Any:
    import dspy

    class SynthesizeProgram(dspy.Signature):
        """Write a CodeIt DSL program for an ARC task."""

        task: str = dspy.InputField(
            desc="the demonstration pairs of an ARC task (grids as size and digit rows)")
        program: str = dspy.OutputField(
            desc="the DSL program: one call per line, I the input, last line O = ...")

    return SynthesizeProgram.with_instructions(INSTRUCTIONS + "\n\n" + reference_card())


# ---------------------------------------------------------------------- answers

_CALL_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*\s*=\s*[A-Za-z][A-Za-z0-9_]*\s*\(.*\)\s*(#.*)?$")
_FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:```|\Z)", re.DOTALL)


def _call_lines(text: str) -> list[str]:
    """The lines of `text` that look like DSL calls, up to the first `O = ...`."""
    found = []
    for raw in text.splitlines():
        line = re.sub(r"^(?:[-*>]|\d+[.)])\s+", "", raw.strip())  # list markers, quotes
        line = line.strip("`").strip()
        if _CALL_LINE.match(line):
            found.append(line)
            if re.match(r"^O\s*=", line):
                break
    return found


def extract_program(answer: str) -> tuple[str, str]:
    """(program text, status) from a model's answer; status is 'ok' (it parses, and the
    text is printed canonically), 'unparsable' (the cleaned text, returned as an invalid
    sample) or 'empty' (nothing to return)."""
    answer = (answer or "").strip()
    if not answer:
        return "", "empty"
    blocks = [b for b in _FENCE.findall(answer) if b.strip()]
    candidates = blocks + [answer]
    lines: list[str] = []
    for candidate in candidates:  # the first fenced block with a complete program wins
        lines = _call_lines(candidate)
        if lines and re.match(r"^O\s*=", lines[-1]):
            break
    else:
        lines = next((found for found in map(_call_lines, candidates) if found), [])
    text = "\n".join(lines) + "\n" if lines else (blocks[0] if blocks else answer).strip() + "\n"
    text = text[:MAX_PROGRAM_CHARS]
    try:
        return format_program(canonical(parse(text))), "ok"
    except DSLError:
        return text, "unparsable"


# ---------------------------------------------------------------------- few-shot pool

def _shape(grid: Grid) -> tuple[int, int]:
    return (len(grid), len(grid[0]) if grid else 0)


def _shape_features(pairs: Sequence[tuple[Grid, Grid]]) -> tuple[frozenset, frozenset,
                                                                  frozenset]:
    """(input shapes, output shapes, output/input size relations) of some pairs."""
    ins, outs, rel = set(), set(), set()
    for inp, out in pairs:
        (ih, iw), (oh, ow) = _shape(inp), _shape(out)
        ins.add((ih, iw))
        outs.add((oh, ow))
        rel.add((oh * 1.0 / max(ih, 1), ow * 1.0 / max(iw, 1)) if (oh, ow) != (ih, iw)
                else "same")
    return frozenset(ins), frozenset(outs), frozenset(rel)


def shape_similarity(a: tuple[frozenset, frozenset, frozenset],
                     b: tuple[frozenset, frozenset, frozenset]) -> float:
    """0..1: how alike two tasks' grid shapes are (size relation counts most)."""
    return (0.5 * bool(a[2] & b[2]) + 0.25 * bool(a[0] & b[0]) + 0.25 * bool(a[1] & b[1]))


def _encode(grid: Grid) -> list[str]:
    return ["".join(str(c) for c in row) for row in grid]


def _decode(rows: list[str]) -> Grid:
    return tuple(tuple(int(c) for c in row) for row in rows)


@dataclass(frozen=True)
class Shot:
    """One few-shot demonstration: a relabeled task and the program that solves it."""

    rank: int                  # position in the priority-drawn training set
    task_id: str
    program: str
    inputs: tuple[Grid, ...]
    outputs: tuple[Grid, ...]
    demo_accuracy: float
    pixel_accuracy: float
    sample_id: int | None = None
    pool: str = ""
    iteration: int = 0

    @functools.cached_property
    def features(self) -> tuple[frozenset, frozenset, frozenset]:
        return _shape_features(list(zip(self.inputs, self.outputs)))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.rank, "task_id": self.task_id, "sample_id": self.sample_id,
                "pool": self.pool, "iteration": self.iteration, "program": self.program,
                "demo_accuracy": self.demo_accuracy, "pixel_accuracy": self.pixel_accuracy,
                "inputs": [_encode(g) for g in self.inputs],
                "outputs": [_encode(g) for g in self.outputs]}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Shot:
        return cls(rank=int(d["id"]), task_id=d["task_id"], program=d["program"],
                   inputs=tuple(_decode(g) for g in d["inputs"]),
                   outputs=tuple(_decode(g) for g in d["outputs"]),
                   demo_accuracy=float(d["demo_accuracy"]),
                   pixel_accuracy=float(d["pixel_accuracy"]), sample_id=d.get("sample_id"),
                   pool=d.get("pool", ""), iteration=int(d.get("iteration", 0)))


# ---------------------------------------------------------------------- the policy

class DSPyPolicy:
    """Programs from an LLM prompted with a DSL card and replayed programs as few-shots."""

    name = "dspy"

    def __init__(self, model: str = "openai/gpt-4o-mini", api_key_env: str | None = None,
                 api_base: str | None = None, shots: int = 4, max_tokens: int = 600,
                 cache: bool = True, run_dir: Path | str | None = None, lm: Any = None,
                 shot_pairs: int = 3, pool_size: int = 1000, prefer_shapes: bool = True,
                 threads: int = 4, num_retries: int = 3) -> None:
        if not isinstance(model, str) or not model.strip():
            raise ValueError("the dspy policy needs a model string, e.g. 'openai/gpt-4o-mini'")
        if api_key_env is not None and (not isinstance(api_key_env, str)
                                        or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*",
                                                            api_key_env)):
            raise ValueError(f"api_key_env must name an environment variable (e.g. "
                             f"OPENAI_API_KEY), not hold a key; got {str(api_key_env)[:4]}…")
        for name, value, low in (("shots", shots, 0), ("max_tokens", max_tokens, 1),
                                 ("shot_pairs", shot_pairs, 1), ("pool_size", pool_size, 1),
                                 ("threads", threads, 1), ("num_retries", num_retries, 0)):
            if not isinstance(value, int) or value < low:
                raise ValueError(f"dspy policy option {name!r} must be an integer ≥ {low}, "
                                 f"got {value!r}")
        self.model = model
        self.api_key_env = api_key_env
        self.api_base = api_base
        self.shots = shots
        self.max_tokens = max_tokens
        self.cache = bool(cache)
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.shot_pairs = shot_pairs
        self.pool_size = pool_size
        self.prefer_shapes = bool(prefer_shapes)
        self.threads = threads
        self.num_retries = num_retries
        self.lm = lm                      # a dspy LM object; built from `model` when None
        self.pool: list[Shot] = []
        self.sample_stats: dict[str, Any] = {}
        self._cache: Any = None
        self._secret: str | None = None   # only to redact it from error messages

    # ------------------------------------------------------------------ options

    def options(self) -> dict[str, Any]:
        """The policy's settings as JSON (no key, only the name of its variable)."""
        return {"model": self.model, "api_key_env": self.api_key_env,
                "api_base": self.api_base, "shots": self.shots, "max_tokens": self.max_tokens,
                "cache": self.cache, "shot_pairs": self.shot_pairs,
                "pool_size": self.pool_size, "prefer_shapes": self.prefer_shapes,
                "threads": self.threads, "num_retries": self.num_retries}

    @property
    def key_env(self) -> str | None:
        """The environment variable the API key is read from (None: no key needed)."""
        if self.api_key_env:
            return self.api_key_env
        if self.api_base:  # a self-hosted endpoint: a key only when the user names one
            return None
        return DEFAULT_KEY_ENV.get(self.model.split("/", 1)[0].lower())

    # ------------------------------------------------------------------ learning

    def learn(self, experiences: Sequence[Experience], rng: random.Random) -> dict[str, float]:
        """Keep the priority-drawn training set as the few-shot pool (one entry per
        program, the best-scored; at most `pool_size`, highest priority first)."""
        best: dict[str, Shot] = {}
        for rank, e in enumerate(experiences):
            if not e.inputs:
                continue
            shot = Shot(rank, e.task_id, e.program, tuple(e.inputs), tuple(e.outputs),
                        float(e.demo_accuracy), float(e.pixel_accuracy), e.sample_id, e.pool,
                        e.iteration)
            old = best.get(e.program)
            if old is None or (shot.demo_accuracy, shot.pixel_accuracy) > \
                    (old.demo_accuracy, old.pixel_accuracy):
                best[e.program] = shot
        ranked = sorted(best.values(), key=lambda s: (-s.demo_accuracy, -s.pixel_accuracy,
                                                       s.rank))
        self.pool = ranked[:self.pool_size]
        return {"pool": float(len(self.pool)),
                "pool_full_solutions": float(sum(s.demo_accuracy >= 1.0 for s in self.pool)),
                "shots": float(self.shots)}

    def select_shots(self, task: Task) -> list[Shot]:
        """The task's few-shot demonstrations: highest priority first, ties to similar grid
        shapes; one per parent task before any second one."""
        if not self.shots or not self.pool:
            return []
        target = _shape_features([(p.input, p.output) for p in task.train
                                  if p.output is not None])

        def key(s: Shot) -> tuple:
            sim = shape_similarity(s.features, target) if self.prefer_shapes else 0.0
            return (-s.demo_accuracy, -sim, -s.pixel_accuracy, s.rank)

        ordered = sorted(self.pool, key=key)
        chosen: list[Shot] = []
        seen_tasks: set[str] = set()
        for s in ordered:
            if s.task_id not in seen_tasks:
                chosen.append(s)
                seen_tasks.add(s.task_id)
                if len(chosen) == self.shots:
                    return chosen
        taken = {s.rank for s in chosen}
        for s in ordered:
            if s.rank not in taken:
                chosen.append(s)
                if len(chosen) == self.shots:
                    break
        return chosen

    def _examples(self, shots: Sequence[Shot]) -> list[Any]:
        import dspy

        return [dspy.Example(task=render_pairs(list(zip(s.inputs, s.outputs)), self.shot_pairs),
                             program=s.program.strip()).with_inputs("task") for s in shots]

    # ------------------------------------------------------------------ the LM

    def _check_key(self) -> str | None:
        var = self.key_env
        if var is None:
            return None
        value = os.environ.get(var, "")
        if not value.strip():
            raise MissingAPIKeyError(
                f"the dspy policy (model {self.model!r}) reads its API key from the "
                f"environment variable {var}, which is not set: export {var}=... (or name "
                f"another variable with the policy option api_key_env)")
        return value

    def _build_lm(self, api_key: str | None) -> Any:
        """The dspy.LM for `model` (its own call cache off: the policy caches answers)."""
        import dspy

        kwargs: dict[str, Any] = {}
        if api_key:
            kwargs["api_key"] = api_key
        if self.api_base:
            kwargs["api_base"] = self.api_base
        return dspy.LM(self.model, max_tokens=self.max_tokens, cache=False,
                       num_retries=self.num_retries, **kwargs)

    def _ensure_lm(self) -> Any:
        if self.lm is None:
            self._secret = self._check_key()
            self.lm = self._build_lm(self._secret)
        return self.lm

    def _describe(self, e: BaseException) -> str:
        """One line about an LM failure, with the API key (should a provider echo it)
        replaced by the name of its variable."""
        text = str(e).strip()
        text = text.splitlines()[0][:300] if text else type(e).__name__
        if self._secret:
            text = text.replace(self._secret, f"${self.key_env}")
        return text

    @property
    def cache_dir(self) -> Path | None:
        """Where answers are cached on disk (None: in memory only, or not at all)."""
        return self.run_dir / CACHE_DIR if self.cache and self.run_dir is not None else None

    def _answer_cache(self) -> Any:
        if not self.cache:
            return None
        if self._cache is None:
            from dspy.clients.cache import Cache

            directory = self.cache_dir
            if directory is not None:
                directory.mkdir(parents=True, exist_ok=True)
            self._cache = Cache(enable_disk_cache=directory is not None,
                                enable_memory_cache=True,
                                disk_cache_dir=str(directory) if directory else None,
                                disk_size_limit_bytes=2 * 1024 ** 3, memory_max_entries=100_000,
                                restrict_pickle=True)
        return self._cache

    def _model_label(self) -> str:
        return str(getattr(self.lm, "model", None) or self.model)

    # ------------------------------------------------------------------ sampling

    def sample(self, tasks: Sequence[Task], n: int, temperature: float,
               rng: random.Random) -> dict[str, list[str]]:
        """Up to n programs per task (one LM call each, with its own rollout id).

        Raises `MissingAPIKeyError`/`DSPyPolicyError` before or instead of sampling when
        the key is missing or rejected; any other LM failure skips the rest of that task
        only. `sample_stats` says what happened.
        """
        lm = self._ensure_lm()
        cache = self._answer_cache()
        # Rollout ids are drawn up front, in task order: reproducible whatever the threads.
        plan = [(task, [rng.getrandbits(62) for _ in range(n)]) for task in tasks]
        stats: dict[str, Any] = {"tasks": len(plan), "calls": 0, "cache_hits": 0,
                                 "programs": 0, "parsed": 0, "unparsable": 0, "empty": 0,
                                 "format_errors": 0, "lm_errors": 0, "failed_tasks": 0,
                                 "errors": []}
        out: dict[str, list[str]] = {}
        workers = max(1, min(self.threads, len(plan)))
        if workers == 1:
            results = [self._sample_task(lm, cache, t, r, temperature) for t, r in plan]
        else:
            with ThreadPoolExecutor(workers, thread_name_prefix="dspy-policy") as pool:
                futures = [pool.submit(self._sample_task, lm, cache, t, r, temperature)
                           for t, r in plan]
                try:
                    results = [f.result() for f in futures]
                except BaseException:
                    for f in futures:
                        f.cancel()
                    raise
        for (task, _), (programs, task_stats, error) in zip(plan, results):
            out[task.id] = programs
            for k, v in task_stats.items():
                stats[k] += v
            if error:
                stats["errors"].append(f"task {task.id}: {error}")
                stats["failed_tasks"] += 1
        for message in stats["errors"]:
            log.warning("dspy policy: %s", message)
        self.sample_stats = stats
        return out

    def _cache_key(self, shots: Sequence[Shot], task_text: str, temperature: float,
                   rollout: int) -> dict[str, Any]:
        prompt = json.dumps([INSTRUCTIONS, reference_card(), self.shot_pairs,
                             [s.program for s in shots],
                             [[_encode(g) for g in s.inputs + s.outputs] for s in shots],
                             task_text])
        return {"codeit_dspy_policy": CACHE_VERSION, "model": self._model_label(),
                "api_base": self.api_base or "", "max_tokens": self.max_tokens,
                "temperature": float(temperature), "rollout": rollout,
                "prompt": hashlib.sha256(prompt.encode()).hexdigest()}

    def _sample_task(self, lm: Any, cache: Any, task: Task, rollouts: Sequence[int],
                     temperature: float) -> tuple[list[str], dict[str, int], str | None]:
        import dspy
        from dspy.utils.exceptions import (
            AdapterParseError,
            LMAuthError,
            LMBillingError,
            LMConfigurationError,
        )

        shots = self.select_shots(task)
        demos = self._examples(shots)
        task_text = render_task(task)
        predictor = dspy.Predict(_signature())
        adapter = dspy.ChatAdapter(use_json_adapter_fallback=False)
        stats = {"calls": 0, "cache_hits": 0, "programs": 0, "parsed": 0, "unparsable": 0,
                 "empty": 0, "format_errors": 0, "lm_errors": 0}
        programs: list[str] = []
        error: str | None = None
        for rollout in rollouts:
            key = self._cache_key(shots, task_text, temperature, rollout)
            hit = cache.get(key) if cache is not None else None
            if isinstance(hit, dict) and isinstance(hit.get("answer"), str):
                stats["cache_hits"] += 1
                answer, formatted = hit["answer"], bool(hit.get("formatted", True))
            else:
                config: dict[str, Any] = {"temperature": temperature,
                                          "max_tokens": self.max_tokens, "cache": False}
                if temperature > 0:
                    config["rollout_id"] = rollout
                stats["calls"] += 1
                try:
                    with dspy.context(lm=lm, adapter=adapter):
                        prediction = predictor(task=task_text, demos=demos, config=config)
                    answer, formatted = str(prediction.program or ""), True
                except AdapterParseError as e:  # no [[ ## program ## ]] field: use it raw
                    answer, formatted = str(e.lm_response or ""), False
                except (LMAuthError, LMBillingError, LMConfigurationError) as e:
                    var = self.key_env
                    where = (f"check the API key in the environment variable {var}" if var
                             else "check the model string and its endpoint")
                    raise DSPyPolicyError(f"the dspy policy cannot use model {self.model!r}: "
                                          f"{self._describe(e)} ({where})") from None
                except Exception as e:  # noqa: BLE001  (network, rate limit, context length...)
                    stats["lm_errors"] += 1
                    error = f"{type(e).__name__}: {self._describe(e)}"
                    break
                if cache is not None:
                    cache.put(key, {"answer": answer, "formatted": formatted})
            if not formatted:
                stats["format_errors"] += 1
            text, status = extract_program(answer)
            if status == "empty":
                stats["empty"] += 1
                continue
            stats["parsed" if status == "ok" else "unparsable"] += 1
            stats["programs"] += 1
            programs.append(text)
        return programs, stats, error

    # ------------------------------------------------------------------ persistence

    def save(self, path: Path) -> None:
        write_atomic(Path(path), json.dumps({"policy": self.name, "version": 1,
                                             "options": self.options(),
                                             "pool": [s.to_json() for s in self.pool]}))

    def load(self, path: Path) -> None:
        """Restore the few-shot pool (the options stay those the run's config gives)."""
        data = json.loads(Path(path).read_text())
        if data.get("policy") != self.name:
            raise ValueError(f"{path} is a checkpoint of the {data.get('policy')!r} policy, "
                             f"not of the dspy policy")
        self.pool = [Shot.from_json(d) for d in data.get("pool", [])]

