"""Whether a process the engine started (a background run, a local Phoenix) still lives."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


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
