"""Pool workers die with the certkit process that started them, whenever it dies.

A worker learns its parent's pid from the parent itself: on a loaded machine the parent can
be SIGKILLed between the fork and the worker's initializer, and a worker that asked
``os.getppid()`` only then would take init for its parent and wait for tasks forever (and
hold the dead run's stdout and stderr open, so whoever waits on them hangs too).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

# A worker's start as the pool initializer runs it, then an idle wait for tasks that
# never come: only the orphan watch can end it.
_WORKER = """
import sys, time
from certkit._workers import prepare_worker
prepare_worker(int(sys.argv[1]), poll_seconds=0.05)
time.sleep(3600)
"""

# A hang guard, not a speed bound: the watch notices at once on a quiet machine.
HANG_GUARD_SECONDS = 300


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def _run_worker(parent_pid: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _WORKER, str(parent_pid)], capture_output=True, text=True,
                          timeout=HANG_GUARD_SECONDS)


def test_a_worker_whose_parent_is_already_gone_exits():
    parent = subprocess.Popen([sys.executable, "-c", "pass"])
    parent.wait()  # reaped: the pid names no process any more
    result = _run_worker(parent.pid)
    assert result.returncode == 1, result.stderr


def test_a_worker_whose_parent_died_but_is_not_yet_reaped_exits():
    """A SIGKILLed certkit stays a zombie until its own parent (a shell, a test) reaps it:
    for the worker it is dead all the same."""
    parent = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    while _state(parent.pid) != "Z" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _state(parent.pid) == "Z"
    try:
        result = _run_worker(parent.pid)
    finally:
        parent.wait()
    assert result.returncode == 1, result.stderr


def test_a_worker_stays_while_its_parent_lives():
    """The watch ends a worker only for a dead parent: with a live one it keeps waiting
    (here until the parent itself kills it)."""
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    try:
        with subprocess.Popen([sys.executable, "-c", _WORKER, str(parent.pid)]) as worker:
            try:
                worker.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
            # Alive after a while with a live parent; then the parent dies and the worker follows.
            assert worker.poll() is None
            parent.kill()
            assert worker.wait(timeout=HANG_GUARD_SECONDS) == 1
    finally:
        parent.kill()
        parent.wait()
