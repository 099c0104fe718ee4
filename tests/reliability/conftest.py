"""Reliability suite: shared fixtures (a Streamlit server on a runs folder of our own, a
headless chromium) and the end-of-session table of figures (see reliability_stats.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import reliability_stats  # noqa: E402

from serving import CHROMIUM, CHROMIUM_ARGS, free_port, start_streamlit, stop, \
    wait_healthy  # noqa: E402,F401  (re-exported to the suite's modules)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for line in reliability_stats.table():
        terminalreporter.write_line(line)


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def rel_runs_dir(tmp_path_factory) -> Path:
    """The runs folder (CODEIT_RUNS_DIR) of the suite's Streamlit server."""
    return tmp_path_factory.mktemp("rel_runs")


@pytest.fixture(scope="session")
def rel_server(tmp_path_factory, rel_runs_dir):
    """`streamlit run app.py` on a free localhost port; yields (url, log path)."""
    port = free_port()
    log = tmp_path_factory.mktemp("rel_streamlit") / "server.log"
    env = {**os.environ, "CODEIT_RUNS_DIR": str(rel_runs_dir)}
    proc = start_streamlit(log, env, ["--server.headless", "true", "--server.address",
                                      "127.0.0.1", "--server.port", str(port),
                                      "--browser.gatherUsageStats", "false"])
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url, log
    finally:
        stop(proc)


@pytest.fixture
def new_page(browser):
    """new_page(): a page in a fresh browser context (its own Streamlit session)."""
    contexts = []

    def make():
        ctx = browser.new_context(viewport={"width": 1400, "height": 1400})
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()
