"""Metrics: solve rates over meta-iterations for one run or several (ablations side by
side) with the paper's reference lines, which tasks were solved when, one task's programs
in two runs side by side, buffer growth, program-length and priority distributions, and the
numbers as CSV."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from codeit_core.background import iteration_rows
from codeit_core.runs import DB_FILE, RunConfig, RunDir
from codeit_core.store import RunStore
from ui.runs_view import RUN_KEY, list_runs, no_runs_message, run_config, run_db
from ui.task_compare import show_comparison
from ui.task_timeline import show_timeline

# a measure → (label, line dash, marker symbol, line width): the colour is the run's, so the
# marker and the width tell the measures apart, and the headline stands out
MEASURES = {"headline_cumulative_solved": ("headline cumulative (policy ∪ search tasks)",
                                           "solid", "star", 3.5),
            "cumulative_solved": ("cumulative", "longdash", "circle", 2),
            "policy_only_solved": ("policy-only", "dash", "square", 2),
            "demo_consistent": ("demo-consistent", "dot", "triangle-up", 2),
            "oracle": ("oracle", "dashdot", "x", 2)}
# Butt et al. 2024: top-3 on the 400 ARC-AGI-1 evaluation tasks after ~100 meta-iterations —
# 59 with the mutation baseline's search-task candidates, 49 from the policy's samples alone
# (the paper's "policy only": every iteration's samples so far, i.e. our cumulative count)
PAPER = {"headline_cumulative_solved": 59, "cumulative_solved": 49}
PAPER_DATASET, PAPER_TASKS = "arc1-eval", 400
COLOURS = ["#1E93FF", "#F93C31", "#4FCC30", "#E53AA3", "#FF851B", "#87D8F1", "#921231",
           "#FFDC00", "#555555", "#2ECC9A"]
DISTRIBUTION_ROWS = 20_000
COUNT, FRACTION = "tasks solved", "fraction solved"


def plotly_config(name: str) -> dict:
    """Charts keep plotly's modebar with "download as png" (2× scale, a useful file name)."""
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2}}


def db_stamp(run: Path) -> float:
    """Changes whenever the run database does (the WAL file takes the writes first)."""
    stamps = [p.stat().st_mtime for p in (run / DB_FILE, run / f"{DB_FILE}-wal") if p.exists()]
    return max(stamps, default=0.0)


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """The numbers as people read them (on screen and in the CSV): times as UTC dates, a
    column of small dicts (a policy's own counters) as one column per key, nothing empty."""
    table = table.copy()
    for col in ("started", "finished"):
        if col in table:
            stamps = pd.to_datetime(table.pop(col), unit="s", utc=True)
            table[f"{col} (UTC)"] = stamps.dt.strftime("%Y-%m-%d %H:%M:%S")
    for col in [c for c in table if table[c].map(lambda v: isinstance(v, dict)).any()]:
        flat = pd.json_normalize([v if isinstance(v, dict) else {} for v in table.pop(col)])
        flat.index = table.index
        table = table.join(flat.add_prefix(f"{col}_"))
    return table


@st.cache_data(show_spinner=False, max_entries=64)
def load_metrics(path: str, stamp: float) -> pd.DataFrame:
    return pd.DataFrame(iteration_rows(path))


@st.cache_data(show_spinner=False, max_entries=64)
def load_distribution(path: str, stamp: float) -> tuple[pd.DataFrame, int]:
    """(pool, length, priority) of the run's experiences — all of them, or an even spread
    of DISTRIBUTION_ROWS chosen in SQL when there are more — and the total count."""
    rows, total = RunStore(run_db(Path(path))).priority_spread(DISTRIBUTION_ROWS)
    return pd.DataFrame(rows, columns=["pool", "length", "priority"]), total


def default_runs(names: list[str]) -> list[str]:
    wanted = st.query_params.get(RUN_KEY) or st.session_state.get(RUN_KEY)
    return [wanted] if wanted in names else names[:1]


def remember_runs() -> None:
    chosen = st.session_state.get("mx_runs") or []
    if chosen:
        st.session_state[RUN_KEY] = chosen[0]
        st.query_params[RUN_KEY] = chosen[0]


