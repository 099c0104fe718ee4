"""Tasks: choose a dataset, find a task, see every pair side by side, upload task files."""

from __future__ import annotations

import random

import streamlit as st

from codeit_core.tasks import (DATASET_TITLES, Task, TaskFormatError, dataset_names,
                               load_dataset, tasks_from_json_text)
from ui.components import colour_chips, show_task, task_stats

UPLOADED = "uploaded"


@st.cache_data(show_spinner="Loading tasks…")
def bundled_tasks(name: str) -> list[Task]:
    return load_dataset(name)


def uploaded_tasks() -> dict[str, Task]:
    return st.session_state.setdefault("uploaded_tasks", {})


def ingest_uploads() -> None:
    """Parse newly uploaded files; keep every valid task, report every invalid file."""
    files = st.session_state.get("task_upload") or []
    errors: list[str] = []
    added = 0
    for f in files:
        try:
            tasks = tasks_from_json_text(f.getvalue(), f.name)
        except TaskFormatError as e:
            errors.append(str(e))
            continue
        for task in tasks:
            uploaded_tasks()[task.id] = task
            added += 1
    st.session_state["upload_errors"] = errors
    st.session_state["upload_added"] = added
    if added:
        st.session_state["dataset"] = UPLOADED
        st.session_state["task_index"] = 0


def dataset_tasks(name: str) -> list[Task]:
    if name == UPLOADED:
        return sorted(uploaded_tasks().values(), key=lambda t: t.id)
    return bundled_tasks(name)


def move(step: int, count: int) -> None:
    st.session_state["task_index"] = (st.session_state.get("task_index", 0) + step) % count


def pick_random(count: int) -> None:
    st.session_state["task_index"] = random.randrange(count)


def pick_id(ids: list[str]) -> None:
    st.session_state["task_index"] = ids.index(st.session_state["task_pick"])


def reset_index() -> None:
    st.session_state["task_index"] = 0


st.title("Tasks")

with st.sidebar:
    st.subheader("Your own tasks")
    st.file_uploader(
        "Upload task JSON files", type=["json"], accept_multiple_files=True,
        key="task_upload", on_change=ingest_uploads,
        help="A single task ({\"train\": [...], \"test\": [...]}) or a combined "
             "{task_id: task} file; several files at once are fine.")
    for message in st.session_state.get("upload_errors", []):
        st.error(message, icon=":material/error:")
    if st.session_state.get("upload_added"):
        st.success(f"Loaded {st.session_state['upload_added']} task(s) from the upload.")

choices = dataset_names() + ([UPLOADED] if uploaded_tasks() else [])
if st.session_state.get("dataset") not in choices:
    st.session_state["dataset"] = choices[0]
labels = {**DATASET_TITLES, UPLOADED: "Uploaded files"}

top = st.columns([2, 3, 1, 1, 1], vertical_alignment="bottom")
with top[0]:
    dataset = st.selectbox("Dataset", choices, key="dataset", on_change=reset_index,
                           format_func=lambda n: f"{labels[n]} ({n})")
tasks = dataset_tasks(dataset)
ids = [t.id for t in tasks]
index = min(st.session_state.get("task_index", 0), len(ids) - 1)
st.session_state["task_index"] = index
st.session_state["task_pick"] = ids[index]
with top[1]:
    st.selectbox(f"Task ({len(ids)} in this dataset)", ids, key="task_pick",
                 on_change=pick_id, args=(ids,))
with top[2]:
    st.button("◀ Previous", on_click=move, args=(-1, len(ids)), width="stretch")
with top[3]:
    st.button("Next ▶", on_click=move, args=(1, len(ids)), width="stretch")
with top[4]:
    st.button("Random", icon=":material/casino:", on_click=pick_random, args=(len(ids),), width="stretch")

task = tasks[index]
st.subheader(f"Task {task.id}")
st.caption(f"{index + 1} of {len(ids)} · {labels.get(dataset, dataset)}")
stats = task_stats(task)
cols = st.columns([1, 1, 1, 4])
for col, name in zip(cols, ("demonstrations", "tests", "same size in and out")):
    col.metric(name, stats[name])
cols[3].markdown(f"**input sizes** {stats['input sizes']}  \n"
                 f"**output sizes** {stats['output sizes']}  \n"
                 f"**colours used** {colour_chips(stats['colours used'])}",
                 unsafe_allow_html=True)
show_task(task)
