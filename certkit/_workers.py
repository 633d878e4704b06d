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
import select
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
    # A forked worker inherits the mask of interrupts_held_while_forking.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, INTERRUPTS)
    watch = _parent_watch(parent_pid, poll_seconds)
    threading.Thread(target=watch, name="certkit-orphan-watch", daemon=True).start()


def _parent_watch(parent_pid: int, poll_seconds: float):
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
