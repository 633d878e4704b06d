"""Read the names Elasticsearch reads from a certificate, exactly as it reads them.

Elasticsearch's ``RestrictedTrustManager`` (REFERENCE.md 1) looks only at the leaf's
subjectAltName extension, through the JDK's ``X509Certificate.getSubjectAlternativeNames()``:

* ``subjectAltName.dnsName``: the dNSName strings;
* ``subjectAltName.otherName.commonName``: otherName entries whose type-id is 2.5.4.3. The
  JDK hands Elasticsearch each otherName re-encoded, with the ``[0] EXPLICIT`` value wrapped
  in a *second* ``[0]`` (``sun.security.x509.OtherName.encode``); Elasticsearch's
  ``decodeDerValue`` therefore unwraps one constructed element and decodes what is inside
  with ``DerParser.getString()``: UTF8String as UTF-8; Numeric, Printable, Videotex, IA5,
  Graphic, Visible (ISO646) and General strings as ISO-8859-1; BMPString as UTF-16BE;
  OCTET STRING as lower-case hex; anything else (UniversalString, T61String, a SEQUENCE, a
  value that the certificate itself double-wraps...) makes Elasticsearch log a warning and
  ignore that name. This module reproduces that, JDK wrap included, so that a value the
  certificate double-wraps is ignored here too (tests/java/NamesOracle.java checks it
  against the real JDK).

The subject DN, IP addresses, e-mail and URI names are never used for trust restrictions;
IP addresses are still decoded for ``certkit inspect``.

Speed matters (an audit reads 100,000 certificates): the certificate's DER is walked with
a small strict TLV reader that stops at the fields it needs; no per-certificate Python
objects are built beyond the names themselves. pyasn1 decodes the same structures in the
tests as an independent oracle.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from certkit.errors import InputError

OTHERNAME_COMMON_NAME = "subjectAltName.otherName.commonName"
DNS_NAME = "subjectAltName.dnsName"
SUPPORTED_FIELDS: tuple[str, ...] = (OTHERNAME_COMMON_NAME, DNS_NAME)
DEFAULT_FIELDS: tuple[str, ...] = (OTHERNAME_COMMON_NAME,)
# certkit's short spellings, for the command line only (Elasticsearch knows just the long ones).
_SHORT_FIELDS = {"othername": OTHERNAME_COMMON_NAME, "dns": DNS_NAME}

# DER identifiers.
_SEQUENCE = 0x30
_CONSTRUCTED = 0x20
_OID_SUBJECT_ALT_NAME = b"\x55\x1d\x11"  # 2.5.29.17
_OID_BASIC_CONSTRAINTS = b"\x55\x1d\x13"  # 2.5.29.19
_OID_COMMON_NAME = "2.5.4.3"
# An extension's OID as a length byte and its contents, compared in one slice.
_SAN_HEAD = bytes([len(_OID_SUBJECT_ALT_NAME)]) + _OID_SUBJECT_ALT_NAME
_BASIC_CONSTRAINTS_HEAD = bytes([len(_OID_BASIC_CONSTRAINTS)]) + _OID_BASIC_CONSTRAINTS
_NOT_CA = b"\x30\x00"  # basicConstraints SEQUENCE {} (cA defaults to FALSE)
_CA = b"\x30\x03\x01\x01\xff"  # SEQUENCE { cA TRUE }

# GeneralName tags (context-specific).
_GN_OTHER_NAME = 0xA0
_GN_DNS_NAME = 0x82
_GN_IP_ADDRESS = 0x87

# DerParser.getString() of Elasticsearch's libs/ssl-config, keyed by ``tag & 0x1F``.
_ISO_8859_1_TYPES = frozenset({0x12, 0x13, 0x15, 0x16, 0x19, 0x1A, 0x1B})
_UTF8_STRING = 0x0C
_BMP_STRING = 0x1E
_OCTET_STRING = 0x04
_UNIVERSAL_STRING = 0x1C
_TYPE_NAMES = {
    0x0C: "UTF8String", 0x12: "NumericString", 0x13: "PrintableString", 0x14: "T61String",
    0x15: "VideotexString", 0x16: "IA5String", 0x19: "GraphicString", 0x1A: "VisibleString",
    0x1B: "GeneralString", 0x1C: "UniversalString", 0x1E: "BMPString", 0x04: "OCTET STRING",
    0x10: "SEQUENCE", 0x11: "SET",
}


class MalformedCertificate(ValueError):
    """The certificate's DER cannot be walked (the JDK would refuse to parse it too)."""


