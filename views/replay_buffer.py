"""Replay buffer: a run's experiences by priority, filtered and paged in SQL; one experience
in detail next to its parent task; the priority distribution; a preview of the next Learn
step's draw."""

from __future__ import annotations

import math
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from codeit_core.buffer import STATUS_FILTERS, Filters, ReplayBuffer
from codeit_core.grids import Grid
from codeit_core.relabel import POOLS
from codeit_core.runs import RunDir
from codeit_core.tasks import Task
from ui.components import arrow, size_caption
from ui.render import cell_size, diff_count, grid_png
from ui.runs_view import buffer_facets, find_parent_task, parent_dataset, pick_run, \
    run_config, run_db, stored_rows

PAGE_SIZE = 50
ANY = "Any"
POOL_COLOURS = {"policy": "#1E93FF", "seed": "#FF851B"}
FILTER_KEYS = ("rb_pool", "rb_task", "rb_iteration", "rb_status", "rb_contains")


def one_line(program: str) -> str:
    """A program on one line for the table: its calls joined by ' · ', comments dropped."""
    calls = [ln.split("#", 1)[0].strip() for ln in program.splitlines()]
    return " · ".join(c for c in calls if c)


def reset_page() -> None:
    st.session_state["rb_page"] = 1


def step_page(step: int, pages: int) -> None:
    st.session_state["rb_page"] = min(max(1, st.session_state.get("rb_page", 1) + step), pages)


def pick_row(key: str) -> None:
    """A row clicked in the table becomes the experience shown in detail."""
    rows = st.session_state[key].selection.rows
    ids = st.session_state.get("rb_page_ids", [])
    if rows and rows[0] < len(ids):
        st.session_state["rb_exp"] = ids[rows[0]]


# ------------------------------------------------------------------ filters and table

def filter_bar(db_path: str) -> Filters:
    tasks, iterations = buffer_facets(db_path)
    cols = st.columns([1, 1.3, 1, 1.3, 2])
    pool = cols[0].selectbox("Pool", [ANY, *POOLS], key="rb_pool", on_change=reset_page)
    if st.session_state.get("rb_task", ANY) not in (ANY, *tasks):
        st.session_state["rb_task"] = ANY
    task = cols[1].selectbox(f"Parent task ({len(tasks)})", [ANY, *tasks], key="rb_task",
                             on_change=reset_page)
    if st.session_state.get("rb_iteration", ANY) not in (ANY, *iterations):
        st.session_state["rb_iteration"] = ANY
    iteration = cols[2].selectbox("Iteration", [ANY, *iterations], key="rb_iteration",
                                  on_change=reset_page)
    status = cols[3].selectbox(
        "Status", [ANY, *STATUS_FILTERS], key="rb_status", on_change=reset_page,
        help="solved: every demonstration of the parent task exact · partly solved: some · "
             "relabeled only: none (kept only through hindsight relabeling)")
    contains = cols[4].text_input("Program contains", key="rb_contains", on_change=reset_page,
                                  placeholder="e.g. rotate_cw").strip()
    return Filters(pool=None if pool == ANY else pool, task_id=None if task == ANY else task,
                   iteration=None if iteration == ANY else int(iteration),
                   status=None if status == ANY else status,
                   program_contains=contains or None)


def page_controls(total: int) -> int:
    """Pager under the table; returns the 1-based page number."""
    pages = max(1, math.ceil(total / PAGE_SIZE))
    current = min(max(1, int(st.session_state.get("rb_page", 1))), pages)
    st.session_state["rb_page"] = current
    bar = st.container(horizontal=True, vertical_alignment="center")
    bar.button("Previous", icon=":material/chevron_left:", key="rb_prev",
               on_click=step_page, args=(-1, pages), disabled=current <= 1)
    bar.number_input("Page", min_value=1, max_value=pages, step=1, key="rb_page",
                     label_visibility="collapsed", width=110)
    bar.button("Next", icon=":material/chevron_right:", key="rb_next",
               on_click=step_page, args=(1, pages), disabled=current >= pages)
    first = (current - 1) * PAGE_SIZE + 1
    bar.caption(f"page {current} of {pages} · experiences {first}–"
                f"{min(current * PAGE_SIZE, total)} of {total} matching")
    return current


