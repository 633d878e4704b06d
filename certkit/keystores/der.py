"""The few DER encodings certkit writes itself (the PKCS#12 keystore structure).

Reading ASN.1 is pyasn1's job (:mod:`certkit.keystores.diagnosis`). Writing the fixed
structure of a keystore with it cost more per file than encrypting the file (~1.5 ms of
pyasn1 object building, plus ~100 ms to import the RFC modules in every process that
writes one), for a handful of TLV rules. ``tests/test_pkcs12_writer.py`` checks that every
keystore decodes with pyasn1's RFC 7292 types and re-encodes to the same bytes, i.e. that
this is canonical DER.
"""

from __future__ import annotations

from collections.abc import Iterable

_SEQUENCE = 0x30
_SET = 0x31
_INTEGER = 0x02
_OCTET_STRING = 0x04
_NULL = 0x05
_OBJECT_IDENTIFIER = 0x06
_BMP_STRING = 0x1E


def tlv(tag: int, content: bytes) -> bytes:
    """One element: tag, definite length (short or long form), content."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


def sequence(*elements: bytes) -> bytes:
    return tlv(_SEQUENCE, b"".join(elements))


def set_of(elements: Iterable[bytes]) -> bytes:
    """A SET OF: DER orders the encodings as octet strings, the shorter padded with zeros."""
    items = list(elements)
    width = max(map(len, items), default=0)
    return tlv(_SET, b"".join(sorted(items, key=lambda item: item.ljust(width, b"\x00"))))


def explicit(number: int, element: bytes) -> bytes:
    """``[number] EXPLICIT``: a constructed context-specific wrapper."""
    return tlv(0xA0 | number, element)


def implicit_octets(number: int, octets: bytes) -> bytes:
    """``[number] IMPLICIT OCTET STRING``: primitive, context-specific."""
    return tlv(0x80 | number, octets)


def integer(value: int) -> bytes:
    size = value.bit_length() // 8 + 1  # room for the sign bit
    return tlv(_INTEGER, value.to_bytes(size, "big", signed=True))


def octet_string(octets: bytes) -> bytes:
    return tlv(_OCTET_STRING, octets)


def bmp_string(text: str) -> bytes:
    return tlv(_BMP_STRING, text.encode("utf-16-be"))


NULL = bytes((_NULL, 0))


def oid(dotted: str) -> bytes:
    arcs = [int(arc) for arc in dotted.split(".")]
    numbers = [arcs[0] * 40 + arcs[1], *arcs[2:]]
    body = bytearray()
    for number in numbers:
        chunk = [number & 0x7F]
        number >>= 7
        while number:
            chunk.append(0x80 | (number & 0x7F))
            number >>= 7
        body += bytes(reversed(chunk))
    return tlv(_OBJECT_IDENTIFIER, bytes(body))


def algorithm(identifier: bytes, parameters: bytes = NULL) -> bytes:
    """An AlgorithmIdentifier: the OID's encoding and its parameters' encoding."""
    return sequence(identifier, parameters)
