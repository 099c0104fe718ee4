"""Process helpers: whether a process the engine started (a background run, a local
Phoenix) still lives, and giving freed memory back to the system."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import subprocess
from pathlib import Path
from typing import Any


def process_alive(pid: int | None, children: dict[int, subprocess.Popen] | None = None,
                  command_marker: bytes | None = None) -> bool:
    """True when `pid` is a live process, not a zombie.

    A child of ours (in `children`) is asked directly, which also reaps it. With
    `command_marker`, a pid whose command line lacks it counts as gone: the system may
    have given the pid to an unrelated program since.
    """
    if not pid:
        return False
    child = (children or {}).get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    proc = Path(f"/proc/{pid}")
    try:
        if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return False
        return command_marker is None or command_marker in (proc / "cmdline").read_bytes()
    except (OSError, IndexError):
        return True  # no /proc: trust kill(0)


@functools.cache
def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to call
        return None


def release_freed_memory() -> None:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim``; elsewhere
    nothing).

    A training epoch allocates and frees hundreds of MB of tensors; glibc keeps the freed
    pages for reuse, so without this the process stays as large as its largest step (on
    400 tasks: ~1.9 GB resident at iteration 4 instead of ~0.85 GB)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