def experience_table(rows: list[dict], view: str) -> None:
    """The page of experiences; `view` names the page and filters, so that a row selected
    on one page is not carried over to another."""
    frame = pd.DataFrame({
        "id": [r["id"] for r in rows],
        "priority": [r["priority"] for r in rows],
        "pool": [r["pool"] for r in rows],
        "parent task": [r["task_id"] for r in rows],
        "iteration": [r["iteration"] for r in rows],
        "demo accuracy": [r["demo_accuracy"] for r in rows],
        "pixel accuracy": [r["pixel_accuracy"] for r in rows],
        "lines": [r["length"] for r in rows],
        "pairs": [r["n_pairs"] for r in rows],
        "program": [one_line(r["program"]) for r in rows],
    })
    st.session_state["rb_page_ids"] = [r["id"] for r in rows]
    key = f"rb_table_{zlib.crc32(view.encode()):08x}"
    st.dataframe(
        frame, key=key, hide_index=True, on_select=lambda: pick_row(key),
        selection_mode="single-row", height=390,
        column_config={
            "id": st.column_config.NumberColumn("id", format="%d", width="small"),
            "priority": st.column_config.NumberColumn("priority", format="%.3f",
                                                      width="small"),
            "demo accuracy": st.column_config.ProgressColumn(
                "demo accuracy", min_value=0.0, max_value=1.0, format="percent",
                help="fraction of the parent task's demonstrations solved exactly"),
            "pixel accuracy": st.column_config.NumberColumn("pixel accuracy",
                                                            format="percent"),
            "program": st.column_config.TextColumn("program", width="large"),
        })


# ------------------------------------------------------------------ detail

def target_for(task: Task | None, grid: Grid) -> Grid | None:
    """The parent task's real output for a demonstration input (None if unknown)."""
    if task is None:
        return None
    return next((p.output for p in task.train if p.input == grid), None)


def grid_picture(grid: Grid, caption: str, cell: int, diff_with: Grid | None = None) -> None:
    """A grid at exactly its pixel size (a caption wider than the grid never stretches it)."""
    png = grid_png(grid, cell, diff_with)
    st.image(png, caption=f"{caption} · {size_caption(grid)}",
             width=len(grid[0]) * cell + 1)


def relabeled_card(index: int, inp: Grid, realized: Grid, target: Grid | None,
                   cell: int, show_target: bool) -> None:
    """input → realized output (the relabeled target) → the parent's real output."""
    n = diff_count(realized, target) if target is not None else None
    with st.container(border=True, width="content"):
        st.markdown(f"**Demonstration {index}**")
        with st.container(horizontal=True, vertical_alignment="top", width="content"):
            grid_picture(inp, "input", cell)
            arrow()
            grid_picture(realized, "realized", cell, diff_with=target if n else None)
            if show_target:
                arrow()
                if target is None:
                    st.caption("parent: not found")
                else:
                    grid_picture(target, "parent", cell)
        if show_target and target is not None:
            verdict = ("realized output = parent's output ✓" if n == 0 else
                       f"realized output differs from the parent's in {n} "
                       f"cell{'s' if n != 1 else ''} (framed)" if n else
                       f"different size: realized {size_caption(realized)}, parent's "
                       f"{size_caption(target)}")
            st.caption(verdict)


