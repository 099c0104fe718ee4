"""The Run page's New-run form: an input for every field of the run's config, checked
before the run is created (the message names the field)."""

from __future__ import annotations

import dataclasses
import json
import re
import time

import streamlit as st

from codeit_core import runs as core_runs
from codeit_core.loop import select_tasks
from codeit_core import ray_exec
from codeit_core.ray_exec import RAY_INSTALL
from codeit_core.runs import ABLATIONS, EXECUTORS, POLICIES, ConfigError, RunConfig, RunDir
from codeit_core.tasks import (DATASET_TITLES, TaskFormatError, UnknownDatasetError,
                               UnknownTaskError, dataset_names)
from ui.runs_view import RUN_KEY, runs_dir

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def helptext(name: str) -> str:
    return f"{core_runs.field_docs(RunConfig).get(name, '')}  \n(config field `{name}`)"


# every field of the run's config (policy_options: a JSON text); those the form does not
# lay out by hand get an input of their own under Advanced (config_inputs)
FORM_FIELDS = tuple(f.name for f in dataclasses.fields(RunConfig) if f.name != "policy_options")
LAID_OUT = ("dataset", "tasks", "policy", "iterations", "samples_per_task", "temperature",
            "seed", "ablation", "learn_size", "policy_share", "alpha", "capacity",
            "priority_performance", "priority_shortness", "priority_recency",
            "priority_distance", "seed_mutants", "search_mutants", "timeout", "workers",
            "executor", "ray_address")


def config_inputs(names: list[str], per_row: int = 4) -> None:
    """An input per config field, by its type, with the field's doc as help."""
    types = {f.name: f.type for f in dataclasses.fields(RunConfig)}
    for start in range(0, len(names), per_row):
        cols = st.columns(per_row)
        for col, name in zip(cols, names[start:start + per_row]):
            label = name.replace("_", " ").capitalize()
            if types[name] == "int":
                col.number_input(label, step=1, key=f"nr_{name}", help=helptext(name))
            elif types[name] == "float":
                col.number_input(label, format="%.3f", key=f"nr_{name}", help=helptext(name))
            else:
                col.text_input(label, key=f"nr_{name}", help=helptext(name))


# The Demo preset: a run that shows solved tasks in its first minute on a laptop — the
# first 40 ARC-AGI-1 evaluation tasks (by id, not chosen for being solvable), the policy
# starting from the bundled pretrained weights (no pretraining), and a search over the
# seed's own programs only; every other setting is the default.
DEMO = {"dataset": "arc1-eval", "tasks": "40", "policy": "neural", "iterations": 5,
        "search_mutants": RunConfig().seed_mutants,
        "policy_options": json.dumps({"init_checkpoint": "bundled"})}


def form_defaults(reset: bool = False) -> None:
    """Each input's starting value (the config's defaults) in session state, so that a
    preset can set any of them; `reset` puts every one back."""
    s = st.session_state
    d = RunConfig()
    values = {f"nr_{f}": getattr(d, f) for f in FORM_FIELDS}
    values.update(nr_ablation=d.ablation or "", nr_executor=d.executor, nr_dataset_path="",
                  nr_policy_options="")
    for key, value in values.items():
        if reset:
            s[key] = value
        else:
            s.setdefault(key, value)
    s.setdefault("nr_name", time.strftime("run-%Y%m%d-%H%M%S"))


def apply_demo() -> None:
    """The Demo preset button's callback: the defaults, then DEMO, and a demo's name."""
    form_defaults(reset=True)
    s = st.session_state
    for field, value in DEMO.items():
        s[f"nr_{field}"] = value
    s["nr_name"] = time.strftime("demo-%Y%m%d-%H%M%S")
    s["nr_preset"] = "demo"


def create_from_form() -> None:
    """The form's submit callback: validate every setting, create the run, open it."""
    s = st.session_state
    s.pop("nr_error", None)
    name = (s.get("nr_name") or "").strip()
    if not NAME_RE.match(name):
        s["nr_error"] = ("run name: use 1–64 letters, digits, '.', '_' or '-' (starting "
                         "with a letter or digit), e.g. eval-40-a3")
        return
    path = runs_dir() / name
    if path.exists():
        s["nr_error"] = f"run name: {name!r} already exists in {runs_dir()}; choose another"
        return
    values = {f: s.get(f"nr_{f}") for f in FORM_FIELDS}
    if (s.get("nr_dataset_path") or "").strip():
        values["dataset"] = s["nr_dataset_path"].strip()
    values["tasks"] = (values["tasks"] or "").strip()
    values["ablation"] = values["ablation"] or ""
    values["executor"] = values["executor"] or "local"
    values["ray_address"] = (values["ray_address"] or "").strip()
    if values["executor"] == "ray" and not ray_exec.ray_available():
        s["nr_error"] = (f"config field 'executor': 'ray' needs Ray, which is not installed "
                         f"here; install it with: {RAY_INSTALL}")
        return
    options = (s.get("nr_policy_options") or "").strip()
    try:
        values["policy_options"] = json.loads(options) if options else {}
        if not isinstance(values["policy_options"], dict):
            raise ValueError("expected a JSON object")
    except ValueError as e:
        s["nr_error"] = f"config field 'policy_options': not a JSON object ({e})"
        return
    try:
        config = RunConfig.from_dict(values, "new run")
        selected = select_tasks(config)
        if not selected:
            raise ConfigError("config field 'tasks': the subset selects no task")
        RunDir(path).create(config)
    except UnknownTaskError as e:
        s["nr_error"] = f"config field 'tasks': {e}"
        return
    except (UnknownDatasetError, TaskFormatError) as e:
        s["nr_error"] = f"config field 'dataset': {e}"
        return
    except (ConfigError, OSError) as e:
        s["nr_error"] = str(e)
        return
    s["nr_created"] = f"Created run {name!r}: {len(selected)} task(s) of {config.dataset}."
    s.pop("nr_preset", None)
    s[RUN_KEY] = name
    st.query_params[RUN_KEY] = name


