"""A page opened by its URL on a freshly started server runs inside the app's navigation
(the pages live in `views/`: a `pages/` folder would put Streamlit in its older multipage
mode, which runs the page file on its own)."""

from __future__ import annotations

import os

import pytest
from serving import free_port, start_streamlit, stop, wait_healthy

pytestmark = pytest.mark.browser


def test_deep_link_on_a_fresh_server_shows_the_app_navigation(browser, tmp_path):
    port = free_port()
    env = {**os.environ, "CODEIT_RUNS_DIR": str(tmp_path / "runs")}
    proc = start_streamlit(tmp_path / "server.log", env, [
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port",
        str(port), "--browser.gatherUsageStats", "false"])
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc)
        page = context.new_page()
        page.goto(f"{url}/metrics")  # the very first request this server sees
        page.get_by_role("heading", name="Metrics").wait_for(timeout=30_000)
        nav = page.locator('[data-testid="stSidebarNav"]')
        nav.get_by_text("Replay buffer").wait_for(timeout=30_000)
        labels = nav.inner_text()
        assert "Home" in labels and "Playground" in labels
        assert "app" not in labels.split()  # the auto-generated menu names app.py "app"
        assert page.title().startswith("CodeIt Dashboard") or "Metrics" in page.title()
    finally:
        context.close()
        stop(proc)
