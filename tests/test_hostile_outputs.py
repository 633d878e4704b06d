"""Outputs under attack and under faults (issue 7), for every command that writes a key.

* Each private key (PEM key, PKCS#12 keystore, zip holding keys) is created with
  ``O_CREAT | O_EXCL | O_NOFOLLOW`` and mode 0600 *by the call that creates it*: a spy
  around the real ``os.open`` records the flags and mode, and the inode links the record
  to the file finally in place (rename and link keep the inode). The process umask is 0,
  so a 0600 on disk cannot come from the umask.
* An output path that is a symbolic link, or a folder writable by others, is refused for
  keys, before any key is made.
* A full disk (a 64 KiB tmpfs mounted by the test) leaves no partial file.
* Two runs racing for the same output: one wins, the other fails in one line.
* Zip sources are read in memory only; traversal and absolute names, symlink entries and
  bombs never touch the disk, and bombs are refused.
"""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from certkit.io.outputs import TMP_PREFIX
from tests.conftest import assert_one_line_error, run_certkit
from tests.hostile_support import Workspace, files_below, make_workspace

ENV = {"CERTKIT_PASS": "", "CERTKIT_CA_PASS": ""}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Workspace:
    return make_workspace(tmp_path_factory.mktemp("outputs-workspace"))


@dataclass(frozen=True)
class KeyWriter:
    """A command that writes keys, with the output it is pointed at and the key files
    (relative to that output; "" for the output itself) it must produce."""

    args: tuple[str, ...]
    out: str
    keys: tuple[str, ...]


def key_writers(ws: Workspace) -> dict[str, KeyWriter]:
    node = ("--name", "node1", "--key-type", "ec")
    ca = ("--ca-cert", str(ws.ca_crt), "--ca-key", str(ws.ca_key))
    return {
        "ca p12": KeyWriter(("ca", "--key-type", "ec", "--out", "{out}"), "ca.p12", ("",)),
        "ca --pem folder": KeyWriter(("ca", "--key-type", "ec", "--pem", "--out", "{out}"), "ca-pem", ("ca/ca.key",)),
        "ca --pem zip": KeyWriter(("ca", "--key-type", "ec", "--pem", "--out", "{out}"), "ca-pem.zip", ("",)),
        "cert --pem folder": KeyWriter(("cert", *ca, *node, "--pem", "--out", "{out}"), "bundle",
                                       ("node1/node1.key",)),
        "cert p12 folder": KeyWriter(("cert", *ca, *node, "--out", "{out}"), "bundle", ("node1/node1.p12",)),
        "cert zip": KeyWriter(("cert", *ca, *node, "--out", "{out}"), "bundle.zip", ("",)),
        "cert single p12": KeyWriter(("cert", *ca, *node, "--out", "{out}"), "node1.p12", ("",)),
        "convert p12 to pem": KeyWriter(("convert", str(ws.ca_p12), "--out", "{out}"), "ca.pem", ("",)),
        "convert pem to p12": KeyWriter(("convert", str(ws.node_crt), "--key", str(ws.node_key), "--ca",
                                         str(ws.ca_crt), "--out", "{out}"), "node1.p12", ("",)),
        "demo": KeyWriter(("demo", "--dir", "{out}"), "demo",
                          ("ca/ca.key", "certificate-bundle/es01/es01.p12", "certificate-bundle/es02/es02.p12",
                           "certificate-bundle/es03/es03.p12")),
    }


WRITER_NAMES = ["ca p12", "ca --pem folder", "ca --pem zip", "cert --pem folder", "cert p12 folder", "cert zip",
                "cert single p12", "convert p12 to pem", "convert pem to p12", "demo"]


def _args(writer: KeyWriter, out: Path) -> list[str]:
    return [part.format(out=out) for part in writer.args]


# ----------------------------------------------------------------------------- O_EXCL + 0600


@pytest.mark.parametrize("name", WRITER_NAMES)
def test_every_key_is_created_exclusively_with_mode_0600(cli, workspace, tmp_path, monkeypatch, name):
    writer = key_writers(workspace)[name]
    created: dict[int, tuple[str, int, int]] = {}  # inode -> (path, flags, mode)
    real_open = os.open

    def spying_open(path, flags, mode=0o777, *args, **kwargs):
        fd = real_open(path, flags, mode, *args, **kwargs)
        if flags & os.O_CREAT:
            created[os.fstat(fd).st_ino] = (str(path), flags, mode)
        return fd

    monkeypatch.setattr(os, "open", spying_open)
    monkeypatch.chdir(tmp_path)
    old_umask = os.umask(0)
    try:
        result = cli(*_args(writer, tmp_path / writer.out), env=ENV)
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.stderr
    for relative in writer.keys:
        key_file = tmp_path / writer.out / relative if relative else tmp_path / writer.out
        info = key_file.stat()
        assert stat.S_IMODE(info.st_mode) == 0o600, f"{key_file} is {oct(stat.S_IMODE(info.st_mode))}"
        assert info.st_ino in created, f"{key_file} was not created through os.open"
        _, flags, mode = created[info.st_ino]
        assert flags & os.O_EXCL and flags & os.O_NOFOLLOW, f"{key_file} created without O_EXCL|O_NOFOLLOW"
        assert mode == 0o600, f"{key_file} created with mode {oct(mode)}, not 0600 from the first byte"
    # Nothing certkit created along the way could have been an existing file or a link.
    assert all(flags & os.O_EXCL for _, flags, _ in created.values())
    assert not [p for p in tmp_path.rglob(f"{TMP_PREFIX}*")]


