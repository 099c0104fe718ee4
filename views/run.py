"""Run: the run directories with their status; create a run; open one and step through a
meta-iteration phase by phase (seeing what each phase did), or run iterations in a
separate background process with live numbers and a clean stop."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from codeit_core import runs as core_runs
from codeit_core import steps as core_steps
from codeit_core.background import (BackgroundError, iteration_rows, log_tail,
                                    request_stop, run_state, start_background)
from codeit_core.execute import ExecutorError
from codeit_core.loop import CodeItLoop, select_tasks
from codeit_core.metrics import SCOPES
from codeit_core.relabel import POLICY_POOL, SEED_POOL
from codeit_core.runlock import RunBusyError, describe, writer
from codeit_core.ray_exec import RAY_INSTALL, ray_available
from codeit_core.runs import ABLATIONS, EXECUTORS, POLICIES, ConfigError, RunConfig, RunDir, \
    disk_full
from codeit_core.session import RunSession
from codeit_core.store import RunStore
from codeit_core.tasks import (DATASET_TITLES, TaskFormatError, UnknownDatasetError,
                               UnknownTaskError, dataset_names)
from ui.components import show_pair
from ui.runs_view import RUN_KEY, list_runs, pick_run, runs_dir

ICONS = {"seed": ":material/spa:", "learn": ":material/school:",
         "sample": ":material/casino:", "execute": ":material/play_arrow:",
         "store": ":material/inventory_2:", "score": ":material/scoreboard:"}
STEPS = tuple((s.name, s.label, ICONS[s.name]) for s in core_steps.STEPS)
LABELS = {name: label for name, label, _ in STEPS}
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
STATUS_TEXT = {"new": "new", "stepping": "stepped by hand", "starting": "starting",
               "running": "running", "stopped": "stopped", "finished": "finished",
               "failed": "failed", "interrupted": "interrupted — resume possible"}
SHOWN_PROGRAMS = 24
# ExecutorError: e.g. a run made for a Ray cluster, opened where Ray is missing or unreachable
OPEN_ERRORS = (ConfigError, UnknownTaskError, UnknownDatasetError, TaskFormatError, OSError,
               ExecutorError)
# the per-iteration solve counts (iterations.metrics) → what they count
SOLVE_COUNTS = {
    "policy_only_solved": ("policy-only", "top-3 of this iteration's policy samples"),
    "cumulative_solved": ("cumulative", "top-3 of every policy sample so far"),
    "headline_cumulative_solved": (
        "headline cumulative (policy ∪ search tasks)",
        "top-3 of every policy sample so far together with the search tasks' candidates "
        "(the paper's headline number)"),
    "demo_consistent": ("demo-consistent", "some program so far solves every demo"),
    "oracle": ("oracle", "some program so far is right on the test (upper bound)")}


# ------------------------------------------------------------------ helpers

def helptext(name: str) -> str:
    return f"{core_runs.field_docs(RunConfig).get(name, '')}  \n(config field `{name}`)"


def one_line(program: str) -> str:
    calls = [ln.split("#", 1)[0].strip() for ln in program.splitlines()]
    return " · ".join(c for c in calls if c)


def config_or_none(path: Path) -> RunConfig | None:
    try:
        return RunDir(path).config()
    except ConfigError:
        return None


def run_rows() -> list[dict[str, Any]]:
    """One row per run directory for the listing."""
    rows = []
    for path in list_runs():
        config = config_or_none(path)
        try:
            state = run_state(path)
        except Exception as e:  # an unreadable database: list it, say so
            rows.append({"name": path.name, "status": f"unreadable: {e}"})
            continue
        rows.append({
            "name": path.name,
            "dataset": config.dataset if config else "?",
            "tasks": (config.tasks or "all") if config else "?",
            "policy": config.policy if config else "?",
            "ablation": (config.ablation or "—") if config else "?",
            "iterations": f"{state['completed']} / {state['planned'] or '?'}",
            "status": STATUS_TEXT.get(state["status"], state["status"]),
            "last phase": (f"{state['iteration']}: {state['phase']}"
                           if state["iteration"] else "—"),
        })
    return rows


@st.cache_resource(show_spinner="Opening the run…", on_release=RunSession.close)
def run_session(path: str) -> RunSession:
    """The run's session, shared by every browser session of the server (one per run
    directory): it owns the run's loop and serializes the steps asked for at once."""
    return RunSession(RunDir(path))


def drop_loop(run: Path) -> None:
    """Close the run's loop held in memory (before another process takes the run over)."""
    run_session(str(run.resolve())).release()


def get_session(run: Path) -> RunSession:
    return run_session(str(run.resolve()))


def iteration_metrics(loop: CodeItLoop, iteration: int) -> dict[str, Any]:
    return {**loop.run_store.iteration_metrics(iteration), **loop.state.metrics}


# ------------------------------------------------------------------ new run

