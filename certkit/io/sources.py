"""Where certificates come from: the SOURCE arguments of ``inspect`` and ``restrictions check``.

A SOURCE (docs/cli-contract.md) is a PEM file (one or many certificates), a DER file, a PKCS#12 file, a
directory (read recursively, in sorted order), a zip bundle (read in memory, never
extracted), or ``tls://HOST:PORT`` (the certificate a live TLS server presents).

:func:`iter_certificates` is a generator: an audit may read a bundle of 100,000
certificates, so nothing is held beyond the certificate being handed out (a PEM file is
read in chunks; a zip member is read only when its turn comes). Each certificate is a
:class:`CertificateItem` labelled so that a user can find it again: ``path`` for a file
with one certificate, ``path#N`` for the Nth certificate of a file with several,
``bundle.zip!member`` inside a zip, ``tls://host:port`` for an endpoint.

Bad input raises :class:`~certkit.errors.InputError` (one line, naming the file and, for
a PEM file, the certificate block and its line); files of a directory or zip that hold no
certificate are skipped with a note passed to ``on_note``.

Reading a live server is :mod:`certkit.io.tls`; one PEM/DER certificate file read whole
is :mod:`certkit.io.certificates`. The rest stays one module (over 400 lines): the PEM,
PKCS#12, file, folder and zip readers nest into one another and share CertificateItem,
the password cache and the limits.
"""

from __future__ import annotations

import binascii
import functools
import io
import os
import stat
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from cryptography import x509

from certkit.errors import InputError, PasswordError, RemoteError
from certkit.io.certificates import certificate_from_der, parsing_input
from certkit.io.tls import (  # noqa: F401 - TlsOptions and the TLS reader are part of this API
    DEFAULT_TLS_TIMEOUT,
    MAX_TLS_HANDSHAKE_BYTES,
    TlsOptions,
    fetch_tls_certificate,
    parse_tls_spec,
)
from certkit.io.tls import short_error as _short
from certkit.jdk import element_length, first_inner_tag

NoteFn = Callable[[str], None]
PasswordProvider = Callable[[], "str | None"]