def parse_field(text: str) -> str:
    """The canonical name of an x509 field, as Elasticsearch's ``X509Field.parseForRestrictedTrust``.

    Comparison ignores case; certkit also accepts ``othername`` and ``dns``. Anything else
    raises :class:`InputError` with Elasticsearch's message.
    """
    value = text.strip()
    short = _SHORT_FIELDS.get(value.lower())
    if short:
        return short
    for field in SUPPORTED_FIELDS:
        if field.lower() == value.lower():
            return field
    raise InputError(
        f"{text} is not a supported x509 field for trust restrictions. "
        f"Recognised values are [{', '.join(SUPPORTED_FIELDS)}]",
        hint="short forms: othername, dns",
    )


def parse_fields(texts: Iterable[str] | None) -> tuple[str, ...]:
    """Canonical field names, without duplicates, in the order given; the default when empty."""
    fields: list[str] = []
    for text in texts or ():
        field = parse_field(text)
        if field not in fields:
            fields.append(field)
    return tuple(fields) or DEFAULT_FIELDS


# ---------------------------------------------------------------------------------------
# The TLV reader. Strict: a length running past its container is an error.


def _read_header(data: bytes, offset: int, end: int) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the element at ``offset``."""
    if offset + 2 > end:
        raise MalformedCertificate("truncated DER element")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise MalformedCertificate("multi-byte DER tags are not used in certificates")
    length = data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or offset + count > end:
            raise MalformedCertificate("bad DER length")
        length = int.from_bytes(data[offset:offset + count], "big")
        offset += count
    content_end = offset + length
    if content_end > end:
        raise MalformedCertificate("DER element longer than its container")
    return tag, offset, content_end


class CertificateFields(NamedTuple):
    """The parts of a certificate's DER that name checks need, located in one pass.

    ``subject`` is the DER of the subject Name; ``subject_alt_names`` the DER of the SAN
    extension's GeneralNames (None without one); ``is_ca`` the basicConstraints cA flag
    (None when the extension is absent). A named tuple: an audit makes one per certificate.
    """

    subject: bytes
    subject_alt_names: bytes | None
    is_ca: bool | None


def _span(der: bytes, offset: int) -> tuple[int, int]:
    """(contents start, end) of the element at ``offset``: the hot path's minimal TLV step."""
    length = der[offset + 1]
    if length < 0x80:
        return offset + 2, offset + 2 + length
    start = offset + 2 + (length & 0x7F)
    return start, start + int.from_bytes(der[offset + 2:start], "big")


