"""The writer lock of a run directory: one writer at a time, the holder named, a dead
holder's lock free at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from codeit_core.runlock import HOLDER_FILE, RunBusyError, WriterLock, describe, writer
from helpers import ROOT


def test_a_second_writer_is_refused_and_the_first_can_go_on(tmp_path):
    assert writer(tmp_path) is None  # never written: no lock file is made by asking
    assert not (tmp_path / "writer.lock").exists()
    with WriterLock(tmp_path, "the first writer") as first:
        assert first.held
        holder = writer(tmp_path)
        assert holder["pid"] == os.getpid() and holder["command"] == "the first writer"
        with pytest.raises(RunBusyError, match=f"process {os.getpid()} \\(the first writer"):
            WriterLock(tmp_path, "the second").acquire()
        assert first.held and writer(tmp_path)["command"] == "the first writer"
    assert writer(tmp_path) is None and not (tmp_path / HOLDER_FILE).exists()
    with WriterLock(tmp_path, "the second"):  # free again
        assert writer(tmp_path)["command"] == "the second"


def test_the_lock_of_a_killed_holder_is_free_at_once(tmp_path):
    code = ("import sys, time; from codeit_core.runlock import WriterLock; "
            f"lock = WriterLock({str(tmp_path)!r}, 'a doomed writer').acquire(); "
            "print('held', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        assert writer(tmp_path)["pid"] == proc.pid
        with pytest.raises(RunBusyError, match="a doomed writer"):
            WriterLock(tmp_path).acquire()
    finally:
        proc.kill()
        proc.wait(10)
    # its note is left behind, but the kernel dropped the lock with the process
    assert json.loads((tmp_path / HOLDER_FILE).read_text())["pid"] == proc.pid
    assert writer(tmp_path) is None
    with WriterLock(tmp_path, "the next writer"):
        assert writer(tmp_path)["command"] == "the next writer"


def test_the_holder_is_described_in_words():
    assert describe(None) == "another process"
    text = describe({"pid": 42, "command": "python -m codeit_core run", "since": 0})
    assert text.startswith("process 42 (python -m codeit_core run, since 19")
