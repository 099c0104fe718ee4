"""Shared fixtures: the repository root on sys.path, and small task files on disk.

Plain helpers live in `helpers.py` (conftest modules are not for importing)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def write_json(tmp_path):
    """Write a JSON-able value (or raw text) to tmp_path/name and return the path."""

    def write(name: str, value) -> Path:
        path = tmp_path / name
        path.write_text(value if isinstance(value, str) else json.dumps(value))
        return path

    return write