# every field of the run's config (policy_options: a JSON text); those the form does not
# lay out by hand get an input of their own under Advanced (config_inputs)
FORM_FIELDS = tuple(f.name for f in dataclasses.fields(RunConfig) if f.name != "policy_options")
LAID_OUT = ("dataset", "tasks", "policy", "iterations", "samples_per_task", "temperature",
            "seed", "ablation", "learn_size", "policy_share", "alpha", "capacity",
            "priority_performance", "priority_shortness", "priority_recency",
            "priority_distance", "seed_mutants", "search_mutants", "timeout", "workers",
            "executor", "ray_address")


def config_inputs(names: list[str], per_row: int = 4) -> None:
    """An input per config field, by its type, with the field's doc as help."""
    d = RunConfig()
    types = {f.name: f.type for f in dataclasses.fields(RunConfig)}
    for start in range(0, len(names), per_row):
        cols = st.columns(per_row)
        for col, name in zip(cols, names[start:start + per_row]):
            label = name.replace("_", " ").capitalize()
            value = getattr(d, name)
            if types[name] == "int":
                col.number_input(label, value=value, step=1, key=f"nr_{name}",
                                 help=helptext(name))
            elif types[name] == "float":
                col.number_input(label, value=value, format="%.3f", key=f"nr_{name}",
                                 help=helptext(name))
            else:
                col.text_input(label, value=value, key=f"nr_{name}", help=helptext(name))


def create_from_form() -> None:
    """The form's submit callback: validate every setting, create the run, open it."""
    s = st.session_state
    s.pop("nr_error", None)
    name = (s.get("nr_name") or "").strip()
    if not NAME_RE.match(name):
        s["nr_error"] = ("run name: use 1–64 letters, digits, '.', '_' or '-' (starting "
                         "with a letter or digit), e.g. eval-40-a3")
        return
    path = runs_dir() / name
    if path.exists():
        s["nr_error"] = f"run name: {name!r} already exists in {runs_dir()}; choose another"
        return
    values = {f: s.get(f"nr_{f}") for f in FORM_FIELDS}
    if (s.get("nr_dataset_path") or "").strip():
        values["dataset"] = s["nr_dataset_path"].strip()
    values["tasks"] = (values["tasks"] or "").strip()
    values["ablation"] = values["ablation"] or ""
    values["executor"] = values["executor"] or "local"
    values["ray_address"] = (values["ray_address"] or "").strip()
    if values["executor"] == "ray" and not ray_available():
        s["nr_error"] = (f"config field 'executor': 'ray' needs Ray, which is not installed "
                         f"here; install it with: {RAY_INSTALL}")
        return
    options = (s.get("nr_policy_options") or "").strip()
    try:
        values["policy_options"] = json.loads(options) if options else {}
        if not isinstance(values["policy_options"], dict):
            raise ValueError("expected a JSON object")
    except ValueError as e:
        s["nr_error"] = f"config field 'policy_options': not a JSON object ({e})"
        return
    try:
        config = RunConfig.from_dict(values, "new run")
        selected = select_tasks(config)
        if not selected:
            raise ConfigError("config field 'tasks': the subset selects no task")
        RunDir(path).create(config)
    except UnknownTaskError as e:
        s["nr_error"] = f"config field 'tasks': {e}"
        return
    except (UnknownDatasetError, TaskFormatError) as e:
        s["nr_error"] = f"config field 'dataset': {e}"
        return
    except (ConfigError, OSError) as e:
        s["nr_error"] = str(e)
        return
    s["nr_created"] = f"Created run {name!r}: {len(selected)} task(s) of {config.dataset}."
    s[RUN_KEY] = name
    st.query_params[RUN_KEY] = name


