"""The node certificate's DER, encoded directly and signed with the CA's key object.

cryptography's ``CertificateBuilder`` converts every field from Python objects for every
certificate: the issuer name attribute by attribute, each extension, the validity dates.
For EC nodes that conversion cost more than the key and the signature together
(~0.15 ms a certificate, against ~0.05 ms for an ECDSA signature). Every certificate of a
run shares most of its TBSCertificate (version, signature algorithm, issuer, validity,
basicConstraints, keyUsage, extendedKeyUsage, authorityKeyIdentifier), so
:class:`CertificateTemplate` encodes those once and each certificate adds only what is
its own: serial, subject, public key, subjectKeyIdentifier and subjectAltName.

The encoding is cryptography's to the byte: ``tests/test_issue_tbs.py`` compares the
to-be-signed bytes with what ``CertificateBuilder`` encodes for the same fields, over CA
key types, instance shapes and dates on either side of 2050 (UTCTime/GeneralizedTime),
and the JDK and OpenSSL read the certificates in the rest of the suite. The subject and
the subjectAltName are encoded by cryptography itself (``Name.public_bytes``,
``SubjectAlternativeName.public_bytes``), so their validation and string types are its own.
"""

from __future__ import annotations

import datetime as _dt
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtensionOID, NameOID

from certkit.issue.ca import signature_hash
from certkit.jdk import read_strict
from certkit.keystores import der

__all__ = ["CertificateTemplate", "encoded_extension", "subject_der"]

_VERSION_3 = der.explicit(0, der.integer(2))
_SHA256_WITH_RSA = der.algorithm(der.oid("1.2.840.113549.1.1.11"))  # NULL parameters, as RFC 4055 says
_ECDSA_WITH_SHA256 = der.sequence(der.oid("1.2.840.10045.4.3.2"))  # no parameters (RFC 5758)
_COMMON_NAME = der.oid(NameOID.COMMON_NAME.dotted_string)
_UTF8_STRING = 0x0C
_BIT_STRING = 0x03
_TRUE = b"\x01\x01\xff"
#: X.509's boundary between UTCTime and GeneralizedTime (RFC 5280 4.1.2.5).
_GENERALIZED_FROM_YEAR = 2050
_EARLIEST = _dt.datetime(1950, 1, 1)


def encoded_extension(oid: x509.ObjectIdentifier | bytes, value_der: bytes, *, critical: bool = False) -> bytes:
    """One Extension: extnID (an OID, or its encoding), critical only when true (DER omits
    a DEFAULT), extnValue."""
    extension_id = oid if isinstance(oid, bytes) else der.oid(oid.dotted_string)
    return der.sequence(extension_id, _TRUE if critical else b"", der.octet_string(value_der))


_SUBJECT_KEY_IDENTIFIER = der.oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER.dotted_string)
_AUTHORITY_KEY_IDENTIFIER = der.oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER.dotted_string)
_SUBJECT_ALTERNATIVE_NAME = der.oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME.dotted_string)


def _authority_key_identifier(key_id: bytes) -> bytes:
    return encoded_extension(_AUTHORITY_KEY_IDENTIFIER, der.sequence(der.tlv(0x80, key_id)))  # [0] keyIdentifier


def _time(moment: _dt.datetime) -> bytes:
    year = moment.year
    if year >= _GENERALIZED_FROM_YEAR:
        return der.tlv(0x18, moment.strftime("%Y%m%d%H%M%SZ").encode("ascii"))
    return der.tlv(0x17, moment.strftime("%y%m%d%H%M%SZ").encode("ascii"))