def seed_groups(configs: dict[str, RunConfig]) -> dict[str, list[str]]:
    """The runs whose configs differ only in their seed, together: label → run names."""
    groups: dict[str, list[str]] = {}
    for name, config in configs.items():
        key = json.dumps({**dataclasses.asdict(config), "seed": None}, sort_keys=True,
                         default=str)
        groups.setdefault(key, []).append(name)
    return {(f"{names[0]} and {len(names) - 1} other seed(s)" if len(names) > 1
             else names[0]): names for names in groups.values()}


def combine(frames: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(mean, lowest, highest) of the runs' numbers at each iteration all of them reached."""
    common = set.intersection(*(set(f["iteration"]) for f in frames))
    cols = [k for k in MEASURES if all(k in f for f in frames)] + ["n_tasks"]
    cols = [c for c in cols if all(c in f for f in frames)]
    stacked = pd.concat([f[f["iteration"].isin(common)].set_index("iteration")[cols]
                         .astype(float) for f in frames])
    by_it = stacked.groupby(level=0)
    return tuple(x.reset_index() for x in (by_it.mean(), by_it.min(), by_it.max()))


def solve_rate_chart(data: dict[str, pd.DataFrame], tasks: dict[str, int],
                     measures: list[str], scale: str, reference: bool,
                     bands: dict[str, tuple[pd.DataFrame, pd.DataFrame]] | None = None,
                     smooth: int = 1) -> go.Figure:
    """The solve counts per iteration; `bands`: a run group's lowest and highest seed,
    drawn as a shaded band around its mean; `smooth`: a rolling mean over that many
    iterations (1: none)."""
    fig = go.Figure()
    bands = bands or {}

    def shown(frame: pd.DataFrame, key: str, name: str) -> pd.Series:
        y = frame[key].rolling(smooth, min_periods=1).mean() if smooth > 1 else frame[key]
        return y / tasks[name] if scale == FRACTION else y

    for k, (name, frame) in enumerate(data.items()):
        for m, key in enumerate(measures):
            if key not in frame:
                continue
            label, dash, symbol, width = MEASURES[key]
            # one run: a colour per measure (lines that coincide, e.g. all at 0, stay
            # distinguishable); several runs: a colour per run, the measure by its dash
            colour = COLOURS[(m if len(data) == 1 else k) % len(COLOURS)]
            y = shown(frame, key, name)
            if name in bands and key in bands[name][0]:
                lo, hi = bands[name]
                fig.add_trace(go.Scatter(x=lo["iteration"], y=shown(lo, key, name),
                                         mode="lines", line=dict(width=0), hoverinfo="skip",
                                         showlegend=False, legendgroup=name))
                fig.add_trace(go.Scatter(x=hi["iteration"], y=shown(hi, key, name),
                                         mode="lines", line=dict(width=0), fill="tonexty",
                                         fillcolor=_translucent(colour), hoverinfo="skip",
                                         showlegend=False, legendgroup=name,
                                         name=f"{name} · {label} (range of the seeds)"))
            headline = key == "headline_cumulative_solved"
            fig.add_trace(go.Scatter(
                x=frame["iteration"], y=y, mode="lines+markers", name=f"{name} · {label}",
                line=dict(color=colour, dash=dash, width=width),
                marker=dict(symbol=symbol, size=13 if headline else 7,
                            line=dict(color="#222", width=1) if headline else None),
                legendgroup=name,
                hovertemplate=f"{name}<br>{label}: %{{y}}<br>iteration %{{x}}<extra></extra>"))
    references = {key: count for key, count in PAPER.items() if key in measures}
    if reference:
        for key, count in references.items():
            y = count / PAPER_TASKS if scale == FRACTION else count
            fig.add_hline(y=y, line=dict(color="#888", dash=MEASURES[key][1], width=1),
                          annotation_text=f"paper: {count}/{PAPER_TASKS} "
                                          f"{MEASURES[key][0]}",
                          annotation_position="top left", annotation_font_color="#666")
    fig.update_layout(height=430, margin=dict(l=10, r=10, t=40, b=10),
                      title=dict(text="Solve rate over meta-iterations (top-3 on the test)",
                                 font=dict(size=15)),
                      xaxis_title="meta-iteration", yaxis_title=scale,
                      legend=dict(orientation="h", yanchor="top", y=-0.18, x=0),
                      hovermode="closest")
    top = max([float(max(t.y)) for t in fig.data if t.y is not None and len(t.y)] + [r for r in (
        [count / PAPER_TASKS if scale == FRACTION else count for count in references.values()]
        if reference else [])] + [0])
    if scale == FRACTION:
        fig.update_yaxes(range=[0, max(top * 1.15, 0.05)], tickformat=".0%")
    else:
        fig.update_yaxes(range=[0, max(top * 1.15, 3)], tickformat="d",
                         dtick=1 if top <= 8 else None)
    integer_axis(fig, data)
    return fig


def _translucent(colour: str, alpha: float = 0.18) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def integer_axis(fig: go.Figure, data: dict[str, pd.DataFrame]) -> None:
    """Meta-iterations are whole numbers: one tick each while there are few."""
    last = max((int(f["iteration"].max()) for f in data.values()), default=1)
    fig.update_xaxes(range=[0.5, last + 0.5], dtick=1 if last <= 12 else None,
                     tickformat="d")


def per_iteration_layout(fig: go.Figure, data: dict[str, pd.DataFrame], title: str,
                         y_title: str) -> go.Figure:
    """The shared look of the small per-iteration charts."""
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=40, b=10),
                      title=dict(text=title, font=dict(size=15)),
                      xaxis_title="meta-iteration", yaxis_title=y_title,
                      legend=dict(orientation="h", yanchor="top", y=-0.25, x=0))
    fig.update_yaxes(rangemode="tozero")
    integer_axis(fig, data)
    return fig


