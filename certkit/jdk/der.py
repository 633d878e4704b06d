"""The one DER/BER reader of certkit, with the reading rules of each program it stands in for.

Three programs read the same bytes, each by its own rules, and certkit must read them
exactly as each does:

* ``strict``: certkit's own walk of a certificate cryptography has already loaded (the
  TBSCertificate, the subject Name): definite lengths of one to four octets.
* ``ber``: the JDK's ``sun.security.util.DerValue``/``DerInputStream`` on an extension
  value (``new DerValue(byte[])`` allows BER): long-form lengths need not be minimal, the
  indefinite length is accepted on constructed values (``DerIndefLenConverter`` rewrites
  it, nested ones included), a length of more than four octets or a negative one is an
  error, a primitive value with an indefinite length is an error, and so (in effect) is
  a non-minimal length directly inside an indefinite-length value.
* ``es``: Elasticsearch's ``libs/ssl-config`` ``DerParser.readAsn1Object()``, which reads
  the bytes the JDK hands over for an otherName. Its length is a signed 32-bit number
  (a negative one makes Java throw ``NegativeArraySizeException``, which no caller
  catches), and it reads a value with ``InputStream.read(byte[])``, which returns -1 at the
  end of the stream even for zero bytes: an empty value that ends its container fails.

All three share :func:`_header` (tag and length octets). Object identifiers are decoded
here too: the standard dotted form, the JDK's validity rules (``ObjectIdentifier.check``)
and Elasticsearch's ``DerParser.Asn1Object.getOid()`` arithmetic.
"""

from __future__ import annotations

from typing import NamedTuple


class MalformedCertificate(ValueError):
    """Bytes that the program certkit stands in for would refuse to read."""


class Truncated(MalformedCertificate):
    """An element runs past its container (a file cut short, as opposed to one built wrong)."""


class EsFailure(Exception):
    """Elasticsearch's DER reader threw an unchecked exception: the certificate is rejected."""


INDEFINITE = -1
_CONSTRUCTED = 0x20


def _header(data: bytes, offset: int, end: int) -> tuple[int, int, int, int]:
    """(tag, length-octet count, length or INDEFINITE, contents start) of the element at ``offset``.

    The length is the raw unsigned value of up to four octets; the caller applies its
    program's rules. Raises MalformedCertificate when the octets run out.
    """
    if offset + 2 > end:
        raise Truncated("truncated DER element")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise MalformedCertificate("tag numbers over 30 are not supported")
    first = data[offset + 1]
    if first < 0x80:
        return tag, 0, first, offset + 2
    count = first & 0x7F
    if count == 0:
        return tag, 0, INDEFINITE, offset + 2
    if count > 4:
        raise MalformedCertificate("a DER length of more than four octets")
    start = offset + 2 + count
    if start > end:
        raise Truncated("not enough length octets")
    return tag, count, int.from_bytes(data[offset + 2:start], "big"), start


def read_strict(data: bytes, offset: int, end: int) -> tuple[int, int, int]:
    """(tag, contents start, contents end) of a definite-length element inside ``end``."""
    tag, _, length, start = _header(data, offset, end)
    if length == INDEFINITE:
        raise MalformedCertificate("indefinite length where DER is required")
    content_end = start + length
    if content_end > end:
        raise Truncated("DER element longer than its container")
    return tag, start, content_end


def span(der: bytes, offset: int) -> tuple[int, int]:
    """(contents start, end) of a definite-length element: the hot path's minimal step.

    No checks: the caller has a certificate cryptography loaded, and catches the
    IndexError a truncated one ends in.
    """
    length = der[offset + 1]
    if length < 0x80:
        return offset + 2, offset + 2 + length
    start = offset + 2 + (length & 0x7F)
    return start, start + int.from_bytes(der[offset + 2:start], "big")


def element_length(der: bytes) -> int:
    """The encoded size of the first element of ``der`` (all of it when it cannot tell)."""
    if len(der) < 2:
        return len(der)
    start, end = span(der, 0)
    return end if start <= len(der) else len(der)


def first_inner_tag(head: bytes) -> int | None:
    """The tag of the first element inside the SEQUENCE ``head`` starts with, or None."""
    if len(head) < 4 or head[0] != 0x30:
        return None
    first = head[1]
    offset = 2 + (first & 0x7F if first & 0x80 else 0)
    return head[offset] if offset < len(head) else None


class BerValue(NamedTuple):
    """An element as the JDK's DerValue holds it: tag, contents (definite form), next offset."""

    tag: int
    contents: bytes
    next: int

    @property
    def constructed(self) -> bool:
        return bool(self.tag & _CONSTRUCTED)

    def encoded(self) -> bytes:
        """``DerValue.toByteArray()``: the tag, a minimal length and the contents."""
        return encode(self.tag, self.contents)


