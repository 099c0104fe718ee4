"""One task in two runs, side by side: when each run first solved it (from the policy's
samples, or only with the search tasks), and each run's top-3 candidates for it at its last
meta-iteration — the programs, their demo accuracy, whether they are right on the test and
where they came from — each opening on the task in the Playground."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from codeit_core.store import RunStore
from ui.runs_view import playground_link, run_db

HEADLINE, POLICY = "headline_cumulative", "cumulative"


@st.cache_data(show_spinner=False, max_entries=32)
def run_tasks(path: str, stamp: float) -> dict[str, str]:
    """Task id → what the run did with it (first solved, demo-consistent, a candidate), for
    every task with a candidate; `stamp` is the database's modification time."""
    store = RunStore(run_db(Path(path)))
    policy, headline = store.first_solutions(POLICY), store.first_solutions(HEADLINE)
    out: dict[str, str] = {}
    for tid, _, _, best in store.candidate_summary(HEADLINE) or \
            store.candidate_summary(POLICY):
        out[tid] = "demos solved" if best >= 1.0 else "a candidate"
    for tid, (it, _) in headline.items():
        out[tid] = f"solved at {it} (search tasks)"
    for tid, (it, _) in policy.items():
        out[tid] = f"solved at {it}"
    return out


@st.cache_data(show_spinner=False, max_entries=64)
def task_candidates(path: str, stamp: float, task_id: str) -> dict:
    """A run's top-3 for one task at its last iteration (headline scope when the run has
    search tasks, else the policy's), each marked policy or search."""
    store = RunStore(run_db(Path(path)))
    iteration, rows = store.latest_candidates(task_id, HEADLINE)
    scope = HEADLINE
    if iteration is None:
        iteration, rows = store.latest_candidates(task_id, POLICY)
        scope = POLICY
    searched = {program for _, program, _, _ in store.search_candidates(task_id)}
    policy = {p for _, _, _, p in store.latest_candidates(task_id, POLICY)[1]}
    return {"iteration": iteration, "scope": scope,
            "rows": [{"rank": rank, "demo accuracy": acc, "right on the test": bool(ok),
                      "source": "policy" if program in policy or program not in searched
                      else "search tasks", "program": program}
                     for rank, acc, ok, program in rows]}


def show_run_column(name: str, run: Path, dataset: str, stamp: float, task: str,
                    status: str) -> None:
    st.markdown(f"**{name}** — {status}")
    found = task_candidates(str(run), stamp, task)
    if not found["rows"]:
        st.caption("No candidate for this task: no program solved one of its "
                   "demonstrations.")
        return
    what = ("policy and search tasks" if found["scope"] == HEADLINE else "policy")
    st.caption(f"Top-3 candidates at meta-iteration {found['iteration']} ({what}; ranked by "
               f"demo accuracy, then the shorter program — never by the test)")
    for row in found["rows"]:
        verdict = "right on the test" if row["right on the test"] else "wrong on the test"
        st.markdown(f"{row['rank']}. demo accuracy {row['demo accuracy']:.0%} · "
                    f"{verdict} · {row['source']} · "
                    f"[open in the Playground]({playground_link(dataset, task, row['program'])})")
        st.code(row["program"], language=None)


def show_comparison(runs: dict[str, Path], datasets: dict[str, str],
                    stamps: dict[str, float]) -> None:
    """The section: two runs (of the chosen ones) and a task they share."""
    names = list(runs)
    if len(names) < 2:
        st.caption("Choose two or more runs above to see their programs for one task side "
                   "by side.")
        return
    c = st.columns([1, 1, 2])
    left = c[0].selectbox("Run", names, index=0, key="mx_cmp_a")
    right = c[1].selectbox("beside", [n for n in names if n != left], index=0,
                           key="mx_cmp_b")
    if datasets[left] != datasets[right]:
        st.caption(f"{left!r} searches {datasets[left]} and {right!r} {datasets[right]}: "
                   f"they share no task to compare.")
        return
    a = run_tasks(str(runs[left]), stamps[left])
    b = run_tasks(str(runs[right]), stamps[right])
    tasks = sorted(set(a) | set(b), key=lambda t: (not (a.get(t, "").startswith("solved")
                                                        or b.get(t, "").startswith("solved")),
                                                   t))
    if not tasks:
        st.caption("Neither run has a candidate for any task yet.")
        return
    task = c[2].selectbox("Task", tasks, key="mx_cmp_task",
                          format_func=lambda t: f"{t} — {left}: {a.get(t, 'nothing')} · "
                                                f"{right}: {b.get(t, 'nothing')}",
                          help="Tasks for which either run has a candidate; the tasks "
                               "either one solved first")
    cols = st.columns(2, gap="large")
    for col, name, states in ((cols[0], left, a), (cols[1], right, b)):
        with col:
            show_run_column(name, runs[name], datasets[name], stamps[name], task,
                            states.get(task, "no candidate"))