def new_run_form() -> None:
    form_defaults()
    c = st.columns([1, 3], vertical_alignment="center")
    c[0].button("Demo preset", icon=":material/play_lesson:", key="nr_demo",
                on_click=apply_demo, help="Fill in a run that solves tasks in its first "
                "minute: the first 40 ARC-AGI-1 evaluation tasks, the neural policy from "
                "its bundled pretrained weights (no pretraining), the search over the "
                "seed's own programs; then Create run and step through it")
    if st.session_state.get("nr_preset") == "demo":
        c[1].caption("Demo preset filled in: 40 evaluation tasks, "
                     "`init_checkpoint: bundled` (weights pretrained on ARC-AGI-1 training "
                     "tasks only), search mutants = seed mutants. Seeding takes about 45 s "
                     "on 2 cores, then each meta-iteration about 10 s.")
    with st.form("new_run", border=False):
        c = st.columns(4)
        c[0].text_input("Name", key="nr_name", help="The run directory's name under "
                        f"{runs_dir()}: letters, digits, '.', '_' and '-'")
        names = dataset_names()
        c[1].selectbox("Dataset", names, key="nr_dataset",
                       format_func=lambda n: f"{DATASET_TITLES.get(n, n)} ({n})",
                       help=helptext("dataset"))
        c[2].text_input("Tasks", key="nr_tasks", help=helptext("tasks"),
                        placeholder="all — or 40, or 007bbfb7,00d62c1b")
        c[3].selectbox("Policy", POLICIES, key="nr_policy", help=helptext("policy"))
        c = st.columns(4)
        c[0].number_input("Meta-iterations (planned)", step=1, key="nr_iterations",
                          help=helptext("iterations"))
        c[1].number_input("Samples per task", step=1, key="nr_samples_per_task",
                          help=helptext("samples_per_task"))
        c[2].number_input("Temperature", step=0.05, format="%.2f", key="nr_temperature",
                          help=helptext("temperature"))
        c[3].number_input("Seed", step=1, key="nr_seed", help=helptext("seed"))
        c = st.columns(4)
        c[0].number_input("Learn size", step=100, key="nr_learn_size",
                          help=helptext("learn_size"))
        c[1].slider("Pool mix: share from the policy pool", 0.0, 1.0, step=0.05,
                    key="nr_policy_share", help=helptext("policy_share"))
        c[2].number_input("Priority exponent α", step=0.1, format="%.2f", key="nr_alpha",
                          help=helptext("alpha"))
        c[3].number_input("Seed mutants", step=100, key="nr_seed_mutants",
                          help=helptext("seed_mutants"))
        st.markdown("**Priority weights** — priority = Σ weight × term (the paper: "
                    "demo performance only)")
        c = st.columns(4)
        for col, (field, label) in zip(c, (("priority_performance", "performance"),
                                           ("priority_shortness", "shortness"),
                                           ("priority_recency", "recency"),
                                           ("priority_distance", "distance"))):
            col.number_input(label, step=0.1, format="%.2f", key=f"nr_{field}",
                             help=helptext(field))
        choices = ["", *ABLATIONS]
        c = st.columns([3, 1])
        c[0].selectbox("Ablation", choices, key="nr_ablation", help=helptext("ablation"),
                       format_func=lambda a: f"{a} — {ABLATIONS[a]}" if a
                       else "none — the full method")
        c[1].number_input("Search mutants", step=100, key="nr_search_mutants",
                          help=helptext("search_mutants"))
        with st.expander("Advanced", icon=":material/tune:"):
            c = st.columns(4)
            c[0].number_input("Buffer capacity", step=1000, key="nr_capacity",
                              help=helptext("capacity"))
            c[1].number_input("Timeout per program (s)", step=0.1, format="%.2f",
                              key="nr_timeout", help=helptext("timeout"))
            c[2].number_input("Executor workers", step=1, key="nr_workers",
                              help=helptext("workers"))
            c[3].text_input("Dataset path (instead of the list)", key="nr_dataset_path",
                            placeholder="/path/to/tasks or task.json",
                            help="A task JSON file, a combined {task_id: task} file or a "
                                 "folder of task files; overrides the dataset above")
            c = st.columns([1, 1, 2])
            c[0].selectbox("Executor", EXECUTORS, key="nr_executor", help=helptext("executor"),
                           format_func=lambda e: {"local": "local processes",
                                                  "ray": "Ray cluster"}[e])
            c[1].text_input("Ray address", key="nr_ray_address", help=helptext("ray_address"),
                            placeholder="empty: local instance; auto; ray://HOST:PORT")
            c[2].text_input("Policy options (JSON)", key="nr_policy_options",
                            placeholder='{"model": "..."}', help=helptext("policy_options"))
            config_inputs([f for f in FORM_FIELDS if f not in LAID_OUT])
        st.form_submit_button("Create run", icon=":material/add_circle:", type="primary",
                              on_click=create_from_form)
    if st.session_state.get("nr_error"):
        st.error(f"Not created — {st.session_state['nr_error']}", icon=":material/error:")
