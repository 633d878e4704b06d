"""Where certificates come from: the SOURCE arguments of ``inspect`` and ``restrictions check``.

A SOURCE (CLI.md) is a PEM file (one or many certificates), a DER file, a PKCS#12 file, a
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
"""

from __future__ import annotations

import binascii
import io
import ipaddress
import os
import socket
import ssl
import stat
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography import x509

from certkit.errors import InputError, PasswordError, RemoteError
from certkit.jdk import element_length, first_inner_tag

NoteFn = Callable[[str], None]
PasswordProvider = Callable[[], "str | None"]

#: Bytes read from a PEM file at a time: large enough to amortise the Python work per
#: chunk, small enough that a 120 MB bundle never sits in memory whole.
PEM_CHUNK = 4 * 1024 * 1024
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
DEFAULT_TLS_TIMEOUT = 10.0

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


@dataclass(frozen=True)
class TlsOptions:
    """How to reach a ``tls://`` SOURCE: an optional client certificate and a timeout."""

    client_cert: str | None = None
    client_key: str | None = None
    client_key_password: str | None = None
    timeout: float = DEFAULT_TLS_TIMEOUT


class _NotCertificates(Exception):
    """A file inside a directory or zip that holds no certificate (skipped with a note)."""


class _PasswordCache:
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


def _certificate_from_der(der: bytes) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except x509.InvalidVersion as exc:  # not a ValueError: every caller handles those
        raise ValueError(f"not an X.509 v1/v2/v3 certificate ({exc})") from None


def _pem_blocks(stream: BinaryIO, source: str) -> Iterator[tuple[bytes, bytes, int, int]]:
    """(label, base64 body, block number among certificates, line) of every PEM block.

    Text between blocks is ignored (OpenSSL's "Bag Attributes", comments). The block
    number counts certificate blocks only, from 1; non-certificate blocks get number 0.
    """
    buffer = b""
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
            begin = buffer.find(_PEM_BEGIN, position)
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
        pending = buffer.find(_PEM_BEGIN, position)
        if pending >= 0:
            keep_from = pending
            if len(buffer) - pending > MAX_PEM_BLOCK_BYTES:
                line = counted_line + buffer.count(b"\n", counted_to, pending)
                raise InputError(f"{source}: the PEM block at line {line} runs on for more than "
                                 f"{MAX_PEM_BLOCK_BYTES // 2**20} MiB without an END line: not a certificate")
        else:
            keep_from = max(position, len(buffer) - len(_PEM_BEGIN) + 1)
        offset_line = counted_line + buffer.count(b"\n", counted_to, keep_from)
        buffer = buffer[keep_from:]
        if eof:
            begin = buffer.find(_PEM_BEGIN)
            if begin >= 0:
                line = offset_line + buffer.count(b"\n", 0, begin)
                label_end = buffer.find(_PEM_DASHES, begin + len(_PEM_BEGIN))
                label = buffer[begin + len(_PEM_BEGIN):label_end].decode("ascii", "replace") if label_end > 0 else "?"
                raise InputError(f"{source}: the PEM block '{label}' at line {line} has no END line (truncated file?)")
            return


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
            certificate = _certificate_from_der(der)
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
        raise _NotCertificates(f"no certificate in PEM file{holds}")


def pem_text_certificates(data: bytes, source: str) -> Iterator[CertificateItem]:
    """The certificates of PEM text held in memory, read as a PEM file named ``source`` is.

    The parallel audit (certkit.audit.engine) hands each worker a slice of a big bundle this way.
    """
    return _pem_certificates(io.BytesIO(data), source, source)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


# ----------------------------------------------------------------------------- PKCS#12


