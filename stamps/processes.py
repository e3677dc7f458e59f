"""Worker processes that end with the process that started them.

A process pool's workers wait on a queue from their parent. When the parent is killed
outright (``kill -9``, the out-of-memory killer) nothing shuts the pool down, and they would
wait for ever, holding memory and, for a server, its listening socket. ``multiprocessing``
gives every child it spawns a sentinel: a pipe whose other end only the parent holds, so it
reads end-of-file the moment the parent is gone, however it died. A daemon thread waits on
it; this works on every POSIX system, and also when the parent is a thread that has ended.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable


def exit_with_parent(then: Callable[[], None] | None = None) -> None:
    """When this process's parent is gone, run ``then`` (default: exit at once).

    Does nothing in a process that ``multiprocessing`` did not start.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns once the sentinel pipe reads end-of-file: the parent is gone
        if then is None:
            os._exit(1)  # mid-task for a parent that will never read the result
        then()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def pool_worker(initializer: Callable[..., None], *initargs: object) -> None:
    """A ``ProcessPoolExecutor`` initializer: tie the worker to its parent, then initialise it.

    ``ProcessPoolExecutor(..., initializer=pool_worker, initargs=(init, *args))``.
    """
    exit_with_parent()
    initializer(*initargs)
