"""Reading an input file whole, but never more of it than an input of its kind can be.

Certificates, keys, keystores, instances files and trust files are kilobytes; a user who
points certkit at a disk image, a log or ``/dev/zero`` should get one line saying so, not
a process that reads 200 MB into memory (or reads forever) before finding out. So a
regular file is measured before it is read, anything else (a pipe, a device) is read
only up to the limit, and every way of failing is an :class:`~certkit.errors.InputError`
naming the file.

Inputs that are legitimately large (a PEM bundle of 100,000 certificates) are streamed by
:mod:`certkit.io.sources` instead.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from certkit.errors import InputError

#: Certificate material (PEM/DER certificates, keys, PKCS#12 keystores, JSON documents):
#: the largest real ones are a few hundred kilobytes.
MAX_CERTIFICATE_INPUT_BYTES = 16 * 1024 * 1024
#: Text documents users write (instances files, inventories, trust files).
MAX_TEXT_INPUT_BYTES = 16 * 1024 * 1024


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size // (1024 * 1024)} MiB"
    return f"{size // 1024} KiB"


def read_bounded(path: str | os.PathLike[str], what: str, limit: int = MAX_CERTIFICATE_INPUT_BYTES, *,
                 on_open: Callable[[os.stat_result], None] | None = None) -> bytes:
    """The bytes of ``path`` (``what`` names it in errors: "the CA key"), at most ``limit``.

    Raises :class:`InputError` when the file is missing, a folder, unreadable, or larger
    than ``limit`` (a regular file is refused from its size, before anything is read).
    ``on_open`` is shown the open file's status (its mode, owner), e.g. to warn that a
    secret is readable by others: the file read, not whatever the path names later.
    """
    file_path = Path(path)
    try:
        with open(file_path, "rb") as stream:
            info = os.fstat(stream.fileno())
            if on_open is not None:
                on_open(info)
            if stat.S_ISREG(info.st_mode) and info.st_size > limit:
                raise InputError(
                    f"{what} {file_path} is {_size_text(info.st_size)}, larger than such a file can be "
                    f"({_size_text(limit)}); refusing to read it"
                )
            data = stream.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{what} {file_path} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{what} {file_path} is a folder, not a file") from None
    except PermissionError:
        raise InputError(f"{what} {file_path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read {what} {file_path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InputError(f"{what} {file_path} is larger than {_size_text(limit)}; refusing to read more of it")
    return data


def require_decodable(certificate, source: str, what: str = "the certificate"):
    """``certificate`` (a cryptography ``x509.Certificate``) once every part certkit reads
    has decoded, else an :class:`InputError` naming ``source``.

    cryptography checks only a certificate's outer structure when loading it and decodes
    names, the public key and extensions on first use; a damaged certificate would
    otherwise fail deep inside a command, as a traceback.
    """
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm

    try:
        certificate.subject.rfc4514_string()
        certificate.issuer.rfc4514_string()
        certificate.public_key()
        for extension in certificate.extensions:
            extension.value  # noqa: B018 - decoding it is the point
        certificate.signature_hash_algorithm  # noqa: B018
    except x509.UnsupportedGeneralNameType:
        # The JDK reads these forms, cryptography does not decode them at all; certkit needs
        # cryptography's view of this certificate (its extensions), so it cannot go on.
        raise InputError(
            f"{what} in {source} has an x400Address or EDIPartyName general name in an extension, "
            "which certkit cannot decode here (cryptography does not support these forms)"
        ) from None
    except (ValueError, KeyError, TypeError, x509.DuplicateExtension, UnsupportedAlgorithm) as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise InputError(f"{what} in {source} cannot be decoded ({reason})") from None
    return certificate


def port_number(text: str) -> int | None:
    """The TCP port ``text`` names (1-65535), or None.

    Only ASCII digits count: :meth:`str.isdigit` also accepts ``"¹"`` (which :func:`int`
    then refuses) and :func:`int` accepts ``"٣"``; neither is a port anyone typed on purpose.
    """
    if not (text.isascii() and text.isdigit()):
        return None
    port = int(text)
    return port if 1 <= port <= 65535 else None
