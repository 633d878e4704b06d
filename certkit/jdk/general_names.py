"""The subjectAltName as the JDK parses it: every entry checked, or the whole extension refused.

``SubjectAlternativeNameExtension`` builds ``GeneralNames`` from the extension value with
``new DerValue(byte[])`` (BER allowed, nothing may follow) and each entry with
``new GeneralName(DerValue)``, whose constructors check their contents. One bad entry
makes the JDK refuse the whole extension: when it is non-critical the certificate still
parses and ``getSubjectAlternativeNames()`` returns null (JDK 17) or throws (JDK 19+); when
it is critical the certificate is refused. Either way Elasticsearch sees no names at all.
The rules, from OpenJDK's ``sun.security.x509`` (GeneralNames, GeneralName, OtherName,
RFC822Name, URIName, IPAddressName, OIDName, X500Name/RDN/AVA, EDIPartyName):

* the value is a non-empty SEQUENCE (tag 0x30 exactly) and nothing follows it;
* a GeneralName is context-specific, tag [0] to [8], primitive or constructed as its type
  says ([0] otherName, [3] x400Address, [4] directoryName, [5] ediPartyName constructed;
  the others primitive); any other tag is refused;
* otherName: an OBJECT IDENTIFIER the JDK accepts (non-empty, minimal, ended), then a
  value. Up to JDK 18 the value may be any element and is handed over whole; from JDK 19
  (JDK-8277976) it must be ``[0]`` constructed and its contents are handed over. Either
  way ``getSubjectAlternativeNames()`` gives Elasticsearch ``SEQUENCE { oid, [0] { handed
  over } }``, so a value the certificate wraps once more is read from JDK 19 on;
* rfc822Name: not empty, and the part after the first ``@`` neither empty nor ``.``;
* uniformResourceIdentifier: what ``java.net.URI`` parses, with a scheme and a host that
  is a DNS name or an IP address (see :func:`_uri_refusal`);
* iPAddress: 4, 8, 16 or 32 octets; registeredID: an OID the JDK accepts;
* directoryName: an X.500 Name of SETs of ``SEQUENCE { OID, value }`` with nothing more;
* ediPartyName: a SEQUENCE of one or two elements, with a partyName ``[1]`` primitive
  whose contents are a string element (so the usual ``[1] EXPLICIT`` form is refused).
"""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple

from certkit.jdk.charsets import decode_ascii, der_string
from certkit.jdk.der import (
    BerValue,
    MalformedCertificate,
    encode,
    jdk_oid,
    read_ber,
    read_ber_all,
)

#: The JDK release from which the otherName value must be [0] and is unwrapped (JDK-8277976).
OTHER_NAME_UNWRAPPED_SINCE = 19

OTHER_NAME, RFC822, DNS, X400, DIRECTORY, EDI, URI, IP, REGISTERED_ID = range(9)
_CONSTRUCTED_KINDS = frozenset({OTHER_NAME, X400, DIRECTORY, EDI})
_KIND_NAMES = ("Other-Name", "RFC822 name", "DNSName", "X400Address name", "Directory name",
               "EDI name", "URI", "IP address", "OID name")


class SanRefused(MalformedCertificate):
    """The JDK refuses the subjectAltName extension: Elasticsearch sees no names."""


class NamesUnavailable(SanRefused):
    """The JDK parses the extension (so a critical one does not refuse the certificate) but
    ``getSubjectAlternativeNames()`` then fails: Elasticsearch sees no names."""


class Entry(NamedTuple):
    """One GeneralName as ``getSubjectAlternativeNames()`` lists it.

    ``value``: the dNSName text, the IP address text, or for an otherName the DER the JDK
    hands Elasticsearch; ``type_id``: the otherName's OID (else "").
    """

    kind: int
    value: str | bytes
    type_id: str = ""


def parse_general_names(value: bytes, jdk: int) -> list[Entry]:
    """The entries of a subjectAltName extension value, as JDK ``jdk`` reads them.

    Raises :class:`SanRefused` with the JDK's reason when it refuses the extension.
    """
    try:
        outer = read_ber(value, 0, len(value))
        if outer.next != len(value):
            raise SanRefused("extra data at the end")
        if outer.tag != 0x30:
            raise SanRefused("Invalid encoding for GeneralNames.")
        if not outer.contents:
            raise SanRefused("No data available in passed DER encoded value.")
        return [_general_name(element, jdk) for element in read_ber_all(outer.contents)]
    except SanRefused:
        raise
    except MalformedCertificate as exc:
        raise SanRefused(str(exc)) from None