def new_run_form() -> None:
    d = RunConfig()
    st.session_state.setdefault("nr_name", time.strftime("run-%Y%m%d-%H%M%S"))
    with st.form("new_run", border=False):
        c = st.columns(4)
        c[0].text_input("Name", key="nr_name", help="The run directory's name under "
                        f"{runs_dir()}: letters, digits, '.', '_' and '-'")
        names = dataset_names()
        c[1].selectbox("Dataset", names, index=names.index(d.dataset), key="nr_dataset",
                       format_func=lambda n: f"{DATASET_TITLES.get(n, n)} ({n})",
                       help=helptext("dataset"))
        c[2].text_input("Tasks", value=d.tasks, key="nr_tasks", help=helptext("tasks"),
                        placeholder="all — or 40, or 007bbfb7,00d62c1b")
        c[3].selectbox("Policy", POLICIES, index=POLICIES.index(d.policy), key="nr_policy",
                       help=helptext("policy"))
        c = st.columns(4)
        c[0].number_input("Meta-iterations (planned)", value=d.iterations, step=1,
                          key="nr_iterations", help=helptext("iterations"))
        c[1].number_input("Samples per task", value=d.samples_per_task, step=1,
                          key="nr_samples_per_task", help=helptext("samples_per_task"))
        c[2].number_input("Temperature", value=d.temperature, step=0.05, format="%.2f",
                          key="nr_temperature", help=helptext("temperature"))
        c[3].number_input("Seed", value=d.seed, step=1, key="nr_seed", help=helptext("seed"))
        c = st.columns(4)
        c[0].number_input("Learn size", value=d.learn_size, step=100, key="nr_learn_size",
                          help=helptext("learn_size"))
        c[1].slider("Pool mix: share from the policy pool", 0.0, 1.0, d.policy_share, 0.05,
                    key="nr_policy_share", help=helptext("policy_share"))
        c[2].number_input("Priority exponent α", value=d.alpha, step=0.1, format="%.2f",
                          key="nr_alpha", help=helptext("alpha"))
        c[3].number_input("Seed mutants", value=d.seed_mutants, step=100,
                          key="nr_seed_mutants", help=helptext("seed_mutants"))
        st.markdown("**Priority weights** — priority = Σ weight × term (the paper: "
                    "demo performance only)")
        c = st.columns(4)
        for col, (field, label) in zip(c, (("priority_performance", "performance"),
                                           ("priority_shortness", "shortness"),
                                           ("priority_recency", "recency"),
                                           ("priority_distance", "distance"))):
            col.number_input(label, value=getattr(d, field), step=0.1, format="%.2f",
                             key=f"nr_{field}", help=helptext(field))
        choices = ["", *ABLATIONS]
        c = st.columns([3, 1])
        c[0].selectbox("Ablation", choices, key="nr_ablation", help=helptext("ablation"),
                       format_func=lambda a: f"{a} — {ABLATIONS[a]}" if a
                       else "none — the full method")
        c[1].number_input("Search mutants", value=d.search_mutants, step=100,
                          key="nr_search_mutants", help=helptext("search_mutants"))
        with st.expander("Advanced", icon=":material/tune:"):
            c = st.columns(4)
            c[0].number_input("Buffer capacity", value=d.capacity, step=1000,
                              key="nr_capacity", help=helptext("capacity"))
            c[1].number_input("Timeout per program (s)", value=d.timeout, step=0.1,
                              format="%.2f", key="nr_timeout", help=helptext("timeout"))
            c[2].number_input("Executor workers", value=d.workers, step=1, key="nr_workers",
                              help=helptext("workers"))
            c[3].text_input("Dataset path (instead of the list)", key="nr_dataset_path",
                            placeholder="/path/to/tasks or task.json",
                            help="A task JSON file, a combined {task_id: task} file or a "
                                 "folder of task files; overrides the dataset above")
            c = st.columns([1, 1, 2])
            c[0].selectbox("Executor", EXECUTORS, key="nr_executor", help=helptext("executor"),
                           format_func=lambda e: {"local": "local processes",
                                                  "ray": "Ray cluster"}[e])
            c[1].text_input("Ray address", key="nr_ray_address", help=helptext("ray_address"),
                            placeholder="empty: local instance; auto; ray://HOST:PORT")
            c[2].text_input("Policy options (JSON)", key="nr_policy_options",
                            placeholder='{"model": "..."}', help=helptext("policy_options"))
            config_inputs([f for f in FORM_FIELDS if f not in LAID_OUT])
        st.form_submit_button("Create run", icon=":material/add_circle:", type="primary",
                              on_click=create_from_form)
    if st.session_state.get("nr_error"):
        st.error(f"Not created — {st.session_state['nr_error']}", icon=":material/error:")


# ------------------------------------------------------------------ step by step: views

def show_seed(loop: CodeItLoop) -> None:
    summary = loop.run_store.seed_summary() or {}
    c = st.columns(4)
    c[0].metric("reference programs", summary.get("reference_programs", 0))
    c[1].metric("mutants", summary.get("mutants", 0))
    c[2].metric("seed experiences", summary.get("seed_experiences", 0))
    c[3].metric("seconds", summary.get("seconds", 0))
    st.caption("The seed pool: every reference program relabeled on its own ARC-AGI-1 "
               "training task (except the tasks of the search set), and type-aware mutants "
               "of them, each relabeled with the outputs it really produces.")
    st.markdown("**Search tasks** — the reference programs and their mutants run on every "
                "task of the search set (the paper's mutation baseline); their top-3 "
                "candidates join the policy's in the headline count")
    if "search" not in summary:
        st.info("This run was seeded before search tasks existed: it has none.",
                icon=":material/info:")
    elif summary["search"] is None:
        why = ("ablation A6" if not loop.switches.mutation_seed else
               "0 search mutants" if loop.config.search_mutants <= 0 else
               "no reference program outside the search set")
        st.info(f"The search was off ({why}): the headline count equals the cumulative "
                f"one.", icon=":material/info:")
    else:
        show_search(loop, summary["search"])