def locate_fields(der: bytes) -> CertificateFields:
    """Walk a certificate's DER to its subject, SAN and basicConstraints; parse nothing else.

    Run once per audited certificate, so it takes the shortest path: a certificate that
    cryptography has loaded has a well-formed TBSCertificate, and any inconsistency left
    (a truncated or garbled input) surfaces as :class:`MalformedCertificate`. The SAN
    contents, which cryptography parses only on demand, are decoded strictly by
    :func:`decode_general_names`.
    """
    try:
        if der[0] != _SEQUENCE:
            raise MalformedCertificate("not a DER certificate")
        start, cert_end = _span(der, 0)
        if der[start] != _SEQUENCE or cert_end > len(der):
            raise MalformedCertificate("not a DER certificate")
        offset, tbs_end = _span(der, start)
        if tbs_end > cert_end:
            raise MalformedCertificate("truncated certificate")
        if der[offset] == 0xA0:  # [0] version
            offset = _span(der, offset)[1]
        # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo: each
        # skipped with _span's arithmetic inlined (this runs for every audited certificate).
        subject_start = subject_end = 0
        for step in range(6):
            if step == 4:
                subject_start = offset
                if der[offset] != _SEQUENCE:
                    raise MalformedCertificate("the subject is not a Name")
            length = der[offset + 1]
            if length < 0x80:
                offset += 2 + length
            else:
                count = length & 0x7F
                offset += 2 + count + int.from_bytes(der[offset + 2:offset + 2 + count], "big")
            if step == 4:
                subject_end = offset
        subject = der[subject_start:subject_end]
        san: bytes | None = None
        is_ca: bool | None = None
        while offset < tbs_end:
            tag = der[offset]
            content, element_end = _span(der, offset)
            if tag == 0xA3:  # [3] extensions
                position, extensions_end = _span(der, content)
                while position < extensions_end:
                    # _span inlined: this loop runs for every extension of every certificate.
                    length = der[position + 1]
                    if length < 0x80:
                        ext_content = position + 2
                        ext_end = ext_content + length
                    else:
                        ext_content = position + 2 + (length & 0x7F)
                        ext_end = ext_content + int.from_bytes(der[position + 2:ext_content], "big")
                    # The OID's length and contents: 3 bytes for every 2.5.29.x extension.
                    head = der[ext_content + 1:ext_content + 5]
                    oid_end = ext_content + 5
                    if head[0] & 0x80:  # a long-form OID length: the general step
                        oid_start, oid_end = _span(der, ext_content)
                        head = bytes([3]) + der[oid_start:oid_end] if oid_end - oid_start == 3 else b""
                    if head == _SAN_HEAD or head == _BASIC_CONSTRAINTS_HEAD:
                        value_tag, value_start, value_end = _read_header(der, oid_end, ext_end)
                        if value_tag == 0x01:  # critical BOOLEAN
                            value_tag, value_start, value_end = _read_header(der, value_end, ext_end)
                        if value_tag != 0x04:
                            raise MalformedCertificate("extension value is not an OCTET STRING")
                        if head == _SAN_HEAD:
                            san = der[value_start:value_end]
                        else:
                            is_ca = _basic_constraints_ca(der[value_start:value_end])
                    position = ext_end
                if position != extensions_end:
                    raise MalformedCertificate("extensions overrun their container")
            offset = element_end
        if offset != tbs_end:
            raise MalformedCertificate("TBSCertificate fields overrun it")
    except IndexError:
        raise MalformedCertificate("truncated DER") from None
    return CertificateFields(subject, san, is_ca)


def _basic_constraints_ca(value: bytes) -> bool:
    if value == _NOT_CA:  # the two encodings nearly every certificate carries
        return False
    if value == _CA:
        return True
    tag, start, end = _read_header(value, 0, len(value))
    if tag != _SEQUENCE:
        raise MalformedCertificate("basicConstraints is not a SEQUENCE")
    if start < end and value[start] == 0x01:
        _, flag_start, flag_end = _read_header(value, start, end)
        return flag_end > flag_start and value[flag_start] != 0
    return False


# ---------------------------------------------------------------------------------------
# otherName decoding, as the JDK + Elasticsearch do it.


def _es_oid(value: bytes) -> str:
    """``DerParser.Asn1Object.getOid()``, first-arc arithmetic on a signed byte included."""
    if value == b"\x55\x04\x03":  # the one that matters, without the arithmetic
        return _OID_COMMON_NAME
    if not value:
        return ""
    first = value[0] - 256 if value[0] >= 128 else value[0]
    arc = int(first / 40)  # Java integer division truncates toward zero
    parts: list[str] = []
    body = bytearray(value)
    if arc == 0:
        parts.append("0")
    elif arc == 1:
        parts.append("1")
        body[0] = (body[0] - 40) & 0xFF
    else:
        parts.append("2")
        body[0] = (body[0] - 80) & 0xFF
    part = 0
    for byte in body:
        part = ((part << 7) + (byte & 0x7F)) & 0xFFFFFFFF
        if not byte & 0x80:
            parts.append(str(part - (1 << 32) if part >= 1 << 31 else part))
            part = 0
    return ".".join(parts)


