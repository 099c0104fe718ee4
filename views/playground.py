"""Playground: write a DSL program, run it in the sandbox on every pair of a task, and see
where it is right; a searchable reference of every primitive and constant beside it."""

from __future__ import annotations

import streamlit as st

from codeit_core.buffer import ReplayBuffer
from codeit_core.dsl import CATEGORIES, CONSTANTS, REGISTRY, DSLError, parse
from codeit_core.execute import ExecResult, get_executor
from codeit_core.tasks import DATASET_TITLES, Pair, TaskFormatError, UnknownDatasetError, \
    dataset_names
from ui.components import pair_cell_size, show_pair
from ui.render import diff_count
from ui.runs_view import dataset_tasks, parent_dataset, run_by_name, run_config, run_db

DEFAULT_PROGRAM = """\
# 007bbfb7: coloured cells place copies of the input
x1 = upscale(I, 3)        # each cell: a 3x3 block
x2 = tile(I, 3, 3)        # the input tiled 3x3
x3 = palette(I)
x4 = other(x3, 0)         # the colour that is not black
O = mask_and(x1, x2, x4)  # tiles on coloured blocks
"""
ALL = "All categories"


@st.cache_resource(show_spinner=False)
def executor():
    """The shared sandboxed worker pool: program text never runs in this process."""
    return get_executor()


def describe_error(res: ExecResult) -> str:
    """'line 3: runtime error: message' (the line only when known)."""
    kind = (res.error or "").replace("_", " ")
    where = f"line {res.line}: " if res.line else ""
    return f"{where}{kind} error: {res.message}" if res.message else f"{where}{kind} error"


def parse_message(e: DSLError) -> str:
    where = f"line {e.line}: " if e.line else ""
    return f"{where}{e.kind.replace('_', ' ')} error: {e.message}"


# ------------------------------------------------------------------ load from the buffer

def load_from_buffer() -> None:
    """?run=<name>&experience=<id>: prefill the program and select its parent task (once per
    link, so later edits are kept)."""
    params = st.query_params
    run_name, exp = params.get("run"), params.get("experience")
    if not run_name or not exp:
        return
    token = (run_name, exp)
    if st.session_state.get("pg_loaded") == token:
        return
    st.session_state["pg_loaded"] = token
    st.session_state.pop("pg_load_error", None)
    run = run_by_name(run_name)
    if run is None:
        st.session_state["pg_load_error"] = f"There is no run called {run_name!r}."
        return
    try:
        found = ReplayBuffer(run_db(run)).get(int(exp))
    except ValueError:
        found = None
    if found is None:
        st.session_state["pg_load_error"] = (f"Run {run_name!r} has no experience "
                                             f"{exp!r} in its replay buffer.")
        return
    info, _ = found
    config, _ = run_config(run)
    dataset = parent_dataset(info["pool"], config.dataset if config else "arc1-train")
    st.session_state["pg_program"] = info["program"]
    st.session_state["pg_dataset"] = dataset
    st.session_state["pg_task"] = info["task_id"]
    st.session_state["pg_loaded_note"] = (f"Loaded experience #{info['id']} of run "
                                          f"{run_name!r} (parent task {info['task_id']}).")
    extra = st.session_state.setdefault("pg_extra_datasets", [])
    if dataset not in dataset_names() and dataset not in extra:
        extra.append(dataset)


def load_from_link() -> None:
    """?dataset=<name>&task=<id>&program=<text>: prefill the program on that task (once per
    link), as the Metrics page's solved tasks link here."""
    params = st.query_params
    task, program = params.get("task"), params.get("program")
    if not task or not program:
        return
    token = (params.get("dataset"), task, program)
    if st.session_state.get("pg_linked") == token:
        return
    st.session_state["pg_linked"] = token
    st.session_state["pg_program"] = program
    st.session_state["pg_task"] = task
    dataset = params.get("dataset")
    if dataset:
        st.session_state["pg_dataset"] = dataset
        extra = st.session_state.setdefault("pg_extra_datasets", [])
        if dataset not in dataset_names() and dataset not in extra:
            extra.append(dataset)  # a task file of the user's (its path)


