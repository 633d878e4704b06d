"""Zip archives written directly, for bundles of thousands of small files.

``zipfile`` spent ~50 µs of Python per member (ZipInfo objects, a writer object per
member, two header encodings, a compressor flushed through a file-like wrapper): for a
2,000-node bundle more than packaging the nodes. A bundle needs little of the format: an
in-memory archive, every member known up front, deflated files (stored when deflate
cannot shrink them: keystores are encrypted) and stored folders, Unix
modes, the 1980-01-01 timestamp certkit gives every member. That is written here (PKWARE
APPNOTE 6.3.x: local headers, central directory, end record; the ZIP64 end records when
there are more than 65,535 members). ``tests/test_zipwriter.py`` reads the archives with
``zipfile`` and with Info-ZIP's ``unzip -t``.
"""

from __future__ import annotations

import stat
import struct
import zlib
from collections.abc import Iterable

__all__ = ["zip_archive"]

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_END_RECORD = struct.Struct("<IHHHHIIH")
_ZIP64_END_RECORD = struct.Struct("<IQHHIIQQQQ")
_ZIP64_LOCATOR = struct.Struct("<IIQI")

_DEFLATED, _STORED = 8, 0
_UTF8_NAME = 0x800  # general purpose bit 11: the name is UTF-8
_MADE_BY_UNIX = 3 << 8 | 20  # external attributes carry Unix modes; version 2.0
_NEEDS_DEFLATE, _NEEDS_ZIP64 = 20, 45
_DOS_DATE_1980 = 1 << 5 | 1  # 1980-01-01, the earliest date a zip can hold
_DOS_DIRECTORY = 0x10
_MAX_16, _MAX_32 = 0xFFFF, 0xFFFFFFFF


def zip_archive(members: Iterable[tuple[str, bytes, int, bool]]) -> bytes:
    """The archive of ``members`` (name, data, permission bits, deflate it), in order:
    files deflated unless told not to, folders (names ending with ``/``, no data) stored."""
    parts: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    count = 0
    for name, data, mode, deflate in members:
        encoded_name = name.encode("utf-8")
        flags = 0 if encoded_name.isascii() else _UTF8_NAME
        if name.endswith("/"):
            method, body, crc = _STORED, b"", 0
            attributes = (stat.S_IFDIR | mode) << 16 | _DOS_DIRECTORY
        else:
            method, body, crc = _STORED, data, zlib.crc32(data)
            attributes = (stat.S_IFREG | mode) << 16
            if deflate:
                compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
                method, body = _DEFLATED, compressor.compress(data) + compressor.flush()
        if offset > _MAX_32 or len(data) > _MAX_32:
            raise ValueError("a bundle over 4 GiB cannot be written as one zip")
        parts.append(_LOCAL_HEADER.pack(0x04034B50, _NEEDS_DEFLATE, flags, method, 0, _DOS_DATE_1980, crc,
                                        len(body), len(data), len(encoded_name), 0))
        parts.append(encoded_name)
        parts.append(body)
        central.append(_CENTRAL_HEADER.pack(0x02014B50, _MADE_BY_UNIX, _NEEDS_DEFLATE, flags, method, 0,
                                            _DOS_DATE_1980, crc, len(body), len(data), len(encoded_name), 0, 0,
                                            0, 0, attributes, offset))
        central.append(encoded_name)
        offset += _LOCAL_HEADER.size + len(encoded_name) + len(body)
        count += 1
    directory = b"".join(central)
    if offset > _MAX_32 or len(directory) > _MAX_32:
        raise ValueError("a bundle over 4 GiB cannot be written as one zip")
    tail = []
    if count > _MAX_16:
        # ZIP64 end of central directory record (its size counts what follows the first
        # 12 bytes), then its locator; the classic end record then says "see ZIP64".
        zip64_end_offset = offset + len(directory)
        tail.append(_ZIP64_END_RECORD.pack(0x06064B50, _ZIP64_END_RECORD.size - 12, _MADE_BY_UNIX & 0xFF00 | 45,
                                           _NEEDS_ZIP64, 0, 0, count, count, len(directory), offset))
        tail.append(_ZIP64_LOCATOR.pack(0x07064B50, 0, zip64_end_offset, 1))
    entries = min(count, _MAX_16)
    tail.append(_END_RECORD.pack(0x06054B50, 0, 0, entries, entries, len(directory), offset, 0))
    return b"".join(parts) + directory + b"".join(tail)
