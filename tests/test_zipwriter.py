"""certkit writes bundle zips itself (certkit.io.zipwriter): zipfile and Info-ZIP's unzip read them."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import zipfile

import pytest

from certkit.errors import OutputError
from certkit.io import zipwriter
from certkit.io.outputs import OutputFile, zip_bytes

needs_unzip = pytest.mark.skipif(shutil.which("unzip") is None, reason="Info-ZIP unzip is not installed")

FILES = {
    "ca/ca.crt": OutputFile(b"-----BEGIN CERTIFICATE-----\n" + b"A" * 1200 + b"\n"),
    "node1/node1.key": OutputFile(b"key material", secret=True),
    "node1/node1.crt": OutputFile(os.urandom(3000)),  # incompressible
    "empty/empty.crt": OutputFile(b""),
    "nœud/nœud.p12": OutputFile(b"\x00\x01" * 100, secret=True),  # a UTF-8 name
    "node1/node1.p12": OutputFile(os.urandom(2000), secret=True, compressible=False),  # stored
    "deep/er/still/file.txt": OutputFile(b"x"),
}


def _read(data: bytes) -> dict[str, tuple[bytes, int]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {info.filename: (archive.read(info), info.external_attr >> 16) for info in archive.infolist()}


def test_zipfile_reads_every_member_with_its_data_and_mode():
    members = _read(zip_bytes(FILES))
    for name, entry in FILES.items():
        data, mode = members[name]
        assert data == entry.data
        assert mode == stat.S_IFREG | (0o600 if entry.secret else 0o644), name
    folders = {name for name in members if name.endswith("/")}
    assert folders == {"ca/", "node1/", "empty/", "nœud/", "deep/", "deep/er/", "deep/er/still/"}
    assert all(members[name] == (b"", stat.S_IFDIR | 0o755) for name in folders)


def test_members_are_deflated_unless_incompressible_and_dated_1980():
    with zipfile.ZipFile(io.BytesIO(zip_bytes(FILES))) as archive:
        for info in archive.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            stored = info.is_dir() or not FILES[info.filename].compressible
            assert info.compress_type == (zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED), info.filename
        assert archive.getinfo("ca/ca.crt").compress_size < 200  # 1,200 'A's
        assert archive.getinfo("node1/node1.p12").compress_size == 2000


@needs_unzip
def test_info_zip_tests_and_extracts_the_archive_with_the_modes(tmp_path):
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(zip_bytes(FILES))
    tested = subprocess.run(["unzip", "-t", str(archive)], capture_output=True, text=True)
    assert tested.returncode == 0 and "No errors detected" in tested.stdout, tested.stdout + tested.stderr
    out = tmp_path / "out"
    extracted = subprocess.run(["unzip", "-q", str(archive), "-d", str(out)], capture_output=True, text=True,
                               env={**os.environ, "LC_ALL": "C.UTF-8"})
    assert extracted.returncode == 0, extracted.stderr
    for name, entry in FILES.items():
        assert (out / name).read_bytes() == entry.data
        assert stat.S_IMODE((out / name).stat().st_mode) == (0o600 if entry.secret else 0o644), name


@pytest.mark.slow
@needs_unzip
def test_more_than_65535_members_get_the_zip64_end_records(tmp_path):
    """A bundle of 40,000 nodes holds 80,000 files and 40,000 folders."""
    files = {f"n{i}/n{i}.crt": OutputFile(str(i).encode()) for i in range(70_000)}
    data = zip_bytes(files)
    assert data.count(b"PK\x06\x06") >= 1 and b"PK\x06\x07" in data  # ZIP64 end record and locator
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        assert len(infos) == 140_000
        assert archive.read("n69999/n69999.crt") == b"69999"
    archive_path = tmp_path / "big.zip"
    archive_path.write_bytes(data)
    tested = subprocess.run(["unzip", "-tq", str(archive_path)], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stdout[-500:] + tested.stderr


def test_an_archive_beyond_the_32_bit_offsets_is_refused_not_written_wrong(monkeypatch):
    # 4 GiB of certificates cannot be held in a test; the limit is the format's, so lower it.
    monkeypatch.setattr(zipwriter, "_MAX_32", 5000)
    with pytest.raises(OutputError, match="over 4 GiB") as caught:
        zip_bytes({f"n{i}/n{i}.crt": OutputFile(os.urandom(1000)) for i in range(10)})
    assert caught.value.hint and "folder" in caught.value.hint


def test_a_bundle_stores_its_keystores_and_its_pem_files():
    # Keystores are encrypted: deflate shrinks a 2,000-node bundle's by 3%, for more CPU
    # than each node's EC key. PEM files (base64) shrink by a quarter, for a third of an EC
    # node's cost beyond its key and signature (docs/performance.md).
    from certkit.issue import bundle
    from certkit.issue.leaf import issue_certificate
    from certkit.plan import make_instance

    issued = issue_certificate(None, make_instance("node1", dns=["node1.example"]), key_type="ec")
    keystore = bundle.node_files(issued, bundle.packaging_for(None, pem=False, password="pw"))
    pem = bundle.node_files(issued, bundle.packaging_for(None, pem=True, password=None))
    with zipfile.ZipFile(io.BytesIO(zip_bytes({**keystore, **pem}))) as archive:
        methods = {info.filename: info.compress_type for info in archive.infolist() if not info.is_dir()}
        assert archive.read("node1/node1.p12") == keystore["node1/node1.p12"].data
    assert methods == {"node1/node1.p12": zipfile.ZIP_STORED, "node1/node1.crt": zipfile.ZIP_STORED,
                       "node1/node1.key": zipfile.ZIP_STORED}