def show_search(loop: CodeItLoop, stats: dict[str, Any]) -> None:
    """The search tasks' summary, then the chosen task's top-3 search candidates."""
    took = "cached" if stats.get("cached") else f"{stats.get('seconds', 0)} s"
    st.markdown(f"{stats.get('programs', 0):,} programs ({stats.get('mutant_samples', 0):,} "
                f"mutant samples) × {stats.get('tasks', 0):,} tasks → "
                f"{stats.get('candidates', 0):,} candidates, {stats.get('solved', 0)} tasks "
                f"solved (top-3) · {took}")
    errors = {kind: n for kind, n in (stats.get("errors") or {}).items() if n}
    st.caption(f"{stats.get('executions', 0):,} program executions · errors: "
               + (", ".join(f"{kind} {n:,}" for kind, n in errors.items()) or "none")
               + (f" · {stats['worker_restarts']} worker restart(s)"
                  if stats.get("worker_restarts") else ""))
    found = loop.run_store.search_found()
    ids = sorted((t.id for t in loop.tasks),
                 key=lambda tid: (not found.get(tid, (0, False))[1], tid not in found, tid))

    def label(tid: str) -> str:
        n, ok = found.get(tid, (0, False))
        return f"{tid} · " + (f"{n} candidate(s), {'solved' if ok else 'not solved'}" if n
                              else "no candidate")

    tid = st.selectbox("Search candidates of task", ids, key="rv_seed_task",
                       format_func=label, help="Solved tasks first, then tasks with a "
                                               "candidate")
    rows = loop.run_store.search_candidates(tid)
    if rows:
        st.dataframe(pd.DataFrame([{"rank": r, "program": one_line(p), "demo accuracy": a,
                                    "test": "right" if ok else "wrong"}
                                   for r, p, a, ok in rows]),
                     hide_index=True, width="stretch")
    else:
        st.caption("No search program solved a demonstration of this task.")


def show_learn(loop: CodeItLoop, it: int) -> None:
    m = iteration_metrics(loop, it)
    size = m.get("training_set", len(loop.state.training_set))
    from_seed = m.get("training_from_seed", 0)
    share = loop.config.policy_share
    c = st.columns(4)
    c[0].metric("training set", size, help="experiences drawn from the buffer by priority")
    c[1].metric("from the policy pool", size - from_seed)
    c[2].metric("from the seed pool", from_seed)
    c[3].metric("pool mix asked for", f"{share:.0%} : {1 - share:.0%}",
                help="policy pool : seed pool (the paper: 9:1); while the policy pool is "
                     "small the draw takes what there is")
    stats = m.get("learn") or loop.state.learn_stats
    left, right = st.columns([1, 3])
    with left:
        st.markdown("**Learn statistics**")
        st.dataframe(pd.DataFrame({"statistic": list(stats), "value": list(stats.values())}),
                     hide_index=True, width="stretch")
        st.caption(f"{m.get('learn_seconds', 0):.2f} s · checkpoint "
                   f"`{loop.dir.checkpoint(it).name}`")
    with right:
        drawn = loop.state.training_set
        if drawn:
            st.markdown(f"**The draw** (first {min(len(drawn), 200)} of {len(drawn)})")
            st.dataframe(pd.DataFrame([{
                "parent task": e.task_id, "pool": e.pool, "from iteration": e.iteration,
                "demo accuracy": e.demo_accuracy, "length": e.length,
                "program": one_line(e.program)} for e in drawn[:200]]),
                hide_index=True, width="stretch", height=240)
        else:
            st.caption("The drawn experiences are kept in memory only; this step ran in "
                       "another session or process.")


def sampled_programs(loop: CodeItLoop, it: int) -> dict[str, list[str]]:
    if loop.state.sampled:
        return loop.state.sampled
    return loop.run_store.sampled_programs(it)


def show_sample(loop: CodeItLoop, it: int) -> None:
    sampled = sampled_programs(loop, it)
    n_unique = sum(len(v) for v in sampled.values())
    n_raw = loop.state.n_sampled or iteration_metrics(loop, it).get("sampled", n_unique)
    c = st.columns(5)
    c[0].metric("tasks", len(loop.tasks))
    c[1].metric("programs sampled", n_raw,
                help=f"{loop.config.samples_per_task} per task at temperature "
                     f"{loop.config.temperature}")
    c[2].metric("unique programs", n_unique,
                help="over all tasks; duplicates within a task are dropped")
    c[3].metric("unique per task", f"{n_unique / max(1, len(loop.tasks)):.1f}",
                help=f"the mean over the {len(loop.tasks)} tasks (at most "
                     f"{loop.config.samples_per_task})")
    c[4].metric("policy", loop.config.policy)
    left, right = st.columns([1, 2])
    with left:
        st.markdown("**Programs per task**")
        st.dataframe(pd.DataFrame([{"task": t.id, "programs": len(sampled.get(t.id, []))}
                                   for t in loop.tasks]),
                     hide_index=True, width="stretch", height=240)
    with right:
        ids = [t.id for t in loop.tasks]
        tid = st.selectbox("Programs of task", ids, key="rv_sample_task")
        progs = sampled.get(tid, [])
        st.caption(f"{len(progs)} unique program(s); the policy saw the demonstrations only")
        with st.container(height=260):
            for i, prog in enumerate(progs[:SHOWN_PROGRAMS]):
                st.code(prog.rstrip(), language=None)
            if len(progs) > SHOWN_PROGRAMS:
                st.caption(f"… and {len(progs) - SHOWN_PROGRAMS} more")


def task_records(loop: CodeItLoop, it: int, task_id: str | None = None) -> pd.DataFrame:
    """This iteration's executed samples (from the database, so a resumed run shows them)."""
    return pd.DataFrame(loop.run_store.executed_samples(it, task_id),
                        columns=list(RunStore.SAMPLE_COLUMNS))


