"""Which tasks a run solved, and when: a task × meta-iteration picture and a table of the
solved tasks with the first iteration, the program, and where it came from (the policy's
samples or the search tasks), each a link to the program on its task in the Playground."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from codeit_core.store import RunStore
from ui.runs_view import playground_link, run_db

# what a cell of the picture says about a task at an iteration (from its top-3 candidates)
NOTHING, DEMOS, SEARCH, POLICY = 0, 1, 2, 3
STATES = {NOTHING: ("no candidate solves the demos", "#EEEEEE"),
          DEMOS: ("a candidate solves every demo, wrong on the test", "#FFDC00"),
          SEARCH: ("right on the test with the search tasks' candidates", "#FF851B"),
          POLICY: ("right on the test from the policy's samples", "#2ECC40")}


@st.cache_data(show_spinner=False, max_entries=16)
def timeline(path: str, stamp: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(state per task and iteration as a wide table, the solved tasks); `stamp` is the
    database's modification time, so a new iteration is read again."""
    store = RunStore(run_db(Path(path)))
    states: dict[tuple[str, int], int] = {}
    for tid, it, right, best in store.candidate_summary("cumulative"):
        states[tid, it] = POLICY if right else DEMOS if best >= 1.0 else NOTHING
    for tid, it, right, _ in store.candidate_summary("headline_cumulative"):
        if right and states.get((tid, it), NOTHING) != POLICY:
            states[tid, it] = SEARCH
    if not states:
        return pd.DataFrame(), pd.DataFrame()
    wide = (pd.Series(states).rename_axis(["task", "iteration"]).unstack(fill_value=NOTHING)
            .astype(int))
    policy = store.first_solutions("cumulative")
    headline = store.first_solutions("headline_cumulative")
    rows = []
    for tid in sorted(set(policy) | set(headline)):
        by_policy, with_search = policy.get(tid), headline.get(tid)
        first = min(x[0] for x in (by_policy, with_search) if x)
        from_policy = by_policy is not None and by_policy[0] == first
        rows.append({"task": tid, "first solved": first,
                     "by the policy at": by_policy[0] if by_policy else None,
                     "source": "policy" if from_policy else "search tasks",
                     "program": (by_policy if from_policy else with_search)[1]})
    solved = pd.DataFrame(rows)
    if not solved.empty:
        solved["by the policy at"] = solved["by the policy at"].astype("Int64")
    return wide, solved


def heatmap(wide: pd.DataFrame) -> go.Figure:
    # the solved tasks first (earliest first), then those with demo-consistent candidates
    def order(task: str) -> tuple:
        row = wide.loc[task]
        first = next((it for it, v in row.items() if v >= SEARCH), None)
        return (first is None, first or 0, -int((row == DEMOS).sum()), task)

    wide = wide.loc[sorted(wide.index, key=order)]
    colours = [STATES[k][1] for k in sorted(STATES)]
    # one flat band of colour per state: z = k covers [k/n, (k+1)/n] of the scale
    scale = [[edge / len(colours), c] for k, c in enumerate(colours) for edge in (k, k + 1)]
    words = [[STATES[v][0] for v in row] for row in wide.to_numpy()]
    fig = go.Figure(go.Heatmap(
        z=wide.to_numpy().tolist(), x=list(wide.columns), y=list(wide.index), zmin=-0.5,
        zmax=len(colours) - 0.5, colorscale=scale, showscale=False, customdata=words,
        hovertemplate="task %{y} · iteration %{x}<br>%{customdata}<extra></extra>"))
    # task ids are text even when they read as numbers ("00576224"), iterations whole
    fig.update_layout(height=max(260, min(1200, 14 * len(wide) + 80)),
                      margin=dict(l=10, r=10, t=30, b=40), xaxis_title="meta-iteration",
                      xaxis=dict(dtick=1 if len(wide.columns) <= 20 else None),
                      yaxis=dict(type="category", autorange="reversed",
                                 showticklabels=len(wide) <= 80),
                      title="Tasks with a demo-consistent or right candidate, by iteration")
    return fig


def show_timeline(run: Path, dataset: str, stamp: float) -> None:
    wide, solved = timeline(str(run), stamp)
    if wide.empty:
        st.caption("No task has a candidate yet.")
        return
    st.plotly_chart(heatmap(wide), config={"displaylogo": False}, key="mx_timeline")
    st.caption("Green: right on the test from the policy's samples · orange: right only "
               "with the search tasks' candidates (the headline count) · yellow: a "
               "candidate solves every demonstration but is wrong on the test · grey: "
               "neither. Top-3 candidates, cumulative over the iterations.")
    if solved.empty:
        st.caption("No task solved yet.")
        return
    solved = solved.assign(open=[playground_link(dataset, t, p)
                                 for t, p in zip(solved["task"], solved["program"])])
    solved["program"] = solved["program"].map(
        lambda p: " · ".join(ln.strip() for ln in p.splitlines() if ln.strip()))
    st.dataframe(solved, hide_index=True, width="stretch", key="mx_solved_tasks",
                 column_config={"open": st.column_config.LinkColumn(
                     "Playground", display_text="open", help="The program on its task")})
