"""Worker processes shared by the commands that use every core (issuing, auditing).

Two concerns every process pool of certkit has:

* how to start workers: ``fork`` is fastest (milliseconds, and the parent's prepared state
  is already in the child's memory) but forking a process that runs other threads can
  deadlock the child on a lock one of them held; then a single-threaded fork server is
  used instead (a fraction of a second, once), or ``spawn`` where neither exists;
* what a worker does when its parent is killed with SIGKILL: it cannot be told to stop,
  and waiting for its next task it would wait forever (it holds its own task queue open),
  so it watches for the parent's death and exits;
* a Ctrl-C or SIGTERM that arrives while the parent forks: CPython runs its signal
  handler at the next Python instruction, which may be inside an ``os.register_at_fork``
  callback (logging registers one), where an exception is printed as "Exception ignored"
  and dropped. The interrupt would be lost and a traceback printed; so the signals are
  held while workers are forked (:func:`interrupts_held_while_forking`) and arrive the
  moment the fork is over.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

#: The signals that interrupt a run: certkit's CLI turns SIGTERM into KeyboardInterrupt,
#: and SIGALRM too when it delivers again an interrupt that Python swallowed
#: (certkit.cli._interrupt_again_when_swallowed).
INTERRUPTS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGALRM})


def default_jobs() -> int:
    """The CPUs this process may run on (cgroup/affinity aware where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def pool_context(preload: Sequence[str] = ()):
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


def uses_fork(context) -> bool:
    return context.get_start_method() == "fork"


@contextmanager
def interrupts_held_while_forking(context) -> Iterator[None]:
    """Block :data:`INTERRUPTS` in this thread around code that may fork ``context``'s workers.

    A signal that comes meanwhile stays pending and is handled as soon as the block ends,
    in ordinary code where its KeyboardInterrupt propagates. Threads started inside the
    block (the executor's manager thread) inherit the mask, which only means signals are
    delivered to the main thread, where CPython handles them anyway. No-op unless forking.
    """
    if not uses_fork(context) or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def prepare_worker(poll_seconds: float = 0.25) -> None:
    """Call first in a pool initializer: leave Ctrl-C to the parent, and die with it.

    Ctrl-C reaches the whole process group; the parent decides what happens (it stops the
    pool), and workers ignoring SIGINT keeps their tracebacks off the user's terminal.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # A forked worker inherits the mask of interrupts_held_while_forking.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, INTERRUPTS)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        os._exit(1)

    threading.Thread(target=watch, name="certkit-orphan-watch", daemon=True).start()