def detail(run: Path, buffer: ReplayBuffer, exp_id: int, dataset: str | None) -> None:
    found = buffer.get(exp_id)
    if found is None:
        st.warning(f"Experience #{exp_id} is no longer in the buffer.", icon=":material/warning:")
        return
    info, exp = found
    head = st.container(horizontal=True, vertical_alignment="center")
    head.subheader(f"Experience #{info['id']}", anchor=False)
    head.page_link("views/playground.py", label="Open in Playground", icon=":material/code:",
                   query_params={"run": run.name, "experience": str(info["id"])})
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.code(info["program"], language=None)
        if info["parent_program"]:
            st.caption("Mutated from (parent program):")
            st.code(info["parent_program"], language=None)
    with right:
        m = st.columns(3)
        m[0].metric("priority", f"{info['priority']:.3f}")
        m[1].metric("demo accuracy", f"{info['demo_accuracy']:.0%}")
        m[2].metric("pixel accuracy", f"{info['pixel_accuracy']:.0%}")
        sample = (info["sample_id"] if info["sample_id"] is not None else
                  "none (seed)" if info["pool"] == "seed" else "none (search task)")
        st.markdown(f"**parent task** `{info['task_id']}`  \n"
                    f"**pool** {info['pool']} · **iteration** {info['iteration']} · "
                    f"**lines** {info['length']} · **pairs** {info['n_pairs']}  \n"
                    f"**lineage** sample id {sample}"
                    + ("" if info["parent_program"] else " · no parent program"))
    task, problem = (None, "the run's config cannot be read") if dataset is None else \
        find_parent_task(parent_dataset(info["pool"], dataset), info["task_id"])
    if problem:
        st.warning(f"Parent task not found: {problem}. Showing input → realized output only.",
                   icon=":material/warning:")
    else:
        st.caption("Each demonstration input with the program's realized output (its "
                   "relabeled target) and the parent task's real output; cells where they "
                   "differ are framed in white on the realized output.")
    grids = [g for pair in zip(exp.inputs, exp.outputs) for g in pair]
    if task is not None:
        grids += [p.output for p in task.train if p.output is not None]
    side = max(max(len(g), len(g[0])) for g in grids)
    cell = cell_size(side, side, 170)
    with st.container(horizontal=True, gap="medium"):
        for i, (inp, out) in enumerate(zip(exp.inputs, exp.outputs), 1):
            relabeled_card(i, inp, out, target_for(task, inp), cell, task is not None)


# ------------------------------------------------------------------ priorities, preview