def _es_read(data: bytes, offset: int) -> tuple[int, int, int]:
    """``DerParser.readAsn1Object()``: (tag, contents start, contents end); ValueError on bad DER."""
    end = len(data)
    if offset >= end:
        raise ValueError("stream too short, missing tag")
    tag = data[offset]
    offset += 1
    if offset >= end:
        raise ValueError("length missing")
    first = data[offset]
    offset += 1
    if first & 0x80:
        count = first & 0x7F
        if first >= 0xFF or count > 4:
            raise ValueError("length field too big")
        if offset + count > end:
            raise ValueError("length too short")
        length = int.from_bytes(data[offset:offset + count], "big")
        if length >= 1 << 31:
            length -= 1 << 32
        offset += count
    else:
        length = first
    if length > end or length < 0:
        raise ValueError("object larger than the input")
    if offset + length > end:
        raise ValueError("stream too short, missing value")
    return tag, offset, offset + length


def _es_string(tag: int, value: bytes) -> str:
    """``DerParser.Asn1Object.getString()``."""
    kind = tag & 0x1F
    if kind == _UTF8_STRING:
        return value.decode("utf-8", "replace")
    if kind in _ISO_8859_1_TYPES:
        return value.decode("latin-1")
    if kind == _BMP_STRING:
        return value.decode("utf-16-be", "replace")
    if kind == _OCTET_STRING:
        return value.hex()
    if kind == _UNIVERSAL_STRING:
        raise ValueError("UniversalString (UCS-4) is not read")
    raise ValueError(f"{_type_name(tag)} is not a string type Elasticsearch reads")


def _type_name(tag: int) -> str:
    if tag & 0xC0 == 0x80:
        return f"[{tag & 0x1F}] {'constructed' if tag & _CONSTRUCTED else 'primitive'} tagged value"
    return _TYPE_NAMES.get(tag & 0x1F if tag & 0xC0 == 0 else -1, f"ASN.1 tag 0x{tag:02x}")


class OtherName(NamedTuple):
    """An otherName SAN: its type-id, its value decoded the way Elasticsearch decodes a
    commonName (``text``, None when that fails, with ``problem`` saying why), and ``value``,
    the name Elasticsearch actually reads: ``text`` for type-id 2.5.4.3, else None.
    """

    type_id: str
    text: str | None
    problem: str | None = None

    @property
    def value(self) -> str | None:
        return self.text if self.type_id == _OID_COMMON_NAME else None


def decode_other_name(entry: bytes) -> OtherName:
    """Decode one otherName GeneralName (its full ``[0]`` TLV) as Elasticsearch on the JDK does.

    The JDK passes Elasticsearch ``SEQUENCE { type-id, [0] { <the certificate's [0] value> } }``;
    Elasticsearch reads the type-id, enters the outer ``[0]``, reads one element, enters it
    once more if it is constructed, and decodes that element as a string.
    """
    try:
        _, start, end = _es_read(entry, 0)  # the otherName's own [0] (the SEQUENCE contents)
        oid_tag, oid_start, oid_end = _es_read(entry, start)
        if oid_tag & 0x1F != 0x06:
            return OtherName("?", None, "otherName type-id is not an OBJECT IDENTIFIER")
        type_id = _es_oid(entry[oid_start:oid_end])
    except ValueError as exc:
        return OtherName("?", None, f"malformed otherName: {exc}")
    try:
        # The JDK hands over the certificate's value element V (normally the [0] EXPLICIT
        # wrapper) wrapped once more. Elasticsearch enters that outer wrapper, reads V, and
        # enters V once if V is constructed: it decodes the first element inside a [0]
        # EXPLICIT, but a value the certificate itself double-wraps ([0][0]) or puts in a
        # SEQUENCE lands on a non-string and is ignored. A primitive V is decoded as is.
        value_tag, value_start, value_end = _es_read(entry, oid_end)
        if value_tag & _CONSTRUCTED == 0:
            return OtherName(type_id, _es_string(value_tag, entry[value_start:value_end]))
        inner_tag, inner_start, inner_end = _es_read(entry, value_start)
        return OtherName(type_id, _es_string(inner_tag, entry[inner_start:inner_end]))
    except ValueError as exc:
        if type_id != _OID_COMMON_NAME:
            return OtherName(type_id, None)
        return OtherName(type_id, None, f"otherName commonName ignored by Elasticsearch: {exc}")


