"""Freed memory goes back to the system (glibc's malloc_trim), so the loop process is as
large as what it holds, not as its largest step."""

from __future__ import annotations

import psutil
import pytest

from codeit_core.processes import _malloc_trim, release_freed_memory


@pytest.mark.skipif(_malloc_trim() is None, reason="no malloc_trim (not glibc)")
def test_freed_heap_is_returned():
    torch = pytest.importorskip("torch")
    proc = psutil.Process()
    # many blocks below glibc's mmap threshold: they live in the heap, and freeing them
    # leaves the pages with the process until trimmed (the tensor at the top keeps the
    # heap from shrinking by itself)
    blocks = [torch.empty(16_000, dtype=torch.uint8).fill_(1) for _ in range(20_000)]
    top = torch.empty(16_000, dtype=torch.uint8).fill_(1)
    before = proc.memory_info().rss
    del blocks
    freed = proc.memory_info().rss
    release_freed_memory()
    after = proc.memory_info().rss
    assert before - after > 200 * 2**20, (before >> 20, freed >> 20, after >> 20)
    assert float(top.sum()) == 16_000


def test_release_is_safe_to_call_any_time():
    release_freed_memory()
    release_freed_memory()