def show_execute(loop: CodeItLoop, it: int) -> None:
    from codeit_core.db import load_grids

    m = iteration_metrics(loop, it)
    all_rows = task_records(loop, it)
    c = st.columns(5)
    c[0].metric("programs run", m.get("unique", len(all_rows)),
                help="on every demonstration and test input, sandboxed")
    c[1].metric("produced grids", m.get("valid", int(all_rows["valid"].sum())),
                help="these are relabeled in hindsight")
    c[2].metric("solve ≥ 1 demo", m.get("solved_a_demo", 0))
    c[3].metric("right on the test", int(all_rows["test_correct"].sum()))
    c[4].metric("seconds", m.get("execute_seconds", 0))
    if all_rows.empty:
        st.info("No program was sampled in this iteration.", icon=":material/info:")
        return
    per_task = all_rows.groupby("task").agg(
        programs=("id", "size"), produced_grids=("valid", "sum"),
        best_demo_accuracy=("demo_accuracy", "max"),
        right_on_test=("test_correct", "sum")).reset_index()
    ids = list(per_task.sort_values(["best_demo_accuracy", "task"],
                                    ascending=[False, True])["task"])
    with st.expander("Every task", icon=":material/table:"):
        st.dataframe(per_task.rename(columns=lambda c: c.replace("_", " ")),
                     hide_index=True, width="stretch")
    if st.session_state.get("rv_exec_task") not in ids:
        st.session_state["rv_exec_task"] = ids[0]
    tid = st.selectbox("Task", ids, key="rv_exec_task",
                       help="Tasks ordered by the best demo accuracy any program reached")
    task = loop.tasks_by_id[tid]
    rows = task_records(loop, it, tid)
    table = []
    errors = [e if isinstance(e, str) and e else None for e in rows["error"]]
    for k, r in enumerate(rows.itertuples(), 1):
        fate = loop.sample_fate(bool(r.valid), r.demo_accuracy,
                                float(r.priority) if pd.notna(r.priority) else None)
        table.append({"#": k, "demo accuracy": f"{round(r.demo_accuracy * len(task.train))}"
                      f"/{len(task.train)}", "test": "right" if r.test_correct else "wrong",
                      "experience": fate, "error": errors[k - 1] or "",
                      "program": one_line(r.program)})
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch",
                 column_config={"#": st.column_config.NumberColumn(width="small")})
    labels = [f"#{t['#']} · demos {t['demo accuracy']} · test {t['test']}" for t in table]
    if st.session_state.get("rv_exec_prog") not in labels:
        st.session_state["rv_exec_prog"] = labels[0]
    k = labels.index(st.selectbox("Program", labels, key="rv_exec_prog",
                                  help="Programs ordered by demo accuracy, then length"))
    r = rows.iloc[k]
    left, right = st.columns([3, 2])
    with left:
        st.code(r.program.rstrip(), language=None)
    with right:
        st.markdown(f"**{table[k]['experience']}**  \n"
                    f"demo accuracy {table[k]['demo accuracy']} · test {table[k]['test']}")
        if errors[k]:
            # runs recorded before messages were kept have the kind alone
            words = r.error_message if isinstance(r.error_message, str) else None
            st.error(f"Error on {words}" if words else f"Error: {errors[k]}",
                     icon=":material/error:")
    demo, test = load_grids(r.demo_outputs), load_grids(r.test_outputs)
    with st.container(horizontal=True, gap="small"):
        for i, (pair, out) in enumerate(zip(task.train, demo), 1):
            show_pair(pair, f"Demo {i}" + (" — no output" if out is None else ""),
                      predicted=out)
        for i, (pair, out) in enumerate(zip(task.test, test), 1):
            show_pair(pair, f"Test {i}" + (" — no output" if out is None else ""),
                      predicted=out)


def show_store(loop: CodeItLoop, it: int) -> None:
    m = iteration_metrics(loop, it)
    sizes = loop.run_store.pool_sizes()
    c = st.columns(4)
    c[0].metric("relabeled", m.get("relabeled", 0))
    c[1].metric("stored", m.get("stored", 0),
                help="under ablation A1, as many relabeled search tasks instead of the "
                     "policy's experiences; a program already stored for the task replaces "
                     "its older entry")
    c[2].metric("policy pool", sizes.get(POLICY_POOL, 0))
    c[3].metric("seed pool", sizes.get(SEED_POOL, 0))
    rows = loop.run_store.stored_in(it)
    if not rows:
        st.info("Nothing was stored in this iteration.", icon=":material/info:")
        return
    frame = pd.DataFrame(rows, columns=["parent task", "priority", "demo accuracy", "length",
                                        "program"])
    left, right = st.columns([2, 3])
    with left:
        lo, hi = float(frame["priority"].min()), float(frame["priority"].max())
        if hi - lo < 1e-9:  # one priority for all: a narrow bar around it
            lo, hi = lo - 0.1, hi + 0.1
        fig = go.Figure(go.Histogram(x=frame["priority"], marker_color="#1E93FF",
                                     autobinx=False,
                                     xbins=dict(start=lo, end=hi + 1e-9, size=(hi - lo) / 30)))
        fig.update_layout(height=260, margin=dict(l=10, r=10, t=30, b=10),
                          title=dict(text="Priorities of the stored experiences",
                                     font=dict(size=14)),
                          xaxis_title="priority", yaxis_title="experiences", bargap=0.05,
                          xaxis_range=[lo, hi])
        st.plotly_chart(fig, config={"displaylogo": False})
    with right:
        frame["program"] = frame["program"].map(one_line)
        st.dataframe(frame, hide_index=True, width="stretch", height=280,
                     column_config={"priority": st.column_config.NumberColumn(format="%.3f")})