def _pkcs12_certificates(data: bytes, source: str, passwords: _PasswordCache) -> Iterator[CertificateItem]:
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
        raise _NotCertificates("the PKCS#12 file holds no certificate")
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
    opener: Callable[[], BinaryIO], source: str, passwords: _PasswordCache, on_note: NoteFn, *, nested: bool
) -> Iterator[CertificateItem]:
    """The certificates of one file (or zip member) whatever its format."""
    with opener() as stream:
        head = stream.read(64 * 1024)
        kind = _sniff(head)
        if kind == "pem":
            yield from _pem_certificates(_Rewound(head, stream), source, source)
            return
        if kind == "unknown":
            raise _NotCertificates("not a certificate file (PEM, DER, PKCS#12 or zip)")
        if _file_size(stream) > MAX_BINARY_FILE_BYTES:  # refused before it is read
            raise InputError(f"{source} is larger than {MAX_BINARY_FILE_BYTES // 2**20} MiB: not a certificate file")
        data = head + stream.read(MAX_BINARY_FILE_BYTES)
        if len(data) > MAX_BINARY_FILE_BYTES:
            raise InputError(f"{source} is larger than {MAX_BINARY_FILE_BYTES // 2**20} MiB: not a certificate file")
    if kind == "zip":
        if nested:
            raise _NotCertificates("a zip inside a zip is not read")
        yield from _zip_certificates(data, source, passwords, on_note)
    elif kind == "der":
        try:
            certificate = _certificate_from_der(data)
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

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        if self._head:
            head, self._head = self._head, b""
            return head
        return self._rest.read(size)


def _zip_certificates(data: bytes, source: str, passwords: _PasswordCache, on_note: NoteFn) -> Iterator[CertificateItem]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = sorted((m for m in archive.infolist() if not m.is_dir()), key=lambda m: m.filename)
    except (zipfile.BadZipFile, ValueError, NotImplementedError) as exc:
        raise InputError(f"{source} is not a readable zip file: {_short(exc)}") from None
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
            for item in _file_certificates(lambda c=content: io.BytesIO(c), label, passwords, on_note, nested=True):
                found = True
                yield item
        except _NotCertificates as skipped:
            on_note(f"{label}: skipped ({skipped})")
    if not found:
        raise InputError(f"no certificates found in the zip file {source}")


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


def folder_file_certificates(path: str | os.PathLike[str], passwords: _PasswordCache,
                             on_note: NoteFn) -> Iterator[CertificateItem]:
    """The certificates of one file of a folder SOURCE; a file without any is skipped with a note."""
    label = os.fspath(path)
    try:
        yield from _file_certificates(lambda: open(label, "rb"), label, passwords, on_note, nested=False)
    except _NotCertificates as skipped:
        on_note(f"{label}: skipped ({skipped})")
    except PermissionError:
        on_note(f"{label}: skipped (permission denied)")
    except (FileNotFoundError, IsADirectoryError):
        on_note(f"{label}: skipped (not a readable file)")


def no_certificates_in_folder(root: Path) -> InputError:
    return InputError(f"no certificates found in the folder {root}")


def _directory_certificates(root: Path, passwords: _PasswordCache, on_note: NoteFn) -> Iterator[CertificateItem]:
    found = False
    for path in directory_files(root):
        for item in folder_file_certificates(path, passwords, on_note):
            found = True
            yield item
    if not found:
        raise no_certificates_in_folder(root)


def _path_certificates(spec: str, passwords: _PasswordCache, on_note: NoteFn) -> Iterator[CertificateItem]:
    path = Path(spec)
    if path.is_dir():
        yield from _directory_certificates(path, passwords, on_note)
        return
    if not path.exists():
        raise InputError(f"{spec} does not exist")
    try:
        yield from _file_certificates(lambda: open(path, "rb"), spec, passwords, on_note, nested=False)
    except _NotCertificates as problem:
        raise InputError(f"{spec}: {problem}") from None
    except PermissionError:
        raise InputError(f"{spec}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{spec} is not a file") from None


# ----------------------------------------------------------------------------- TLS


def parse_tls_spec(spec: str) -> tuple[str, int]:
    """``tls://HOST:PORT`` (IPv6 as ``[addr]:port``) -> (host, port)."""
    rest = spec[len("tls://"):]
    if rest.startswith("["):
        host, bracket, tail = rest[1:].partition("]")
        port_text = tail[1:] if tail.startswith(":") else ""
        if not bracket:
            port_text = ""
    else:
        host, _, port_text = rest.rpartition(":")
    host = host.strip()
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536 or "/" in host:
        raise InputError(f"{spec} is not tls://HOST:PORT", hint="e.g. tls://node1.example.internal:9300 or tls://[::1]:9300")
    return host, int(port_text)


