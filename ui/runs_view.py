"""Read-only access to run directories for the pages: find runs, pick one (shared across
pages through the session and the URL), open its database, read its config and dataset.

A run is a folder ``<runs_dir>/<name>/`` holding ``config.json`` and ``run.sqlite``
(see `codeit_core.runs`). Nothing here writes to a run.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from pathlib import Path

import streamlit as st

from codeit_core import runs as core_runs
from codeit_core.db import connect
from codeit_core.session import RunSession
from codeit_core.store import RunStore
from codeit_core.tasks import Task, TaskFormatError, UnknownDatasetError, load_dataset

RUN_KEY = "run"  # st.session_state key and URL query parameter shared by the pages


def runs_dir() -> Path:
    """Where run directories live: $CODEIT_RUNS_DIR, else ./runs."""
    return core_runs.runs_dir()


def list_runs() -> list[Path]:
    """Run directories (folders holding run.sqlite), newest first."""
    return core_runs.list_runs(runs_dir())


def run_by_name(name: str | None) -> Path | None:
    """The run directory called `name` under runs_dir(), or None (never a path elsewhere)."""
    if not name:
        return None
    return next((p for p in list_runs() if p.name == name), None)


def no_runs_message() -> None:
    st.info(f"No runs yet in `{runs_dir()}`. Start one on the **Run** page, or from a "
            f"terminal: `python -m codeit_core run ...`", icon=":material/info:")


def _remember(key: str) -> None:
    name = st.session_state.get(key)
    st.session_state[RUN_KEY] = name
    st.query_params[RUN_KEY] = name


def pick_run(key: str, label: str = "Run") -> Path | None:
    """A selectbox of the runs; the choice is remembered in st.session_state["run"] and in
    the URL (?run=name) so every page opens on the same run. None when there is no run."""
    found = list_runs()
    if not found:
        no_runs_message()
        return None
    names = [p.name for p in found]
    wanted = st.query_params.get(RUN_KEY)
    if wanted not in names:
        wanted = st.session_state.get(RUN_KEY)
    if wanted not in names:
        wanted = names[0]
    st.session_state[key] = wanted
    name = st.selectbox(label, names, key=key, on_change=_remember, args=(key,),
                        help=f"Run directories in {runs_dir()}, newest first")
    st.session_state[RUN_KEY] = name
    if st.query_params.get(RUN_KEY) != name:
        st.query_params[RUN_KEY] = name
    return found[names.index(name)]


@st.cache_resource(show_spinner=False)
def open_db(db_path: str) -> sqlite3.Connection:
    """A read-only connection to a run database, one per path for the whole server."""
    return connect(db_path, readonly=True)


def run_db(run: Path) -> sqlite3.Connection:
    return open_db(str(run / core_runs.DB_FILE))


def run_config(run: Path) -> tuple[core_runs.RunConfig | None, str | None]:
    """(config, None), or (None, a message saying why the config cannot be read)."""
    try:
        return core_runs.RunDir(run).config(), None
    except core_runs.ConfigError as e:
        return None, str(e)


@st.cache_data(show_spinner="Loading tasks…")
def dataset_tasks(name: str) -> list[Task]:
    """The tasks of a bundled dataset or a path (raises UnknownDatasetError/TaskFormatError)."""
    return load_dataset(name)


def parent_dataset(pool: str, run_dataset: str) -> str:
    """The dataset an experience's parent task is in: the seed pool's are ARC-AGI-1
    training tasks (the reference programs' own), the policy pool's the run's search set."""
    from codeit_core.relabel import SEED_POOL
    from codeit_core.solutions import DATASET

    return DATASET if pool == SEED_POOL else run_dataset


def find_parent_task(dataset: str, task_id: str) -> tuple[Task | None, str | None]:
    """(task, None), or (None, why it cannot be found)."""
    try:
        tasks = dataset_tasks(dataset)
    except (UnknownDatasetError, TaskFormatError, OSError) as e:
        return None, f"the dataset {dataset!r} cannot be loaded: {e}"
    task = next((t for t in tasks if t.id == task_id), None)
    if task is None:
        return None, f"task {task_id!r} is not in the dataset {dataset!r}"
    return task, None


@st.cache_data(ttl=20, show_spinner=False)
def buffer_facets(db_path: str) -> tuple[list[str], list[int]]:
    """Distinct parent task ids and iterations of a run's buffer (for the filters)."""
    return RunStore(open_db(db_path)).buffer_facets()


def stored_rows(conn: sqlite3.Connection, keys: list[tuple[str, str]]) -> list[dict | None]:
    """The id and stored priority of each (task id, program), in order (None if gone)."""
    return RunStore(conn).stored_rows(keys)


@st.cache_resource(show_spinner="Opening the run…", on_release=RunSession.close)
def run_session(path: str) -> RunSession:
    """The run's session, shared by every browser session of the server (one per run
    directory): it owns the run's loop and serializes the steps asked for at once."""
    return RunSession(core_runs.RunDir(path))


def drop_loop(run: Path) -> None:
    """Close the run's loop held in memory (before another process takes the run over)."""
    run_session(str(run.resolve())).release()


def get_session(run: Path) -> RunSession:
    return run_session(str(run.resolve()))


def playground_link(dataset: str, task: str, program: str) -> str:
    """The Playground with `program` on `task` (relative to the app)."""
    return "playground?" + urllib.parse.urlencode(
        {"dataset": dataset, "task": task, "program": program})
