"""A certificate's subject DN exactly as the JDK prints it in RFC 2253 form.

A cross-cluster API key's ``certificate_identity`` is a Java regular expression matched
against the subject DN of the certificate the calling cluster signs its requests with,
in the form ``X500Principal.getName()`` returns (RFC 2253). To check a pattern before
the key exists, certkit must produce the very same string, byte for byte. cryptography's
``Name.rfc4514_string()`` is close but not equal: it prints non-keyword attributes (an
``emailAddress``) as text where the JDK prints ``1.2.840.113549.1.9.1=#16…`` (hex of the
DER value), and it escapes a different set of characters. So this module renders the DER
Name itself, following ``sun.security.x509.AVA.toRFC2253String``:

* RDNs in reverse order of the DER sequence (most significant last), joined by ``,``;
  the values of a multi-valued RDN joined by ``+`` in their encoded order;
* keywords only for CN, C, L, ST, O, OU, STREET, DC and UID; any other attribute is its
  dotted OID followed by ``=#`` and the lower-case hex of the value's DER encoding, as is a
  keyword attribute whose value is not a string type the JDK renders (UniversalString);
* string values are the content bytes decoded as UTF-8 whatever their ASN.1 type (so a
  BMPString renders as mojibake: the JDK does that, and the regex sees that);
* in string values ``, = + < > # ; " \\`` are escaped with a backslash wherever they
  occur, NUL becomes ``\\00``, leading and trailing spaces (and carriage returns) are
  escaped; every other character, non-ASCII included, is kept as it is.

tests/java/WireDn.java is the oracle: the tests compare this rendering with the JDK's for
awkward names (escapes, multi-valued RDNs, e-mail, BMP and Teletex strings).
"""

from __future__ import annotations

from cryptography import x509

from certkit.errors import InputError
from certkit.jdk.names import MalformedCertificate, NameAttribute, name_rdns

# The only keywords X500Principal.getName(RFC2253) emits (AVAKeyword "rfc2253Compliant").
RFC2253_KEYWORDS = {
    "2.5.4.3": "CN",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.9": "STREET",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
}
_ESCAPED = frozenset(',=+<>#;"\\')

# AVA.isDerString(value, false): the value types rendered as text; anything else (a
# UniversalString included) is rendered as #hex. Whatever the declared type, the JDK
# decodes the content bytes as UTF-8 (``new String(getDataBytes(), UTF_8)``), so a
# BMPString comes out as NULs and mojibake; this is reproduced, not "fixed", because the
# regular expression is matched against exactly that string. Java's decoder turns
# malformed bytes into U+FFFD like Python's "replace" does.
_TEXT_TAGS = frozenset({
    0x13,  # PrintableString
    0x14,  # T61String (TeletexString)
    0x16,  # IA5String
    0x1B,  # GeneralString
    0x0C,  # UTF8String
    0x1E,  # BMPString
})


def _escape_value(text: str) -> str:
    escaped: list[str] = []
    for char in text:
        if char in _ESCAPED:
            escaped.append("\\" + char)
        elif char == "\x00":
            escaped.append("\\00")
        else:
            escaped.append(char)
    # Leading and trailing white space (the JDK counts ' ' and '\r') is escaped one by one.
    lead = 0
    while lead < len(escaped) and escaped[lead] in (" ", "\r"):
        lead += 1
    trail = len(escaped)
    while trail > lead and escaped[trail - 1] in (" ", "\r"):
        trail -= 1
    return "".join(("\\" + part) if (i < lead or i >= trail) else part for i, part in enumerate(escaped))


def _render_ava(attribute: NameAttribute) -> str:
    keyword = RFC2253_KEYWORDS.get(attribute.oid)
    if keyword is None or attribute.value_tag not in _TEXT_TAGS:
        return f"{keyword or attribute.oid}=#{attribute.value_der.hex()}"
    return f"{keyword}={_escape_value(attribute.value.decode('utf-8', 'replace'))}"


def rfc2253_dn(name_der: bytes) -> str:
    """``X500Principal.getName()`` (RFC 2253) of a DER-encoded X.500 Name."""
    try:
        rdns = name_rdns(name_der)
    except MalformedCertificate as exc:
        raise InputError(f"the distinguished name cannot be decoded: {exc}") from None
    return ",".join("+".join(_render_ava(ava) for ava in rdn) for rdn in reversed(rdns))


def subject_rfc2253(certificate: x509.Certificate) -> str:
    """The certificate's subject as the JDK (and so Elasticsearch) prints it in RFC 2253 form."""
    return rfc2253_dn(certificate.subject.public_bytes())
