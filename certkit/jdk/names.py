"""Read the names Elasticsearch reads from a certificate, exactly as it reads them.

Elasticsearch's ``RestrictedTrustManager`` (docs/versions.md) looks only at the leaf's
subjectAltName extension, through its bundled JDK's ``getSubjectAlternativeNames()``:

* ``subjectAltName.dnsName``: the dNSName strings (US-ASCII, as the JDK decodes them);
* ``subjectAltName.otherName.commonName``: otherName entries whose type-id is 2.5.4.3. The
  JDK hands each over as DER, ``SEQUENCE { type-id, [0] { V } }``, where V is the
  certificate's whole value element up to JDK 18 and the contents of its ``[0]`` from
  JDK 19 (:mod:`certkit.jdk.general_names`). Elasticsearch's ``decodeDerValue`` enters the
  ``[0]``, reads the first element, enters it once more if it is constructed, and decodes
  the element it lands on with ``DerParser.getString()``: UTF8String as UTF-8; Numeric,
  Printable, Videotex, IA5, Graphic, Visible and General strings as ISO-8859-1; BMPString
  as UTF-16BE (Java's decoders: :mod:`certkit.jdk.charsets`); OCTET STRING as lower-case
  hex. Anything else, or a DER error (an empty value that ends its container is one),
  makes Elasticsearch log a warning and ignore that name.

So what Elasticsearch reads depends on the JDK it bundles: every function here takes the
JDK feature release (``certkit.targets.EsTarget.jdk``; default: the newest line's). When
the JDK refuses the subjectAltName (one malformed entry is enough) Elasticsearch sees no
names at all; :attr:`SubjectAltNames.refused` says why. tests/java/NamesOracle.java
replays Elasticsearch on the real JDKs (tests/test_jdk_names.py).

Over 400 lines because the hot-path certificate walk and the fast SAN path must sit beside
the general decoder they are checked to agree with. Speed matters (an audit reads 100,000
certificates): the certificate's DER is walked with
the minimal step of :mod:`certkit.jdk.der`, and a subjectAltName made only of the usual
entries is read without building the JDK's model of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from certkit.errors import InputError
from certkit.jdk import general_names as gn
from certkit.jdk.charsets import decode_latin1, decode_utf8, decode_utf16be
from certkit.jdk.der import (
    EsFailure,
    MalformedCertificate,
    es_oid,
    read_es,
    read_strict,
    span,
)
from certkit.targets import NEWEST

OTHERNAME_COMMON_NAME = "subjectAltName.otherName.commonName"
DNS_NAME = "subjectAltName.dnsName"
SUPPORTED_FIELDS: tuple[str, ...] = (OTHERNAME_COMMON_NAME, DNS_NAME)
DEFAULT_FIELDS: tuple[str, ...] = (OTHERNAME_COMMON_NAME,)
#: The JDK certkit models when the caller names none: the newest Elasticsearch line's.
DEFAULT_JDK = NEWEST.jdk
# certkit's short spellings, for the command line only (Elasticsearch knows just the long ones).
_SHORT_FIELDS = {"othername": OTHERNAME_COMMON_NAME, "dns": DNS_NAME}

_SEQUENCE = 0x30
_CONSTRUCTED = 0x20
_OID_SUBJECT_ALT_NAME = b"\x55\x1d\x11"  # 2.5.29.17
_OID_BASIC_CONSTRAINTS = b"\x55\x1d\x13"  # 2.5.29.19
_OID_COMMON_NAME = "2.5.4.3"
# OBJECT IDENTIFIER, length 3, then 2.5.29 (id-ce): what both extensions' IDs start with.
_ID_CE_HEAD = b"\x06\x03\x55\x1d"
_NOT_CA = b"\x30\x00"  # basicConstraints SEQUENCE {} (cA defaults to FALSE)
_CA = b"\x30\x03\x01\x01\xff"  # SEQUENCE { cA TRUE }

# DerParser.getString() of Elasticsearch's libs/ssl-config, keyed by ``tag & 0x1F``.
_ISO_8859_1_TYPES = frozenset({0x12, 0x13, 0x15, 0x16, 0x19, 0x1A, 0x1B})
_UTF8_STRING = 0x0C
_BMP_STRING = 0x1E
_OCTET_STRING = 0x04
_TYPE_NAMES = {
    0x0C: "UTF8String", 0x12: "NumericString", 0x13: "PrintableString", 0x14: "T61String",
    0x15: "VideotexString", 0x16: "IA5String", 0x19: "GraphicString", 0x1A: "VisibleString",
    0x1B: "GeneralString", 0x1C: "UniversalString", 0x1E: "BMPString", 0x04: "OCTET STRING",
    0x10: "SEQUENCE", 0x11: "SET",
}


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


class CertificateFields(NamedTuple):
    """The parts of a certificate's DER that name checks need, located in one pass.

    ``subject`` is the DER of the subject Name; ``subject_alt_names`` the value of the
    (first) SAN extension (None without one); ``is_ca`` the basicConstraints cA flag (None
    when absent); ``san_critical`` whether that SAN is critical; ``more_sans`` the
    (critical, value) of any further SAN extension. A named tuple: an audit makes one per
    certificate.
    """

    subject: bytes
    subject_alt_names: bytes | None
    is_ca: bool | None
    san_critical: bool = False
    more_sans: tuple[tuple[bool, bytes], ...] = ()
    #: The DER of the Validity: certificates of one issuance share it, so a check of their
    #: dates can be made once per distinct value (certkit.audit.checker).
    validity: bytes = b""


def locate_fields(der: bytes) -> CertificateFields:
    """Walk a certificate's DER to its subject, SANs and basicConstraints; parse nothing else.

    Run once per audited certificate, so the usual shape (what CAs issue: every length in
    one to three octets, one extensions element, at most one SAN and one basicConstraints
    in their usual encodings) is read by :func:`_locate_usual`, and anything else by the
    general walk :func:`_locate_walk`. A certificate that cryptography has loaded has a
    well-formed TBSCertificate, and any inconsistency left (a truncated or garbled input)
    surfaces as :class:`MalformedCertificate`.
    """
    try:
        usual = _locate_usual(der)
    except IndexError:
        usual = None
    return usual if usual is not None else _locate_walk(der)


def _locate_usual(der: bytes) -> CertificateFields | None:
    """:func:`_locate_walk`'s answer for a certificate of the usual shape, else None.

    Returns only when every element it steps over ends inside its container and the
    extensions it reads are in the encodings it knows, so that the general walk, reading
    the same bytes, would return the same fields; on any doubt it leaves the certificate to
    that walk, which words the errors. Every length it accepts is in one to three octets
    (short form, 0x81 or 0x82); anything else ends the fast path. The steps are written
    out, without helper calls: on Python 3.11 a call per element was half of the time.
    """
    if der[0] != _SEQUENCE:
        return None
    length = der[1]
    if length == 0x82:
        cert_end, offset = 4 + (der[2] << 8 | der[3]), 4
    elif length == 0x81:
        cert_end, offset = 3 + der[2], 3
    else:
        return None  # a certificate shorter than 128 octets, or over 64 KiB
    if der[offset] != _SEQUENCE or cert_end > len(der):
        return None
    length = der[offset + 1]
    if length == 0x82:
        tbs_end, offset = offset + 4 + (der[offset + 2] << 8 | der[offset + 3]), offset + 4
    elif length == 0x81:
        tbs_end, offset = offset + 3 + der[offset + 2], offset + 3
    else:
        return None
    if tbs_end > cert_end:
        return None
    if der[offset] == 0xA0:  # [0] version
        length = der[offset + 1]
        if length & 0x80:
            return None
        offset += 2 + length
    # serialNumber, signature, issuer, validity: stepped over (the last one kept).
    validity_start = offset
    for _ in range(4):
        validity_start = offset
        length = der[offset + 1]
        if length < 0x80:
            offset += 2 + length
        elif length == 0x81:
            offset += 3 + der[offset + 2]
        elif length == 0x82:
            offset += 4 + (der[offset + 2] << 8 | der[offset + 3])
        else:
            return None
    # A subject or key that runs past the TBSCertificate leaves offset beyond tbs_end: the
    # check after them covers both.
    if der[offset] != _SEQUENCE:
        return None
    validity = der[validity_start:offset]
    length = der[offset + 1]
    if length < 0x80:
        subject_end = offset + 2 + length
    elif length == 0x81:
        subject_end = offset + 3 + der[offset + 2]
    elif length == 0x82:
        subject_end = offset + 4 + (der[offset + 2] << 8 | der[offset + 3])
    else:
        return None
    subject = der[offset:subject_end]
    length = der[subject_end + 1]  # subjectPublicKeyInfo: stepped over
    if length < 0x80:
        offset = subject_end + 2 + length
    elif length == 0x81:
        offset = subject_end + 3 + der[subject_end + 2]
    elif length == 0x82:
        offset = subject_end + 4 + (der[subject_end + 2] << 8 | der[subject_end + 3])
    else:
        return None
    if offset == tbs_end:
        return _new_tuple(CertificateFields, (subject, None, None, False, (), validity))
    # Only one [3] extensions element, ending the TBSCertificate, holding a SEQUENCE that
    # ends with it (unique IDs and anything else: the general walk).
    if der[offset] != 0xA3:
        return None
    length = der[offset + 1]
    if length < 0x80:
        end = offset + 2 + length
        offset += 2
    elif length == 0x81:
        end = offset + 3 + der[offset + 2]
        offset += 3
    elif length == 0x82:
        end = offset + 4 + (der[offset + 2] << 8 | der[offset + 3])
        offset += 4
    else:
        return None
    if end != tbs_end or der[offset] != _SEQUENCE:
        return None
    length = der[offset + 1]
    if length < 0x80:
        end = offset + 2 + length
        offset += 2
    elif length == 0x81:
        end = offset + 3 + der[offset + 2]
        offset += 3
    elif length == 0x82:
        end = offset + 4 + (der[offset + 2] << 8 | der[offset + 3])
        offset += 4
    else:
        return None
    if end != tbs_end:
        return None
    san: bytes | None = None
    san_critical = False
    is_ca: bool | None = None
    while offset < tbs_end:
        length = der[offset + 1]
        if der[offset] != _SEQUENCE:
            return None
        if length < 0x80:
            content = offset + 2
            ext_end = content + length
        elif length == 0x81:
            content = offset + 3
            ext_end = content + der[offset + 2]
        elif length == 0x82:
            content = offset + 4
            ext_end = content + (der[offset + 2] << 8 | der[offset + 3])
        else:
            return None
        if der[content + 1] & 0x80:  # a long-form OID length (an extension past the TBSCertificate
            return None              # leaves offset beyond tbs_end, which the loop's end refuses)
        # 2.5.29.17 or 2.5.29.19: the OID's last octet first (most extensions are 2.5.29.x
        # too: the common 4-byte head is compared in place only for these two).
        last = der[content + 4]
        if last == 0x11 or last == 0x13:
            if der.startswith(_ID_CE_HEAD, content):
                value = content + 5
                critical = False
                if der[value] == 0x01:  # critical BOOLEAN, of the one length DER allows
                    if der[value + 1] != 1:
                        return None
                    critical = der[value + 2] != 0
                    value += 3
                if der[value] != 0x04:  # the extnValue OCTET STRING
                    return None
                length = der[value + 1]
                if length < 0x80:
                    value += 2
                elif length == 0x81:
                    length = der[value + 2]
                    value += 3
                elif length == 0x82:
                    length = der[value + 2] << 8 | der[value + 3]
                    value += 4
                else:
                    return None
                if value + length != ext_end:
                    return None
                if last == 0x11:
                    if san is not None:
                        return None  # a second SAN: the general walk sorts them out
                    san, san_critical = der[value:ext_end], critical
                elif length == 2 and der.startswith(_NOT_CA, value):
                    is_ca = False
                elif length == 5 and der.startswith(_CA, value):
                    is_ca = True
                else:
                    return None
        offset = ext_end
    if offset != tbs_end:
        return None
    return _new_tuple(CertificateFields, (subject, san, is_ca, san_critical, (), validity))


def _locate_walk(der: bytes) -> CertificateFields:
    """:func:`locate_fields` for any certificate: the general walk, which words the errors."""
    try:
        if der[0] != _SEQUENCE:
            raise MalformedCertificate("not a DER certificate")
        start, cert_end = span(der, 0)
        if der[start] != _SEQUENCE or cert_end > len(der):
            raise MalformedCertificate("not a DER certificate")
        offset, tbs_end = span(der, start)
        if tbs_end > cert_end:
            raise MalformedCertificate("truncated certificate")
        if der[offset] == 0xA0:  # [0] version
            offset = span(der, offset)[1]
        validity_start = offset
        for _ in range(4):  # serialNumber, signature, issuer, validity: skipped (the last one kept).
            validity_start, offset = offset, span(der, offset)[1]
        validity = der[validity_start:offset]
        if der[offset] != _SEQUENCE:
            raise MalformedCertificate("the subject is not a Name")
        subject_end = span(der, offset)[1]
        subject = der[offset:subject_end]
        offset = span(der, subject_end)[1]  # subjectPublicKeyInfo: skipped
        sans: list[tuple[bool, bytes]] = []
        is_ca: bool | None = None
        while offset < tbs_end:
            tag = der[offset]
            content, element_end = span(der, offset)
            if tag == 0xA3:  # [3] extensions
                position, extensions_end = span(der, content)
                while position < extensions_end:
                    ext_content, ext_end = span(der, position)
                    oid_start, oid_end = span(der, ext_content)
                    oid = der[oid_start:oid_end]
                    if der[ext_content] == 0x06 and oid in (_OID_SUBJECT_ALT_NAME, _OID_BASIC_CONSTRAINTS):
                        critical = False
                        value_tag, value_start, value_end = read_strict(der, oid_end, ext_end)
                        if value_tag == 0x01:  # critical BOOLEAN
                            critical = value_end > value_start and der[value_start] != 0
                            value_tag, value_start, value_end = read_strict(der, value_end, ext_end)
                        if value_tag != 0x04:
                            raise MalformedCertificate("extension value is not an OCTET STRING")
                        if oid == _OID_SUBJECT_ALT_NAME:
                            sans.append((critical, der[value_start:value_end]))
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
    if not sans:
        return CertificateFields(subject, None, is_ca, validity=validity)
    return CertificateFields(subject, sans[0][1], is_ca, sans[0][0], tuple(sans[1:]), validity)


def _basic_constraints_ca(value: bytes) -> bool:
    if value == _NOT_CA:  # the two encodings nearly every certificate carries
        return False
    if value == _CA:
        return True
    tag, start, end = read_strict(value, 0, len(value))
    if tag != _SEQUENCE:
        raise MalformedCertificate("basicConstraints is not a SEQUENCE")
    if start < end and value[start] == 0x01:
        _, flag_start, flag_end = read_strict(value, start, end)
        return flag_end > flag_start and value[flag_start] != 0
    return False


# ---------------------------------------------------------------------------------------
# otherName decoding, as Elasticsearch does it on the bytes the JDK hands over.


def _es_string(tag: int, value: bytes) -> str:
    """``DerParser.Asn1Object.getString()``."""
    kind = tag & 0x1F
    if kind == _UTF8_STRING:
        return decode_utf8(value)
    if kind in _ISO_8859_1_TYPES:
        return decode_latin1(value)
    if kind == _BMP_STRING:
        return decode_utf16be(value)
    if kind == _OCTET_STRING:
        return value.hex()
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


def _parser(data: bytes, element: tuple[int, int, int]) -> tuple[int, int]:
    """``Asn1Object.getParser()``: the bounds of a constructed element's contents."""
    tag, start, end = element
    if not tag & _CONSTRUCTED:
        raise ValueError("cannot create a parser on a primitive value")
    return start, end


