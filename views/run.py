"""Run: the run directories with their status; create a run; open one and step through a
meta-iteration phase by phase (seeing what each phase did), or run iterations in a
separate background process with live numbers and a clean stop.

A thin view: the New-run form, the step views and the background tab are in ui/
(new_run_form, step_views, background_view); the run is driven through its RunSession."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from codeit_core import runs as core_runs
from codeit_core import steps as core_steps
from codeit_core.background import run_state
from codeit_core.execute import ExecutorError
from codeit_core.loop import CodeItLoop
from codeit_core.runlock import RunBusyError, describe, writer
from codeit_core.runs import ABLATIONS, ConfigError, RunConfig, RunDir, disk_full
from codeit_core.session import RunSession
from codeit_core.tasks import DATASET_TITLES, TaskFormatError, UnknownDatasetError, \
    UnknownTaskError
from ui.background_view import STATUS_TEXT, background_panel
from ui.manage_view import import_panel, manage_panel, show_message
from ui.new_run_form import new_run_form
from ui.runs_view import drop_loop, get_session, list_runs, pick_run, runs_dir
from ui.step_views import VIEWS, show_seed

ICONS = {"seed": ":material/spa:", "learn": ":material/school:",
         "sample": ":material/casino:", "execute": ":material/play_arrow:",
         "store": ":material/inventory_2:", "score": ":material/scoreboard:"}
STEPS = tuple((s.name, s.label, ICONS[s.name]) for s in core_steps.STEPS)
LABELS = {name: label for name, label, _ in STEPS}
WHOLE_ITERATION = "iteration"  # the button that takes every step left in the iteration
# ExecutorError: e.g. a run made for a Ray cluster, opened where Ray is missing or unreachable
OPEN_ERRORS = (ConfigError, UnknownTaskError, UnknownDatasetError, TaskFormatError, OSError,
               ExecutorError)


# ------------------------------------------------------------------ helpers

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


# ------------------------------------------------------------------ step by step

def request_step(run_key: str, name: str) -> None:
    st.session_state["rv_pending"] = (run_key, name)


def do_step(session: RunSession, name: str) -> bool:
    """Take the step with a progress bar; whether it was taken (an error is kept to show)."""
    bar = st.progress(0.0, text=f"{LABELS[name]}…")
    taken = False
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
        taken = result.taken
        if taken:
            st.session_state["rv_last"] = name
    except RunBusyError as e:  # another process writes the run: nothing was done
        st.session_state["rv_step_error"] = f"{LABELS[name]} was not run: {e}"
    except Exception as e:  # a full disk, a broken policy or dataset: say it, keep the run
        st.session_state["rv_step_error"] = (
            f"{LABELS[name]} was not finished: the disk is full ({e}); nothing of the "
            f"step was kept — free some space and take it again" if disk_full(e)
            else f"{LABELS[name]} failed: {e}")
    bar.empty()
    return taken


def do_iteration(session: RunSession) -> None:
    """The steps left in the current meta-iteration (all five after a Score), one by one."""
    while True:
        name = session.state().next_step
        if name == "seed" or not do_step(session, name) or name == core_steps.ITERATION[-1].name:
            return


def step_note(loop: CodeItLoop, name: str) -> str:
    """The spinner text of a step, saying when it is a long one."""
    c = loop.config
    if name == "learn" and loop.iteration == 1 and c.policy == "neural" and \
            loop.switches.pretrains:
        if c.policy_options.get("init_checkpoint"):
            return ("Learn… from the pretrained weights of init_checkpoint "
                    f"{c.policy_options['init_checkpoint']!r} (no pretraining)")
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
        if pending[1] == WHOLE_ITERATION:
            do_iteration(get_session(run))
        else:
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
        row.button("Whole iteration", icon=":material/fast_forward:",
                   key=f"rv_step_{WHOLE_ITERATION}", disabled=True)
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
    row.button("Whole iteration" if nxt == "learn" else "Rest of the iteration",
               icon=":material/fast_forward:", key=f"rv_step_{WHOLE_ITERATION}",
               disabled=nxt == "seed", on_click=request_step, args=(key, WHOLE_ITERATION),
               help="Take the steps left in this meta-iteration one after the other, up to "
                    "and with Score")

    # what happened: one view at a time (the page stays short), of the current iteration's
    # finished steps and the seed; the newest step's view is shown after each step
    shown = [name for i, (name, _, _) in enumerate(STEPS[1:], 1) if i <= done][::-1]
    if loop.is_seeded():
        shown.append("seed")
    if not shown:
        return
    newest = "seed" if st.session_state.get("rv_last") == "seed" else shown[0]
    if st.session_state.get("rv_view_of") != (key, it, newest):
        st.session_state["rv_view_of"] = (key, it, newest)
        st.session_state["rv_view"] = newest
    if st.session_state.get("rv_view") not in shown:
        st.session_state["rv_view"] = newest
    name = st.segmented_control(
        "What the step did", shown, key="rv_view", required=True,
        format_func=lambda n: "Seed" if n == "seed" else f"{LABELS[n]} · {it}",
        help="The view of a step of this meta-iteration (or of the seeding); the newest "
             "step's opens after each step") or newest
    with st.container(border=True):
        if name == "seed":
            st.subheader("Seed", anchor=False)
            show_seed(loop)
        else:
            st.subheader(f"{LABELS[name]} — iteration {it}", anchor=False)
            VIEWS[name](loop, it)


# ------------------------------------------------------------------ the listing

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
                 expanded=not rows or bool(st.session_state.get("nr_error")
                                           or st.session_state.get("nr_preset"))):
    new_run_form()
    st.markdown("**Or import a run**")
    import_panel()
show_message()  # what a Manage action or an import did

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
    # the open tab is session state (on_change="rerun"): it stays open when a Manage
    # action opens another run (keyed only, a rerun could bring back the first tab)
    steps_tab, background_tab, manage_tab = st.tabs(["Step by step", "In the background",
                                                     "Manage"], key="rv_tabs",
                                                    on_change="rerun")
    with steps_tab:
        step_panel(run, state)
    with background_tab:
        background_panel(run, state)
    with manage_tab:
        manage_panel(run, state["alive"])
