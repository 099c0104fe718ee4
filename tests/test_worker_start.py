"""A worker started by ``worker_start.start_worker`` does not run the caller's main script
again, and multiprocessing still would without it (the day it stops, the module can go)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from helpers import ROOT

TARGET = """
import os


def target(conn):
    conn.send(os.getpid())
"""

SCRIPT = """
import multiprocessing, os, sys
sys.path[:0] = [{root!r}, {here!r}]
with open({log!r}, "a") as f:   # one line per import of this script
    f.write(f"{{os.getpid()}}\\n")
from worker_target import target   # a worker's target lives in an importable module

if __name__ == "__main__":
    from codeit_core.worker_start import start_worker
    ctx = multiprocessing.get_context({method!r})
    if sys.argv[1] == "ours":
        process, conn = start_worker(ctx, target, "w", ())
    else:  # multiprocessing's own start
        conn, child = ctx.Pipe()
        process = ctx.Process(target=target, args=(child,), daemon=True)
        process.start()
    print(conn.recv())
    process.join(10)
"""


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_the_main_script_is_imported_once_with_start_worker_and_again_without(
        tmp_path, method):
    imports = {}
    (tmp_path / "worker_target.py").write_text(TARGET)
    for how in ("ours", "plain"):
        log = tmp_path / f"{how}.log"
        script = tmp_path / f"main_{how}.py"
        script.write_text(textwrap.dedent(SCRIPT.format(root=str(ROOT), here=str(tmp_path),
                                                        log=str(log), method=method)))
        done = subprocess.run([sys.executable, str(script), how], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        worker_pid = int(done.stdout.split()[-1])
        imports[how] = [int(line) for line in log.read_text().split()]
        assert worker_pid not in imports[how][:1]  # the first import is the parent's
    assert len(imports["ours"]) == 1, "start_worker let the worker import __main__"
    assert len(imports["plain"]) == 2, (
        "multiprocessing no longer re-imports the main script in a child: "
        "codeit_core/worker_start.py's stand-in __main__ may be unneeded now")