def decode_handed_over(handed: bytes, type_id: str) -> OtherName:
    """``RestrictedTrustManager.decodeDerValue`` on the DER the JDK hands over for one otherName.

    Raises :class:`EsFailure` where Elasticsearch throws an unchecked exception.
    """
    try:
        start, end = _parser(handed, read_es(handed, 0, len(handed)))
        oid_tag, oid_start, oid_end = read_es(handed, start, end)
        if oid_tag & 0x1F != 0x06:
            raise ValueError("object is not an OID")
        if es_oid(handed[oid_start:oid_end]) != _OID_COMMON_NAME:
            return OtherName(type_id, None)
        value_start, value_end = _parser(handed, read_es(handed, oid_end, end))
        inner = read_es(handed, value_start, value_end)
        if inner[0] & _CONSTRUCTED:
            inner = read_es(handed, inner[1], inner[2])
        return OtherName(type_id, _es_string(inner[0], handed[inner[1]:inner[2]]))
    except ValueError as exc:
        if type_id != _OID_COMMON_NAME:
            return OtherName(type_id, None)
        return OtherName(type_id, None, f"otherName commonName ignored by Elasticsearch: {exc}")


class SubjectAltNames(NamedTuple):
    """The subjectAltName names of a certificate, split by kind, in certificate order.

    ``other_name_cns`` holds the otherName commonName values Elasticsearch reads;
    ``other_names`` every otherName (including other type-ids and ignored values);
    ``warnings`` says which names Elasticsearch ignores and why; ``refused`` why the JDK
    (or Elasticsearch) refuses the whole subjectAltName, leaving no names at all.
    (A named tuple: an audit makes one per certificate.)
    """

    other_name_cns: tuple[str, ...] = ()
    dns_names: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    other_names: tuple[OtherName, ...] = ()
    warnings: tuple[str, ...] = ()
    refused: str | None = None

    def for_field(self, field: str) -> tuple[str, ...]:
        return self.other_name_cns if field == OTHERNAME_COMMON_NAME else self.dns_names

    def values(self, fields: Sequence[str]) -> list[str]:
        """The names Elasticsearch compares with the patterns: a set, kept in certificate order."""
        if len(fields) == 1:
            names = self.for_field(fields[0])
            return list(names) if len(names) < 2 else list(dict.fromkeys(names))
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
_new_tuple = tuple.__new__