def _general_name(element: BerValue, jdk: int) -> Entry:
    kind = element.tag & 0x1F
    if kind > REGISTERED_ID:
        raise SanRefused(f"Unrecognized GeneralName tag, ({kind})")
    if element.tag & 0xC0 != 0x80 or element.constructed != (kind in _CONSTRUCTED_KINDS):
        raise SanRefused(f"Invalid encoding of {_KIND_NAMES[kind]}")
    data = element.contents
    if kind == OTHER_NAME:
        return _other_name(data, jdk)
    if kind == DNS:
        return Entry(DNS, decode_ascii(data))
    if kind == IP:
        return Entry(IP, _ip_text(data))
    if kind == RFC822:
        _check_rfc822(decode_ascii(data))
    elif kind == URI:
        problem = _uri_refusal(decode_ascii(data))
        if problem:
            raise SanRefused(problem)
    elif kind == REGISTERED_ID:
        jdk_oid(data)
    elif kind == DIRECTORY:
        parse_x500_name(data)
    elif kind == EDI:
        _check_edi_party(data, jdk)
    return Entry(kind, b"")


def _other_name(data: bytes, jdk: int) -> Entry:
    type_element = read_ber(data, 0, len(data))
    if type_element.tag != 0x06:
        raise SanRefused("DerValue.getOID, not an OID")
    type_id = jdk_oid(type_element.contents)
    value = read_ber(data, type_element.next, len(data)) if type_element.next < len(data) else None
    if value is None:
        raise SanRefused("Too short")
    if jdk >= OTHER_NAME_UNWRAPPED_SINCE:
        if value.tag != 0xA0:
            raise SanRefused("value is not EXPLICTly tagged [0]")
        handed_over = value.contents
    else:
        handed_over = value.encoded()
    reencoded = encode(0x30, encode(0x06, type_element.contents) + encode(0xA0, handed_over))
    return Entry(OTHER_NAME, reencoded, type_id)


def _ip_text(data: bytes) -> str:
    if len(data) in (4, 16):
        return str(ipaddress.ip_address(data))
    if len(data) == 8:  # an address and a mask (name constraints' form)
        return f"{ipaddress.ip_address(data[:4])}/{ipaddress.ip_address(data[4:])}"
    if len(data) == 32:
        # IPAddressName.getName() prints an IPv6 mask as a prefix length and throws (so
        # getSubjectAlternativeNames() throws) when its one bits are not contiguous.
        mask = int.from_bytes(data[16:], "big")
        prefix = 128 - (~mask & ((1 << 128) - 1)).bit_length()
        if mask != ((1 << prefix) - 1) << (128 - prefix):
            # Not a parse failure: a critical SAN like this does not refuse the certificate
            # (JDK 17 and 25 alike, tests/test_jdk_names.py).
            raise NamesUnavailable(f"IPAddress cannot be parsed: set bit {prefix} not contiguous")
        return f"{ipaddress.ip_address(data[:16])}/{prefix}"
    raise SanRefused("Invalid IPAddressName")


def _check_rfc822(text: str) -> None:
    if not text:
        raise SanRefused("RFC822Name may not be null or empty")
    domain = text[text.find("@") + 1:]
    if not domain:
        raise SanRefused("RFC822Name may not end with @")
    if domain == ".":
        raise SanRefused("RFC822Name domain may not be just .")