def buffer_chart(data: dict[str, pd.DataFrame]) -> go.Figure:
    fig = go.Figure()
    for k, (name, frame) in enumerate(data.items()):
        colour = COLOURS[k % len(COLOURS)]
        for key, label, dash in (("buffer_policy", "policy pool", "solid"),
                                 ("buffer_seed", "seed pool", "dot")):
            if key in frame:
                fig.add_trace(go.Scatter(x=frame["iteration"], y=frame[key],
                                         mode="lines+markers", name=f"{name} · {label}",
                                         line=dict(color=colour, dash=dash, width=2),
                                         marker=dict(size=6)))
    return per_iteration_layout(fig, data, "Replay buffer size", "experiences")


def time_chart(data: dict[str, pd.DataFrame]) -> go.Figure:
    fig = go.Figure()
    for k, (name, frame) in enumerate(data.items()):
        cols = [c for c in frame if c.endswith("_seconds")]
        fig.add_trace(go.Scatter(x=frame["iteration"], y=frame[cols].sum(axis=1).round(3),
                                 mode="lines+markers", name=name,
                                 line=dict(color=COLOURS[k % len(COLOURS)], width=2),
                                 marker=dict(size=6)))
    return per_iteration_layout(fig, data, "Seconds per meta-iteration", "seconds")


def bins(values: list[pd.Series], integer: bool) -> dict:
    """Shared histogram bins; a single repeated value gets a narrow bin around it."""
    lo = min(float(v.min()) for v in values)
    hi = max(float(v.max()) for v in values)
    if integer:
        return dict(start=lo - 0.5, end=hi + 0.5, size=1)
    if hi - lo < 1e-9:
        return dict(start=lo - 0.1, end=hi + 0.1, size=0.2 / 30)
    return dict(start=lo, end=hi + (hi - lo) / 400, size=(hi - lo) / 40)


def histogram(frames: dict[str, pd.DataFrame], column: str, title: str,
              integer: bool) -> go.Figure:
    fig = go.Figure()
    several = len(frames) > 1
    shared = bins([f[column] for f in frames.values()], integer)
    for k, (name, frame) in enumerate(frames.items()):
        fig.add_trace(go.Histogram(
            x=frame[column], name=name, marker_color=COLOURS[k % len(COLOURS)],
            opacity=0.65 if several else 1.0, histnorm="percent" if several else "",
            xbins=shared, autobinx=False))
    fig.update_xaxes(range=[shared["start"], shared["end"]])
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=40, b=10), barmode="overlay",
                      title=dict(text=title, font=dict(size=15)), bargap=0.05,
                      xaxis_title=column, yaxis_title="% of experiences" if several
                      else "experiences", showlegend=several,
                      legend=dict(orientation="h", yanchor="top", y=-0.25, x=0))
    return fig


# ------------------------------------------------------------------ the page

