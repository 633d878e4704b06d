"""X.500 names exactly as the JDK prints them: ``X500Principal.toString()`` and ``getName()``.

One parse of the DER Name (:func:`certkit.jdk.general_names.parse_x500_name`, the JDK's
``X500Name``/``RDN``/``AVA`` rules) feeds two renderings, following ``sun.security.x509.AVA``:

* :func:`jdk_dn`, ``toString()`` (``AVA.toKeywordValueString``), the form Elasticsearch
  puts in its rejection message: RDNs most specific first joined by ``", "``, a
  multi-valued RDN's values by ``" + "``; the keywords of the JDK's table (``DNQ``, not
  ``DNQUALIFIER``; ``EMAILADDRESS``; ``OID.x.y`` for the rest); a value the JDK reads as a
  string (``DerValue.getAsString``) quoted when RFC 1779 needs it, ``"`` and ``\\``
  escaped; any other value ``#`` and the lower-case hex of its DER.
* :func:`rfc2253_dn`, ``getName()`` (``AVA.toRFC2253String``), which a cross-cluster API
  key's ``certificate_identity`` regex is matched against: RDNs joined by ``,``, values
  by ``+``; keywords only for CN, C, L, ST, O, OU, STREET, DC and UID; any other attribute
  is its dotted OID and ``=#`` and the lower-case hex of the value's DER, as is a value
  that is not Printable, T61, IA5, General, BMP or UTF8 String; ``, = + < > # ; " \\``
  escaped with a backslash, NUL as ``\\00``, leading and trailing spaces and CRs escaped.
  Which charset decodes the value depends on the JDK: up to JDK 17 the content bytes are
  decoded as UTF-8 whatever the type (a BMPString comes out as NULs and mojibake); JDK 21
  decodes each type by its own charset (PrintableString, T61String, IA5String and
  GeneralString as ISO-8859-1, BMPString as UTF-16BE). docs/versions.md gives the sources.

tests/java/WireDn.java and tests/java/NamesOracle.java are the oracles.
"""

from __future__ import annotations

import re

from cryptography import x509

from certkit.errors import InputError
from certkit.jdk.charsets import decode_latin1, decode_utf8, decode_utf16be, der_string
from certkit.jdk.der import BerValue, MalformedCertificate
from certkit.jdk.general_names import parse_x500_name
from certkit.targets import NEWEST

#: The first JDK release whose RFC 2253 form decodes each string type by its own charset
#: (AVA.getCharset: present in the jdk21u sources, absent from JDK 17's).
RFC2253_TYPED_CHARSETS_SINCE = 21

# AVAKeyword's table as toString() uses it: the keyword registered last for an OID wins.
_TO_STRING_KEYWORDS = {
    "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O",
    "2.5.4.11": "OU", "2.5.4.12": "T", "1.3.6.1.4.1.42.2.11.2.1": "IP", "2.5.4.9": "STREET",
    "0.9.2342.19200300.100.1.25": "DC", "2.5.4.46": "DNQ", "2.5.4.4": "SURNAME",
    "2.5.4.42": "GIVENNAME", "2.5.4.43": "INITIALS", "2.5.4.44": "GENERATION",
    "1.2.840.113549.1.9.1": "EMAILADDRESS", "0.9.2342.19200300.100.1.1": "UID",
    "2.5.4.5": "SERIALNUMBER",
}
# The only keywords getName(RFC2253) emits (AVAKeyword "rfc2253Compliant").
RFC2253_KEYWORDS = {
    "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O",
    "2.5.4.11": "OU", "2.5.4.9": "STREET", "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
}

_TO_STRING_ESCAPEES = ',+=\n<>#;\\"'
# Values toString() prints untouched: no escapee, no leading/trailing/double space.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9'()./:?@_*-]+(?: [A-Za-z0-9'()./:?@_*-]+)*")
_PRINTABLE_STRING_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?")
_RFC2253_ESCAPED = frozenset(',=+<>#;"\\')
# AVA.isDerString(value, false) and, from JDK 21, AVA.getCharset(value, false).
_RFC2253_CHARSETS = {0x13: decode_latin1, 0x14: decode_latin1, 0x16: decode_latin1, 0x1B: decode_latin1,
                     0x1E: decode_utf16be, 0x0C: decode_utf8}

Attribute = tuple[str, BerValue]


def name_attributes(name_der: bytes) -> list[list[Attribute]]:
    """The RDNs of a DER Name in encoded order (least specific first): (OID, value) pairs.

    Raises :class:`MalformedCertificate` for a Name the JDK would not parse.
    """
    return parse_x500_name(name_der)


