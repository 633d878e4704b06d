"""certkit.io.outputs: atomic, no-clobber, secret-safe writes (the promise behind every command)."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from certkit.errors import OutputError
from certkit.io.outputs import TMP_PREFIX, OutputFile, write_bundle, write_file, write_tree


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(TMP_PREFIX))


def test_secret_file_is_0600_and_public_file_0644(tmp_path):
    key = write_file(tmp_path / "node.key", b"secret", secret=True)
    crt = write_file(tmp_path / "node.crt", b"public")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(crt.stat().st_mode) == 0o644 & ~_umask()
    assert key.read_bytes() == b"secret"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_secret_is_0600_even_with_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        key = write_file(tmp_path / "k.key", b"x", secret=True)
    finally:
        os.umask(old)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_existing_output_is_not_replaced_without_force(tmp_path):
    target = tmp_path / "out.pem"
    target.write_bytes(b"old")
    with pytest.raises(OutputError, match="already exists"):
        write_file(target, b"new")
    assert target.read_bytes() == b"old"
    write_file(target, b"new", force=True)
    assert target.read_bytes() == b"new"
    assert leftovers(tmp_path) == []


def test_symlink_output_is_refused_for_keys(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (tmp_path / "node.key").symlink_to(elsewhere)
    with pytest.raises(OutputError, match="symbolic link"):
        write_file(tmp_path / "node.key", b"k", secret=True, force=True)
    assert not elsewhere.exists()


def test_world_writable_folder_is_refused_for_keys(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(OutputError, match="writable by others"):
        write_file(shared / "node.key", b"k", secret=True)
    assert list(shared.iterdir()) == []


def test_missing_folder_is_one_clear_error(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        write_file(tmp_path / "nope" / "x.pem", b"x")


def test_disk_full_leaves_no_partial_file(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    # /dev/full cannot be a folder, so exercise the ENOSPC branch by writing through a
    # small tmpfs when we may mount one, else by the /dev/full device behaviour itself.
    with _small_tmpfs(tmp_path, "64k") as mount:
        with pytest.raises(OutputError, match="no space left"):
            write_file(mount / "big.p12", b"x" * (1024 * 1024), secret=True)
        assert list(mount.iterdir()) == []


@contextlib.contextmanager
def _small_tmpfs(tmp_path: Path, size: str) -> Iterator[Path]:
    """A real file system of ``size`` that fills up (skips where one cannot be mounted)."""
    mount = tmp_path / "small"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def _many_node_files(count: int, size: int = 100) -> dict[str, OutputFile]:
    files = {"ca/ca.crt": OutputFile(b"ca")}
    for index in range(count):
        files[f"n{index}/n{index}.crt"] = OutputFile(b"c%d" % index * size)
        files[f"n{index}/n{index}.key"] = OutputFile(b"k%d" % index, secret=True)
    return files


def assert_written_whole(out, files: dict[str, OutputFile]) -> None:
    """``out`` holds exactly ``files``, each with its bytes and mode, in folders of 0755."""
    written = {path.relative_to(out).as_posix(): path for path in out.rglob("*") if path.is_file()}
    assert sorted(written) == sorted(files)
    for relative, entry in files.items():
        assert written[relative].read_bytes() == entry.data
        assert stat.S_IMODE(written[relative].stat().st_mode) == (0o600 if entry.secret else 0o644)
    assert {stat.S_IMODE(path.stat().st_mode) for path in out.rglob("*") if path.is_dir()} == {0o755}


def test_a_big_tree_is_written_whole_by_the_writer_threads(tmp_path):
    files = _many_node_files(300)  # far past the count from which threads share the files
    assert_written_whole(write_tree(tmp_path / "bundle", files), files)
    assert leftovers(tmp_path) == []


def test_a_writer_thread_failing_leaves_nothing_behind(tmp_path):
    # The disk fills while the threads write: one error, and neither the output nor the
    # staging folder remains (the threads have all stopped before it is removed).
    with _small_tmpfs(tmp_path, "256k") as mount:
        with pytest.raises(OutputError, match="no space left"):
            write_tree(mount / "bundle", _many_node_files(300, size=400))
        assert list(mount.iterdir()) == []


def test_tree_is_written_whole_with_key_modes(tmp_path):
    files = {
        "ca/ca.crt": OutputFile(b"ca"),
        "node1/node1.crt": OutputFile(b"crt"),
        "node1/node1.key": OutputFile(b"key", secret=True),
    }
    out = write_tree(tmp_path / "bundle", files)
    assert (out / "node1" / "node1.crt").read_bytes() == b"crt"
    assert stat.S_IMODE((out / "node1" / "node1.key").stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []
    with pytest.raises(OutputError, match="already exists"):
        write_tree(tmp_path / "bundle", files)
    write_tree(tmp_path / "bundle", {"x/x.crt": OutputFile(b"new")}, force=True)
    assert sorted(p.name for p in (tmp_path / "bundle").iterdir()) == ["x"]
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("nodes", [3, 300])  # one thread, and the writer threads
def test_a_tree_of_folders_holding_folders_and_files_is_written_whole(tmp_path, nodes):
    # Folders that hold folders are made before the tasks; the others by the task that
    # fills them (outputs._creation_tasks): every shape of tree must come out whole.
    files = _many_node_files(nodes)
    files.update({
        "README": OutputFile(b"at the root"),
        "deep/top.txt": OutputFile(b"in a folder that holds a folder"),
        "deep/er/still/leaf.key": OutputFile(b"three levels down", secret=True),
        "deep/er/mid.crt": OutputFile(b"two levels down"),
        "n0/extra/n0.more": OutputFile(b"a node folder that holds a folder"),
    })
    assert_written_whole(write_tree(tmp_path / "bundle", files), files)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("relative", ["../evil", "a/../../evil", "/etc/evil", "a/b/..", ".."])
def test_tree_refuses_entries_that_escape(tmp_path, relative):
    with pytest.raises(OutputError, match="outside"):
        write_tree(tmp_path / "b", {"ok/ok.crt": OutputFile(b"x"), relative: OutputFile(b"x")})
    assert sorted(os.listdir(tmp_path)) == []


def test_zip_bundle_records_modes_and_is_itself_secret(tmp_path):
    files = {"n/n.key": OutputFile(b"key", secret=True), "n/n.crt": OutputFile(b"crt")}
    out = write_bundle(tmp_path / "bundle.zip", files)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with zipfile.ZipFile(out) as archive:
        modes = {info.filename: stat.S_IMODE(info.external_attr >> 16) for info in archive.infolist()}
        assert archive.read("n/n.key") == b"key"
    assert modes["n/n.key"] == 0o600
    assert modes["n/n.crt"] == 0o644


def test_concurrent_writers_one_wins_the_other_fails_cleanly(tmp_path):
    target = tmp_path / "race.pem"
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def writer(index: int) -> None:
        barrier.wait()
        try:
            write_file(target, f"writer {index}".encode())
            outcomes.append("won")
        except OutputError:
            outcomes.append("refused")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("won") == 1
    assert outcomes.count("refused") == 7
    assert target.read_bytes().startswith(b"writer ")
    assert leftovers(tmp_path) == []


def _another_run_writes_first(monkeypatch, target: Path) -> None:
    """Make the other run's folder appear exactly in the window the race hits: after the
    existence check, just before this run renames its finished folder into place."""
    real_rename = os.rename

    def rename(source, destination):
        if Path(destination) == target and not target.exists():
            target.mkdir()
            (target / "winner.txt").write_text("the other run's output")
        return real_rename(source, destination)

    monkeypatch.setattr(os, "rename", rename)


def test_a_folder_written_by_another_run_in_the_window_is_reported_as_existing(tmp_path, monkeypatch):
    target = tmp_path / "bundle"
    _another_run_writes_first(monkeypatch, target)
    with pytest.raises(OutputError) as caught:
        write_tree(target, {"n/n.crt": OutputFile(b"crt")})
    assert str(caught.value) == f"{target} already exists"
    assert sorted(p.name for p in target.iterdir()) == ["winner.txt"]
    assert leftovers(tmp_path) == []


def test_with_force_neither_the_other_runs_folder_nor_the_replaced_one_is_lost(tmp_path, monkeypatch):
    target = tmp_path / "bundle"
    write_tree(target, {"n/n.crt": OutputFile(b"first")})
    _another_run_writes_first(monkeypatch, target)
    with pytest.raises(OutputError) as caught:
        write_tree(target, {"n/n.crt": OutputFile(b"second")}, force=True)
    assert (target / "winner.txt").read_text() == "the other run's output"
    [kept_name] = leftovers(tmp_path)
    kept = tmp_path / kept_name
    assert str(caught.value) == f"{target} was written by another run meanwhile; the folder it replaced is kept as {kept}"
    assert (kept / "n" / "n.crt").read_bytes() == b"first"


def test_sigkill_during_write_leaves_only_recognisable_temporaries(tmp_path):
    # SIGKILL cannot be caught: what may remain is a .certkit-tmp-* name, never the target.
    script = (
        "import sys, time\n"
        "from certkit.io import outputs\n"
        "orig = outputs._write_new_file\n"
        "def slow(path, data, mode):\n"
        "    orig(path, data, mode)\n"
        "    print('written', flush=True)\n"
        "    time.sleep(60)\n"
        "outputs._write_new_file = slow\n"
        f"outputs.write_tree({str(tmp_path / 'bundle')!r}, {{'a/a.key': outputs.OutputFile(b'k', True)}})\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE) as proc:
        assert proc.stdout.readline().strip() == b"written"
        proc.kill()
        proc.wait(timeout=10)
    assert not (tmp_path / "bundle").exists()
    assert all(name.startswith(TMP_PREFIX) for name in os.listdir(tmp_path))