# ------------------------------------------------------------------ reference

def insert_call(name: str) -> None:
    """Add `xK = name(param, ...)` to the program before its `O = ...` line (a new variable
    K), the parameters' names standing in for the arguments."""
    prim = REGISTRY[name]
    lines = (st.session_state.get("pg_program") or "").rstrip("\n").splitlines()
    used = {ln.split("=", 1)[0].strip() for ln in lines if "=" in ln}
    k = next(k for k in range(1, 10_000) if f"x{k}" not in used)
    call = f"x{k} = {name}({', '.join(prim.param_names)})"
    at = next((i for i, ln in enumerate(lines) if ln.strip().startswith("O ")
               or ln.strip().startswith("O=")), len(lines))
    st.session_state["pg_program"] = "\n".join([*lines[:at], call, *lines[at:]]) + "\n"


def primitive_reference() -> None:
    st.markdown("##### Reference")
    prims, consts = st.tabs([f"Primitives ({len(REGISTRY)})", f"Constants ({len(CONSTANTS)})"])
    with prims:
        left, right = st.columns([3, 2])
        query = left.text_input("Search primitives", key="pg_ref_query",
                                placeholder="name or words, e.g. rotate",
                                label_visibility="collapsed").strip().lower()
        category = right.selectbox("Category", [ALL, *CATEGORIES], key="pg_ref_category",
                                   label_visibility="collapsed")
        matches = [p for p in sorted(REGISTRY.values(),
                                                 key=lambda p: (CATEGORIES.index(p.category),
                                                                p.name))
                   if (category == ALL or p.category == category)
                   and (not query or query in p.name.lower() or query in p.doc.lower()
                        or query in p.signature.lower())]
        st.caption(f"{len(matches)} of {len(REGISTRY)} primitives")
        if matches:
            pick, add = st.columns([3, 1], vertical_alignment="bottom")
            name = pick.selectbox("Insert a call of", [p.name for p in matches],
                                  key="pg_insert_name")
            add.button("Insert", icon=":material/add:", key="pg_insert", width="stretch",
                       on_click=insert_call, args=(name,),
                       help="Adds a line calling it before the line of O, its arguments "
                            "named after the parameters for you to fill in")
        with st.container(height=430, border=False, key="pg_ref_list"):
            if not matches:
                st.caption("No primitive matches.")
            lines = [f"`{p.signature}`  \n{p.doc} <span style='color:#888'>· "
                     f"{p.category}</span>" for p in matches]
            if lines:
                st.markdown("\n\n".join(lines), unsafe_allow_html=True)
    with consts:
        st.caption("Use a constant by name as an argument, e.g. `recolor(x1, RED)`.")
        st.markdown("\n\n".join(f"`{c.name}` = `{c.value}` · {c.type} — {c.doc}"
                                for c in CONSTANTS.values()))


# ------------------------------------------------------------------ results

def solved(res: ExecResult, pair: Pair) -> bool | None:
    """True / False, or None when the expected output is unknown."""
    if pair.output is None:
        return None
    return res.output is not None and diff_count(res.output, pair.output) == 0


def show_results(pairs: list[Pair], results: list[ExecResult], n_demo: int) -> None:
    demo = [solved(r, p) for r, p in zip(results[:n_demo], pairs[:n_demo])]
    test = [solved(r, p) for r, p in zip(results[n_demo:], pairs[n_demo:])]
    test_known = [t for t in test if t is not None]
    summary = (f"demos solved {sum(demo)}/{len(demo)} · test solved "
               f"{sum(test_known)}/{len(test_known)}")
    if len(test_known) < len(test):
        summary += f" ({len(test) - len(test_known)} test output(s) unknown)"
    if all(demo) and all(test_known):
        st.success(summary, icon=":material/check_circle:")
    elif any(demo) or any(test_known):
        st.warning(summary, icon=":material/rule:")
    else:
        st.error(summary, icon=":material/cancel:")
    cell = pair_cell_size(pairs, target=180)
    for heading, start, stop, name in (("Demonstrations", 0, n_demo, "Demonstration"),
                                       ("Test", n_demo, len(pairs), "Test")):
        st.markdown(f"##### {heading}")
        with st.container(horizontal=True, gap="medium"):
            for i in range(start, stop):
                title = f"{name} {i - start + 1}"
                res = results[i]
                if res.output is not None:
                    show_pair(pairs[i], title, predicted=res.output, cell=cell)
                else:
                    show_pair(pairs[i], title, cell=cell, error=describe_error(res))