def _to_string_value(text: str) -> str:
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
        if char in _PRINTABLE_STRING_CHARS or char in _TO_STRING_ESCAPEES:
            if not quote and ((index == 0 and char in " \n") or char in _TO_STRING_ESCAPEES):
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


def _to_string_ava(oid: str, value: BerValue) -> str:
    keyword = _TO_STRING_KEYWORDS.get(oid, f"OID.{oid}")
    text = der_string(value.tag, value.contents)
    if text is None:
        return f"{keyword}=#{value.encoded().hex()}"
    return f"{keyword}={_to_string_value(text)}"


# The Name certutil and certkit give a node, SEQUENCE { SET { SEQUENCE { 2.5.4.3, UTF8String } } },
# up to the string: its lengths are checked against the Name's size in _single_plain_cn.
_CN_ATTRIBUTE_TYPE = b"\x06\x03\x55\x04\x03\x0c"


def _single_plain_cn(name_der: bytes) -> str | None:
    """``CN=value`` for a Name of one short ASCII UTF8String commonName that toString()
    prints untouched; None for any other Name (the general path decides). An audit prints
    one subject per certificate, and most are this shape."""
    size = len(name_der)
    if (size < 14 or size > 0x81 or name_der[0] != 0x30 or name_der[1] != size - 2 or name_der[2] != 0x31
            or name_der[3] != size - 4 or name_der[4] != 0x30 or name_der[5] != size - 6
            or not name_der.startswith(_CN_ATTRIBUTE_TYPE, 6) or name_der[12] != size - 13):
        return None
    value = name_der[13:]
    if not value.isascii():
        return None
    text = value.decode("ascii")
    return "CN=" + text if _PLAIN_VALUE.fullmatch(text) else None


def jdk_dn(name_der: bytes, jdk: int = NEWEST.jdk) -> str:
    """``X500Principal.toString()`` of a DER Name (``CN=a, OU=b, O="c, d"``); ``jdk``: the release."""
    del jdk  # the same on every release certkit knows (tests compare JDK 17 and 25)
    plain = _single_plain_cn(name_der)
    return plain if plain is not None else _jdk_dn_in_general(name_der)


def _jdk_dn_in_general(name_der: bytes) -> str:
    try:
        rdns = name_attributes(name_der)
    except MalformedCertificate:
        return "<malformed name>"
    return ", ".join(" + ".join(_to_string_ava(oid, value) for oid, value in rdn) for rdn in reversed(rdns))


def _rfc2253_escape(text: str) -> str:
    escaped = ["\\" + char if char in _RFC2253_ESCAPED else "\\00" if char == "\x00" else char for char in text]
    # Leading and trailing white space (the JDK counts ' ' and '\r') is escaped one by one.
    lead = 0
    while lead < len(escaped) and escaped[lead] in (" ", "\r"):
        lead += 1
    trail = len(escaped)
    while trail > lead and escaped[trail - 1] in (" ", "\r"):
        trail -= 1
    return "".join(("\\" + part) if (i < lead or i >= trail) else part for i, part in enumerate(escaped))


def _rfc2253_ava(oid: str, value: BerValue, jdk: int) -> str:
    keyword = RFC2253_KEYWORDS.get(oid)
    decoder = _RFC2253_CHARSETS.get(value.tag)
    if keyword is None or decoder is None:
        return f"{keyword or oid}=#{value.encoded().hex()}"
    if jdk < RFC2253_TYPED_CHARSETS_SINCE:
        decoder = decode_utf8
    return f"{keyword}={_rfc2253_escape(decoder(value.contents))}"


def rfc2253_dn(name_der: bytes, jdk: int = NEWEST.jdk) -> str:
    """``X500Principal.getName()`` (RFC 2253) of a DER Name, as JDK ``jdk`` renders it."""
    try:
        rdns = name_attributes(name_der)
    except MalformedCertificate as exc:
        raise InputError(f"the distinguished name cannot be decoded: {exc}") from None
    return ",".join("+".join(_rfc2253_ava(oid, value, jdk) for oid, value in rdn) for rdn in reversed(rdns))


def subject_rfc2253(certificate: x509.Certificate, jdk: int = NEWEST.jdk) -> str:
    """The certificate's subject as the JDK (and so Elasticsearch) prints it in RFC 2253 form."""
    return rfc2253_dn(certificate.subject.public_bytes(), jdk)
