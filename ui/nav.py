"""Make every page run inside the app's navigation, even when it is opened first.

Streamlit keeps an old multipage mode for apps with a `pages/` folder: until some session
has run `app.py` (which calls `st.navigation`), a deep link such as `/metrics` on a freshly
started server runs `pages/metrics.py` on its own — without the app's page config and
with an auto-generated menu. Each page calls `require_app()` first: in that mode it
switches Streamlit to the navigation mode and reruns, so `app.py` runs and shows the page.
"""

from __future__ import annotations

import streamlit as st


def require_app() -> None:
    """Rerun through app.py when Streamlit ran this page file directly (old pages mode).

    Once per session at most: Streamlit's test harness resets the mode on every run, and
    a rerun there would drop the button click the run carries.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not st.session_state.get("_codeit_nav_fixed"):
        st.session_state["_codeit_nav_fixed"] = True
        PagesManager.uses_pages_directory = False
        st.rerun()