# ------------------------------------------------------------------ page

st.html("<style>.st-key-pg_program textarea {font-family: 'Source Code Pro', "
        "ui-monospace, monospace; font-size: 0.9rem; line-height: 1.45;}</style>")
st.title("Playground")
st.caption("Write a program in the DSL, run it in the sandbox on every demonstration and "
           "test input of a task, and see exactly which cells it gets right.")

load_from_buffer()
load_from_link()
if st.session_state.get("pg_load_error"):
    st.error(st.session_state["pg_load_error"], icon=":material/error:")
elif st.session_state.get("pg_loaded_note"):
    st.info(st.session_state["pg_loaded_note"], icon=":material/stacks:")

choices = dataset_names() + st.session_state.get("pg_extra_datasets", [])
if st.session_state.get("pg_dataset") not in choices:
    st.session_state["pg_dataset"] = choices[0]
top = st.columns([2, 2, 3], vertical_alignment="bottom")
dataset = top[0].selectbox(
    "Dataset", choices, key="pg_dataset",
    format_func=lambda n: f"{DATASET_TITLES[n]} ({n})" if n in DATASET_TITLES else n)
try:
    tasks = dataset_tasks(dataset)
except (UnknownDatasetError, TaskFormatError, OSError) as e:
    st.error(f"Cannot load dataset {dataset!r}: {e}", icon=":material/error:")
    st.stop()
if not tasks:
    st.error(f"Dataset {dataset!r} holds no tasks.", icon=":material/error:")
    st.stop()
ids = [t.id for t in tasks]
if st.session_state.get("pg_task") not in ids:
    if st.session_state.get("pg_task"):
        st.warning(f"Task {st.session_state['pg_task']!r} is not in {dataset!r}; showing "
                   f"{ids[0]} instead.", icon=":material/warning:")
    st.session_state["pg_task"] = ids[0]
task_id = top[1].selectbox(f"Task ({len(ids)} in this dataset)", ids, key="pg_task")
task = tasks[ids.index(task_id)]
top[2].caption(f"{len(task.train)} demonstrations · {len(task.test)} test")

if "pg_program" not in st.session_state:
    st.session_state["pg_program"] = DEFAULT_PROGRAM

editor, reference = st.columns([3, 2], gap="large")
with editor:
    text = st.text_area(
        "Program", key="pg_program", height=330,
        help="One call per line: `name = primitive(args)`. The input grid is `I`, the "
             "result is `O`; `#` starts a comment. Ctrl+Enter applies the edit.")
    try:
        program = parse(text)
        parse_error = None
    except DSLError as e:
        program, parse_error = None, e
    buttons = st.container(horizontal=True, vertical_alignment="center")
    run_clicked = buttons.button("Run", type="primary", icon=":material/play_arrow:",
                                 key="pg_run", disabled=parse_error is not None)
    if parse_error is not None:
        st.error(parse_message(parse_error), icon=":material/error:")
    else:
        buttons.caption(f"parses · {len(program.lines)} line(s) · runs in the sandbox with "
                        f"a {executor().timeout:g} s limit per input")
with reference:
    primitive_reference()

pairs = list(task.train) + list(task.test)
run_key = (text, dataset, task.id)
if run_clicked and parse_error is None:
    with st.spinner("Running in the sandbox…"):
        results = executor().run_program(text, [p.input for p in pairs])
    st.session_state["pg_result"] = (run_key, results)

last = st.session_state.get("pg_result")
st.divider()
if last and last[0] == run_key:
    show_results(pairs, last[1], len(task.train))
elif last and parse_error is None:
    st.caption("The program or the task changed since the last run: press **Run**.")
else:
    st.caption("Press **Run** to execute the program on every pair of the task.")