def _handshake_certificate(records: bytes) -> bytes | None:
    """The first certificate of a TLS 1.2 Certificate handshake message in raw server records.

    Used when the server aborts the handshake because it wants a client certificate: in
    TLS 1.2 it has already sent its own certificate in the clear.
    """
    handshake = bytearray()
    offset = 0
    while offset + 5 <= len(records):
        content_type = records[offset]
        length = int.from_bytes(records[offset + 3:offset + 5], "big")
        fragment = records[offset + 5:offset + 5 + length]
        offset += 5 + length
        if content_type == 22:
            handshake += fragment
        elif content_type == 20:  # ChangeCipherSpec: what follows is encrypted
            break
    position = 0
    while position + 4 <= len(handshake):
        message_type = handshake[position]
        length = int.from_bytes(handshake[position + 1:position + 4], "big")
        body = handshake[position + 4:position + 4 + length]
        if message_type == 11 and len(body) >= 6:
            first_length = int.from_bytes(body[3:6], "big")
            der = bytes(body[6:6 + first_length])
            return der or None
        position += 4 + length
    return None


def fetch_tls_certificate(host: str, port: int, options: TlsOptions = TlsOptions()) -> bytes:
    """The DER certificate the server at host:port presents (nothing is verified).

    A server that demands a client certificate still shows its own: with TLS 1.3 the
    client's side of the handshake completes first; with TLS 1.2 the certificate is read
    from the server's (unencrypted) handshake records when the server aborts.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if options.client_cert:
        try:
            context.load_cert_chain(options.client_cert, options.client_key, options.client_key_password)
        except (OSError, ssl.SSLError) as exc:
            raise InputError(f"cannot use the client certificate {options.client_cert}: {_short(exc)}") from None
    try:
        ipaddress.ip_address(host)
        server_hostname = None
    except ValueError:
        server_hostname = host
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_hostname)
    received = bytearray()
    where = f"tls://{host}:{port}"
    try:
        connection = socket.create_connection((host, port), timeout=options.timeout)
    except OSError as exc:
        raise RemoteError(f"cannot connect to {where}: {exc.strerror or _short(exc)}") from None
    with connection:
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                pending = outgoing.read()
                try:
                    if pending:
                        connection.sendall(pending)
                    data = connection.recv(65536)
                except TimeoutError:
                    raise RemoteError(f"{where}: timed out: no answer within {options.timeout:g} seconds "
                                      "during the TLS handshake") from None
                except OSError as exc:
                    data = b""
                    if not received:
                        raise RemoteError(f"{where}: connection failed during the TLS handshake: {_short(exc)}") from None
                if not data:
                    der = _handshake_certificate(bytes(received))
                    if der:
                        return der
                    raise RemoteError(f"{where} closed the connection during the TLS handshake")
                received += data
                incoming.write(data)
            except ssl.SSLError as exc:
                der = _handshake_certificate(bytes(received))
                if der:
                    return der
                raise RemoteError(f"{where}: TLS handshake failed: {exc.reason or _short(exc)}") from None
        der = tls.getpeercert(binary_form=True)
        try:
            tls.unwrap()
        except (ssl.SSLError, ssl.SSLWantReadError):
            pass
        pending = outgoing.read()
        if pending:
            try:
                connection.sendall(pending)
            except OSError:
                pass
    if not der:
        raise RemoteError(f"{where} presented no certificate")
    return der


def _tls_certificates(spec: str, options: TlsOptions) -> Iterator[CertificateItem]:
    host, port = parse_tls_spec(spec)
    der = fetch_tls_certificate(host, port, options)
    try:
        certificate = _certificate_from_der(der)
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
    passwords = _PasswordCache(password)
    for spec in specs:
        if spec.startswith("tls://"):
            yield from _tls_certificates(spec, tls)
        else:
            yield from _path_certificates(spec, passwords, on_note)


def read_certificates(specs: Sequence[str], **options: Any) -> list[CertificateItem]:
    """:func:`iter_certificates` as a list (for small inputs: CA files, tests)."""
    return list(iter_certificates(specs, **options))
