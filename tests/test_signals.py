"""Interrupting a 200-node issuance (issue 7): whenever SIGINT or SIGTERM arrives, the
output is either the complete bundle or absent, no ``.certkit-tmp-*`` is left behind, and
no worker process outlives the run. SIGKILL cannot be caught: then only recognisable
temporary names may remain, never a partial bundle under the real name.

The signal is sent at spread-out moments of a real ``python -m certkit cert`` run (EC
P-256 keys: 200 of them take well under two seconds), and once more the moment the
issuing workers exist, so that start-up, key generation, keystore encryption and the
final write are all hit; the start-up itself also during the imports of named modules
(on a loaded machine no sleep picks a moment of it).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from certkit.io.outputs import TMP_PREFIX

NODES = 200


@pytest.fixture(scope="module")
def issuance(tmp_path_factory):
    """A PEM EC CA and an instances file of 200 nodes."""
    from certkit.issue.bundle import ca_pem_files
    from certkit.issue.ca import create_ca
    from certkit.plan.instances import dump_instances, make_instance

    folder = tmp_path_factory.mktemp("signals")
    ca = create_ca("CN=Signals CA", key_type="ec", curve="P-256")
    for name, entry in ca_pem_files(ca, None).items():
        (folder / name.split("/")[-1]).write_bytes(entry.data)
    (folder / "instances.yml").write_text(dump_instances([make_instance(f"node{i}") for i in range(NODES)]))
    return folder


def _command(folder: Path, out: Path, pem: bool) -> list[str]:
    return [sys.executable, "-m", "certkit", "cert", "--ca-cert", str(folder / "ca.crt"), "--ca-key",
            str(folder / "ca.key"), "--in", str(folder / "instances.yml"), "--key-type", "ec", "--jobs", "2",
            "--out", str(out), *(["--pem"] if pem else [])]


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _complete(out: Path, pem: bool) -> bool:
    """Every node's files are there (and the zip reads back whole)."""
    if out.suffix == ".zip":
        with zipfile.ZipFile(out) as archive:
            assert archive.testzip() is None
            names = set(archive.namelist())
    else:
        names = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    expected = {"ca/ca.crt"} | {
        f"node{i}/node{i}.{suffix}" for i in range(NODES) for suffix in (("crt", "key") if pem else ("p12",))}
    return expected <= names


def _interrupted_interpreter_start(code: int, stderr: str) -> bool:
    """CPython was interrupted while it initialised (importing ``site``), before it ran any
    of certkit: it reports a fatal error and exits 1. On a loaded machine start-up is slow
    enough for a signal sent at a fixed moment to land there."""
    # "init_import_site", "init_sys_streams", ...: whichever start-up step the signal hit.
    return code == 1 and "Fatal Python error: init_" in stderr and "KeyboardInterrupt" in stderr


def _interrupt(folder: Path, out: Path, pem: bool, signum: int, when: float | str) -> tuple[int, str, list[int]]:
    """Run, send ``signum`` at ``when`` (seconds, or "workers": once the pool exists)."""
    process = subprocess.Popen(_command(folder, out, pem), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               cwd=out.parent)
    workers: list[int] = []
    if when == "workers":
        deadline = time.monotonic() + 300
        while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
            workers = _children(process.pid)
            time.sleep(0.005)
    else:
        time.sleep(when)
        workers = _children(process.pid)
    if process.poll() is None:
        process.send_signal(signum)
    # A hang guard, not a speed bound: 200 EC nodes take a second or two on a quiet machine.
    _, stderr = process.communicate(timeout=600)
    return process.returncode, stderr.decode(errors="replace"), workers