class SubjectAltNames(NamedTuple):
    """The subjectAltName names of a certificate, split by kind, in certificate order.

    ``other_name_cns`` holds the otherName commonName values Elasticsearch reads;
    ``other_names`` every otherName (including other type-ids and ignored values);
    ``warnings`` says which names Elasticsearch ignores and why. (A named tuple: an audit
    makes one per certificate.)
    """

    other_name_cns: tuple[str, ...] = ()
    dns_names: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    other_names: tuple[OtherName, ...] = ()
    warnings: tuple[str, ...] = ()

    def for_field(self, field: str) -> tuple[str, ...]:
        return self.other_name_cns if field == OTHERNAME_COMMON_NAME else self.dns_names

    def values(self, fields: Sequence[str]) -> list[str]:
        """The names Elasticsearch compares with the patterns: a set, kept in certificate order."""
        if len(fields) == 1:
            return list(dict.fromkeys(self.for_field(fields[0])))
        seen: dict[str, None] = {}
        for field in fields:
            for name in self.for_field(field):
                seen.setdefault(name, None)
        return list(seen)

    def by_field(self, fields: Sequence[str]) -> dict[str, list[str]]:
        return {field: list(self.for_field(field)) for field in fields}


EMPTY = SubjectAltNames()

# The otherName certutil and certkit write, ``[0] { 2.5.4.3, [0] { UTF8String } }``, up to
# the UTF8String's length byte: recognised with one comparison (see decode_general_names).
_COMMON_NAME_OTHER_NAME = b"\x06\x03\x55\x04\x03\xa0"


def decode_general_names(value: bytes) -> SubjectAltNames:
    """Decode the DER of a SubjectAltName extension value (GeneralNames)."""
    tag, offset, end = _read_header(value, 0, len(value))
    if tag != _SEQUENCE:
        raise MalformedCertificate("subjectAltName is not a SEQUENCE")
    cns: list[str] = []
    dns: list[str] = []
    ips: list[str] = []
    others: list[OtherName] = []
    warnings: list[str] = []
    while offset < end:
        tag = value[offset]
        length = value[offset + 1] if offset + 1 < end else 0x80
        start = offset + 2
        element_end = start + length
        if length & 0x80 or tag & 0x1F == 0x1F or element_end > end:  # not the short form: the strict reader
            tag, start, element_end = _read_header(value, offset, end)
        if tag == _GN_DNS_NAME:
            # The JDK reads dNSName as an IA5String (US-ASCII, unmappable bytes replaced).
            dns.append(value[start:element_end].decode("ascii", "replace"))
        elif tag == _GN_OTHER_NAME:
            if (length >= 9 and value.startswith(_COMMON_NAME_OTHER_NAME, start)
                    and value[start + 6] == length - 7 and value[start + 7] == _UTF8_STRING
                    and value[start + 8] == length - 9):
                # The usual shape, each length exactly filling its container: what the
                # general decoder below returns for it, without its steps.
                text = value[start + 9:element_end].decode("utf-8", "replace")
                others.append(OtherName(_OID_COMMON_NAME, text))
                cns.append(text)
            else:
                other = decode_other_name(value[offset:element_end])
                others.append(other)
                if other.value is not None:
                    cns.append(other.value)
                elif other.problem:
                    warnings.append(other.problem)
        elif tag == _GN_IP_ADDRESS:
            raw = value[start:element_end]
            if len(raw) in (4, 16):
                ips.append(str(ipaddress.ip_address(raw)))
            else:
                ips.append(raw.hex())
        offset = element_end
    return SubjectAltNames(tuple(cns), tuple(dns), tuple(ips), tuple(others), tuple(warnings))


def read_names(der: bytes) -> SubjectAltNames:
    """The subjectAltName names of a DER certificate (empty when it has no SAN)."""
    san = locate_fields(der).subject_alt_names
    return EMPTY if san is None else decode_general_names(san)


# ---------------------------------------------------------------------------------------
# The subject DN as Elasticsearch prints it: X500Principal.toString() (JDK X500Name).