st.title("Metrics")
st.caption("Solve rates per meta-iteration, top-3 on the test as in ARC: **headline "
           "cumulative** (candidates from every policy sample so far together with the search "
           "tasks' — the mutated seed programs run on every task; the paper's headline), "
           "**cumulative** (every policy sample so far), **policy-only** (this iteration's "
           "samples), **demo-consistent** (a program solves every demo) and **oracle** (a "
           "program is right on the test; an upper bound).")

found = list_runs()
if not found:
    no_runs_message()
    st.stop()
by_name = {p.name: p for p in found}
names = list(by_name)
if "mx_runs" in st.session_state:
    st.session_state["mx_runs"] = [n for n in st.session_state["mx_runs"] if n in names]
else:
    st.session_state["mx_runs"] = default_runs(names)

chosen = st.multiselect("Runs", names, key="mx_runs", on_change=remember_runs,
                            help="Several runs go on one chart (e.g. the ablations of one "
                                 "setting)", placeholder="Choose one or more runs")
top = st.columns([3, 1.2, 1, 1.1], vertical_alignment="bottom")
measures = top[0].multiselect("Measures", list(MEASURES), default=list(MEASURES),
                              key="mx_measures", format_func=lambda k: MEASURES[k][0])
scale = top[1].segmented_control("Scale", [COUNT, FRACTION], default=COUNT, key="mx_scale",
                                 required=True) or COUNT
smooth = top[2].number_input("Smoothing", min_value=1, max_value=50, value=1, step=1,
                             key="mx_smooth", help="A rolling mean over this many "
                             "meta-iterations (1: the numbers as they are)")
grouped = top[3].toggle("Group seeds", key="mx_group", help="Runs whose configs differ only "
                        "in their seed are drawn as one: their mean, and the range of the "
                        "seeds as a band")
if not chosen:
    st.info("Choose at least one run.", icon=":material/info:")
    st.stop()

data: dict[str, pd.DataFrame] = {}
configs: dict[str, RunConfig] = {}
tasks: dict[str, int] = {}
datasets: dict[str, str] = {}
for name in chosen:
    run = by_name[name]
    config, problem = run_config(run)
    if config is None:
        st.error(f"Run {name!r}: {problem}", icon=":material/error:")
        continue
    try:
        frame = load_metrics(str(run), db_stamp(run))
    except Exception as e:  # a damaged database: say so, go on
        st.error(f"Run {name!r}: {RunDir(run).damaged(run / 'run.sqlite', e)}",
                 icon=":material/error:")
        continue
    if frame.empty:
        st.info(f"Run {name!r} has no finished meta-iteration yet — step through one on the "
                f"Run page or run it in the background.", icon=":material/hourglass_empty:")
        continue
    data[name] = frame
    configs[name] = config
    n = frame["n_tasks"].dropna().iloc[-1] if "n_tasks" in frame else None
    tasks[name] = int(n) if n else 1
    datasets[name] = config.dataset

if not data:
    st.stop()

full = [n for n in data if datasets[n] == PAPER_DATASET and tasks[n] == PAPER_TASKS]
subsets = [n for n in data if datasets[n] == PAPER_DATASET and tasks[n] != PAPER_TASKS]
show_reference = bool(full) and any(m in PAPER for m in measures)
chart_data, chart_tasks, bands = data, tasks, {}
if grouped:
    chart_data, chart_tasks = {}, {}
    for label, names in seed_groups(configs).items():
        chart_tasks[label] = tasks[names[0]]
        if len(names) == 1:
            chart_data[label] = data[names[0]]
            continue
        mean, lo, hi = combine([data[n] for n in names])
        chart_data[label], bands[label] = mean, (lo, hi)
st.plotly_chart(solve_rate_chart(chart_data, chart_tasks, measures, scale, show_reference,
                                 bands, int(smooth)),
                config=plotly_config("codeit_solve_rate"), key="mx_solve_chart")
if grouped and not bands:
    st.caption("No two of the chosen runs differ only in their seed: nothing to group.")
notes = []
if full:
    notes.append(f"Reference lines: the paper's "
                 f"{PAPER['headline_cumulative_solved']}/{PAPER_TASKS} headline (policy and "
                 f"search tasks together) and {PAPER['cumulative_solved']}/{PAPER_TASKS} "
                 f"from the policy's samples alone (the paper's \"policy only\", cumulative "
                 f"over iterations) on all {PAPER_TASKS} ARC-AGI-1 evaluation tasks, reached after "
                 f"about 100 meta-iterations with the paper's language-model policy.")
