"""Traces: the local Phoenix (start, stop, open), or an existing one by URL; how to trace a
run; and the recent spans of the chosen run, read back from Phoenix."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from codeit_core import phoenix_server
from codeit_core.runs import ConfigError, RunDir
from ui.runs_view import pick_run, runs_dir

URL_KEY = "traces_phoenix_url"       # an existing Phoenix chosen by URL (else the local one)
SPAN_LIMIT = 300
SHOWN = ("iteration", "phase", "tasks", "sampled", "unique", "programs", "valid",
         "relabeled", "stored", "policy_only_solved", "cumulative_solved", "learn.loss")


# ------------------------------------------------------------------ actions

def start_local() -> None:
    try:
        phoenix_server.start(wait=False)
        st.session_state.pop("traces_error", None)
    except (phoenix_server.PhoenixError, OSError) as e:
        st.session_state["traces_error"] = str(e)


def stop_local() -> None:
    try:
        phoenix_server.stop()
    except OSError as e:
        st.session_state["traces_error"] = f"could not stop Phoenix: {e}"


def use_url() -> None:
    url = (st.session_state.get("traces_url_input") or "").strip().rstrip("/")
    if url.endswith("/v1/traces"):
        url = url[: -len("/v1/traces")]
    if not url:
        st.session_state.pop(URL_KEY, None)
        st.session_state.pop("traces_error", None)
        return
    if not url.startswith(("http://", "https://")):
        st.session_state["traces_error"] = (f"{url!r} is not an http(s) URL; give the "
                                            f"Phoenix address, e.g. http://127.0.0.1:6006")
        return
    if not phoenix_server.healthy(url, 2.0):
        st.session_state["traces_error"] = f"no Phoenix answers at {url} (/healthz)"
        return
    st.session_state[URL_KEY] = url
    st.session_state.pop("traces_error", None)


def forget_url() -> None:
    st.session_state.pop(URL_KEY, None)
    st.session_state["traces_url_input"] = ""


# ------------------------------------------------------------------ views

def span_rows(spans: list[dict]) -> pd.DataFrame:
    """One row per span, newest trace first: when, what, how long, the CodeIt attributes."""
    rows = []
    for s in spans:
        attrs = s.get("attributes") or {}
        start = pd.to_datetime(s.get("start_time"), utc=True, errors="coerce")
        end = pd.to_datetime(s.get("end_time"), utc=True, errors="coerce")
        row = {"started": start, "span": s.get("name", ""),
               "iteration": attrs.get("codeit.iteration"),
               "phase": attrs.get("codeit.phase", ""),
               "seconds": round((end - start).total_seconds(), 3)
               if pd.notna(start) and pd.notna(end) else None,
               "status": s.get("status_code", "")}
        for key in SHOWN:
            value = attrs.get(f"codeit.{key}")
            if value is not None and key not in row:
                row[key] = value
        row["trace"] = (s.get("context") or {}).get("trace_id", "")
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame = frame.dropna(axis="columns", how="all")
    frame = frame[[c for c in frame.columns if c != "trace"] + ["trace"]]
    for column in frame.columns:  # counts as whole numbers, blank where a span has none
        values = frame[column].dropna()
        if column != "seconds" and pd.api.types.is_float_dtype(frame[column]) and \
                (values == values.round()).all():
            frame[column] = frame[column].astype("Int64")
    # newest trace (meta-iteration) first; within one, its spans in the order they started
    trace_start = frame.groupby("trace")["started"].transform("min")
    order = frame.assign(_t=trace_start).sort_values(["_t", "started"],
                                                     ascending=[False, True]).index
    return frame.loc[order].reset_index(drop=True)


@st.fragment(run_every=2)
def wait_for_start() -> None:
    """While the local Phoenix starts, poll its status; rerun the page once it is up."""
    now = phoenix_server.status()
    if now.state == "starting":
        st.info(f"Phoenix is starting ({now.message}).", icon=":material/hourglass_top:")
    else:
        st.rerun()


def local_phoenix() -> str | None:
    """The local Phoenix panel; its URL when it is running."""
    now = phoenix_server.status()
    st.subheader("Local Phoenix")
    st.caption(f"Runs as a subprocess on 127.0.0.1 only, with its data in "
               f"`{phoenix_server.working_dir()}`.")
    if now.state == "running":
        h = now.handle
        st.success(f"Running at {h.url} (pid {h.pid}); spans go to `{h.otlp_endpoint}`.",
                   icon=":material/check_circle:")
        cols = st.columns([2, 1, 3])
        cols[0].link_button("Open Phoenix", h.url, icon=":material/open_in_new:",
                            width="stretch")
        cols[1].button("Stop", icon=":material/stop_circle:", on_click=stop_local,
                       key="traces_stop", width="stretch")
        return h.url
    if now.state == "starting":
        wait_for_start()
        st.button("Stop", icon=":material/stop_circle:", on_click=stop_local,
                  key="traces_stop")
        return None
    if now.message:
        st.warning(now.message, icon=":material/warning:")
    st.write("Not running.")
    st.button("Start Phoenix", icon=":material/play_circle:", on_click=start_local,
              key="traces_start", help="Starts in about 10 s; uses ~450 MB of memory")
    return None


def existing_phoenix() -> str | None:
    """Another Phoenix (or OTLP collector with Phoenix's API) given by URL."""
    url = st.session_state.get(URL_KEY)
    with st.expander("Use an existing Phoenix instead", expanded=bool(url),
                     icon=":material/link:"):
        st.text_input("Phoenix URL", key="traces_url_input", on_change=use_url,
                      placeholder="http://127.0.0.1:6006",
                      help="The address of a Phoenix server; spans are sent to its "
                           "/v1/traces and read back from its REST API")
        if url:
            st.caption(f"Using {url}.")
            st.button("Use the local Phoenix again", on_click=forget_url, key="traces_forget")
    return url


def finished(run: Path) -> bool:
    """Whether the run has done every meta-iteration it planned (nothing left to trace)."""
    try:
        return RunDir(run).status()["status"] == "finished"
    except (sqlite3.Error, OSError, ConfigError):
        return False


def how_to_trace(endpoint: str | None, run: Path | None) -> None:
    st.subheader("Tracing a run")
    st.markdown(
        "A run records one `codeit.meta_iteration` span per meta-iteration, with the steps "
        "`codeit.learn`, `codeit.sample`, `codeit.execute`, `codeit.store` and "
        "`codeit.score` as its children (and `codeit.seed` once), each carrying the "
        "iteration, counts, solved tasks, learn statistics and timings; DSPy calls of the "
        "dspy policy appear under them. Start or resume a run from a terminal with "
        "`--trace`; its spans land in the Phoenix project named after the run directory. "
        "API keys are never recorded.")
    target = endpoint or "http://127.0.0.1:6006/v1/traces"
    if run is not None and not finished(run):
        st.code(f"python -m codeit_core run --run-dir {runs_dir()}/{run.name} --resume "
                f"--trace {target}", language="bash")
    else:
        if run is not None:
            st.caption(f"{run.name} has done every meta-iteration it planned: a resume "
                       f"would trace nothing. A new traced run:")
        st.code(f"python -m codeit_core run --run-dir {runs_dir()}/my-run --dataset "
                f"arc1-eval --tasks 40 --iterations 3 --trace {target}", language="bash")
    if endpoint is None:
        st.caption("Start the local Phoenix above (or give an existing one) to get the "
                   "endpoint for your machine.")


def recent_spans(url: str | None, run_name: str) -> None:
    st.subheader(f"Recent spans of {run_name}")
    if url is None:
        st.info("Start the local Phoenix (or give an existing Phoenix's URL) to see this "
                "run's spans, then run it with `--trace` as shown above.",
                icon=":material/info:")
        return
    try:
        spans = phoenix_server.recent_spans(url, run_name, SPAN_LIMIT, timeout=5)
    except phoenix_server.PhoenixError as e:
        st.error(str(e), icon=":material/error:")
        return
    if not spans:
        st.info(f"No spans of {run_name!r} in Phoenix yet: run it with `--trace` (above).",
                icon=":material/info:")
        return
    frame = span_rows(spans)
    iterations = frame[frame["span"] == "codeit.meta_iteration"]
    cols = st.columns(3)
    cols[0].metric("spans", len(frame))
    cols[1].metric("meta-iterations traced", len(iterations))
    newest = frame["started"].max()
    known = isinstance(newest, (pd.Timestamp, datetime))
    cols[2].metric("latest span (UTC)", newest.strftime("%H:%M:%S") if known else "–",
                   help=newest.strftime("%Y-%m-%d %H:%M:%S UTC") if known else None)
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config={"started": st.column_config.DatetimeColumn(
                     "started (UTC)", format="YYYY-MM-DD HH:mm:ss")})
    st.caption(f"The newest {min(len(frame), SPAN_LIMIT)} spans of project {run_name!r}; "
               f"each trace in full (with timings as a waterfall) in Phoenix: "
               f"[{url}]({url}).")


# ------------------------------------------------------------------ page

st.title("Traces")
st.caption("OpenTelemetry spans of CodeIt runs, collected and shown by Arize Phoenix.")

error = st.session_state.pop("traces_error", None)
if error:
    st.error(error, icon=":material/error:")

run = pick_run("traces_run")  # in the main area, as on every page
left, right = st.columns([3, 2], gap="large")
with left:
    local_url = local_phoenix()
with right:
    chosen_url = existing_phoenix()
phoenix_url = chosen_url or local_url
endpoint = phoenix_url + "/v1/traces" if phoenix_url else None

how_to_trace(endpoint, run)
if run is not None:
    recent_spans(phoenix_url, run.name)