def parse_x500_name(contents: bytes) -> list[list[tuple[str, BerValue]]]:
    """``X500Name(DerInputStream)``: RDNs (encoded order) of (OID, value); SanRefused-style errors.

    ``contents`` is what holds the Name's SEQUENCE; when it is not one, the JDK reads the
    contents themselves as the SEQUENCE's (an implicitly tagged Name).
    """
    try:
        sequence = read_ber(contents, 0, len(contents))
        if sequence.tag != 0x30:
            raise MalformedCertificate("Not the correct tag")
        rdns = read_ber_all(sequence.contents)
    except MalformedCertificate:
        rdns = read_ber_all(contents)
    parsed: list[list[tuple[str, BerValue]]] = []
    for rdn in rdns:
        if rdn.tag != 0x31:
            raise MalformedCertificate("X500 RDN")
        attributes = []
        for ava in read_ber_all(rdn.contents):
            if ava.tag != 0x30:
                raise MalformedCertificate("AVA not a sequence")
            type_element = read_ber(ava.contents, 0, len(ava.contents))
            if type_element.tag != 0x06:
                raise MalformedCertificate("DerValue.getOID, not an OID")
            if type_element.next >= len(ava.contents):
                raise MalformedCertificate("Too short")
            value = read_ber(ava.contents, type_element.next, len(ava.contents))
            if value.next != len(ava.contents):
                raise MalformedCertificate(f"AVA, extra bytes = {len(ava.contents) - value.next}")
            attributes.append((jdk_oid(type_element.contents), value))
        parsed.append(attributes)
    return parsed


#: From this JDK on an EDIPartyName without a partyName makes the extension unparseable
#: ("Illegal X400Address and EDIPartyName should not be created", JDK-8296741, JDK 20 as
#: far as certkit could tell). Before, JDK 17 parses it and only getSubjectAlternativeNames()
#: fails: a critical SAN then does not refuse the certificate. Both checked on JDK 17 and
#: 25 (tests/test_jdk_names.py); the releases between are not.
EDI_PARTY_REQUIRED_SINCE = 20


def _check_edi_party(data: bytes, jdk: int) -> None:
    parts = read_ber_all(data)
    if not 1 <= len(parts) <= 2:
        raise SanRefused("Invalid encoding of EDIPartyName")
    assigner = party = None
    for part in parts:
        # As EDIPartyName(DerValue) does: a [0] primitive's contents are read as an element,
        # and that element (not the [0]) is what the partyName test then looks at.
        if part.tag == 0x80:
            if assigner is not None:
                raise SanRefused("Duplicate nameAssigner found in EDIPartyName")
            part = read_ber(part.contents, 0, len(part.contents))
            assigner = der_string(part.tag, part.contents)
        if part.tag == 0x81:
            if party is not None:
                raise SanRefused("Duplicate partyName found in EDIPartyName")
            part = read_ber(part.contents, 0, len(part.contents))
            party = der_string(part.tag, part.contents)
    if party is None:
        if jdk >= EDI_PARTY_REQUIRED_SINCE:
            raise SanRefused("party cannot be missing")
        raise NamesUnavailable("an EDIPartyName without a partyName")


# java.net.URI (RFC 2396) as far as URIName depends on it. Characters it accepts: the
# RFC 2396 sets plus non-ASCII "other" characters; an escape is % and two hex digits.
_URI_CHARS = re.compile(r"(?:[A-Za-z0-9\-_.!~*'();/?:@&=+$,\[\]#]|%[0-9A-Fa-f]{2}|[^\x00-\x7f\s])*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*:")
_HOSTNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.?")
_DNS_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*")


def _uri_refusal(text: str) -> str | None:
    """Why ``new URIName(text)`` throws, or None (an approximation of java.net.URI's parser)."""
    if not _URI_CHARS.fullmatch(text) or text.count("#") > 1:
        return f"invalid URI name:{text}"
    scheme = _SCHEME.match(text)
    if scheme is None:
        return f"URI name must include scheme:{text}"
    rest = text[scheme.end():]
    if not rest or rest.startswith("#"):
        return f"invalid URI name:{text}"
    if not rest.startswith("//"):
        return None  # opaque (mailto:, urn:): no host
    authority = re.split(r"[/?#]", rest[2:], maxsplit=1)[0]
    host = authority.rpartition("@")[2]
    if host.startswith("["):
        literal, _, port = host[1:].partition("]")
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            return f"invalid URI name:{text}"
        return None if not port or re.fullmatch(r":\d*", port) else f"invalid URI name:{text}"
    host = re.sub(r":\d*$", "", host)
    if not host or not _HOSTNAME.fullmatch(host):
        return None  # a registry-based authority: java.net.URI gives no host
    labels = host.split(".")
    if all(_DNS_LABEL.fullmatch(label) for label in labels):
        return None  # a DNSName the JDK accepts
    return (f"invalid URI name (host portion is not a valid DNSName, IPv4 address, or IPv6 "
            f"address):{text}")
