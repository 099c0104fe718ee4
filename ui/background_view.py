"""The Run page's "In the background" tab: start a run in a detached process with the
number of meta-iterations it should run, watch its live numbers and log, stop it cleanly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from codeit_core.background import (BackgroundError, iteration_rows, log_tail,
                                    request_stop, run_state, start_background)
from codeit_core.runs import ConfigError, RunDir
from ui.runs_view import drop_loop
from ui.step_views import SOLVE_COUNTS

STATUS_TEXT = {"new": "new", "stepping": "stepped by hand", "starting": "starting",
               "running": "running", "stopped": "stopped", "finished": "finished",
               "failed": "failed", "interrupted": "interrupted — resume possible"}
SHOWN_PROGRAMS = 24


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


def duration_words(seconds: float) -> str:
    """12 s, 4 min, 1 h 20 min."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


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
    eta = ""
    if state.get("eta_seconds") is not None and not state["stop_requested"]:
        eta = f" · about {duration_words(state['eta_seconds'])} left"
        if state["target"] is not None and state["target"] < planned:
            eta += f" (stops after iteration {state['target']})"
    st.progress(min(1.0, state["completed"] / planned),
                text=f"{state['completed']} of {state['planned']} meta-iterations · "
                     f"{label}{where}{eta}")
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
