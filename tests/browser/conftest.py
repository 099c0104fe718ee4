"""A real Streamlit server on a free localhost port and a real headless Debian chromium
driven by Playwright (never `playwright install`: the browser is /usr/bin/chromium)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from serving import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("CODEIT_TEST_ARTIFACTS", ROOT / "tests" / "artifacts"))


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory) -> Path:
    """The server's runs folder (CODEIT_RUNS_DIR): tests may create run directories in it."""
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, runs_dir):
    """`streamlit run app.py` on a free port, stopped at the end of the session."""
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "CODEIT_RUNS_DIR": str(runs_dir)}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        server_log = log.read_text()
        assert "Traceback" not in server_log, server_log


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def screenshot(page):
    """screenshot(name): save a full-page screenshot as a test artifact, return its path."""

    def take(name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