def _usual_names(value: bytes) -> SubjectAltNames | None:
    """The names of a SAN made only of short-form dNSNames, 4/16-octet iPAddresses and the usual
    non-empty UTF8String commonName otherName; None for anything else (the JDK model decides).

    Read once per audited certificate: the steps are written out, as in _locate_usual.
    """
    size = len(value)
    if size < 2 or value[0] != _SEQUENCE:
        return None
    length = value[1]
    if length < 0x80:
        offset = 2
    elif length == 0x81 and size > 2 and value[2]:
        length, offset = value[2], 3
    elif length == 0x82 and size > 3 and value[2]:
        length, offset = value[2] << 8 | value[3], 4
    else:
        return None  # a leading zero length octet, or a longer form: the JDK model decides
    if length == 0 or offset + length != size:
        return None
    cns: list[str] = []
    dns: list[str] = []
    ips: list[str] = []
    while offset < size:
        tag = value[offset]
        length = value[offset + 1] if offset + 1 < size else 0x80
        content = offset + 2
        offset = content + length
        if length & 0x80 or offset > size:
            return None
        if tag == 0x82:
            dns.append(value[content:offset].decode("ascii", "replace"))
        elif tag == 0xA0:
            if (length > 9 and value.startswith(_COMMON_NAME_OTHER_NAME, content)
                    and value[content + 6] == length - 7 and value[content + 7] == _UTF8_STRING
                    and value[content + 8] == length - 9):
                # What the JDK + Elasticsearch read for it on any JDK, without their steps;
                # well-formed UTF-8 (where Java's decoder and Python's agree) without a call.
                text = value[content + 9:offset]
                try:
                    cns.append(text.decode("utf-8"))
                except UnicodeDecodeError:
                    cns.append(decode_utf8(text))
            else:
                return None
        elif tag == 0x87 and (length == 4 or length == 16):
            ips.append(gn._ip_text(value[content:offset]))
        else:
            return None
    # tuple.__new__: the named tuple without its Python-level constructor (one per certificate).
    return _new_tuple(SubjectAltNames, (tuple(cns), tuple(dns), tuple(ips),
                                        tuple([_new_tuple(OtherName, (_OID_COMMON_NAME, text, None)) for text in cns]),
                                        (), None))


