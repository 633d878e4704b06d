"""Worker processes shared by the commands that use every core (issuing, auditing).

Two concerns every process pool of certkit has:

* how to start workers: ``fork`` is fastest (milliseconds, and the parent's prepared state
  is already in the child's memory) but forking a process that runs other threads can
  deadlock the child on a lock one of them held; then a single-threaded fork server is
  used instead (a fraction of a second, once), or ``spawn`` where neither exists;
* what a worker does when its parent is killed with SIGKILL: it cannot be told to stop,
  and waiting for its next task it would wait forever (it holds its own task queue open),
  so it watches for the parent's death and exits;
* a Ctrl-C or SIGTERM that arrives while the parent drives the pool: CPython runs the
  signal handler at the next Python instruction, wherever that is. In an
  ``os.register_at_fork`` or weakref callback (logging registers one) the KeyboardInterrupt
  is printed as "Exception ignored" and dropped; inside ``concurrent.futures`` it can leave
  a future's lock held (``as_completed`` takes every future's lock in a loop), and the
  executor's shutdown then waits for that lock forever. So while a pool runs, the signals
  only take note (:func:`interrupts_at_safe_points`), and the parent raises the interrupt
  itself between two short waits for results (:func:`completed`, :func:`result_of`),
  where nothing is half done.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import select
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from multiprocessing.context import BaseContext
from typing import Any

#: The signals that interrupt a run (certkit's CLI turns SIGTERM into KeyboardInterrupt).
INTERRUPTS = (signal.SIGINT, signal.SIGTERM)
#: How long the parent waits for results before it looks for an interrupt: Ctrl-C's latency.
POLL_SECONDS = 0.05


def default_jobs() -> int:
    """The CPUs this process may run on (cgroup/affinity aware where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def pool_context(preload: Sequence[str] = ()) -> BaseContext:
    """fork when this process has a single thread, else forkserver (preloading ``preload``), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        if preload:
            context.set_forkserver_preload(list(preload))
        return context
    return multiprocessing.get_context("spawn")


def uses_fork(context: BaseContext) -> bool:
    return bool(context.get_start_method() == "fork")


class SafePoints:
    """The interrupt noted while a pool runs, raised by :meth:`check` where it is safe."""

    def __init__(self) -> None:
        self.received: int | None = None

    def note(self, signum: int, frame: Any) -> None:  # noqa: ARG002 - a signal handler
        if self.received is None:
            self.received = signum

    def check(self) -> None:
        if self.received is not None:
            raise KeyboardInterrupt


@contextmanager
def interrupts_at_safe_points() -> Iterator[SafePoints]:
    """While the body runs, SIGINT and SIGTERM only take note; ``check()`` raises them.

    Create, feed and shut down the pool inside the body: forking workers, waiting for
    results and the executor's own locking then never see a KeyboardInterrupt. One noted
    but not yet raised when the body ends (during the shutdown, say) is raised on the way
    out, after the handlers are restored. Outside the main thread (where Python runs no
    signal handlers) this changes nothing.
    """
    points = SafePoints()
    if threading.current_thread() is not threading.main_thread():
        yield points
        return
    previous = {}
    try:
        for signum in INTERRUPTS:
            previous[signum] = signal.signal(signum, points.note)
        yield points
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    points.check()


def completed(futures: Iterable[Future[Any]], points: SafePoints) -> Iterator[Future[Any]]:
    """``as_completed`` that raises a noted interrupt between short waits.

    Each future reports itself once, to a queue (a done-callback), so following N futures
    costs O(N): ``wait(pending, FIRST_COMPLETED)`` in a loop locked and unlocked every
    pending future on every call, which made issuing 2,000 nodes spend more of the
    parent's time waiting than packaging them.
    """
    arrived: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()
    remaining = 0
    for future in futures:
        remaining += 1
        future.add_done_callback(arrived.put)  # runs at once for a future already done
    while remaining:
        try:
            future = arrived.get(timeout=POLL_SECONDS)
        except queue.Empty:
            points.check()
            continue
        points.check()
        remaining -= 1
        yield future


def result_of(future: Future[Any], points: SafePoints) -> Any:
    """``future.result()`` that raises a noted interrupt between short waits."""
    while True:
        try:
            return future.result(timeout=POLL_SECONDS)
        except TimeoutError:
            points.check()


def prepare_worker(parent_pid: int, poll_seconds: float = 0.25) -> None:
    """Call first in a pool initializer: leave Ctrl-C to the parent, and die with it.

    Ctrl-C reaches the whole process group; the parent decides what happens (it stops the
    pool), and workers ignoring SIGINT keeps their tracebacks off the user's terminal.

    ``parent_pid`` is the certkit process's pid, taken in the parent (``os.getpid()``)
    before the pool starts. Reading it here with ``os.getppid()`` instead would race: on a
    loaded machine the parent can be killed between the fork and this initializer, and the
    orphan would then take init (or a subreaper) for its parent and wait forever.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    watch = _parent_watch(parent_pid, poll_seconds)
    threading.Thread(target=watch, name="certkit-orphan-watch", daemon=True).start()


def _parent_watch(parent_pid: int, poll_seconds: float) -> Callable[[], None]:
    """A function that returns (by exiting this process) once ``parent_pid`` has ended."""
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is not None:
        try:
            pidfd = pidfd_open(parent_pid)
        except ProcessLookupError:
            os._exit(1)  # the parent is already gone
        except OSError:
            pass  # an old kernel: fall back to polling below
        else:
            def wait_for_exit() -> None:
                # A pidfd turns readable when the process ends, zombie or reaped alike.
                select.select([pidfd], [], [])
                os._exit(1)

            return wait_for_exit

    def poll_parent() -> None:
        # Forked workers: the parent is our parent while it lives. Under a fork server the
        # parent is another process; its death ends the fork server and re-parents us too.
        first_parent = os.getppid()
        while os.getppid() == first_parent and (first_parent == parent_pid or _alive(parent_pid)):
            time.sleep(poll_seconds)
        os._exit(1)

    return poll_parent


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