def show_score(loop: CodeItLoop, it: int) -> None:
    m = iteration_metrics(loop, it)
    prev = {}
    if it > 1:
        prev = loop.run_store.iteration_metrics(it - 1)
    n = m.get("n_tasks", len(loop.tasks))
    row = st.container(horizontal=True, gap="small")  # each as wide as its name
    for key, (label, helptext_) in SOLVE_COUNTS.items():
        if key not in m:  # an iteration scored before this count existed
            row.metric(f"{label} solved", "—", width="content",
                       help=f"{helptext_}; not recorded for this iteration")
            continue
        value = m[key]
        delta = value - prev[key] if key in prev else None
        row.metric(f"{label} solved", f"{value} / {n}", delta=delta, help=helptext_,
                   width="content")
    # a candidates scope's count is "<scope>_solved" (codeit_core.metrics)
    scope = st.segmented_control(
        "Top-3 candidates per task", SCOPES, default="cumulative", required=True,
        key="rv_score_scope", format_func=lambda sc: SOLVE_COUNTS[f"{sc}_solved"][0])
    cands = loop.run_store.candidates(it, scope)
    if cands:
        st.dataframe(pd.DataFrame([{"task": t, "rank": r, "demo accuracy": a,
                                    "test": "right" if ok else "wrong",
                                    "program": one_line(p)} for t, r, a, ok, p in cands]),
                     hide_index=True, width="stretch", height=220)
    else:
        st.caption("No candidate yet: no program solved a demonstration of any task.")
    st.page_link("views/metrics.py", label="All iterations on the Metrics page",
                 icon=":material/monitoring:", query_params={RUN_KEY: loop.dir.path.name})


VIEWS = {"learn": show_learn, "sample": show_sample, "execute": show_execute,
         "store": show_store, "score": show_score}


# ------------------------------------------------------------------ step by step

def request_step(run_key: str, name: str) -> None:
    st.session_state["rv_pending"] = (run_key, name)


def do_step(session: RunSession, name: str) -> None:
    bar = st.progress(0.0, text=f"{LABELS[name]}…")
    began: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        elapsed = time.monotonic() - began.setdefault(phase, time.monotonic())
        left = (f" · about {elapsed * (total - done) / done:.0f} s left"
                if 0 < done < total and elapsed > 2 else "")
        bar.progress(min(1.0, done / total) if total else 0.0,
                     text=f"{phase}: {done}/{total}{left}")

    try:
        with st.spinner(step_note(session.loop, name)):
            result = session.step(name, progress)
        if result.taken:
            st.session_state["rv_last"] = name
    except RunBusyError as e:  # another process writes the run: nothing was done
        st.session_state["rv_step_error"] = f"{LABELS[name]} was not run: {e}"
    except Exception as e:  # a full disk, a broken policy or dataset: say it, keep the run
        st.session_state["rv_step_error"] = (
            f"{LABELS[name]} was not finished: the disk is full ({e}); nothing of the "
            f"step was kept — free some space and take it again" if disk_full(e)
            else f"{LABELS[name]} failed: {e}")
    bar.empty()


def step_note(loop: CodeItLoop, name: str) -> str:
    """The spinner text of a step, saying when it is a long one."""
    c = loop.config
    if name == "learn" and loop.iteration == 1 and c.policy == "neural" and \
            loop.switches.pretrains:
        return ("Learn… the first one pretrains the neural policy on the whole seed pool "
                "(a minute or two on 2 cores)")
    if name == "seed":
        searching = loop.switches.mutation_seed and c.search_mutants > 0
        return ("Seed… running the reference programs and mutating them"
                + (f", then {c.search_mutants:,} mutants on every search task" if searching
                   else ""))
    return f"{LABELS[name]}…"


def take_pending_step() -> None:
    """Take the step a button asked for — before anything is drawn, so the listing and
    the views below show the run as the step left it."""
    pending = st.session_state.pop("rv_pending", None)
    if not pending:
        return
    run = Path(pending[0])
    try:
        if run_state(run)["alive"]:
            st.session_state["rv_step_error"] = ("A background process took this run over; "
                                                 "stepping is disabled until it stops.")
            return
        do_step(get_session(run), pending[1])
    except OPEN_ERRORS as e:
        st.session_state["rv_step_error"] = f"This run cannot be opened: {e}"


