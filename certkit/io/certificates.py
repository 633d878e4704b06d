"""Certificates from a file's bytes, and a certificate's chain in the order TLS sends it.

:func:`load_certificates` is the one way certkit reads a certificate file a user names
(the CA certificate of ``cert``, the CAs of ``cloud trust`` and ``wire``, the certificate
of ``convert``): every PEM certificate block in order, or the one certificate of a DER
file, each decoded entirely. Sources that may be huge bundles (``inspect``,
``restrictions check``) are streamed by :mod:`certkit.io.sources`, which decodes each
block with the same :func:`certificate_from_der`.

:func:`order_chain` is the one chain ordering: the leaf, then its issuer, then that
one's issuer… (a PKCS#12 key entry, a CA with its intermediates, a keystore built from PEM).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from cryptography import x509

from certkit.errors import InputError
from certkit.io.inputs import read_bounded, require_decodable

#: A certificate file a user names: a CA with a few intermediates is a few kilobytes.
MAX_CERTIFICATE_FILE_BYTES = 1024 * 1024

_BEGIN = b"-----BEGIN"
_CERTIFICATE_BEGIN = b"-----BEGIN CERTIFICATE-----"


#: The input cryptography is reading right now. cryptography warns about a certificate it
#: accepts but RFC 5280 disallows (a serial number that is not positive) without saying
#: which; the command line names this input in its ``warning:`` line (input_being_parsed()).
#: A plain store around each parse, not warnings.catch_warnings(): an audit streams every
#: certificate of a bundle through here, and catching costs more than parsing a small one.
_parsing: list[str | None] = [None]


def input_being_parsed() -> str | None:
    """The input whose bytes cryptography is parsing at this moment, if certkit said."""
    return _parsing[0]


@contextmanager
def parsing_input(source: str) -> Iterator[None]:
    """Mark ``source`` as the input being parsed (see :func:`input_being_parsed`)."""
    previous, _parsing[0] = _parsing[0], source
    try:
        yield
    finally:
        _parsing[0] = previous


def certificate_from_der(der: bytes, source: str | None = None) -> x509.Certificate:
    """One DER certificate; a ``ValueError`` for anything else (an X.509 version too).
    ``source`` names the input in cryptography's warnings (see :func:`input_being_parsed`)."""
    previous = _parsing[0]
    if source is not None:
        _parsing[0] = source
    try:
        return x509.load_der_x509_certificate(der)
    except x509.InvalidVersion as exc:  # not a ValueError: every caller handles those
        raise ValueError(f"not an X.509 v1/v2/v3 certificate ({exc})") from None
    finally:
        _parsing[0] = previous


def read_certificate_file(path: str | os.PathLike[str], what: str = "the certificate file") -> bytes:
    """The bytes of a certificate file, with one-line errors for the usual mistakes."""
    return read_bounded(path, what, MAX_CERTIFICATE_FILE_BYTES)


def load_certificates(data: bytes, source: str, *, hint: str | None = None) -> list[x509.Certificate]:
    """Every certificate of PEM ``data`` (in order), or the one of DER ``data``, each
    checked to decode entirely (names, key, extensions); ``source`` names the input in
    errors, ``hint`` is the advice for data that is no certificate at all."""
    with parsing_input(source):
        return [require_decodable(certificate, source) for certificate in _parse(data, source, hint)]


def _parse(data: bytes, source: str, hint: str | None) -> list[x509.Certificate]:
    if _BEGIN in data:
        if _CERTIFICATE_BEGIN not in data:
            raise InputError(f"{source} holds no readable PEM certificate: no certificate in it "
                             "(no PEM certificate block, '-----BEGIN CERTIFICATE-----')")
        try:
            return x509.load_pem_x509_certificates(data)
        except (ValueError, x509.InvalidVersion) as exc:
            raise InputError(f"{source}: a PEM certificate block cannot be parsed ({exc})") from None
    if data[:1] == b"\x30":
        try:
            return [certificate_from_der(data)]
        except ValueError:
            pass
    raise InputError(f"{source} is neither a PEM nor a DER certificate", hint=hint)


def order_chain(leaf: x509.Certificate, candidates: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    """``leaf`` followed by its issuers among ``candidates``, nearest first.

    Each next certificate is a candidate whose subject is the previous one's issuer name;
    the chain ends at a self-issued certificate or where no candidate issued the last
    one. No certificate appears twice, so a loop of cross-signed names ends too.
    """
    chain = [leaf]
    remaining = [c for c in candidates if c != leaf]
    while remaining and chain[-1].issuer != chain[-1].subject:
        issuer = next((c for c in remaining if c.subject == chain[-1].issuer), None)
        if issuer is None:
            break
        chain.append(issuer)
        remaining = [c for c in remaining if c != issuer]
    return chain