def read_ber(data: bytes, offset: int, end: int, in_indefinite: bool = False) -> BerValue:
    """The element at ``offset`` as the JDK's ``DerInputStream.getDerValue()`` reads it (BER allowed).

    ``in_indefinite``: the element sits directly inside an indefinite-length one, which
    ``DerIndefLenConverter`` rewrites; it shortens a non-minimal long-form length there
    but counts the original octets, and the JDK then fails on the misaligned result:
    certkit refuses such an element outright.
    """
    tag, count, length, start = _header(data, offset, end)
    if in_indefinite and count and (length < 0x80 or data[offset + 2] == 0):
        raise MalformedCertificate("a non-minimal length inside an indefinite-length encoding")
    if length == INDEFINITE:
        if not tag & _CONSTRUCTED:
            raise MalformedCertificate("Indefinite length encoding not supported with non-constructed data")
        contents, after = _indefinite_contents(data, start, end)
        return BerValue(tag, contents, after)
    if length >= 1 << 31:
        raise MalformedCertificate("Invalid length bytes")
    content_end = start + length
    if content_end > end:
        raise MalformedCertificate("not enough content")
    return BerValue(tag, data[start:content_end], content_end)


def _indefinite_contents(data: bytes, offset: int, end: int) -> tuple[bytes, int]:
    """The contents of an indefinite-length element up to its end-of-contents, in definite form."""
    parts: list[bytes] = []
    while True:
        if offset + 2 > end:
            raise MalformedCertificate("not enough data to resolve indef len BER")
        if data[offset] == 0 and data[offset + 1] == 0:
            return b"".join(parts), offset + 2
        value = read_ber(data, offset, end, in_indefinite=True)
        parts.append(value.encoded())
        offset = value.next


def read_ber_all(data: bytes) -> list[BerValue]:
    """Every element of ``data`` in turn (``DerValue.subs``)."""
    values: list[BerValue] = []
    offset = 0
    while offset < len(data):
        value = read_ber(data, offset, len(data))
        values.append(value)
        offset = value.next
    return values


def tlv(tag: int, content: bytes) -> bytes:
    """One DER element: tag, minimal definite length (short or long form), content.

    The one encoder: the keystore writer's and ``DerOutputStream.write``'s rule alike.
    """
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


#: ``DerValue.toByteArray()``'s encoding of an element read.
encode = tlv


def read_es(data: bytes, offset: int, end: int) -> tuple[int, int, int]:
    """Elasticsearch's ``DerParser.readAsn1Object()`` on ``data[offset:end]``: (tag, start, end).

    ValueError (an IOException there: the caller ignores the name) on bad input;
    :class:`EsFailure` where Java throws an unchecked exception.
    """
    if offset >= end:
        raise ValueError("stream too short, missing tag")
    tag = data[offset]
    if offset + 1 >= end:
        raise ValueError("length missing")
    first = data[offset + 1]
    start = offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if first >= 0xFF or count > 4:
            raise ValueError("length field too big")
        # read(byte[count]) returns -1 at the end of the stream, even when count is 0.
        if start == end or start + count > end:
            raise ValueError("length too short")
        length = int.from_bytes(data[start:start + count], "big")
        if length >= 1 << 31:
            length -= 1 << 32
        start += count
    if length < 0:
        raise EsFailure("NegativeArraySizeException in Elasticsearch's DerParser")
    # read(byte[length]) again returns -1 at the end of the stream: an empty value that
    # ends its container fails like a truncated one.
    if start == end or start + length > end:
        raise ValueError("stream too short, missing value")
    return tag, start, start + length


# ---------------------------------------------------------------------------------------
# Object identifiers.


def _arcs(value: bytes) -> list[int]:
    arcs: list[int] = []
    part = 0
    for byte in value:
        part = (part << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(part)
            part = 0
    return arcs


def oid_text(value: bytes) -> str:
    """The dotted form of OID content octets ("" when there are none)."""
    arcs = _arcs(value)
    if not arcs:
        return ""
    top = min(arcs[0] // 40, 2)
    return ".".join(str(arc) for arc in [top, arcs[0] - 40 * top, *arcs[1:]])


def jdk_oid(value: bytes) -> str:
    """The dotted form, after the JDK's checks (``ObjectIdentifier``): MalformedCertificate if it refuses."""
    if not value or value[-1] & 0x80:
        raise MalformedCertificate("ObjectIdentifier() -- Invalid DER encoding, not ended")
    if len(value) > 4096:
        raise MalformedCertificate("ObjectIdentifier encoded length exceeds 4096")
    previous = 0
    for byte in value:
        if byte == 0x80 and not previous & 0x80:
            raise MalformedCertificate("ObjectIdentifier() -- Invalid DER encoding, useless extra octet detected")
        previous = byte
    return oid_text(value)


def es_oid(value: bytes) -> str:
    """``DerParser.Asn1Object.getOid()``: first-arc arithmetic on a signed byte, int arcs."""
    if value == b"\x55\x04\x03":  # the one that matters, without the arithmetic
        return "2.5.4.3"
    if not value:
        raise EsFailure("ArrayIndexOutOfBoundsException in Elasticsearch's getOid()")
    first = value[0] - 256 if value[0] >= 128 else value[0]
    top = int(first / 40)  # Java integer division truncates toward zero
    body = bytearray(value)
    parts = ["0" if top == 0 else "1" if top == 1 else "2"]
    if top == 1:
        body[0] = (body[0] - 40) & 0xFF
    elif top not in (0, 1):
        body[0] = (body[0] - 80) & 0xFF
    part = 0
    for byte in body:
        part = ((part << 7) + (byte & 0x7F)) & 0xFFFFFFFF
        if not byte & 0x80:
            parts.append(str(part - (1 << 32) if part >= 1 << 31 else part))
            part = 0
    return ".".join(parts)
