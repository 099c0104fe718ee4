"""CodeIt Dashboard: ``streamlit run app.py``.

The entry point only sets up the page and the navigation; each page lives in `views/`
(not `pages/`: Streamlit would take that folder for its older multipage mode).
"""

import streamlit as st

from ui.render import grid_png

# The page icon is a small ARC grid drawn here and served by this server: a Material icon
# as page icon makes the browser fetch its picture from a font host on the internet.
ICON = ((2, 0, 4), (0, 3, 0), (1, 0, 6))
st.set_page_config(page_title="CodeIt Dashboard", page_icon=grid_png(ICON, cell=12),
                   layout="wide")

PAGES = [
    st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("views/tasks.py", title="Tasks", icon=":material/extension:", url_path="tasks"),
    st.Page("views/run.py", title="Run", icon=":material/play_circle:", url_path="run"),
    st.Page("views/metrics.py", title="Metrics", icon=":material/monitoring:", url_path="metrics"),
    st.Page("views/replay_buffer.py", title="Replay buffer", icon=":material/stacks:", url_path="replay-buffer"),
    st.Page("views/playground.py", title="Playground", icon=":material/code:", url_path="playground"),
    st.Page("views/traces.py", title="Traces", icon=":material/timeline:", url_path="traces"),
]

st.navigation(PAGES).run()
