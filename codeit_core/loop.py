"""The CodeIt meta-iteration (Butt et al. 2024, Algorithm 1), as separately callable steps.

    loop = CodeItLoop.open(run_dir)          # or CodeItLoop.create(run_dir, config)
    loop.seed()                              # once: reference programs + mutants → seed pool
    loop.learn()                             # 1. draw from the buffer by priority, train
    loop.sample()                            # 2. n programs per task from its demos only
    loop.execute()                           # 3. run on demo + test inputs, record samples
    loop.store()                             # 4-5. relabel in hindsight, store by priority
    loop.score()                             # 6. top-3 policy-only and cumulative solved
    loop.run_iterations(k)                   # or all of it, resumably

Every step ends with one database transaction that also records the phase reached, so a
run killed at any instant resumes at the first unfinished step with the same random draws
(randomness is derived from (seed, iteration, phase)); experiences are keyed by (task,
program), so a redone step never duplicates one. Sampled programs are untrusted text: they
run only in the sandboxed Executor.

Faithfulness notes: the policy sees demonstration pairs only; test inputs are executed for
scoring but never relabeled. Ablations: A1 stores no policy experiences; A2 stores only
full solutions with their real targets; A3 samples the buffer uniformly; A4 skips
pretraining (neural policy); A5 shows the policy only the first demonstration; A6 seeds
without mutants. The loop reads them only as the flags of `RunConfig.switches()`.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from codeit_core import tracing
from codeit_core.buffer import ReplayBuffer
from codeit_core.db import load_grids, transaction
from codeit_core.execute import Executor, executor_for
from codeit_core.grids import Grid
from codeit_core.metrics import score_iteration
from codeit_core.policies import Policy, Pretrains, ReportsParents, ReportsSampleStats, \
    make_policy
from codeit_core.relabel import POLICY_POOL, POOLS, SEED_POOL, Experience, not_relabeled, \
    relabel, rewards
from codeit_core.runs import CHECKPOINTS, RunConfig, RunDamagedError, RunDir, numpy_rng, \
    python_rng, remove_stale_temporaries
from codeit_core.steps import BY_NAME, ITERATION, LAST_PHASE, NEW, STARTED, step_after
from codeit_core.store import RunStore
from codeit_core.tasks import Task, UnknownTaskError, load_dataset

Progress = Callable[[str, int, int], None]


class StopRequested(Exception):
    """Raised between steps when a stop was asked for (the run resumes cleanly later)."""


def select_tasks(config: RunConfig) -> list[Task]:
    """The run's search set: the dataset, or its first N tasks, or the listed ids."""
    tasks = load_dataset(config.dataset)
    spec = config.tasks.strip()
    if not spec:
        return tasks
    if spec.isdigit():
        return tasks[:int(spec)]
    by_id = {t.id: t for t in tasks}
    wanted = [s.strip() for s in spec.split(",") if s.strip()]
    missing = [t for t in wanted if t not in by_id]
    if missing:
        raise UnknownTaskError(f"task(s) {', '.join(missing)} not in {config.dataset}")
    return [by_id[t] for t in wanted]


@dataclass
class SampleRecord:
    """One sampled program on one task, after execution."""

    task_id: str
    program: str
    demo_outputs: tuple[Grid | None, ...]
    test_outputs: tuple[Grid | None, ...]
    error: str | None
    demo_accuracy: float
    pixel_accuracy: float
    test_correct: bool
    error_message: str = ""
    """the first error in words: on which input, its kind, line and message"""

    @property
    def valid(self) -> bool:
        return any(o is not None for o in self.demo_outputs)


def _error_words(result: Any, k: int, n_demos: int) -> str:
    """Where a sample failed first, and how (e.g. demo 2: type at line 4: ...)."""
    where = f"demo {k + 1}" if k < n_demos else f"test {k - n_demos + 1}"
    return f"{where}: {result.describe()}"