_JDK_KEYWORDS = {
    "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O",
    "2.5.4.11": "OU", "2.5.4.12": "T", "2.5.4.9": "STREET", "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID", "1.2.840.113549.1.9.1": "EMAILADDRESS",
    "2.5.4.5": "SERIALNUMBER", "2.5.4.46": "DNQUALIFIER", "2.5.4.4": "SURNAME",
    "2.5.4.42": "GIVENNAME", "2.5.4.43": "INITIALS", "2.5.4.44": "GENERATION",
}
_JDK_ESCAPEES = ',+=\n<>#;\\"'
# Values the JDK prints untouched: no escapee, no leading/trailing/double space.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9'()./:?@_*-]+(?: [A-Za-z0-9'()./:?@_*-]+)*")
_PRINTABLE_STRING_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?"
)


_OID_TEXT_CACHE: dict[bytes, str] = {}


def _standard_oid(value: bytes) -> str:
    cached = _OID_TEXT_CACHE.get(value)
    if cached is not None:
        return cached
    text = _decode_oid(value)
    if len(_OID_TEXT_CACHE) < 1024:
        _OID_TEXT_CACHE[value] = text
    return text


def _decode_oid(value: bytes) -> str:
    arcs: list[int] = []
    part = 0
    for byte in value:
        part = (part << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(part)
            part = 0
    if not arcs:
        return ""
    first = arcs[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(arc) for arc in head + arcs[1:])


def _jdk_attribute_string(tag: int, value: bytes) -> str | None:
    """``DerValue.getAsString()``: the string types the JDK renders as text."""
    if tag == 0x0C:
        return value.decode("utf-8", "replace")
    if tag in (0x13, 0x16, 0x1B):  # Printable, IA5, General: US-ASCII
        return value.decode("ascii", "replace")
    if tag == 0x14:  # T61String
        return value.decode("latin-1")
    if tag == 0x1E:
        return value.decode("utf-16-be", "replace")
    if tag == 0x1C:
        return value.decode("utf-32-be", "replace")
    return None


def _jdk_value(text: str) -> str:
    """``AVA.toKeywordValueString``: quote when RFC 1779 needs it, escape ``"`` and ``\\``."""
    if _PLAIN_VALUE.fullmatch(text):
        return text  # the common case: nothing to quote or escape
    quote = False
    previous_white = False
    out: list[str] = []
    already_quoted = len(text) > 1 and text[0] == '"' and text[-1] == '"'
    last = len(text) - 1
    for index, char in enumerate(text):
        if already_quoted and index in (0, last):
            out.append(char)
            continue
        if char in _PRINTABLE_STRING_CHARS or char in _JDK_ESCAPEES:
            if not quote and ((index == 0 and char in " \n") or char in _JDK_ESCAPEES):
                quote = True
            if char not in " \n":
                if char in '"\\':
                    out.append("\\")
                previous_white = False
            else:
                if not quote and previous_white:
                    quote = True
                previous_white = True
            out.append(char)
        else:
            previous_white = False
            out.append(char)
    rendered = "".join(out)
    if rendered and rendered[-1] in " \n":
        quote = True
    return f'"{rendered}"' if quote and not already_quoted else rendered


@dataclass(frozen=True, slots=True)
class NameAttribute:
    """One attribute (AVA) of a DER X.500 Name, as both JDK renderings need it."""

    oid: str
    value_tag: int
    value: bytes  # the content octets of the value
    value_der: bytes  # the whole DER of the value (tag, length, content)


def name_rdns(name_der: bytes) -> list[list[NameAttribute]]:
    """The RDNs of a DER Name in encoded order (least specific first), each a list of AVAs.

    Raises :class:`MalformedCertificate` for a Name that is not well-formed DER.
    """
    _, offset, end = _read_header(name_der, 0, len(name_der))
    rdns: list[list[NameAttribute]] = []
    while offset < end:
        _, set_start, set_end = _read_header(name_der, offset, end)
        avas: list[NameAttribute] = []
        position = set_start
        while position < set_end:
            _, ava_start, ava_end = _read_header(name_der, position, set_end)
            _, oid_start, oid_end = _read_header(name_der, ava_start, ava_end)
            value_tag, value_start, value_end = _read_header(name_der, oid_end, ava_end)
            avas.append(NameAttribute(_standard_oid(name_der[oid_start:oid_end]), value_tag,
                                      name_der[value_start:value_end], name_der[oid_end:value_end]))
            position = ava_end
        rdns.append(avas)
        offset = set_end
    return rdns


def _jdk_ava(attribute: NameAttribute) -> str:
    keyword = _JDK_KEYWORDS.get(attribute.oid, f"OID.{attribute.oid}")
    text = _jdk_attribute_string(attribute.value_tag, attribute.value)
    if text is None:
        return f"{keyword}=#{attribute.value_der.hex().upper()}"
    return f"{keyword}={_jdk_value(text)}"


def jdk_dn(name_der: bytes) -> str:
    """Render a DER Name as ``X500Principal.toString()`` does (``CN=a, OU=b, O="c, d"``).

    Elasticsearch puts this form in its rejection message. The most specific RDN comes
    first; multi-valued RDNs are joined with `` + ``.
    """
    try:
        rdns = name_rdns(name_der)
    except MalformedCertificate:
        return "<malformed name>"
    return ", ".join(" + ".join(_jdk_ava(ava) for ava in rdn) for rdn in reversed(rdns))


def subject_dn(der: bytes) -> str:
    """The subject of a DER certificate in the JDK's ``X500Principal.toString()`` form."""
    return jdk_dn(locate_fields(der).subject)


# ---------------------------------------------------------------------------------------
# A certificate described for people and scripts (``certkit inspect``).


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def describe_key(public_key) -> tuple[str, int | None, str | None]:
    """(key type, size in bits, curve name) of a public key."""
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA", public_key.key_size, None
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "EC", public_key.curve.key_size, public_key.curve.name
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256, None
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448", 456, None
    if isinstance(public_key, dsa.DSAPublicKey):
        return "DSA", public_key.key_size, None
    return type(public_key).__name__, None, None


def describe_certificate(der: bytes, certificate) -> dict:
    """What a certificate says, in the JSON shape of ``certkit inspect`` (CLI.md).

    Subject and issuer in the JDK's form (as Elasticsearch prints them), serial in
    lower-case hex, validity in ISO 8601 UTC, names split by kind; ``warnings`` lists the
    otherName values Elasticsearch ignores.
    """
    import hashlib

    located = locate_fields(der)
    names = decode_general_names(located.subject_alt_names) if located.subject_alt_names else EMPTY
    key_type, key_size, curve = describe_key(certificate.public_key())
    issuer_der = _issuer_der(der)
    document = {
        "subject": jdk_dn(located.subject),
        "issuer": jdk_dn(issuer_der) if issuer_der else certificate.issuer.rfc4514_string(),
        "serial": format(certificate.serial_number, "x"),
        "not_before": _iso(certificate.not_valid_before_utc),
        "not_after": _iso(certificate.not_valid_after_utc),
        "is_ca": bool(located.is_ca),
        "key_type": key_type,
        "key_size": key_size,
        "names": {
            "otherName.commonName": list(names.other_name_cns),
            "dnsName": list(names.dns_names),
            "ipAddress": list(names.ip_addresses),
        },
        "self_signed": certificate.issuer == certificate.subject,
        "signature_algorithm": getattr(certificate.signature_algorithm_oid, "_name", None)
        or certificate.signature_algorithm_oid.dotted_string,
        "sha256_fingerprint": hashlib.sha256(der).hexdigest(),
    }
    if curve:
        document["key_curve"] = curve
    other = [{"type_id": o.type_id, "value": o.text} for o in names.other_names if o.type_id != _OID_COMMON_NAME]
    if other:
        document["names"]["otherName.other"] = other
    if names.warnings:
        document["warnings"] = list(names.warnings)
    return document


def _issuer_der(der: bytes) -> bytes | None:
    """The DER of the issuer Name (the element before validity in the TBSCertificate)."""
    try:
        _, start, cert_end = _read_header(der, 0, len(der))
        _, offset, tbs_end = _read_header(der, start, cert_end)
        tag, _, element_end = _read_header(der, offset, tbs_end)
        if tag == 0xA0:
            offset = element_end
        for _ in range(2):  # serialNumber, signature
            _, _, offset = _read_header(der, offset, tbs_end)
        _, _, issuer_end = _read_header(der, offset, tbs_end)
        return der[offset:issuer_end]
    except MalformedCertificate:
        return None
