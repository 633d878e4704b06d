"""The DER certkit writes and reads itself: the PKCS#12 structure (RFC 7292) and no more.

Writing: the fixed structure of a keystore with an ASN.1 library cost more per file than
encrypting the file (~1.5 ms of pyasn1 object building, plus ~100 ms to import the RFC
modules in every process that writes one), for a handful of TLV rules.
``tests/test_pkcs12_writer.py`` checks that every keystore decodes with pyasn1's RFC 7292
types and re-encodes to the same bytes, i.e. that this is canonical DER.

Reading (:func:`parse`, :class:`Element`): a PKCS#12 file is a few nested SEQUENCEs, so
walking its TLVs is all :mod:`certkit.keystores.diagnosis` needs; importing pyasn1 and its
RFC modules for it cost ~0.7 s per process, 20 times what ``openssl pkcs12`` takes for the
whole conversion. Only definite lengths are read (DER; BER's indefinite form is refused
with :class:`DerError` like any other break in the structure).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from certkit.jdk import MalformedCertificate, Truncated, read_strict, tlv
from certkit.jdk import oid_text as _oid_text

_SEQUENCE = 0x30
_SET = 0x31
_INTEGER = 0x02
_OCTET_STRING = 0x04
_NULL = 0x05
_OBJECT_IDENTIFIER = 0x06
_BMP_STRING = 0x1E

SEQUENCE, SET, INTEGER, OCTET_STRING, NULL_TAG, OBJECT_IDENTIFIER, BMP_STRING = (
    _SEQUENCE, _SET, _INTEGER, _OCTET_STRING, _NULL, _OBJECT_IDENTIFIER, _BMP_STRING
)


def sequence(*elements: bytes) -> bytes:
    return tlv(_SEQUENCE, b"".join(elements))


def set_of(elements: Iterable[bytes]) -> bytes:
    """A SET OF: DER orders the encodings as octet strings, the shorter padded with zeros."""
    items = list(elements)
    width = max(map(len, items), default=0)
    return tlv(_SET, b"".join(sorted(items, key=lambda item: bytes(item).ljust(width, b"\x00"))))


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


# =========================================================================== reading


class DerError(ValueError):
    """The bytes break the structure: ``truncated`` when an element runs past its container."""

    def __init__(self, message: str, *, truncated: bool = False) -> None:
        super().__init__(message)
        self.truncated = truncated


class Element(NamedTuple):
    """One TLV inside ``source``: its tag and where its content lies."""

    tag: int
    source: bytes
    start: int  # first content byte
    end: int  # one past the last content byte
    header: int  # first byte of the tag

    @property
    def content(self) -> bytes:
        return self.source[self.start : self.end]

    @property
    def encoding(self) -> bytes:
        """The whole element, tag and length included."""
        return self.source[self.header : self.end]

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)

    def children(self) -> list[Element]:
        """The elements inside a constructed element, in order."""
        if not self.constructed:
            raise DerError(f"a primitive element (tag 0x{self.tag:02x}) has no inner elements")
        found, offset = [], self.start
        while offset < self.end:
            child = _read(self.source, offset, self.end)
            found.append(child)
            offset = child.end
        return found

    def expect(self, tag: int, what: str) -> Element:
        if self.tag != tag:
            raise DerError(f"{what}: tag 0x{self.tag:02x} where 0x{tag:02x} belongs")
        return self

    def only_child(self, what: str) -> Element:
        inner = self.children()
        if len(inner) != 1:
            raise DerError(f"{what}: {len(inner)} elements where one belongs")
        return inner[0]

    def integer(self) -> int:
        self.expect(_INTEGER, "INTEGER")
        if not self.content:
            raise DerError("an empty INTEGER")
        return int.from_bytes(self.content, "big", signed=True)

    def oid(self) -> str:
        self.expect(_OBJECT_IDENTIFIER, "OBJECT IDENTIFIER")
        return oid_text(self.content)


def _read(data: bytes, offset: int, end: int) -> Element:
    """The element at ``offset``, by the strict rules of :func:`certkit.jdk.der.read_strict`."""
    try:
        tag, start, content_end = read_strict(data, offset, end)
    except Truncated as exc:
        raise DerError(f"{exc} at offset {offset}", truncated=True) from None
    except MalformedCertificate as exc:
        raise DerError(f"{exc} at offset {offset}") from None
    return Element(tag, data, start, content_end, offset)


def parse(data: bytes) -> tuple[Element, bytes]:
    """The first element of ``data`` and the bytes after it."""
    element = _read(data, 0, len(data))
    return element, data[element.end :]


def parse_exactly(data: bytes, what: str) -> Element:
    """The one element ``data`` holds, nothing after it."""
    element, rest = parse(data)
    if rest:
        raise DerError(f"{len(rest)} bytes after the {what}")
    return element


def oid_text(body: bytes) -> str:
    """The dotted form of an OBJECT IDENTIFIER's content octets."""
    if not body or body[-1] & 0x80:
        raise DerError("a malformed OBJECT IDENTIFIER")
    return _oid_text(body)