def decode_general_names(value: bytes, jdk: int = DEFAULT_JDK) -> SubjectAltNames:
    """The names Elasticsearch on JDK ``jdk`` reads from a SubjectAltName extension value.

    When the JDK refuses the extension the result has no names and says why in ``refused``.
    """
    usual = _usual_names(value)
    return usual if usual is not None else _decode_in_general(value, jdk)


def _decode_in_general(value: bytes, jdk: int) -> SubjectAltNames:
    """:func:`decode_general_names` through the JDK's model of the extension (any SAN)."""
    try:
        entries = gn.parse_general_names(value, jdk)
    except gn.NamesUnavailable as exc:
        return SubjectAltNames(refused=f"getSubjectAlternativeNames() fails on this JDK: {exc}")
    except gn.SanRefused as exc:
        return SubjectAltNames(refused=f"the JDK refuses the subjectAltName: {exc}")
    cns: list[str] = []
    dns: list[str] = []
    ips: list[str] = []
    others: list[OtherName] = []
    warnings: list[str] = []
    for entry in entries:
        if entry.kind == gn.DNS:
            dns.append(entry.value)  # type: ignore[arg-type]
        elif entry.kind == gn.IP:
            ips.append(entry.value)  # type: ignore[arg-type]
        elif entry.kind == gn.OTHER_NAME:
            try:
                other = decode_handed_over(entry.value, entry.type_id)  # type: ignore[arg-type]
            except EsFailure as exc:
                return SubjectAltNames(refused=f"Elasticsearch fails on an otherName: {exc}")
            others.append(other)
            if other.value is not None:
                cns.append(other.value)
            elif other.problem:
                warnings.append(other.problem)
    return SubjectAltNames(tuple(cns), tuple(dns), tuple(ips), tuple(others), tuple(warnings))


