"""Shared fixtures: the repository root on sys.path, and small task files on disk.

Plain helpers live in `helpers.py` (conftest modules are not for importing)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# The search-task cache of every run the tests start (subprocesses inherit it): never the
# repository's runs folder.
os.environ.setdefault("CODEIT_CACHE_DIR", tempfile.mkdtemp(prefix="codeit-test-cache-"))


@pytest.fixture
def write_json(tmp_path):
    """Write a JSON-able value (or raw text) to tmp_path/name and return the path."""

    def write(name: str, value) -> Path:
        path = tmp_path / name
        path.write_text(value if isinstance(value, str) else json.dumps(value))
        return path

    return write


@pytest.fixture(scope="session")
def browser():
    """One headless Debian chromium for the whole session, driven by Playwright (one
    Playwright instance per thread: browser and reliability tests share it)."""
    from serving import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test.sh does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