# ----------------------------------------------------------------------------- unsafe places


@pytest.mark.parametrize("name", WRITER_NAMES)
def test_a_symlink_as_the_key_output_is_refused(cli, workspace, tmp_path, monkeypatch, name):
    writer = key_writers(workspace)[name]
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "attacker-controlled"
    elsewhere.mkdir()
    link = tmp_path / writer.out
    link.symlink_to(elsewhere / "target")
    before = files_below(tmp_path)
    for extra in ([], ["--force"]):
        if name == "demo" and extra:
            continue  # demo has --force for a non-empty folder; a link is not a folder it may use
        result = cli(*_args(writer, link), *extra, env=ENV)
        assert_one_line_error(result)
        assert any(word in result.error_lines[0] for word in ("symbolic link", "already exists", "not a folder"))
        assert files_below(tmp_path) == before
        assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("name", WRITER_NAMES)
def test_a_folder_writable_by_others_is_refused_for_keys(cli, workspace, tmp_path, monkeypatch, name):
    writer = key_writers(workspace)[name]
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # no sticky bit: anyone may rename or replace what is in it
    monkeypatch.chdir(tmp_path)
    out = shared / writer.out
    if name == "demo":
        out.mkdir()
        out.chmod(0o777)
    result = cli(*_args(writer, out), env=ENV)
    assert_one_line_error(result, "writable by others")
    assert [p for p in shared.rglob("*") if p != out] == []


def test_a_folder_owned_by_another_user_is_refused_for_keys(cli, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("only root can hand a folder to another user")
    foreign = tmp_path / "foreign"
    foreign.mkdir(mode=0o755)
    os.chown(foreign, 65534, 65534)  # nobody: it could rename or replace the key
    assert_one_line_error(cli("ca", "--key-type", "ec", "--out", foreign / "ca.p12"), "another user")
    assert list(foreign.iterdir()) == []


def test_a_sticky_shared_folder_is_accepted(cli, workspace, tmp_path, monkeypatch):
    """/tmp-style folders (world-writable with the sticky bit) are safe: only the owner
    may rename or remove a file there."""
    shared = tmp_path / "sticky"
    shared.mkdir()
    shared.chmod(0o1777)
    result = cli("ca", "--key-type", "ec", "--out", shared / "ca.p12")
    assert result.exit_code == 0, result.stderr


# ----------------------------------------------------------------------------- disk full


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs (we run as root in CI); skipped where mounting is not permitted."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(mount)],
                          capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


@pytest.mark.parametrize("command", [
    ("ca", "--keysize", "4096", "--pem", "--out", "{disk}/ca"),
    ("cert", "--ca", "{ca_p12}", "--in", "{instances}", "--key-type", "ec", "--out", "{disk}/bundle"),
    ("cert", "--ca", "{ca_p12}", "--in", "{instances}", "--key-type", "ec", "--out", "{disk}/bundle.zip"),
    ("convert", "{big_p12}", "--out", "{disk}/out.pem", "--nokeys"),
], ids=["ca-pem-folder", "cert-folder", "cert-zip", "convert"])
@pytest.mark.slow
def test_a_full_disk_leaves_no_partial_file(cli, workspace, tmp_path, small_disk, command):
    from certkit.plan.instances import dump_instances, make_instance

    # Enough nodes that their keystores cannot fit in 64 KiB (~2.5 KiB each).
    instances = tmp_path / "many.yml"
    instances.write_text(dump_instances([make_instance(f"n{i}") for i in range(60)]))
    filler = small_disk / "filler"  # leaves one 4 KiB page free: the write fails half-way
    filler.write_bytes(b"\0" * (60 * 1024))
    big_p12 = _p12_with_many_certificates(workspace, tmp_path, 12)
    args = [part.format(disk=small_disk, ca_p12=workspace.ca_p12, instances=instances, big_p12=big_p12)
            for part in command]
    result = cli(*args, env=ENV)
    assert_one_line_error(result, "no space left")
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]