def names_of(fields: CertificateFields, jdk: int = DEFAULT_JDK) -> SubjectAltNames:
    """The names Elasticsearch on JDK ``jdk`` reads from a located certificate.

    Follows ``CertificateExtensions``: a SAN the JDK cannot parse is set aside when it is
    not critical (no names) and refuses the certificate when it is; a second SAN the JDK
    parses beside a first one refuses the certificate (:class:`MalformedCertificate`).
    """
    if fields.subject_alt_names is None:
        return EMPTY
    if not fields.more_sans and not fields.san_critical:
        return decode_general_names(fields.subject_alt_names, jdk)
    parsed: SubjectAltNames | None = None
    unparseable: SubjectAltNames | None = None
    for critical, value in ((fields.san_critical, fields.subject_alt_names), *fields.more_sans):
        names = decode_general_names(value, jdk)
        if names.refused and names.refused.startswith("the JDK"):
            if critical:
                raise MalformedCertificate(names.refused)
            unparseable = names
        elif parsed is not None:
            raise MalformedCertificate("Duplicate extensions not allowed")
        else:
            parsed = names
    return parsed or unparseable or EMPTY


def read_names(der: bytes, jdk: int = DEFAULT_JDK) -> SubjectAltNames:
    """The subjectAltName names of a DER certificate as Elasticsearch on JDK ``jdk`` reads them."""
    return names_of(locate_fields(der), jdk)


def subject_dn(der: bytes, jdk: int = DEFAULT_JDK) -> str:
    """The subject of a DER certificate in the JDK's ``X500Principal.toString()`` form."""
    from certkit.jdk.x500 import jdk_dn

    return jdk_dn(locate_fields(der).subject, jdk)