if subsets:
    notes.append("No reference lines for " + ", ".join(
        f"{n!r} ({tasks[n]} of the {PAPER_TASKS} evaluation tasks)" for n in subsets)
        + ": the paper's numbers hold for the full set only.")
elif not full:
    notes.append(f"The paper's reference lines apply only to runs on all {PAPER_TASKS} "
                 f"ARC-AGI-1 evaluation tasks (`{PAPER_DATASET}`).")
older = [n for n, f in data.items() if "headline_cumulative_solved" not in f]
if older and "headline_cumulative_solved" in measures:
    notes.append("No headline count for " + ", ".join(repr(n) for n in older)
                 + ": scored before search tasks existed.")
for note in notes:
    st.caption(note)

last = pd.DataFrame([{"run": n, "dataset": datasets[n], "tasks": tasks[n],
                      "iterations": int(f["iteration"].max()),
                      **{MEASURES[k][0]: f[k].iloc[-1] for k in MEASURES if k in f},
                      **{f"best {MEASURES[k][0]}": f[k].max()
                         for k in ("headline_cumulative_solved", "cumulative_solved")
                         if k in f}}
                     for n, f in data.items()])
counts = [c for c in last if c not in ("run", "dataset")]
last[counts] = last[counts].astype("Int64")  # whole numbers, blank where not recorded
st.markdown("**Latest meta-iteration of each run**")
st.dataframe(last, hide_index=True, width="stretch")

left, right = st.columns(2, gap="large")
with left:
    st.plotly_chart(buffer_chart(data), config=plotly_config("codeit_buffer"),
                    key="mx_buffer_chart")
with right:
    st.plotly_chart(time_chart(data), config=plotly_config("codeit_seconds"),
                    key="mx_time_chart")

st.subheader("Which tasks, when", anchor=False)
which = st.selectbox("Run", list(data), key="mx_timeline_run",
                     help="Each task's top-3 candidates at each meta-iteration") \
    if len(data) > 1 else next(iter(data))
show_timeline(by_name[which], datasets[which], db_stamp(by_name[which]))

st.subheader("One task, two runs", anchor=False)
show_comparison({n: by_name[n] for n in data}, datasets,
                {n: db_stamp(by_name[n]) for n in data})

st.subheader("Experiences in the buffer", anchor=False)
pool = st.segmented_control("Pool", ["policy", "seed", "both"], default="policy",
                            key="mx_pool", required=True) or "policy"
dists: dict[str, pd.DataFrame] = {}
sampled_note = []
for name in data:
    frame, total = load_distribution(str(by_name[name]), db_stamp(by_name[name]))
    if pool != "both":
        frame = frame[frame["pool"] == pool]
    if not frame.empty:
        dists[name] = frame
    if total > DISTRIBUTION_ROWS:
        sampled_note.append(f"{name}: {DISTRIBUTION_ROWS:,} of {total:,}")
if dists:
    left, right = st.columns(2, gap="large")
    with left:
        st.plotly_chart(histogram(dists, "length", "Program length (lines)", True),
                        config=plotly_config("codeit_program_length"), key="mx_length")
    with right:
        st.plotly_chart(histogram(dists, "priority", "Priority", False),
                        config=plotly_config("codeit_priority"), key="mx_priority")
    if sampled_note:
        st.caption("Drawn from an even sample of the experiences: " + "; ".join(sampled_note))
else:
    st.caption(f"No experience in the {pool} pool of the chosen run(s).")

st.subheader("The numbers", anchor=False)
table = readable(pd.concat([f.assign(run=n, dataset=datasets[n]) for n, f in data.items()],
                           ignore_index=True))
first = ["run", "dataset", "iteration", "n_tasks", *MEASURES]
table = table[[c for c in first if c in table] + [c for c in table if c not in first]]
st.dataframe(table, hide_index=True, width="stretch")
st.download_button("Download CSV", table.to_csv(index=False).encode(),
                   file_name="codeit_metrics.csv", mime="text/csv",
                   icon=":material/download:", key="mx_csv")
st.caption("Charts download as PNG from the camera icon of their toolbar (hover a chart).")