def step_panel(run: Path, state: dict[str, Any]) -> None:
    key = str(run.resolve())
    holder = writer(run)
    if holder is not None and holder.get("pid") == os.getpid():
        holder = None  # this server's own step (another tab): the held loop serializes it
    if state["alive"] or holder is not None:
        drop_loop(run)
        if holder is not None and holder.get("pid") != state.get("pid"):
            st.info(f"This run is being written by {describe(holder)}: stepping is "
                    f"disabled until it finishes; reading stays possible.",
                    icon=":material/lock:")
        else:
            st.info(f"A background process (pid {state['pid']}) is running this run: "
                    f"stepping is disabled until it stops (see **In the background**).",
                    icon=":material/lock:")
        row = st.container(horizontal=True, gap="small")
        for name, label, icon in STEPS:
            row.button(label, icon=icon, key=f"rv_step_{name}", disabled=True)
        return
    if state["status"] == "interrupted":
        st.warning(state["message"].capitalize() + ": step on from where it stopped, or run "
                   "it in the background again.", icon=":material/warning:")
    try:
        loop = get_session(run).loop
    except OPEN_ERRORS as e:
        st.error(f"This run cannot be opened: {e}", icon=":material/error:")
        return
    if st.session_state.get("rv_step_error"):
        st.error(st.session_state.pop("rv_step_error"), icon=":material/error:")
    nxt = loop.next_step
    phase = loop.state.phase
    it = loop.iteration
    done = core_steps.steps_done(phase)
    if phase == core_steps.LAST_PHASE:
        st.markdown(f"**Iteration {it} done** — next: **Learn** starts iteration {it + 1} "
                    f"({loop.completed_iterations()} of {loop.config.iterations} planned "
                    f"complete)")
    elif nxt == "seed":
        st.markdown("**Not seeded yet** — next: **Seed** fills the seed pool once")
    else:
        st.markdown(f"**Iteration {it}** — next: **{LABELS[nxt]}** "
                    f"({loop.completed_iterations()} of {loop.config.iterations} planned "
                    f"complete)")
    row = st.container(horizontal=True, gap="small")
    for i, (name, label, icon) in enumerate(STEPS):
        finished = loop.is_seeded() if name == "seed" else (nxt != "seed" and i <= done)
        row.button(label, key=f"rv_step_{name}", type="primary" if name == nxt else "secondary",
                   icon=":material/check_circle:" if finished and name != nxt else icon,
                   disabled=name != nxt, on_click=request_step,
                   args=(key, name))

    # what happened: the current iteration's finished phases, the newest first
    shown = [name for i, (name, _, _) in enumerate(STEPS[1:], 1) if i <= done]
    if st.session_state.get("rv_last") == "seed" or (loop.is_seeded() and not shown):
        with st.container(border=True):
            st.subheader("Seed", anchor=False)
            show_seed(loop)
    for name in reversed(shown):
        with st.container(border=True):
            st.subheader(f"{LABELS[name]} — iteration {it}", anchor=False)
            VIEWS[name](loop, it)


# ------------------------------------------------------------------ background

def traces_endpoint() -> str | None:
    """The local Phoenix's OTLP endpoint when one runs (see the Traces page), else None."""
    from codeit_core import phoenix_server

    state = phoenix_server.status()
    return state.handle.otlp_endpoint if state.state == "running" and state.handle else None


def plan_words(completed: int, planned: int, n: int) -> str:
    """What a start of `n` meta-iterations does to the run's plan, said before and after."""
    if completed + n > planned:
        return f"the plan grows from {planned} to {completed + n} meta-iterations"
    return f"the plan stays at {planned} meta-iterations"


def start_clicked(run: Path, completed: int, planned: int) -> None:
    n = int(st.session_state.get(f"rv_bg_n_{run.name}") or 1)
    drop_loop(run)
    try:
        trace = traces_endpoint()
        if completed + n > planned:  # the user asked for more than planned: the plan grows
            pid = start_background(run, completed + n, trace=trace)
        else:  # this start only: the plan is left as it is
            pid = start_background(run, trace=trace, more=n)
        st.session_state["rv_bg_msg"] = (
            "success", f"Started: {n} meta-iteration(s) in process {pid} "
                       f"({plan_words(completed, planned, n)})"
                       + (f", traced to {trace}." if trace else "."))
    except (BackgroundError, ConfigError, OSError) as e:
        st.session_state["rv_bg_msg"] = ("error", str(e))


def stop_clicked(run: Path) -> None:
    try:
        asked = request_stop(run)
    except (BackgroundError, ConfigError) as e:
        st.session_state["rv_bg_msg"] = ("error", str(e))
        return
    st.session_state["rv_bg_msg"] = (
        ("info", "Stop requested: the run stops after its current step.") if asked
        else ("info", "No background process is running on this run."))


def metrics_frame(run: Path) -> pd.DataFrame:
    rows = iteration_rows(run)
    cols = {"iteration": "iteration",
            **{key: label for key, (label, _) in SOLVE_COUNTS.items()},
            "sampled": "sampled", "valid": "valid", "stored": "stored",
            "buffer_seed": "seed pool", "buffer_policy": "policy pool"}
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=[*cols.values(), "seconds"])
    secs = frame[[c for c in frame.columns if c.endswith("_seconds")]].sum(axis=1)
    frame = frame.reindex(columns=list(cols)).rename(columns=cols)
    frame["seconds"] = secs.round(2)
    return frame