@pytest.mark.slow
@pytest.mark.parametrize("pem, suffix", [(True, ".zip"), (False, "")], ids=["pem-zip", "p12-folder"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_an_interrupted_issuance_leaves_the_whole_bundle_or_nothing(issuance, tmp_path, pem, suffix, signum):
    outcomes = []
    for index, when in enumerate(["workers", 0.2, 0.4, 0.6, 0.9, 1.2]):
        out = tmp_path / f"bundle-{index}{suffix}"
        code, stderr, workers = _interrupt(issuance, out, pem, signum, when)
        assert "certkit/" not in stderr, stderr  # no traceback through certkit's code
        if out.exists():
            assert _complete(out, pem), f"partial bundle after a signal at {when}"
            outcomes.append("complete")
        else:
            # Handled: the contract's one line and 130. (-signum: the signal arrived before
            # certkit could install its handler; -SIGINT: CPython's exit status once a
            # KeyboardInterrupt escaped an import, even though certkit then caught it; 1 with
            # "Fatal Python error": Ctrl-C while the interpreter itself starts, before any
            # of certkit's code runs.) Every one exits non-zero having written nothing.
            assert code in (130, -signum, -signal.SIGINT) or _interrupted_interpreter_start(code, stderr), (
                when, code, stderr)
            if code == 130:
                assert [line for line in stderr.splitlines() if line.startswith("error:")] == [
                    "error: interrupted; nothing was written"]
            outcomes.append("nothing")
        assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(TMP_PREFIX)], f"leftovers at {when}"
        deadline = time.monotonic() + 120
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in workers if _alive(pid)], "a worker outlived the interrupted run"
    # The moments chosen must really interrupt some runs (else this proves nothing).
    assert "nothing" in outcomes


@pytest.mark.slow
def test_sigkill_leaves_no_partial_bundle_under_the_real_name(issuance, tmp_path):
    for index, when in enumerate(["workers", 0.4, 0.8]):
        out = tmp_path / f"killed-{index}"
        code, _, workers = _interrupt(issuance, out, False, signal.SIGKILL, when)
        if out.exists():
            assert _complete(out, False)
        # What SIGKILL leaves is recognisable by its prefix, so it can be cleaned up safely.
        assert all(p.name.startswith((TMP_PREFIX, "killed-")) for p in tmp_path.iterdir())
        deadline = time.monotonic() + 120
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        # Orphaned workers notice their parent is gone and exit (_workers.prepare_worker).
        assert not [pid for pid in workers if _alive(pid)]


# ``python -m certkit`` with a SIGTERM raised while one module of its start-up is being
# imported: a moment of the start that no sleep can pick on a loaded machine (a sleep of
# 0.15 s could outlast a whole 200-node run there).
_SIGNAL_WHILE_IMPORTING = """
import importlib.abc, os, runpy, signal, sys

MODULE = sys.argv.pop(1)

class SignalOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == MODULE:
            sys.meta_path.remove(self)
            with open("signalled", "w") as note:
                note.write(name)
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(10_000):  # the eval loop checks for pending signals on back jumps
                pass
        return None

sys.meta_path.insert(0, SignalOnImport())
runpy.run_module("certkit", run_name="__main__", alter_sys=True)
"""

#: Modules that ``certkit cert`` imports as it starts, in order: before the CLI exists,
#: while typer and the command's modules load, and once the command reads its instances.
START_UP_MODULES = ["certkit.cli", "typer", "certkit.cli._common", "cryptography.x509", "certkit.issue.tbs",
                    "certkit.io.block_yaml"]


