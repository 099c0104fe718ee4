"""Starting a worker process without re-importing the caller's main script: the one place
the project steers a library by something other than its documented interface.

With the ``forkserver`` and ``spawn`` start methods, multiprocessing runs the parent's
``__main__`` again in every child (``multiprocessing.spawn.get_preparation_data`` records its
path or module name, the child imports it before the target runs). For a worker started
from ``streamlit run`` that is Streamlit's launcher, from a benchmark the whole benchmark
script: slow at best. Nothing in multiprocessing's interface switches it off, so while a
worker starts ``sys.modules["__main__"]`` is a bare module without a file or spec, which
leaves nothing to re-import. ``tests/test_worker_start.py`` checks both that multiprocessing
still re-imports a main script (if it stopped, this module could go) and that a worker
started here does not.
"""

from __future__ import annotations

import sys
import threading
import types
from typing import Any, Callable

_START_LOCK = threading.Lock()
_BARE_MAIN = types.ModuleType("__main__")


def start_worker(ctx: Any, target: Callable[..., None], name: str, args: tuple
                 ) -> tuple[Any, Any]:
    """Start a worker process that gets its end of a duplex pipe as first argument:
    (process, our end). The caller's ``__main__`` is not re-imported in it."""
    parent_conn, child_conn = ctx.Pipe(duplex=True)
    process = ctx.Process(target=target, name=name, daemon=True, args=(child_conn, *args))
    with _START_LOCK:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = _BARE_MAIN
        try:
            process.start()
        finally:
            if main is not None:
                sys.modules["__main__"] = main
    child_conn.close()
    return process, parent_conn


def stop_worker(worker: Any) -> None:
    """Kill a worker (anything with ``process`` and ``conn``) if alive; close its pipe."""
    if worker.process.is_alive():
        worker.process.kill()
    worker.process.join(2.0)
    try:
        worker.conn.close()
    except OSError:
        pass