#: Bytes read from a PEM file at a time: large enough to amortise the Python work per
#: chunk, small enough that a 120 MB bundle never sits in memory whole.
PEM_CHUNK = 4 * 1024 * 1024
#: The first bytes of a file read to tell its format (the whole of a usual certificate file).
_SNIFF_BYTES = 64 * 1024
#: Zip-bomb limits: the archive itself, one member, and all members together (uncompressed).
MAX_ZIP_BYTES = 1024 * 1024 * 1024
MAX_ZIP_MEMBER_BYTES = 64 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
#: A single certificate file larger than this is not a certificate (DER/PKCS#12 are read whole).
MAX_BINARY_FILE_BYTES = 64 * 1024 * 1024
#: One PEM block (BEGIN to END) larger than this is not a certificate.
MAX_PEM_BLOCK_BYTES = 16 * 1024 * 1024
#: A zip member above 1 MiB that expands more than this many times its compressed size is a
#: bomb: certificates and keystores hardly compress (PEM text about 1.4:1).
MAX_ZIP_RATIO = 100
_PEM_BEGIN = b"-----BEGIN "
_PEM_DASHES = b"-----"
_CERTIFICATE_LABELS = (b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE")
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"


def _ignore(_message: str) -> None:
    pass


@dataclass(slots=True)
class CertificateItem:
    """One certificate read from a SOURCE.

    ``source`` is the label shown to users; ``container`` the file, zip member or endpoint
    it came from; ``position`` its 0-based index there; ``chain`` is True for the
    certificates a PKCS#12 file holds besides its key's certificate (the issuers), which
    are not node certificates. ``pkcs12`` describes the PKCS#12 file a certificate came
    from (algorithms, MAC, entries: certkit.keystores.reader's diagnosis), else None.
    """

    source: str
    der: bytes
    certificate: x509.Certificate
    container: str
    position: int = 0
    chain: bool = False
    pkcs12: dict[str, Any] | None = None


class NotCertificates(Exception):
    """A file inside a directory or zip that holds no certificate (skipped with a note)."""


class PasswordCache:
    """Asks the provider (which may prompt) at most once, and only when a file needs it."""

    def __init__(self, provider: PasswordProvider | None) -> None:
        self._provider = provider
        self._asked = False
        self._value: str | None = None

    def get(self) -> str | None:
        if not self._asked:
            self._asked = True
            self._value = self._provider() if self._provider else None
        return self._value


# ----------------------------------------------------------------------------- PEM




def _pem_blocks(stream: BinaryIO, source: str) -> Iterator[tuple[bytes, bytes, int, int]]:
    """(label, base64 body, block number among certificates, line) of every PEM block.

    Text between blocks is ignored (OpenSSL's "Bag Attributes", comments). As in OpenSSL's
    PEM reader, a block begins only where a line begins: a "-----BEGIN CERTIFICATE-----"
    quoted in the middle of a line of text is text. The block number counts certificate
    blocks only, from 1; non-certificate blocks get number 0.
    """
    buffer = b""
    buffer_at_line_start = True  # whether buffer[0] begins a line of the stream
    offset_line = 1  # line number of buffer[0]
    certificate_number = 0
    eof = False
    while True:
        if not eof:
            chunk = stream.read(PEM_CHUNK)
            if chunk:
                buffer += chunk
            else:
                eof = True
        position = 0
        counted_to, counted_line = 0, offset_line  # line numbers computed incrementally
        while True:
            begin = _find_begin(buffer, position, buffer_at_line_start)
            if begin < 0:
                break
            label_end = buffer.find(_PEM_DASHES, begin + len(_PEM_BEGIN))
            if label_end < 0:
                break
            label = buffer[begin + len(_PEM_BEGIN):label_end]
            if b"\n" in label:  # "-----BEGIN " not followed by a label on the same line
                position = begin + len(_PEM_BEGIN)
                continue
            end_marker = b"-----END " + label + _PEM_DASHES
            end = buffer.find(end_marker, label_end)
            if end < 0:
                break
            counted_line += buffer.count(b"\n", counted_to, begin)
            counted_to = begin
            line = counted_line
            body = buffer[label_end + len(_PEM_DASHES):end]
            if label in _CERTIFICATE_LABELS:
                certificate_number += 1
                yield label, body, certificate_number, line
            else:
                yield label, body, 0, line
            position = end + len(end_marker)
        # Keep for the next chunk only an unfinished block (from its BEGIN), or else the tail
        # that could be the start of a BEGIN split between chunks: a huge file of text
        # without blocks, or with one endless block, never sits in memory whole.
        pending = _find_begin(buffer, position, buffer_at_line_start)
        if pending >= 0:
            keep_from = pending
            if len(buffer) - pending > MAX_PEM_BLOCK_BYTES:
                line = counted_line + buffer.count(b"\n", counted_to, pending)
                raise InputError(f"{source}: the PEM block at line {line} runs on for more than "
                                 f"{MAX_PEM_BLOCK_BYTES // 2**20} MiB without an END line: not a certificate")
        else:
            keep_from = max(position, len(buffer) - len(_PEM_BEGIN) + 1)
        offset_line = counted_line + buffer.count(b"\n", counted_to, keep_from)
        if keep_from:
            buffer_at_line_start = buffer[keep_from - 1:keep_from] == b"\n"
        buffer = buffer[keep_from:]
        if eof:
            begin = _find_begin(buffer, 0, buffer_at_line_start)
            if begin >= 0:
                line = offset_line + buffer.count(b"\n", 0, begin)
                label_end = buffer.find(_PEM_DASHES, begin + len(_PEM_BEGIN))
                name = buffer[begin + len(_PEM_BEGIN):label_end].decode("ascii", "replace") if label_end > 0 else "?"
                raise InputError(f"{source}: the PEM block '{name}' at line {line} has no END line (truncated file?)")
            return


def _find_begin(buffer: bytes, start: int, buffer_at_line_start: bool) -> int:
    """The index of the next "-----BEGIN " at the start of a line, from ``start``; -1 if none."""
    while True:
        begin = buffer.find(_PEM_BEGIN, start)
        if begin < 0 or (begin == 0 and buffer_at_line_start) or buffer[begin - 1:begin] == b"\n":
            return begin
        start = begin + 1


_BEGIN_LABEL, _END_LABEL = b"BEGIN CERTIFICATE", b"END CERTIFICATE"
#: Dashes in one plain block: five on each side of its BEGIN and END labels.
_DASHES_PER_BLOCK = 20


def plain_certificate_bodies(data: bytes, expected: int) -> list[bytes] | None:
    """The base64 bodies of PEM text made only of ``expected`` plain CERTIFICATE blocks, or None.

    When the only dashes of ``data`` are those of ``expected`` BEGIN CERTIFICATE and END
    CERTIFICATE lines, each BEGIN starting a line (``data`` itself starts one) and followed
    by its END before the next BEGIN, the PEM reader (:func:`_pem_blocks`) finds exactly
    these blocks: no other label, no dash in a body or between blocks to make it read
    anything differently. Cutting them is then a split, at C speed: the audit cuts its
    slices of a bundle and the files of a folder this way.
    """
    if data.count(b"-") != _DASHES_PER_BLOCK * expected:
        return None
    # Split at the five-dash runs: when there are 4 x expected of them, every dash is in
    # one, and the parts go text, label, body, label, text...; the labels must then be
    # BEGIN and END CERTIFICATE, alternating (a run of another length shifts them), and
    # the text before each BEGIN must end a line (a BEGIN glued to text is text).
    parts = data.split(b"-----")
    if parts[1::4] != [_BEGIN_LABEL] * expected or parts[3::4] != [_END_LABEL] * expected:
        return None
    if parts[0] and not parts[0].endswith(b"\n"):
        return None
    for between in parts[4:-1:4]:
        if not between.endswith(b"\n"):
            return None
    return parts[2::4]


def plain_pem_certificates(data: bytes, source: str, expected: int, first: int = 1) -> list[CertificateItem] | None:
    """The certificates of PEM text made only of ``expected`` plain CERTIFICATE blocks, cut
    with a split (:func:`plain_certificate_bodies`) and labelled ``source#N`` from ``first``
    on; None for any other text, and for a block that does not decode, which the PEM
    reader then words. The audit reads its slices of a bundle this way."""
    bodies = plain_certificate_bodies(data, expected)
    if bodies is None:
        return None
    load = x509.load_der_x509_certificate
    items = []
    try:
        with parsing_input(source):  # once for them all: cryptography's warnings name the file
            for number, body in enumerate(bodies, first):
                der = binascii.a2b_base64(body)
                items.append(CertificateItem(f"{source}#{number}", der, load(der), source, number - 1))
    except (ValueError, x509.InvalidVersion):  # binascii.Error included
        return None
    return items


def _plain_pem_certificates(data: bytes, source: str) -> list[CertificateItem] | None:
    """:func:`_pem_certificates` for a whole file of plain CERTIFICATE blocks
    (:func:`plain_pem_certificates`); None for anything else."""
    items = plain_pem_certificates(data, source, data.count(b"-----BEGIN CERTIFICATE-----"))
    if not items:
        return None
    if len(items) == 1:
        items[0].source = source
    return items


def _pem_certificates(stream: BinaryIO, source: str, container: str) -> Iterator[CertificateItem]:
    """Every certificate of a PEM stream; the label gets ``#N`` once a second one shows up."""
    pending: CertificateItem | None = None
    count = 0
    other_labels: list[str] = []
    for label, body, number, line in _pem_blocks(stream, source):
        if not number:
            other_labels.append(label.decode("ascii", "replace"))
            continue
        try:
            der = binascii.a2b_base64(body)
            if label == b"TRUSTED CERTIFICATE":
                der = der[:element_length(der)]
            certificate = certificate_from_der(der, source)
        except (binascii.Error, ValueError) as exc:
            raise InputError(
                f"{source}: certificate block {number} (line {line}) is corrupted: {_short(exc)}"
            ) from None
        count += 1
        item = CertificateItem(f"{source}#{number}", der, certificate, container, number - 1)
        if pending is not None:
            yield pending
        pending = item
    if pending is not None:
        if count == 1:
            pending.source = source
        yield pending
    elif count == 0:
        holds = f" (it holds {', '.join(dict.fromkeys(other_labels))})" if other_labels else ""
        raise NotCertificates(f"no certificate in PEM file{holds}")


def pem_text_certificates(data: bytes, source: str) -> Iterator[CertificateItem]:
    """The certificates of PEM text held in memory, read as a PEM file named ``source`` is.

    The parallel audit (certkit.audit.engine) hands each worker a slice of a big bundle this way.
    """
    return _pem_certificates(io.BytesIO(data), source, source)


# ----------------------------------------------------------------------------- PKCS#12


def _pkcs12_certificates(data: bytes, source: str, passwords: PasswordCache) -> Iterator[CertificateItem]:
    """The certificates of a PKCS#12 file: the key's certificate first, then the others.

    certkit.keystores.reader opens it (no password and the empty one are tried first; a wrong
    password, a legacy algorithm this system cannot decrypt and a damaged file are told
    apart); the password provider is asked only when the file needs a password.
    """
    from cryptography.hazmat.primitives.serialization import Encoding

    from certkit.keystores.reader import load_pkcs12

    try:
        loaded = load_pkcs12(data, None, source=source)
    except PasswordError:
        password = passwords.get()
        if password is None:
            raise
        loaded = load_pkcs12(data, password, source=source)
    certificates = loaded.chain
    if not certificates:
        raise NotCertificates("the PKCS#12 file holds no certificate")
    has_key_certificate = loaded.certificate is not None
    description = loaded.to_json()
    for index, certificate in enumerate(certificates):
        label = source if len(certificates) == 1 else f"{source}#{index + 1}"
        yield CertificateItem(
            label, certificate.public_bytes(Encoding.DER), certificate, source, index,
            chain=has_key_certificate and index > 0, pkcs12=description,
        )


# ----------------------------------------------------------------------------- files


def _sniff(head: bytes) -> str:
    """"pem", "der", "pkcs12", "zip" or "unknown", from a file's first bytes."""
    if head.startswith(_ZIP_MAGIC) or head.startswith(_EMPTY_ZIP_MAGIC):
        return "zip"
    if _PEM_BEGIN in head:
        return "pem"
    inner = first_inner_tag(head)
    if inner == 0x30:
        return "der"
    if inner == 0x02:
        return "pkcs12"
    return "unknown"


def _file_certificates(
    opener: Callable[[], BinaryIO], source: str, passwords: PasswordCache, on_note: NoteFn, *, nested: bool
) -> Iterator[CertificateItem]:
    """The certificates of one file (or zip member) whatever its format."""
    with opener() as stream:
        head = stream.read(_SNIFF_BYTES)
        kind = _sniff(head)
        if kind == "pem":
            # A short read is the whole file: one certificate file of a folder, most often.
            plain = _plain_pem_certificates(head, source) if len(head) < _SNIFF_BYTES else None
            if plain is not None:
                yield from plain
                return
            yield from _pem_certificates(cast(BinaryIO, _Rewound(head, stream)), source, source)
            return
        if kind == "unknown":
            raise NotCertificates("not a certificate file (PEM, DER, PKCS#12 or zip)")
        if _file_size(stream) > MAX_BINARY_FILE_BYTES:  # refused before it is read
            raise InputError(f"{source} is larger than {MAX_BINARY_FILE_BYTES // 2**20} MiB: not a certificate file")
        data = head + stream.read(MAX_BINARY_FILE_BYTES)
        if len(data) > MAX_BINARY_FILE_BYTES:
            raise InputError(f"{source} is larger than {MAX_BINARY_FILE_BYTES // 2**20} MiB: not a certificate file")
    if kind == "zip":
        if nested:
            raise NotCertificates("a zip inside a zip is not read")
        yield from _zip_certificates(data, source, passwords, on_note)
    elif kind == "der":
        try:
            certificate = certificate_from_der(data, source)
        except ValueError as exc:
            raise InputError(f"{source}: not a valid DER certificate: {_short(exc)}") from None
        yield CertificateItem(source, data, certificate, source)
    else:
        yield from _pkcs12_certificates(data, source, passwords)


def _file_size(stream: BinaryIO) -> int:
    """The size of a regular file behind ``stream``; 0 when unknown (a zip member, a pipe)."""
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation is an OSError
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


class _Rewound(io.RawIOBase):
    """A stream that first replays the bytes already read for sniffing."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            return head
        return self._rest.read(size)


def _zip_certificates(data: bytes, source: str, passwords: PasswordCache, on_note: NoteFn) -> Iterator[CertificateItem]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = sorted((m for m in archive.infolist() if not m.is_dir()), key=lambda m: m.filename)
    except (zipfile.BadZipFile, ValueError, NotImplementedError) as exc:
        raise InputError(f"{source} is not a readable zip file: {_short(exc)}") from None
    _refuse_overlapping_members(data, archive, source)
    found = False
    total = 0
    for member in members:
        name = member.filename
        label = f"{source}!{name}"
        if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or (len(name) > 1 and name[1] == ":"):
            on_note(f"{label}: this member's name would escape the folder if the zip were extracted; "
                    "certkit only reads it in memory")
        if member.flag_bits & 0x1:
            on_note(f"{label}: skipped (encrypted zip member)")
            continue
        if member.file_size > MAX_ZIP_MEMBER_BYTES:
            raise InputError(f"{label} declares {member.file_size} bytes uncompressed: refusing it (zip bomb?)")
        try:
            with archive.open(member) as stream:
                content = stream.read(MAX_ZIP_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, ValueError, NotImplementedError, OSError) as exc:
            raise InputError(f"{label}: cannot read this zip member: {_short(exc)}") from None
        if len(content) > MAX_ZIP_MEMBER_BYTES:
            raise InputError(f"{label} expands beyond {MAX_ZIP_MEMBER_BYTES // 2**20} MiB: refusing it (zip bomb?)")
        if len(content) > 2**20 and len(content) > MAX_ZIP_RATIO * max(member.compress_size, 1):
            raise InputError(f"{label} expands {len(content) // max(member.compress_size, 1)} times its compressed "
                             f"size: refusing it (zip bomb?)")
        total += len(content)
        if total > MAX_ZIP_TOTAL_BYTES:
            raise InputError(f"{source} expands beyond {MAX_ZIP_TOTAL_BYTES // 2**30} GiB: refusing it (zip bomb?)")
        try:
            for item in _file_certificates(functools.partial(io.BytesIO, content), label, passwords, on_note, nested=True):
                found = True
                yield item
        except NotCertificates as skipped:
            on_note(f"{label}: skipped ({skipped})")
    if not found:
        raise InputError(f"no certificates found in the zip file {source}")


def _refuse_overlapping_members(data: bytes, archive: zipfile.ZipFile, source: str) -> None:
    """Refuse a zip whose central directory lists one stretch of bytes more than once.

    A real zip stores every member once; entries that alias or overlap one another (2,047
    entries pointing at one member: 110 KB that yield 2.66 M certificates) are a bomb,
    refused before any member is read. Each member's extent is its local header, name,
    extra field and compressed data; the next member (by offset) must start after it,
    and the last must end before the central directory.
    """
    extents = []
    for member in archive.infolist():
        start = member.header_offset
        header = data[start:start + 30]
        if len(header) < 30 or header[:4] != _ZIP_MAGIC:
            raise InputError(f"{source}!{member.filename}: the zip entry points at no local header: "
                             "refusing the zip (damaged or crafted)")
        name_length = int.from_bytes(header[26:28], "little")
        extra_length = int.from_bytes(header[28:30], "little")
        extents.append((start, start + 30 + name_length + extra_length + member.compress_size, member.filename))
    extents.sort()
    for (_, end, name), (next_start, _, next_name) in zip(extents, extents[1:], strict=False):
        if next_start < end:
            raise InputError(f"{source}: the zip entries {name} and {next_name} overlap (the same bytes listed "
                             "twice): refusing the zip (zip bomb?)")
    directory_start = getattr(archive, "start_dir", None)
    if extents and isinstance(directory_start, int) and extents[-1][1] > directory_start:
        raise InputError(f"{source}: the zip entry {extents[-1][2]} runs into the zip's central directory: "
                         "refusing the zip (zip bomb?)")


def directory_files(root: str | os.PathLike[str]) -> Iterator[str]:
    """The files of a folder SOURCE in the order they are read: sorted, recursively.

    Plain strings, not Paths: an audit reads 100,000 files, and building Path objects
    for them cost more than a tenth of the time spent per file.
    """
    join = os.path.join
    for directory, subdirectories, files in os.walk(root, onerror=None, followlinks=False):
        subdirectories.sort()
        for name in sorted(files):
            yield join(directory, name)


def folder_file_certificates(path: str | os.PathLike[str], passwords: PasswordCache,
                             on_note: NoteFn) -> Iterator[CertificateItem]:
    """The certificates of one file of a folder SOURCE; a file without any is skipped with a note."""
    label = os.fspath(path)
    try:
        yield from _file_certificates(lambda: open(label, "rb"), label, passwords, on_note, nested=False)
    except NotCertificates as skipped:
        on_note(f"{label}: skipped ({skipped})")
    except PermissionError:
        on_note(f"{label}: skipped (permission denied)")
    except (FileNotFoundError, IsADirectoryError):
        on_note(f"{label}: skipped (not a readable file)")


def no_certificates_in_folder(root: Path) -> InputError:
    return InputError(f"no certificates found in the folder {root}")


def _directory_certificates(root: Path, passwords: PasswordCache, on_note: NoteFn) -> Iterator[CertificateItem]:
    found = False
    for path in directory_files(root):
        for item in folder_file_certificates(path, passwords, on_note):
            found = True
            yield item
    if not found:
        raise no_certificates_in_folder(root)


def _path_certificates(spec: str, passwords: PasswordCache, on_note: NoteFn) -> Iterator[CertificateItem]:
    path = Path(spec)
    if path.is_dir():
        yield from _directory_certificates(path, passwords, on_note)
        return
    if not path.exists():
        raise InputError(f"{spec} does not exist")
    try:
        yield from _file_certificates(lambda: open(path, "rb"), spec, passwords, on_note, nested=False)
    except NotCertificates as problem:
        raise InputError(f"{spec}: {problem}") from None
    except PermissionError:
        raise InputError(f"{spec}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{spec} is not a file") from None


# ----------------------------------------------------------------------------- TLS


def _tls_certificates(spec: str, options: TlsOptions) -> Iterator[CertificateItem]:
    host, port = parse_tls_spec(spec)
    der = fetch_tls_certificate(host, port, options)
    try:
        certificate = certificate_from_der(der, spec)
    except ValueError as exc:
        raise RemoteError(f"{spec} presented a certificate that cannot be parsed: {_short(exc)}") from None
    yield CertificateItem(spec, der, certificate, spec)


# ----------------------------------------------------------------------------- entry point


def require_sources(specs: Sequence[str]) -> None:
    """Fail before any output when a named file or folder does not exist.

    Sources are streamed, so without this a missing last argument would surface only after
    the report of the others had been printed (a truncated ``--json`` document, even).
    """
    for spec in specs:
        if not spec.startswith("tls://") and not (Path(spec).exists() or Path(spec).is_symlink()):
            raise InputError(f"{spec} does not exist")


def iter_certificates(
    specs: Sequence[str],
    *,
    password: PasswordProvider | None = None,
    tls: TlsOptions = TlsOptions(),
    on_note: NoteFn = _ignore,
) -> Iterator[CertificateItem]:
    """Every certificate of every SOURCE, in order, one at a time.

    ``password`` is called (at most once) when a PKCS#12 file opens neither without a
    password nor with the empty one. ``on_note`` receives one-line notes about skipped
    files and suspicious zip member names.
    """
    passwords = PasswordCache(password)
    for spec in specs:
        if spec.startswith("tls://"):
            yield from _tls_certificates(spec, tls)
        else:
            yield from _path_certificates(spec, passwords, on_note)


def read_certificates(specs: Sequence[str], **options: Any) -> list[CertificateItem]:
    """:func:`iter_certificates` as a list (for small inputs: CA files, tests)."""
    return list(iter_certificates(specs, **options))