def _naive_utc(moment: _dt.datetime) -> _dt.datetime:
    """As cryptography's builder takes a date: aware ones converted to UTC, naive ones read
    as UTC, the fraction of a second dropped."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(_dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def subject_der(name: str) -> bytes:
    """The DER of the subject ``name`` stands for (certkit.plan.subject_for's rule):
    ``CN=<name>`` encoded directly for a plain name, which is what nodes are called;
    anything else (a DN, or a name subject_for refuses) through subject_for."""
    if "=" not in name and name and name.isprintable():
        value = name.encode("utf-8", "surrogatepass")
        if len(value) <= 64 and name.encode("utf-8", "ignore") == value:
            return der.sequence(der.tlv(0x31, der.sequence(_COMMON_NAME, der.tlv(_UTF8_STRING, value))))
    from certkit.plan import subject_for

    return subject_for(name).public_bytes()


def _key_identifier(spki: bytes) -> bytes:
    """RFC 5280 4.2.1.2 method 1, as cryptography computes it: the SHA-1 of the
    subjectPublicKey BIT STRING's value (without its unused-bits octet)."""
    _, start, end = read_strict(spki, 0, len(spki))
    _, _, algorithm_end = read_strict(spki, start, end)
    tag, key_start, key_end = read_strict(spki, algorithm_end, end)
    if tag != _BIT_STRING:
        raise ValueError("a SubjectPublicKeyInfo ends with a BIT STRING")
    return hashlib.sha1(spki[key_start + 1:key_end]).digest()


def _signature_algorithm(signing_key) -> tuple[bytes, tuple]:
    """The AlgorithmIdentifier and ``sign`` arguments for ``signing_key`` with the digest
    certkit signs with (certkit.issue.ca.signature_hash: SHA-256, as certutil)."""
    digest = signature_hash(signing_key)
    if not isinstance(digest, hashes.SHA256):
        raise TypeError(f"no signature algorithm encoded for {digest.name}")
    if isinstance(signing_key, rsa.RSAPrivateKey):
        return _SHA256_WITH_RSA, (padding.PKCS1v15(), digest)
    if isinstance(signing_key, ec.EllipticCurvePrivateKey):
        return _ECDSA_WITH_SHA256, (ec.ECDSA(digest),)
    raise TypeError(f"cannot sign with a {type(signing_key).__name__}: certkit signs with RSA or EC keys")


class CertificateTemplate:
    """What the certificates of one issuer in one run share, encoded once: the issuer and
    its key identifier, and the validity.

    ``issuer`` None makes each certificate self-signed: its subject is its issuer and its
    own key identifier the authority's.
    """

    def __init__(self, *, issuer: x509.Name | None, authority_key_id: bytes | None,
                 not_before: _dt.datetime, not_after: _dt.datetime) -> None:
        start, end = _naive_utc(not_before), _naive_utc(not_after)
        if start < _EARLIEST or end < _EARLIEST:
            raise ValueError("a certificate's validity must start and end on or after 1950 January 1")
        if end <= start:
            raise ValueError("the not valid after date must be after the not valid before date")
        if (issuer is None) != (authority_key_id is None):
            raise ValueError("an issuer comes with its key identifier; a self-signed template has neither")
        self._issuer = issuer.public_bytes() if issuer is not None else None
        self._validity = der.sequence(_time(start), _time(end))
        self._authority_key_identifier = None if authority_key_id is None else _authority_key_identifier(authority_key_id)
        self._signer: object = None
        self._signing: tuple[bytes, tuple] = (b"", ())

    def sign(self, *, subject: bytes, public_key, serial_number: int, leading_extensions: bytes,
             subject_alt_names: x509.SubjectAlternativeName | None, signing_key) -> bytes:
        """The DER of one certificate for ``public_key``: ``subject`` (DER, see
        :func:`subject_der`), then the extensions in certkit's order (``leading_extensions``,
        complete encodings; the subjectKeyIdentifier; the authorityKeyIdentifier; the
        subjectAltName if any), signed by ``signing_key``."""
        if signing_key is not self._signer:  # a run signs with one CA key: worked out once
            self._signer, self._signing = signing_key, _signature_algorithm(signing_key)
        algorithm, sign_arguments = self._signing
        spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        key_id = _key_identifier(spki)
        extensions = [
            leading_extensions,
            encoded_extension(_SUBJECT_KEY_IDENTIFIER, der.octet_string(key_id)),
            self._authority_key_identifier or _authority_key_identifier(key_id),
        ]
        if subject_alt_names is not None:
            extensions.append(encoded_extension(_SUBJECT_ALTERNATIVE_NAME, subject_alt_names.public_bytes()))
        tbs = der.sequence(
            _VERSION_3, der.integer(serial_number), algorithm,
            subject if self._issuer is None else self._issuer,
            self._validity, subject, spki, der.explicit(3, der.sequence(*extensions)),
        )
        signature = signing_key.sign(tbs, *sign_arguments)
        return der.sequence(tbs, algorithm, der.tlv(_BIT_STRING, b"\x00" + signature))
