"""Home: what CodeIt is, the loop as a picture, and where each page is."""

import streamlit as st

from ui.loop_diagram import loop_svg

PAGES = (
    ("views/tasks.py", "Tasks", ":material/extension:",
     "Browse ARC-AGI-1 and ARC-AGI-2 task by task, or upload your own task files."),
    ("views/run.py", "Run", ":material/play_circle:",
     "Create a run; step through a meta-iteration phase by phase, or run it in the "
     "background."),
    ("views/metrics.py", "Metrics", ":material/monitoring:",
     "Solve rates over meta-iterations, runs side by side, with the paper's reference."),
    ("views/replay_buffer.py", "Replay buffer", ":material/stacks:",
     "A run's experiences by priority, each next to its parent task."),
    ("views/playground.py", "Playground", ":material/code:",
     "Write a program and run it on any task, with a reference of every primitive."),
    ("views/traces.py", "Traces", ":material/timeline:",
     "OpenTelemetry spans of traced runs in a local Arize Phoenix."),
)

st.title("CodeIt Dashboard")
st.caption("A workbench for CodeIt — program synthesis on the Abstraction and Reasoning "
           "Corpus by a policy that improves itself through prioritized hindsight replay.")

left, right = st.columns([5, 4], gap="large")
with left:
    st.markdown(
        """
**ARC** (the Abstraction and Reasoning Corpus, Chollet 2019) is a set of puzzles on small
coloured grids. Each task shows a few *demonstration* pairs — an input grid and its output —
and asks for the output of a new *test* input. Solving a task means finding the rule.

**CodeIt** (Butt et al., *CodeIt: Self-Improving Language Models with Prioritized
Hindsight Replay*, ICML 2024, arXiv 2402.04858) writes that rule as a program in a
domain-specific language. Each **meta-iteration** a policy *samples* programs for every task,
the programs are *executed* on the demonstration inputs, and every program that runs is
**relabeled in hindsight**: its realized outputs become the target, so it is a correct
solution of a slightly different task. These experiences go into a **prioritized replay
buffer**, and the policy *learns* from a priority-weighted sample of it — from its own
mistakes as much as from its successes.
"""
    )
    st.subheader("Pages")
    for path, name, icon, what in PAGES:
        st.page_link(path, label=name, icon=icon)
        st.caption(what)
    st.markdown("The headless engine is `python -m codeit_core --help`.")
with right:
    st.image(loop_svg(), caption="One meta-iteration of CodeIt", width=420)
