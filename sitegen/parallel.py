"""Run per-item work on every core.

Workers are forked, so they inherit the site model and the Jinja environment from the parent
instead of receiving them pickled; each task is a batch of items, and only small results
travel back.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_TASKS_FOR_PROCESSES = 2
SERIAL_BELOW = 100
_shared: dict[str, Any] = {}


STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
# The signals that asked this run to stop (`cli`). Python drops an exception raised where it
# cannot propagate (in the handlers os.fork runs, in a __del__), so the main thread also
# stops at its next result (`_checkpoint`): a stop asked for is never lost.
stopping: list[int] = []


def _checkpoint() -> None:
    if stopping and threading.current_thread() is threading.main_thread():
        raise KeyboardInterrupt


def worker_started() -> None:
    # A worker may be forked while the parent pauses the collector (build.py). Ctrl+C reaches
    # every process of the terminal's group: the parent stops the build (and its workers), a
    # worker would only print a traceback of its own.
    gc.enable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # (the parent's handler is the parent's)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # (blocked while forking)


def shared() -> dict[str, Any]:
    """The state the parent passed to `pmap`, inside a worker (or the parent, when serial)."""
    return _shared


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def batches(seq: Sequence[T], jobs: int, at_most: int = 200) -> list[Sequence[T]]:
    """Small enough batches to balance the cores, large enough to keep overhead low."""
    if not seq:
        return []
    if len(seq) < SERIAL_BELOW:  # forking workers costs more than it saves
        return [seq]
    size = max(1, min(at_most, -(-len(seq) // (jobs * 4))))
    return [seq[i : i + size] for i in range(0, len(seq), size)]


Progress = Callable[[int, int], None]  # (tasks done, tasks in all)


def forks(jobs: int, tasks: Sequence[object]) -> bool:
    """Whether `pmap` runs these tasks in worker processes (else one after the other here)."""
    return jobs > 1 and len(tasks) >= MIN_TASKS_FOR_PROCESSES \
        and "fork" in multiprocessing.get_all_start_methods()


def pmap(func: Callable[[T], R], tasks: Sequence[T], state: dict[str, Any], jobs: int,
         progress: Progress | None = None) -> Iterator[R]:
    """`func(t) for t in tasks`, in order, in forked worker processes when that can pay off.
    A generator: the caller handles each result as it arrives and lets it go, so the results
    of a whole build (every rendered body, on a cold build) are never all in memory at once."""
    global _shared
    previous, _shared = _shared, state
    try:
        if not forks(jobs, tasks):
            for done, task in enumerate(tasks, start=1):
                # (again each time: the caller may run another pmap between two results)
                _shared = state
                yield func(task)
                _checkpoint()
                if progress:
                    progress(done, len(tasks))
            return
        # No stop while the workers are forked: it would be raised inside the handlers
        # os.fork runs, and dropped; held back, it comes right after.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            pool = multiprocessing.get_context("fork").Pool(min(jobs, len(tasks)),
                                                            initializer=worker_started)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        with pool:
            for done, result in enumerate(pool.imap(func, tasks, chunksize=1), start=1):
                yield result
                _checkpoint()
                if progress:
                    progress(done, len(tasks))
    finally:
        _shared = previous