@dataclass
class IterationState:
    """What the steps of the current meta-iteration produced (for step-by-step views)."""

    iteration: int
    phase: str = STARTED
    training_set: list[Experience] = field(default_factory=list)
    learn_stats: dict[str, float] = field(default_factory=dict)
    sampled: dict[str, list[str]] = field(default_factory=dict)
    parents: dict[tuple[str, str], str] = field(default_factory=dict)
    """(task id, sampled text) -> the program it was derived from (the mutation policy)"""
    n_sampled: int = 0
    records: list[SampleRecord] = field(default_factory=list)
    experiences: list[Experience] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)


class CodeItLoop:
    """One run's CodeIt loop: seed once, then meta-iterations of five steps."""

    def __init__(self, run_dir: RunDir, executor: Executor | None = None,
                 progress: Progress | None = None) -> None:
        self.dir = run_dir
        self.config = run_dir.config()
        # a checkpoint half-written when a process was killed (the whole one is elsewhere)
        remove_stale_temporaries(run_dir.path / CHECKPOINTS)
        self.conn = run_dir.connect()
        self.run_store = RunStore(self.conn)
        self.tasks = select_tasks(self.config)
        self.tasks_by_id = {t.id: t for t in self.tasks}
        c = self.config
        self.switches = c.switches()
        self.buffer = ReplayBuffer(self.conn, c.weights(), c.alpha, c.capacity or None,
                                   uniform=not self.switches.prioritized_replay,
                                   policy_share=c.policy_share)
        self.policy: Policy = make_policy(c.policy, c.policy_options, run_dir=run_dir.path)
        self._own_executor = executor is None
        self.executor = executor or executor_for(c)
        self.progress = progress or (lambda phase, done, total: None)
        self.search_result: Any = None  # the search tasks' full result, once seeded here
        try:
            self.state = self._resume_state()
        except BaseException as e:
            self.close()
            if isinstance(e, sqlite3.DatabaseError) and not (
                    isinstance(e, sqlite3.OperationalError) and "locked" in str(e)):
                # the header read, the rows where the run stands did not
                raise RunDamagedError(run_dir.damaged(run_dir.db_path, e)) from None
            raise

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def create(cls, run_dir: RunDir, config: RunConfig, **kw: Any) -> "CodeItLoop":
        run_dir.create(config)
        return cls(run_dir, **kw)

    @classmethod
    def open(cls, run_dir: RunDir, **kw: Any) -> "CodeItLoop":
        return cls(run_dir, **kw)

    def close(self) -> None:
        if self._own_executor:
            self.executor.close()
        self.conn.close()

    def __enter__(self) -> "CodeItLoop":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _resume_state(self) -> IterationState:
        """Where the run stands: the iteration in progress (or the next) and its phase."""
        row = self.run_store.last_iteration()
        if row is None:
            return IterationState(iteration=1, phase=NEW)
        iteration, phase = row
        if phase == LAST_PHASE:
            self._load_policy(iteration)
            return IterationState(iteration=iteration + 1, phase=NEW)
        # an unfinished iteration: the policy as of its Learn step, if that step finished
        self._load_policy(iteration if phase != STARTED else iteration - 1)
        return IterationState(iteration=iteration, phase=phase)

    def _load_policy(self, up_to: int) -> None:
        found = self.dir.latest_checkpoint(up_to)
        if found:
            try:
                self.policy.load(found[1])
            except Exception as e:  # noqa: BLE001 - any reader's failure: a damaged file
                raise RunDamagedError(self.dir.damaged(found[1], e)) from None

    @property
    def iteration(self) -> int:
        return self.state.iteration

    @property
    def next_step(self) -> str:
        """The name of the step to call next (see codeit_core.steps.STEPS)."""
        if not self.is_seeded():
            return "seed"
        return step_after(self.state.phase)

    def _expect(self, name: str) -> None:
        """Refuse a step out of order, saying which one comes next."""
        if self.next_step != name:
            before = ITERATION[ITERATION.index(BY_NAME[name]) - 1].name
            raise RuntimeError(f"{name} follows {before}; the next step is {self.next_step}")

    def is_seeded(self) -> bool:
        return self.run_store.is_seeded()

    def completed_iterations(self) -> int:
        return self.run_store.completed_iterations()

    def _set_phase(self, phase: str, **metrics: Any) -> None:
        """Record the phase reached (inside the caller's transaction) and merge metrics."""
        it = self.state.iteration
        merged = {**self.run_store.iteration_metrics(it), **metrics}
        self.run_store.record_phase(it, phase, merged)
        self.state.phase = phase
        self.state.metrics = merged

    # ------------------------------------------------------------------ seeding

    def seed(self) -> dict[str, int]:
        """Fill the seed pool once: every reference program relabeled on its own task's
        demonstrations, plus type-aware mutants of them (none with ablation A6)."""
        done = self.run_store.seed_summary()
        if done is not None:
            return done
        with tracing.span("codeit.seed", phase="seed") as s:
            from codeit_core.mutate import generate_mutants, generate_random_programs
            from codeit_core.solutions import DATASET, load_solutions

            started = time.perf_counter()
            train = {t.id: t for t in load_dataset(DATASET)}
            # a task of the search set never seeds with its own reference program (the
            # tuning split searches on training tasks)
            references = [(train[tid], text) for tid, text in load_solutions().items()
                          if tid in train and tid not in self.tasks_by_id]
            results = self.executor.run_batch(
                [(text, task.demo_inputs) for task, text in references],
                progress=lambda d, n: self.progress("seed: reference programs", d, n))
            experiences = []
            for (task, text), res in zip(references, results):
                e = relabel(task, text, [r.output for r in res], 0, SEED_POOL)
                if e is not None:
                    experiences.append(e)
            mutants = []
            n_mutants = self.config.seed_mutants if self.switches.mutation_seed else 0
            if n_mutants:
                mutants = generate_mutants(
                    references, n_mutants, self.executor, python_rng(self.config.seed, "seed"),
                    progress=lambda a, t: self.progress("seed: mutants", a, n_mutants))
            randoms = []
            if self.config.seed_random_programs:
                randoms = generate_random_programs(
                    [task for task, _ in references], self.config.seed_random_programs,
                    self.config.random_program_length, self.executor,
                    python_rng(self.config.seed, "seed", "random"),
                    progress=lambda a, t: self.progress("seed: random programs", a,
                                                        self.config.seed_random_programs))
            for m in mutants + randoms:
                e = relabel(train[m.task_id], m.program, list(m.outputs), 0, SEED_POOL,
                            parent_program=m.parent_program or None)
                if e is not None:
                    experiences.append(e)
            search = self._search_tasks(references, mutants)
            learned = self._search_experiences(search)
            summary = {"reference_programs": len(references), "mutants": len(mutants),
                       "random_programs": len(randoms),
                       "seed_experiences": len(experiences),
                       "search_experiences": len(learned),
                       "search": search.stats if search else None,
                       "seconds": round(time.perf_counter() - started, 2)}
            s.set(**{k: v for k, v in summary.items() if k != "search"},
                  search_solved=search.stats.get("solved") if search else None)
            with transaction(self.conn):
                self.buffer.add(experiences + learned)
                # A1 learns from search tasks instead of its own samples (store())
                self.run_store.record_seed(
                    summary, search.top3() if search else None,
                    search.programs if search and not self.switches.stores_policy_samples
                    else None)
            return summary

    def _search_tasks(self, references: list[tuple[Task, str]], mutants: list[Any]) -> Any:
        """The paper's search tasks: the reference programs and `search_mutants` mutants
        (the seed pool's first, then more) on every task of the search set, cached."""
        c = self.config
        if not self.switches.mutation_seed or c.search_mutants <= 0 or not references:
            return None
        from codeit_core.mutate import generate_mutants
        from codeit_core.search import cached_mutant_texts, cached_search

        samples = [m.program for m in mutants[:c.search_mutants]]
        more = c.search_mutants - len(samples)
        ref_texts = list(dict.fromkeys(text for _, text in references))
        if more > 0:
            def generate() -> list[str]:
                return [m.program for m in generate_mutants(
                    references, more, self.executor, python_rng(c.seed, "search"),
                    progress=lambda a, t: self.progress("seed: search mutants", a, more))]

            samples += cached_mutant_texts([f"{t.id}\n{text}" for t, text in references],
                                           more, c.seed, generate)
        # each distinct mutant once, in the order of its first sample
        first: dict[str, int] = {}
        for position, text in enumerate(samples):
            first.setdefault(text, position)
        known = set(ref_texts)
        texts = [t for t in first if t not in known]
        result = cached_search(ref_texts + texts, self.tasks, n_references=len(ref_texts),
                               workers=c.workers or None, timeout=c.timeout,
                               progress=lambda d, n: self.progress("seed: search tasks", d, n),
                               ray_address=c.ray_address if c.executor == "ray" else None)
        result.first_samples = [first[t] for t in texts]
        result.stats["solved"] = len(result.solved())
        result.stats["mutant_samples"] = len(samples)
        self.search_result = result
        return result

    def _search_experiences(self, search: Any) -> list[Experience]:
        """Relabeled search tasks for the policy pool (``search_experiences`` per task):
        each search task's best candidates by the metric's rank — never by the test
        outcome —, run again on its demonstration inputs, one per distinct set of outputs
        (mutants often differ only in text); without relabeling (A2) only those that solve
        every demonstration."""
        k = self.config.search_experiences
        if k <= 0 or search is None:
            return []
        picks = [(self.tasks_by_id[tid], text)
                 for tid, ranked in sorted(search.ranked(4 * k).items())
                 for _, text in ranked]
        results = self.executor.run_batch(
            [(text, task.demo_inputs) for task, text in picks],
            progress=lambda d, n: self.progress("seed: search-task experiences", d, n))
        kept: dict[str, set[tuple]] = {}
        out: list[Experience] = []
        for (task, text), res in zip(picks, results):
            outputs = tuple(r.output for r in res)
            seen = kept.setdefault(task.id, set())
            if len(seen) >= k or outputs in seen:
                continue
            e = relabel(task, text, list(outputs), 0, POLICY_POOL,
                        relabeling=self.switches.relabels)
            if e is not None:
                seen.add(outputs)
                out.append(e)
        return out

    # ------------------------------------------------------------------ the five steps

    def _begin(self) -> None:
        if self.state.phase in (NEW, LAST_PHASE):
            self.state = IterationState(iteration=self.state.iteration
                                        + (1 if self.state.phase == LAST_PHASE else 0))

    def pretraining_pool(self) -> list[Experience]:
        """What pretraining reads: every experience the buffer holds before the first
        Sample (the seed pool and, when the run learns from search tasks, theirs)."""
        return self.buffer.load([int(i) for pool in POOLS for i in
                                 self.buffer.sampling_weights(pool)[0]])

    def learn(self) -> dict[str, float]:
        """1. Draw a training set by priority (pools mixed 9:1) and train one epoch."""
        if not self.is_seeded():
            raise RuntimeError("seed the buffer first (loop.seed())")
        with tracing.span("codeit.learn", phase="learn") as s:
            self._begin()
            it = self.state.iteration
            with transaction(self.conn):
                self._set_phase(STARTED)
            t = time.perf_counter()
            self.progress("learn", 0, 1)
            pretrain_stats: dict[str, float] = {}
            if it == 1 and self.switches.pretrains and isinstance(self.policy, Pretrains):
                # Pretraining on the whole seed pool and, when the run learns from search
                # tasks, their experiences (the policy pool holds nothing else before the
                # first Sample); ablation A4 skips it: random weights.
                pretrain_stats = self.policy.pretrain(self.pretraining_pool(),
                                                      python_rng(self.config.seed, "pretrain"))
            training = self.buffer.sample(self.config.learn_size, numpy_rng(self.config.seed, it,
                                                                           "learn"), it)
            stats = self.policy.learn(training, python_rng(self.config.seed, it, "learn"))
            if pretrain_stats:
                stats = {**{f"pretrain_{k}": v for k, v in pretrain_stats.items()}, **stats}
            self.policy.save(self.dir.checkpoint(it))
            self.state.training_set = training
            self.state.learn_stats = stats
            with transaction(self.conn):
                self._set_phase(BY_NAME["learn"].leaves, learn=stats, training_set=len(training),
                                training_from_seed=sum(e.pool == SEED_POOL for e in training),
                                learn_seconds=round(time.perf_counter() - t, 3))
            self.progress("learn", 1, 1)
            s.set(iteration=it, policy=self.config.policy, training_set=len(training),
                  training_from_seed=self.state.metrics.get("training_from_seed"), learn=stats)
            return stats

    def visible_task(self, task: Task) -> Task:
        """What the policy may see: demonstrations only (the first one alone under A5)."""
        demos = task.train if self.switches.all_demos_shown else task.train[:1]
        return replace(task, train=demos, test=tuple(replace(p, output=None) for p in task.test))

    def sample(self) -> dict[str, list[str]]:
        """2. n programs per task from the policy; duplicates within a task dropped."""
        self._expect("sample")
        with tracing.span("codeit.sample", phase="sample") as s:
            it = self.state.iteration
            t = time.perf_counter()
            self.progress("sample", 0, len(self.tasks))
            raw = self.policy.sample([self.visible_task(t) for t in self.tasks],
                                     self.config.samples_per_task, self.config.temperature,
                                     python_rng(self.config.seed, it, "sample"))
            self.state.n_sampled = sum(len(v) for v in raw.values())
            self.state.parents = (dict(self.policy.sample_parents)
                                  if isinstance(self.policy, ReportsParents) else {})
            self.state.sampled = {tid: list(dict.fromkeys(raw.get(tid, [])))
                                  for tid in self.tasks_by_id}
            self.state.phase = BY_NAME["sample"].leaves  # in memory only (see steps.py)
            self.state.metrics["sample_seconds"] = round(time.perf_counter() - t, 3)
            # a policy's own counters (e.g. the LLM's unparsable answers), numbers only
            stats = (self.policy.sample_stats or {}
                     if isinstance(self.policy, ReportsSampleStats) else {})
            self.state.metrics["policy_sample_stats"] = {
                k: v for k, v in stats.items()
                if isinstance(v, (int, float)) and not isinstance(v, bool)}
            self.progress("sample", len(self.tasks), len(self.tasks))
            s.set(iteration=it, tasks=len(self.tasks),
                  samples_per_task=self.config.samples_per_task, sampled=self.state.n_sampled,
                  unique=sum(len(v) for v in self.state.sampled.values()))
            return self.state.sampled

    def execute(self) -> list[SampleRecord]:
        """3. Run every sampled program on its task's demo and test inputs (sandboxed) and
        record the samples with their rewards."""
        if self.next_step == "sample":  # resumed between steps: sampling is reproducible
            self.sample()
        self._expect("execute")
        with tracing.span("codeit.execute", phase="execute") as sp:
            it = self.state.iteration
            t = time.perf_counter()
            pairs = [(tid, prog) for tid, progs in self.state.sampled.items() for prog in progs]
            jobs = [(prog, self.tasks_by_id[tid].demo_inputs + self.tasks_by_id[tid].test_inputs)
                    for tid, prog in pairs]
            results = self.executor.run_batch(
                jobs, progress=lambda d, n: self.progress("execute", d, n))
            records = []
            for (tid, prog), res in zip(pairs, results):
                task = self.tasks_by_id[tid]
                demo = tuple(r.output for r in res[:len(task.train)])
                test = tuple(r.output for r in res[len(task.train):])
                r = rewards(demo, [p.output for p in task.train])
                first = next((k for k, x in enumerate(res) if x.error), None)
                records.append(SampleRecord(
                    tid, prog, demo, test, None if first is None else res[first].error,
                    r.demo_accuracy, r.mean_pixel_accuracy,
                    all(o is not None and o == p.output for o, p in zip(test, task.test)),
                    "" if first is None else _error_words(res[first], first, len(task.train))))
            with transaction(self.conn):
                self.run_store.add_samples(it, records, self.state.parents)
                self._set_phase(BY_NAME["execute"].leaves, sampled=self.state.n_sampled,
                                unique=len(records),
                                valid=sum(s.valid for s in records),
                                solved_a_demo=sum(s.demo_accuracy > 0 for s in records),
                                sample_seconds=self.state.metrics.get("sample_seconds"),
                                policy_sample_stats=self.state.metrics.get(
                                    "policy_sample_stats", {}),
                                execute_seconds=round(time.perf_counter() - t, 3))
            self.state.records = records
            sp.set(iteration=it, tasks=len(self.state.sampled), programs=len(records),
                   valid=sum(x.valid for x in records),
                   errors=sum(x.error is not None for x in records),
                   solved_a_demo=sum(x.demo_accuracy > 0 for x in records),
                   test_correct=sum(x.test_correct for x in records))
            return records

    def relabeled(self) -> list[Experience]:
        """The hindsight experiences of this iteration's samples (rebuilt from the database,
        so a resumed run stores exactly what the killed one would have)."""
        it = self.state.iteration
        relabeling = self.switches.relabels
        out = []
        for sid, tid, prog, demo, parent in self.run_store.valid_samples(it):
            e = relabel(self.tasks_by_id[tid], prog, load_grids(demo), it, POLICY_POOL,
                        sample_id=sid, parent_program=parent, relabeling=relabeling)
            if e is not None:
                out.append(e)
        return out

    def sample_fate(self, valid: bool, demo_accuracy: float, priority: float | None) -> str:
        """What became of a sample of this run, in words: why it gave no experience, that
        A1 stored none, the priority it was stored with, or (before its Store step) what
        it becomes."""
        why = not_relabeled(valid, demo_accuracy == 1.0, self.switches.relabels)
        if why:
            return why
        if not self.switches.stores_policy_samples:
            return "relabeled, not stored (A1 stores search tasks instead)"
        if priority is not None:
            return f"stored · priority {priority:.3f}"
        return "relabeled → new task" if self.switches.relabels else "kept (solves every demo)"

    def store(self) -> int:
        """4-5. Relabel in hindsight and store in the buffer by priority (under A1, as many
        search-task experiences instead)."""
        self._expect("store")
        with tracing.span("codeit.store", phase="store") as s:
            t = time.perf_counter()
            experiences = self.relabeled()
            self.state.experiences = experiences
            extra: dict[str, Any] = {}
            to_store = experiences
            if not self.switches.stores_policy_samples:
                to_store = self.search_task_experiences(len(experiences))
                extra["search_task_experiences"] = len(to_store)
            stored = len(to_store)
            with transaction(self.conn):
                if stored:
                    self.buffer.add(to_store)
                self._set_phase(BY_NAME["store"].leaves, relabeled=len(experiences), stored=stored,
                                store_seconds=round(time.perf_counter() - t, 3), **extra)
            self.progress("store", 1, 1)
            s.set(iteration=self.state.iteration, relabeled=len(experiences), stored=stored)
            return stored

    def search_task_experiences(self, n: int) -> list[Experience]:
        """A1's stand-in for this iteration's `n` policy experiences: `n` relabeled search
        tasks, the paper's "no ExIt" ablation at a matched data budget. Each is a program of
        the search (reference or mutant) run on the demonstration inputs of a search task,
        drawn at random among the pairs not in the buffer yet and kept when it gives a
        valid grid. Reproducible: the draw depends only on the seed and the iteration."""
        programs = self.run_store.search_programs()
        if n <= 0 or not programs or not self.tasks:
            return []
        it = self.state.iteration
        rng = python_rng(self.config.seed, it, "search tasks")
        known = self.run_store.policy_pairs()
        tried: set[tuple[int, int]] = set()
        space = len(programs) * len(self.tasks)
        out: list[Experience] = []
        for _ in range(6):  # about half the draws give a valid grid on some demo
            pairs = []
            while len(pairs) < 2 * (n - len(out)) and len(tried) < space:
                pair = (rng.randrange(len(programs)), rng.randrange(len(self.tasks)))
                if pair not in tried:
                    tried.add(pair)
                    if (self.tasks[pair[1]].id, programs[pair[0]]) not in known:
                        pairs.append(pair)
            if not pairs:
                break
            results = self.executor.run_batch(
                [(programs[p], self.tasks[t].demo_inputs) for p, t in pairs],
                progress=lambda d, total: self.progress("store: search tasks", d, total))
            for (p, t), res in zip(pairs, results):
                e = relabel(self.tasks[t], programs[p], [r.output for r in res], it,
                            POLICY_POOL)
                if e is not None:
                    out.append(e)
                    if len(out) == n:
                        return out
        return out

    def score(self) -> dict[str, Any]:
        """6. Top-3 policy-only and cumulative solved counts, and buffer sizes."""
        self._expect("score")
        with tracing.span("codeit.score", phase="score") as s:
            t = time.perf_counter()
            with transaction(self.conn):
                counts = score_iteration(self.conn, self.state.iteration)
                self._set_phase(BY_NAME["score"].leaves, **counts, n_tasks=len(self.tasks),
                                buffer_seed=self.buffer.size(SEED_POOL),
                                buffer_policy=self.buffer.size(POLICY_POOL),
                                score_seconds=round(time.perf_counter() - t, 3))
            self.progress("score", 1, 1)
            s.set(iteration=self.state.iteration, **self.state.metrics)
            return self.state.metrics

    def step(self) -> str:
        """Do the next step, whatever it is; return its name."""
        name = self.next_step
        getattr(self, name)()
        return name

    def run_iteration(self, should_stop: Callable[[], bool] = lambda: False) -> dict[str, Any]:
        """Finish the current meta-iteration (or do a whole new one), checking for a stop
        request between steps."""
        if not self.is_seeded():
            self.seed()
        with tracing.span("codeit.meta_iteration", iteration=self.state.iteration + (
                self.state.phase == LAST_PHASE), resumed_at=self.next_step) as s:
            while True:
                if should_stop():
                    raise StopRequested()
                name = self.step()
                if name == ITERATION[-1].name:
                    s.set(iteration=self.state.iteration, **self.state.metrics)
                    return self.state.metrics

    def run_iterations(self, total: int, should_stop: Callable[[], bool] = lambda: False,
                       on_iteration: Callable[[dict[str, Any]], None] | None = None) -> int:
        """Run until `total` meta-iterations are complete; returns how many are."""
        while self.completed_iterations() < total:
            metrics = self.run_iteration(should_stop)
            if on_iteration:
                on_iteration({"iteration": self.state.iteration, **metrics})
        return self.completed_iterations()

    def metrics_table(self) -> list[dict[str, Any]]:
        """Per-iteration metrics of every scored iteration, oldest first."""
        return [{"iteration": it, **m} for it, _, _, m in self.run_store.scored_iterations()]