def live_view(run: Path) -> None:
    """The run's progress; re-run every 2 s (as a fragment) while a process is alive."""
    state = run_state(run)
    flag = f"rv_alive_{run.name}"
    if st.session_state.get(flag) and not state["alive"]:
        st.session_state[flag] = False
        st.rerun()  # the process ended: redraw the whole page (stepping comes back)
    st.session_state[flag] = state["alive"]
    planned = max(state["planned"] or 1, 1)
    label = STATUS_TEXT.get(state["status"], state["status"])
    if state["alive"] and state["stop_requested"]:
        label = "stopping after the current step"
    where = (f" · iteration {state['iteration']}, phase {state['phase']}"
             if state["iteration"] else "")
    st.progress(min(1.0, state["completed"] / planned),
                text=f"{state['completed']} of {state['planned']} meta-iterations · "
                     f"{label}{where}")
    if state["status"] == "interrupted":
        st.warning(state["message"].capitalize() + " — run it again in the background or "
                   "step through it.", icon=":material/warning:")
    elif state["status"] == "failed":
        st.error(state["message"].capitalize(), icon=":material/error:")
    frame = metrics_frame(run)
    if not frame.empty:
        st.dataframe(frame.iloc[::-1], hide_index=True, width="stretch", height=250)
        st.caption("Newest meta-iteration first; solve counts are numbers of tasks.")
    else:
        st.caption("No meta-iteration finished yet.")
    tail = log_tail(RunDir(run), 12)
    if tail:
        with st.expander("run.log (last lines)", icon=":material/description:"):
            st.code("\n".join(tail), language=None)


def background_panel(run: Path, state: dict[str, Any]) -> None:
    alive = state["alive"]
    c = st.columns([1, 1.3, 0.8, 1.6], vertical_alignment="bottom")
    planned, completed = state["planned"] or 1, state["completed"]
    # one value per run: a number chosen for another run is not carried over
    n = c[0].number_input("Meta-iterations to run", min_value=1,
                          value=max(1, planned - completed), step=1,
                          key=f"rv_bg_n_{run.name}", disabled=alive,
                          help="Run this many more meta-iterations in a separate process; "
                               "it goes on when the tab is closed")
    c[1].button("Run in the background", icon=":material/rocket_launch:", type="primary",
                key="rv_bg_start", disabled=alive, on_click=start_clicked,
                args=(run, completed, planned), width="stretch")
    c[2].button("Stop", icon=":material/stop_circle:", key="rv_bg_stop",
                disabled=not alive or state["stop_requested"], on_click=stop_clicked,
                args=(run,), width="stretch", help="Stops cleanly between two steps; "
                "resume any time")
    if not alive:
        st.caption(f"Runs meta-iterations {completed + 1} to {completed + int(n)}; "
                   f"{plan_words(completed, planned, int(n))}.")
    msg = st.session_state.pop("rv_bg_msg", None)
    if msg:
        getattr(st, msg[0])(msg[1], icon={"success": ":material/check_circle:",
                                          "error": ":material/error:",
                                          "info": ":material/info:"}[msg[0]])
    st.fragment(live_view, run_every=2 if alive else None)(run)


def runs_table() -> None:
    """The listing; re-drawn every 2 s (as a fragment) while some run has a process."""
    st.dataframe(pd.DataFrame(run_rows()), hide_index=True, width="stretch")


# ------------------------------------------------------------------ the page

st.title("Run")
st.caption("Create a run, then step through a meta-iteration phase by phase — or let it "
           "run in a background process that survives a closed tab. The same runs are "
           "driven from a terminal with `python -m codeit_core run`.")

take_pending_step()
if st.session_state.get("nr_created"):
    st.success(st.session_state.pop("nr_created"), icon=":material/check_circle:")
rows = run_rows()
with st.expander("New run", icon=":material/add_circle:",
                 expanded=not rows or bool(st.session_state.get("nr_error"))):
    new_run_form()

st.subheader("Runs", anchor=False)
if rows:
    any_running = any(r.get("status") in ("running", "starting") for r in rows)
    st.fragment(runs_table, run_every=2 if any_running else None)()

run = pick_run("rv_run", "Open run") if rows else None
if not rows:
    st.caption(f"No run yet in `{runs_dir()}`: create one above.")
if run is not None:
    config = config_or_none(run)
    if config is None:
        st.error(f"Run {run.name!r} has no readable config.json: "
                 f"{core_runs.RunDir(run).config_path}", icon=":material/error:")
        st.stop()
    try:
        state = run_state(run)
    except Exception as e:
        st.error(f"Run {run.name!r} cannot be read: {e}", icon=":material/error:")
        st.stop()
    st.caption(f"{DATASET_TITLES.get(config.dataset, config.dataset)} · tasks: "
               f"{config.tasks or 'all'} · {config.policy} policy · "
               f"{config.samples_per_task} samples per task · learn size {config.learn_size}"
               + (f" · ablation {config.ablation}: {ABLATIONS[config.ablation]}"
                  if config.ablation else "") + f" · `{run}`")
    steps_tab, background_tab = st.tabs(["Step by step", "In the background"])
    with steps_tab:
        step_panel(run, state)
    with background_tab:
        background_panel(run, state)
