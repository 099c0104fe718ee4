"""The CodeIt command line on a disk that fills up at one chosen write — the fault injector
of test_full_disk.py:

    python full_disk.py store|checkpoint run --run-dir DIR ...

The chosen write fails the way a full disk makes it fail: the database write of iteration 2's
Store step raises SQLite's "database or disk is full" (SQLITE_FULL), and the file write of
iteration 2's checkpoint writes half its bytes, then raises OSError ENOSPC."""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def fill_at_store() -> None:
    from codeit_core import buffer

    original = buffer.ReplayBuffer.add
    calls = [0]

    def add(self, experiences):  # the seed pool, iteration 1's Store, then iteration 2's
        calls[0] += 1
        if calls[0] == 3:
            raise sqlite3.OperationalError("database or disk is full")
        return original(self, experiences)

    buffer.ReplayBuffer.add = add


def fill_at_checkpoint() -> None:
    def failing(original):
        def write(self, data, *args, **kwargs):
            if "iter_0002" in self.name:
                original(self, data[:len(data) // 2], *args, **kwargs)
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
            return original(self, data, *args, **kwargs)
        return write

    Path.write_text = failing(Path.write_text)
    Path.write_bytes = failing(Path.write_bytes)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    {"store": fill_at_store, "checkpoint": fill_at_checkpoint}[sys.argv[1]]()
    from codeit_core.cli import main

    sys.exit(main(sys.argv[2:]))