@pytest.mark.slow
@pytest.mark.parametrize("module", START_UP_MODULES)
def test_an_interrupt_while_certkit_starts_is_one_line(issuance, tmp_path, module):
    """SIGTERM before any work (while modules load) ends the run with the one
    'interrupted' line, or by the signal itself when it arrives before certkit's handler
    exists; never with a KeyboardInterrupt traceback out of certkit's code."""
    import certkit

    package = str(Path(certkit.__file__).parent)
    out = tmp_path / "early.zip"
    driver = tmp_path / "driver.py"
    driver.write_text(_SIGNAL_WHILE_IMPORTING)
    result = subprocess.run([sys.executable, str(driver), module, *_command(issuance, out, True)[3:]],
                            capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert (tmp_path / "signalled").read_text() == module  # the signal was sent during that import
    assert not out.exists()
    assert package not in result.stderr, result.stderr  # no frame of certkit's in a traceback
    if "error: interrupted; nothing was written" in result.stderr:
        # 130, or -SIGINT: CPython exits "by SIGINT" once a KeyboardInterrupt escaped
        # an import, even when certkit caught it afterwards.
        assert result.returncode in (130, -signal.SIGINT), (result.returncode, result.stderr)
    else:
        assert result.returncode == -signal.SIGTERM, (result.returncode, result.stderr)


# Run certkit's CLI with an at-fork callback that signals the process and then gives
# CPython the chance to run the handler right there, inside the callback, where an
# exception is "ignored": the worst moment for an interrupt to arrive.
_SIGNAL_DURING_FORK = """
import os, signal, sys
from certkit.cli import main

def interrupt_while_forking():
    os.kill(os.getpid(), signal.SIG{name})
    for _ in range(10_000):  # the eval loop checks for pending signals on back jumps
        pass

os.register_at_fork(after_in_parent=interrupt_while_forking)
sys.exit(main(sys.argv[1:]))
"""


def _run_driver(template: str, signum: int, arguments: list[str], folder: Path) -> subprocess.CompletedProcess:
    """Run certkit's CLI with ``arguments`` through a driver script made from ``template``."""
    driver = folder / "driver.py"
    driver.write_text(template.format(name=signal.Signals(signum).name[3:]))
    return subprocess.run([sys.executable, str(driver), *arguments], capture_output=True, text=True,
                          cwd=folder, timeout=120)


def _assert_interrupted_cleanly(result: subprocess.CompletedProcess, out: Path, folder: Path) -> None:
    """The interrupt was not lost: the contract's line and 130, no output, no temporaries."""
    assert "Exception ignored" not in result.stderr, result.stderr
    assert result.returncode == 130, (result.returncode, result.stderr)
    assert result.stderr.splitlines()[-1] == "error: interrupted; nothing was written"
    assert not out.exists()
    assert not [p.name for p in folder.iterdir() if p.name.startswith(TMP_PREFIX)]


@pytest.fixture(scope="module")
def two_node_certificates(issuance, tmp_path_factory):
    """Two node certificates (separate files, so the audit uses its worker pool)."""
    from certkit.cli import main

    out = tmp_path_factory.mktemp("nodes") / "bundle"
    instances = out.parent / "two.yml"
    instances.write_text("instances:\n  - name: node0\n  - name: node1\n")
    assert main(["cert", "--ca-cert", str(issuance / "ca.crt"), "--ca-key", str(issuance / "ca.key"),
                 "--in", str(instances), "--key-type", "ec", "--jobs", "1", "--pem", "--out", str(out)]) == 0
    trust = out.parent / "trust.yml"
    trust.write_text('trust.subject_name: "node0"\n')
    return trust, [str(out / "node0" / "node0.crt"), str(out / "node1" / "node1.crt")]


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("command", ["cert", "restrictions check"])
def test_an_interrupt_while_workers_fork_is_not_lost(issuance, two_node_certificates, tmp_path, command, signum):
    """Without holding the signals while forking, this run would print "Exception ignored …
    KeyboardInterrupt" with certkit's frames and then carry on as if nothing had happened."""
    out = tmp_path / "bundle.zip"
    if command == "cert":
        arguments = _command(issuance, out, pem=True)[3:]
    else:
        trust, sources = two_node_certificates
        arguments = ["restrictions", "check", str(trust), *sources, "--jobs", "2"]
    result = _run_driver(_SIGNAL_DURING_FORK, signum, arguments, tmp_path)
    assert "certkit/" not in result.stderr, result.stderr
    _assert_interrupted_cleanly(result, out, tmp_path)


# Another place where Python drops exceptions: a weakref callback (finalizers run the
# same way). The driver signals the process from inside one, just before the workers
# start; os.kill runs the handler at once, so its KeyboardInterrupt is raised right there.
_SIGNAL_IN_A_FINALIZER = """
import os, signal, sys, weakref
from certkit import _workers
from certkit.cli import main

choose_context = _workers.pool_context

class Resource:
    pass

def pool_context(*args):
    resource = Resource()
    finalizer = weakref.ref(resource, lambda _: os.kill(os.getpid(), signal.SIG{name}))
    del resource  # the callback runs now, and CPython drops what it raises
    return choose_context(*args)

_workers.pool_context = pool_context
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_an_interrupt_swallowed_by_python_is_delivered_again(issuance, tmp_path, signum):
    """A KeyboardInterrupt raised in a weakref callback is "ignored" by CPython (printed,
    then dropped); while certkit drives its pool the signal only takes note, and certkit
    raises it at its next wait for results, where it propagates."""
    out = tmp_path / "bundle.zip"
    result = _run_driver(_SIGNAL_IN_A_FINALIZER, signum, _command(issuance, out, pem=True)[3:], tmp_path)
    _assert_interrupted_cleanly(result, out, tmp_path)


# An interrupt that lands while concurrent.futures holds some of its futures' locks: wait()
# and as_completed() take every future's lock in a loop, and a KeyboardInterrupt raised
# between two of them leaves the first ones held, so the executor's shutdown then waits for
# a lock forever (seen on a loaded CI machine). The driver signals the process right after
# a future's lock is taken, every time: where wait() takes them, and where the parent now
# follows results instead (Future.add_done_callback, certkit._workers.completed).
_SIGNAL_WHILE_FUTURES_ARE_LOCKED = """
import os, signal, sys
from concurrent.futures import _base
from certkit.cli import main

acquire_futures = _base._AcquireFutures.__enter__
add_done_callback = _base.Future.add_done_callback

def interrupt_holding(future):
    future._condition.acquire()
    os.kill(os.getpid(), signal.SIG{name})
    for _ in range(10_000):  # the eval loop checks for pending signals on back jumps
        pass
    future._condition.release()

def enter_and_interrupt(self):
    first = next(iter(self.futures), None)
    if first is not None:
        interrupt_holding(first)
    return acquire_futures(self)

def add_callback_and_interrupt(self, callback):
    interrupt_holding(self)
    return add_done_callback(self, callback)

_base._AcquireFutures.__enter__ = enter_and_interrupt
_base.Future.add_done_callback = add_callback_and_interrupt
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_an_interrupt_while_futures_are_locked_does_not_hang(issuance, tmp_path, signum):
    """(The audit waits on one future at a time, whose lock a with-block always releases.)"""
    out = tmp_path / "bundle.zip"
    result = _run_driver(_SIGNAL_WHILE_FUTURES_ARE_LOCKED, signum, _command(issuance, out, pem=True)[3:], tmp_path)
    assert "certkit/" not in result.stderr, result.stderr
    _assert_interrupted_cleanly(result, out, tmp_path)


def test_an_interrupt_cpython_swallows_in_a_callback_is_raised_again(monkeypatch):
    """A signal handler that runs inside a weakref callback (every import has one: its
    module lock's) raises a KeyboardInterrupt that CPython prints as "Exception ignored"
    and drops, and the run would go on to write its output. certkit's CLI installs an
    unraisable hook that delivers the interrupt again, in the code the callback interrupted."""
    import weakref

    from certkit import cli

    previous_handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGALRM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    previous_hook = sys.unraisablehook
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: cli._interrupt_again(unraisable, previous_hook))

    class Node:
        pass

    def callback(_reference):
        raise KeyboardInterrupt  # what the SIGTERM handler does, here inside the callback

    node = Node()
    reference = weakref.ref(node, callback)
    raised_in = None
    try:
        del node  # the callback runs and raises; CPython drops it; the hook arranges it again
        hang_guard = time.monotonic() + 120  # not a speed bound: only a stop for an endless loop
        while time.monotonic() < hang_guard:
            pass
    except KeyboardInterrupt as interrupt:
        raised_in = interrupt.__traceback__.tb_frame.f_code.co_name
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)
    assert raised_in == "test_an_interrupt_cpython_swallows_in_a_callback_is_raised_again"
    assert reference() is None
