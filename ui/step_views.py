"""What each step of a meta-iteration did, as the Run page shows it: one view per step
(VIEWS, by step name) and the seed's, reading the run through its loop and run store."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from codeit_core.loop import CodeItLoop
from codeit_core.metrics import SCOPES
from codeit_core.relabel import POLICY_POOL, SEED_POOL
from codeit_core.store import RunStore
from ui.components import show_pair
from ui.runs_view import RUN_KEY, playground_link

SHOWN_PROGRAMS = 24
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


def one_line(program: str) -> str:
    calls = [ln.split("#", 1)[0].strip() for ln in program.splitlines()]
    return " · ".join(c for c in calls if c)


def iteration_metrics(loop: CodeItLoop, iteration: int) -> dict[str, Any]:
    return {**loop.run_store.iteration_metrics(iteration), **loop.state.metrics}


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
        if summary.get("search_experiences"):
            st.caption(f"{summary['search_experiences']:,} of these candidates (up to "
                       f"{loop.config.search_experiences} per task, one per distinct set of "
                       f"outputs) were relabeled on their task's demonstration inputs and "
                       f"stored in the policy pool: the policy pretrains and learns on them.")


def search_caption(stats: dict[str, Any]) -> str:
    """The search's executions, early stops, errors and restarts, in one line."""
    errors = {kind: n for kind, n in (stats.get("errors") or {}).items() if n}
    stops = [f"{n:,} {why}" for n, why in (
        (stats.get("shape_skipped", 0), "whose output would have had the wrong shape"),
        (stats.get("colour_skipped", 0), "whose last line would have painted a colour the "
                                         "target does not want there")) if n]
    return (f"{stats.get('executions', 0):,} program executions"
            + (f"; stopped before their costly lines: {', '.join(stops)}" if stops else "")
            + " · errors: "
            + (", ".join(f"{kind} {n:,}" for kind, n in errors.items()) or "none")
            + (f" · {stats['worker_restarts']} worker restart(s)"
               if stats.get("worker_restarts") else ""))


def show_search(loop: CodeItLoop, stats: dict[str, Any]) -> None:
    """The search tasks' summary, then the chosen task's top-3 search candidates."""
    took = "cached" if stats.get("cached") else f"{stats.get('seconds', 0)} s"
    st.markdown(f"{stats.get('programs', 0):,} programs ({stats.get('mutant_samples', 0):,} "
                f"mutant samples) × {stats.get('tasks', 0):,} tasks → "
                f"{stats.get('candidates', 0):,} candidates, {stats.get('solved', 0)} tasks "
                f"solved (top-3) · {took}")
    st.caption(search_caption(stats))
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
        if stats.get("pretrain_from_checkpoint"):
            st.caption("No pretraining: the policy started from the pretrained weights of "
                       f"init_checkpoint `{loop.config.policy_options.get('init_checkpoint')}`"
                       " (made by `python -m codeit_core pretrain` on ARC-AGI-1 training "
                       "tasks).")
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
        st.link_button("Open in the Playground", icon=":material/code:",
                       url=playground_link(loop.config.dataset, tid, r.program))
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
        if hi - lo < 1e-9:  # one priority for all: a narrow bar around it (none is < 0)
            lo, hi = max(0.0, lo - 0.05), hi + 0.05
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