def _p12_with_many_certificates(ws: Workspace, folder: Path, count: int) -> Path:
    """A keystore of ``count`` distinct CA certificates: its PEM is larger than a 4 KiB page."""
    from cryptography import x509

    from certkit.issue.ca import create_ca, load_private_key
    from certkit.keystores.reader import serialize_keystore

    path = folder / "many.p12"
    trusted = [(f"ca-{i}", create_ca(f"CN=Trusted CA {i}", key_type="ec", curve="P-256").certificate)
               for i in range(count)]
    key = load_private_key(ws.node_key.read_bytes(), None, str(ws.node_key))
    chain = [x509.load_pem_x509_certificate(ws.node_crt.read_bytes())]
    path.write_bytes(serialize_keystore(alias="node1", private_key=key, chain=chain, trusted=trusted, password=""))
    return path


# ----------------------------------------------------------------------------- races


@pytest.mark.slow
@pytest.mark.parametrize("out", ["race.zip", "race-folder"])
def test_two_runs_racing_for_one_output_one_wins_the_other_fails_cleanly(workspace, tmp_path, out):
    from certkit.plan.instances import dump_instances, make_instance

    instances = tmp_path / "race.yml"
    instances.write_text(dump_instances([make_instance(f"n{i}") for i in range(40)]))
    command = [sys.executable, "-m", "certkit", "cert", "--ca", str(workspace.ca_p12), "--in", str(instances),
               "--key-type", "ec", "--jobs", "1", "--out", str(tmp_path / out)]
    env = {**os.environ, **ENV}
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(2)]
    results = [(run.wait(timeout=600), run.stderr.read().decode()) for run in runs]
    for run in runs:
        run.stdout.close()
        run.stderr.close()
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    loser = next(stderr for code, stderr in results if code == 2)
    assert "Traceback" not in loser
    assert [line for line in loser.splitlines() if line.startswith("error:")] == [
        f"error: {tmp_path / out} already exists"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TMP_PREFIX)]
    result = run_certkit("inspect", "--json", tmp_path / out, env=ENV)
    assert result.exit_code == 0 and result.stdout.count('"subject": "CN=n') >= 40, result.stderr


# ----------------------------------------------------------------------------- zip sources


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


def test_zip_members_with_traversal_absolute_and_symlink_names_are_only_read(cli, workspace, tmp_path, monkeypatch):
    """Nothing is extracted: the names are reported (certkit never writes them), and the
    certificates inside are read from memory."""
    certificate = workspace.node_crt.read_bytes()
    link = zipfile.ZipInfo("evil-link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = tmp_path / "hostile.zip"
    archive.write_bytes(_zip([("../../escape.crt", certificate), ("/etc/absolute.crt", certificate),
                              (link, b"/etc/passwd"), ("ok/node.crt", certificate)]))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    before = files_below(tmp_path)
    result = cli("inspect", "--json", archive)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count('"subject"') == 3
    assert "escape the folder" in result.stderr  # the traversal names are pointed out
    assert files_below(tmp_path) == before
    assert not Path("/etc/absolute.crt").exists()


def test_a_zip_bomb_member_is_refused(cli, tmp_path):
    """One member of 80 MiB of zeros (~80 KiB compressed): over the per-member limit."""
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(_zip([("big.pem", b"\0" * (80 * 2**20))]))
    assert bomb.stat().st_size < 2**20
    assert_one_line_error(cli("inspect", bomb), "zip bomb")


def test_a_zip_bomb_that_lies_about_its_size_is_refused(cli, tmp_path):
    """The central directory says 1 KiB; the data expands to 80 MiB: reading stops at the limit."""
    data = bytearray(_zip([("liar.pem", b"\0" * (80 * 2**20))]))
    true_size = (80 * 2**20).to_bytes(4, "little")
    # Rewrite the uncompressed size in the local header and the central directory.
    for offset in _all_offsets(bytes(data), true_size):
        data[offset:offset + 4] = (1024).to_bytes(4, "little")
    bomb = tmp_path / "liar.zip"
    bomb.write_bytes(bytes(data))
    result = cli("inspect", bomb)
    assert_one_line_error(result)
    assert "liar.pem" in result.error_lines[0]


def _all_offsets(data: bytes, needle: bytes) -> list[int]:
    offsets, start = [], 0
    while (found := data.find(needle, start)) >= 0:
        offsets.append(found)
        start = found + 1
    assert offsets
    return offsets


@pytest.mark.slow
def test_a_zip_of_many_highly_compressed_members_is_refused_at_the_first(cli, tmp_path):
    """2 MiB members at over 100:1: refused by the compression ratio long before the total."""
    bomb = tmp_path / "many.zip"
    bomb.write_bytes(_zip([(f"m{i}.pem", b"\0" * (2 * 2**20)) for i in range(200)]))
    result = cli("inspect", bomb)
    assert_one_line_error(result, "zip bomb")
    assert "m0.pem" in result.error_lines[0]
