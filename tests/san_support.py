"""Hand-made certificates for the name-reading tests: any subjectAltName bytes, valid or not.

cryptography refuses to write most of what these tests need (a GeneralName tag [9], BER
lengths, two subjectAltName extensions), so the TBSCertificate is assembled here from
DER pieces and signed with the tests' key. The JDK parses a certificate without checking
its signature, and certkit reads the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.restrictions_support import _KEY


def tlv(tag: int, content: bytes) -> bytes:
    """A DER element with a minimal definite length."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


def oid(dotted: str) -> bytes:
    """The content octets of an OBJECT IDENTIFIER."""
    arcs = [int(part) for part in dotted.split(".")]
    body = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return bytes(body)


def seq(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def utf8(text: str) -> bytes:
    return tlv(0x0C, text.encode())


def other_name(value: bytes, type_id: str = "2.5.4.3") -> bytes:
    """A GeneralName otherName ``[0] { type-id, value }``; ``value`` is put in as given."""
    return tlv(0xA0, tlv(0x06, oid(type_id)) + value)


def cn_other_name(text: str) -> bytes:
    """The otherName certutil writes: ``[0] { 2.5.4.3, [0] { UTF8String } }``."""
    return other_name(tlv(0xA0, utf8(text)))


def dns(text: str | bytes) -> bytes:
    return tlv(0x82, text.encode() if isinstance(text, str) else text)


def name_der(*attributes: tuple[str, int, bytes]) -> bytes:
    """A Name of single-valued RDNs from (OID, string tag, content octets)."""
    return seq(*(tlv(0x31, seq(tlv(0x06, oid(o)), tlv(tag, value))) for o, tag, value in attributes))


_ECDSA_SHA256 = seq(tlv(0x06, oid("1.2.840.10045.4.3.2")))
_VALIDITY = seq(tlv(0x17, b"250101000000Z"), tlv(0x17, b"491231000000Z"))
_SPKI = _KEY.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
_SUBJECT = name_der(("2.5.4.3", 0x0C, b"node"))


def extension(extension_oid: str, value: bytes, critical: bool = False) -> bytes:
    return seq(tlv(0x06, oid(extension_oid)), *([tlv(0x01, b"\xff")] if critical else []), tlv(0x04, value))


def certificate(extensions: Iterable[bytes] = (), subject: bytes = _SUBJECT, serial: int = 1) -> bytes:
    """A signed DER certificate with exactly these extension elements."""
    parts = [tlv(0xA0, tlv(0x02, b"\x02")), tlv(0x02, serial.to_bytes(8, "big").lstrip(b"\0") or b"\0"),
             _ECDSA_SHA256, subject, _VALIDITY, subject, _SPKI]
    extensions = list(extensions)
    if extensions:
        parts.append(tlv(0xA3, seq(*extensions)))
    tbs = seq(*parts)
    signature = _KEY.sign(tbs, ec.ECDSA(hashes.SHA256()))
    return seq(tbs, _ECDSA_SHA256, tlv(0x03, b"\0" + signature))


def san_certificate(general_names: bytes | Sequence[bytes], critical: bool = False, raw: bool = False,
                    serial: int = 1) -> bytes:
    """A certificate whose subjectAltName holds these GeneralName elements (or, ``raw``, these exact bytes)."""
    value = general_names if raw else seq(*general_names)  # type: ignore[arg-type]
    return certificate([extension("2.5.29.17", value, critical)], serial=serial)


