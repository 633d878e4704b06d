"""Zip entries that alias or overlap one another are refused before any is read (issue
13, point 3): a 110 KB zip whose 2,047 central-directory entries all point at one member
yielded 2.66 M certificates. The zips are made by hand from real ones (zipfile), their
central directories rewritten."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from certkit.errors import InputError
from certkit.io.sources import read_certificates
from tests.conftest import assert_one_line_error
from tests.hostile_support import make_workspace
from tests.work_support import python_calls

CENTRAL_ENTRY = b"PK\x01\x02"
END_OF_DIRECTORY = b"PK\x05\x06"


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return make_workspace(tmp_path_factory.mktemp("zip-ws"))


def _stored_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _split(data: bytes) -> tuple[bytes, list[bytes], bytes]:
    """(local part, central-directory entries, end record) of a zip without a comment."""
    end = data.rindex(END_OF_DIRECTORY)
    directory_size, directory_start = struct.unpack("<II", data[end + 12:end + 20])
    directory = data[directory_start:directory_start + directory_size]
    entries = []
    position = 0
    while position < len(directory):
        name_length, extra_length, comment_length = struct.unpack("<HHH", directory[position + 28:position + 34])
        size = 46 + name_length + extra_length + comment_length
        entries.append(directory[position:position + size])
        position += size
    return data[:directory_start], entries, data[end:]


def _join(local: bytes, entries: list[bytes], end: bytes) -> bytes:
    directory = b"".join(entries)
    return (local + directory + end[:8] + struct.pack("<HHII", len(entries), len(entries), len(directory), len(local))
            + end[20:])


def _renamed(entry: bytes, name: bytes, offset: int | None = None) -> bytes:
    old_length = struct.unpack("<H", entry[28:30])[0]
    head = bytearray(entry[:46])
    head[28:30] = struct.pack("<H", len(name))
    if offset is not None:
        head[42:46] = struct.pack("<I", offset)
    return bytes(head) + name + entry[46 + old_length:]


def aliasing_zip(certificate: bytes, count: int) -> bytes:
    """One stored member, listed ``count`` times in the central directory under new names."""
    local, (entry,), end = _split(_stored_zip({"node.crt": certificate}))
    return _join(local, [_renamed(entry, f"alias{i:04d}.crt".encode()) for i in range(count)], end)


def overlapping_zip(certificate: bytes) -> bytes:
    """Member outer.bin stores a whole second member (header and data); the central
    directory lists both, the inner one at its offset inside the outer's data."""
    inner_local, (inner_entry,), _ = _split(_stored_zip({"inner.crt": certificate}))
    local, (outer_entry,), end = _split(_stored_zip({"outer.bin": inner_local}))
    inner_offset = 30 + len("outer.bin")  # writestr adds no extra field
    assert local[inner_offset:inner_offset + 4] == b"PK\x03\x04"
    return _join(local, [outer_entry, _renamed(inner_entry, b"inner.crt", inner_offset)], end)


def test_two_thousand_entries_aliasing_one_member_are_refused_before_any_is_read(ws, tmp_path):
    path = tmp_path / "aliased.zip"
    path.write_bytes(aliasing_zip(ws.node_crt.read_bytes(), 2047))
    assert len(zipfile.ZipFile(path).infolist()) == 2047  # a zip reader takes it as it is
    with pytest.raises(InputError, match="overlap") as refused:
        read_certificates([str(path)])
    assert "alias0000.crt" in refused.value.message and "zip bomb" in refused.value.message
    # Refused from the central directory alone: the work is that of listing the entries
    # (zipfile's own parsing), not of reading 2,047 members.
    data = path.read_bytes()
    listing = python_calls(lambda: zipfile.ZipFile(io.BytesIO(data)).infolist())
    calls = python_calls(lambda: pytest.raises(InputError, read_certificates, [str(path)]))
    assert calls < 3 * listing, (calls, listing)


def test_an_entry_inside_another_entrys_data_is_refused(ws, tmp_path):
    path = tmp_path / "overlap.zip"
    path.write_bytes(overlapping_zip(ws.node_crt.read_bytes()))
    assert [m.filename for m in zipfile.ZipFile(path).infolist()] == ["outer.bin", "inner.crt"]
    with pytest.raises(InputError, match="outer.bin and inner.crt overlap"):
        read_certificates([str(path)])


def test_the_aliasing_zip_as_a_command_is_one_error_line(cli, ws, tmp_path):
    path = tmp_path / "aliased.zip"
    path.write_bytes(aliasing_zip(ws.node_crt.read_bytes(), 2047))
    for command in (("inspect", path), ("restrictions", "check", ws.trust, path)):
        result = cli(*command)
        assert_one_line_error(result, "aliased.zip", "overlap")
        assert result.stdout == ""


def test_an_honest_zip_of_many_members_still_reads(ws, tmp_path):
    certificate = ws.node_crt.read_bytes()
    path = tmp_path / "many.zip"
    path.write_bytes(_stored_zip({f"n{i}/n{i}.crt": certificate for i in range(50)}))
    assert len(read_certificates([str(path)])) == 50