@st.cache_data(ttl=20, show_spinner=False)
def priority_histogram(db_path: str) -> go.Figure:
    from ui.runs_view import open_db

    buffer = ReplayBuffer(open_db(db_path))
    values = {pool: buffer.priorities(pool) for pool in POOLS}
    every = np.concatenate(list(values.values()))
    lo, hi = (float(every.min()), float(every.max())) if len(every) else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = max(0.0, lo - 0.05), hi + 0.05
    edges = np.linspace(lo, hi, 26)
    fig = go.Figure()
    for pool in ("policy", "seed"):
        counts, _ = np.histogram(values[pool], bins=edges)
        fig.add_bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges) * 0.92,
                    name=f"{pool} ({len(values[pool])})", marker_color=POOL_COLOURS[pool])
    fig.update_layout(barmode="stack", height=300, margin=dict(l=10, r=10, t=10, b=10),
                      xaxis_title="priority", yaxis_title="experiences",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    # exactly the bins: plotly's own padding would show negative priorities (there are none)
    fig.update_xaxes(range=[float(edges[0]), float(edges[-1])])
    return fig


@st.cache_data(ttl=20, show_spinner=False)
def draw_preview(db_path: str, n: int, seed: int, settings: dict) -> pd.DataFrame:
    """The experiences a Learn step would draw now with this seed (read-only)."""
    from ui.runs_view import open_db

    conn = open_db(db_path)
    drawn = ReplayBuffer(conn, **settings).sample(n, np.random.default_rng(seed))
    stored = stored_rows(conn, [(e.task_id, e.program) for e in drawn])
    return pd.DataFrame({
        "id": [s["id"] if s else None for s in stored],
        "pool": [e.pool for e in drawn],
        "priority": [s["priority"] if s else None for s in stored],
        "parent task": [e.task_id for e in drawn],
        "demo accuracy": [e.demo_accuracy for e in drawn],
        "program": [one_line(e.program) for e in drawn],
    })


def learn_preview(db_path: str, config) -> None:
    st.markdown("##### Preview of the next Learn step")
    st.caption("A draw like the one the next Learn step makes — without replacement, "
               "P ∝ priority^α, the policy and seed pools mixed by the run's policy share "
               "(9:1 in the paper) — with a fixed seed, from the buffer as it is now. "
               "It is only a preview: nothing is trained and nothing in the run changes.")
    cols = st.columns(2)
    n = cols[0].number_input("Draw size", 1, 200, 20, key="rb_draw_n")
    seed = cols[1].number_input("Seed", 0, 2**31 - 1, 0, key="rb_draw_seed")
    settings = {}
    if config is not None:
        settings = dict(weights=config.weights(), alpha=config.alpha,
                        uniform=not config.switches().prioritized_replay,
                        policy_share=config.policy_share)
    frame = draw_preview(db_path, int(n), int(seed), settings)
    if frame.empty:
        st.caption("The buffer is empty: nothing to draw.")
        return
    st.caption(f"drawn {len(frame)}: policy {int((frame['pool'] == 'policy').sum())} · "
               f"seed {int((frame['pool'] == 'seed').sum())}")
    st.dataframe(frame, hide_index=True, height=300, key="rb_draw_table", column_config={
        "id": st.column_config.NumberColumn(format="%d", width="small"),
        "pool": st.column_config.TextColumn(width="small"),
        "priority": st.column_config.NumberColumn(format="%.3f", width="small"),
        "demo accuracy": st.column_config.NumberColumn(format="percent")})


# ------------------------------------------------------------------ page

st.title("Replay buffer")
st.caption("Every relabeled program a run has stored, highest priority first: the policy "
           "learns from a priority-weighted draw of these.")

run = pick_run("rb_run")
if run is None:
    st.stop()
config, config_problem = run_config(run)
if config_problem:
    st.warning(f"{config_problem} — parent tasks cannot be shown.", icon=":material/warning:")
db_path = str(run / "run.sqlite")
try:
    conn = run_db(run)
    buffer = ReplayBuffer(conn)
    sizes = {pool: buffer.size(pool) for pool in POOLS}
except Exception as e:  # not a run database, or unreadable: say so, no traceback
    st.error(f"Run {run.name!r}: {RunDir(run).damaged(Path(db_path), e)}",
             icon=":material/error:")
    st.stop()

stats = st.columns(4)
stats[0].metric("experiences", f"{sum(sizes.values()):,}")
stats[1].metric("policy pool", f"{sizes['policy']:,}")
stats[2].metric("seed pool", f"{sizes['seed']:,}")
stats[3].metric("dataset", config.dataset if config else "unknown")
if not sum(sizes.values()):
    st.info("This run's replay buffer is empty so far: experiences appear after its first "
            "Relabel & store step.", icon=":material/info:")
    st.stop()

st.markdown("##### Experiences")
filters = filter_bar(db_path)
total = buffer.count(filters)
if total == 0:
    st.info("No experience matches these filters.", icon=":material/filter_alt_off:")
else:
    page_no = page_controls(total)
    rows = buffer.page(filters, offset=(page_no - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    experience_table(rows, f"{page_no}|{filters}")
    ids = [r["id"] for r in rows]
    by_id = {r["id"]: r for r in rows}
    if st.session_state.get("rb_exp") not in ids:
        st.session_state["rb_exp"] = ids[0]
    st.selectbox(
        "Experience shown below (or click a row in the table)", ids, key="rb_exp",
        format_func=lambda i: f"#{i} · {by_id[i]['task_id']} · {by_id[i]['pool']} · "
                              f"priority {by_id[i]['priority']:.3f}")
    st.divider()
    detail(run, buffer, st.session_state["rb_exp"], config.dataset if config else None)

st.divider()
hist, preview = st.columns(2, gap="large")
with hist:
    st.markdown("##### Priority distribution")
    st.caption("Stored priorities per pool (the paper's priority is the fraction of the "
               "parent task's demonstrations solved, plus a small ε).")
    st.plotly_chart(priority_histogram(db_path), key="rb_hist")
with preview:
    learn_preview(db_path, config)
