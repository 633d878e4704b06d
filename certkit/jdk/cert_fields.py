"""A certificate's version, names and extensions read as the JDK's X509CertImpl reads them.

cryptography parses every extension at once and raises when one is malformed; the JDK
parses each one alone: a malformed *critical* extension makes the certificate unusable, a
malformed non-critical one is kept as "unparseable" and the checks then behave as if it
were absent. :func:`read_fields` gives the path checks of :mod:`certkit.jdk.pkix` that
per-extension view, so that a malformed extension never turns into "no extensions" (which
would skip the EKU and keyUsage checks, failing open).

The DER is read with :func:`certkit.jdk.der.read_strict` (definite lengths, the tags
certificates use), the reader every strict walk of certkit shares.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from certkit.jdk.der import MalformedCertificate, read_strict
from certkit.jdk.der import oid_text as der_oid_text

#: The bytes are not the DER the JDK expects at this place (the shared reader's error).
Malformed = MalformedCertificate


@dataclass(frozen=True)
class Tlv:
    tag: int  # the identifier octet (class, constructed bit, number < 31)
    content: bytes
    raw: bytes

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)

    @property
    def number(self) -> int:
        return self.tag & 0x1F

    @property
    def context(self) -> bool:
        return self.tag & 0xC0 == 0x80

    def children(self) -> list[Tlv]:
        return read_all(self.content)


def read_one(data: bytes, offset: int = 0) -> tuple[Tlv, int]:
    tag, start, end = read_strict(data, offset, len(data))
    return Tlv(tag, data[start:end], data[offset:end]), end


def read_all(data: bytes) -> list[Tlv]:
    items, offset = [], 0
    while offset < len(data):
        item, offset = read_one(data, offset)
        items.append(item)
    return items


def read_single(data: bytes, tag: int | None = None) -> Tlv:
    item, end = read_one(data)
    if end != len(data):
        raise Malformed("extra data after the value")
    if tag is not None and item.tag != tag:
        raise Malformed(f"expected tag {tag:#x}, found {item.tag:#x}")
    return item


def oid_text(content: bytes) -> str:
    if not content or content[-1] & 0x80:
        raise Malformed("bad object identifier")
    return der_oid_text(content)


def bits(item: Tlv) -> list[bool]:
    if item.tag != 0x03 or not item.content or item.content[0] > 7:
        raise Malformed("not a bit string")
    unused, payload = item.content[0], item.content[1:]
    flags = [bool(byte & (0x80 >> i)) for byte in payload for i in range(8)]
    return flags[:len(flags) - unused] if unused else flags


BASIC_CONSTRAINTS = "2.5.29.19"
KEY_USAGE = "2.5.29.15"
EXTENDED_KEY_USAGE = "2.5.29.37"
SUBJECT_ALT_NAME = "2.5.29.17"
NAME_CONSTRAINTS = "2.5.29.30"
CERTIFICATE_POLICIES = "2.5.29.32"
POLICY_MAPPINGS = "2.5.29.33"
POLICY_CONSTRAINTS = "2.5.29.36"
INHIBIT_ANY_POLICY = "2.5.29.54"
NETSCAPE_CERT_TYPE = "2.16.840.1.113730.1.1"

#: Critical extensions some checker of the JDK's PKIXCertPathValidator processes
#: (ConstraintsChecker, KeyChecker, PolicyChecker); any other critical one is
#: "unrecognized critical extension(s)".
PROCESSED_CRITICAL = frozenset({
    BASIC_CONSTRAINTS, KEY_USAGE, EXTENDED_KEY_USAGE, SUBJECT_ALT_NAME, NAME_CONSTRAINTS,
    CERTIFICATE_POLICIES, POLICY_MAPPINGS, POLICY_CONSTRAINTS, INHIBIT_ANY_POLICY,
})


@dataclass(frozen=True)
class GeneralName:
    kind: str  # "dns", "email", "uri", "ip", "dn", "other", "rid", "x400", "edi"
    value: object  # str for dns/email/uri, ip_address/ip_network for ip, RDN tuple for dn, bytes otherwise


_GENERAL_NAME_KINDS = {0: "other", 1: "email", 2: "dns", 3: "x400", 4: "dn", 5: "edi", 6: "uri", 7: "ip", 8: "rid"}


def rdns(name: Tlv) -> tuple[tuple[tuple[str, str], ...], ...]:
    """A Name as RDNs of (type OID, value compared case- and space-insensitively as the JDK's X500Name does)."""
    if name.tag != 0x30:
        raise Malformed("a name is a SEQUENCE")
    result = []
    for rdn in name.children():
        attributes = []
        for attribute in rdn.children():
            oid_item, value = attribute.children()
            text = value.content.decode("utf-8", "replace") if value.tag in (0x0C, 0x13, 0x14, 0x16, 0x1A) else value.raw.hex()
            if value.tag == 0x1E:
                text = value.content.decode("utf-16-be", "replace")
            attributes.append((oid_text(oid_item.content), " ".join(text.lower().split())))
        result.append(tuple(sorted(attributes)))
    return tuple(result)


def general_name(item: Tlv, *, in_constraint: bool = False) -> GeneralName:
    kind = _GENERAL_NAME_KINDS.get(item.number) if item.context else None
    if kind is None:
        raise Malformed("not a GeneralName")
    if kind in ("email", "dns", "uri"):
        return GeneralName(kind, item.content.decode("ascii"))
    if kind == "ip":
        raw = item.content
        if in_constraint and len(raw) in (8, 32):
            half = len(raw) // 2
            address = ipaddress.ip_address(raw[:half])
            mask = int.from_bytes(raw[half:], "big")
            prefix = bin(mask).count("1")
            return GeneralName(kind, ipaddress.ip_network(f"{address}/{prefix}", strict=False))
        if not in_constraint and len(raw) in (4, 16):
            return GeneralName(kind, ipaddress.ip_address(raw))
        raise Malformed("bad IP address length")
    if kind == "dn":
        return GeneralName(kind, rdns(read_single(item.content)))
    return GeneralName(kind, item.content)


@dataclass
class Extension:
    oid: str
    critical: bool
    value: bytes


@dataclass
class CertFields:
    """What the JDK reads from one certificate for path validation."""

    version: int
    issuer: tuple
    subject: tuple
    subject_der: bytes
    issuer_der: bytes
    extensions: dict[str, Extension] = field(default_factory=dict)

    def get(self, oid: str) -> Extension | None:
        return self.extensions.get(oid)


@functools.lru_cache(maxsize=4096)
def read_fields(certificate: x509.Certificate) -> CertFields:
    """The certificate's version, names and raw extensions; Malformed when the JDK could not parse it.

    Cached: the path builder asks for the same certificates' names many times."""
    outer = read_single(certificate.public_bytes(Encoding.DER), 0x30)
    tbs = outer.children()[0]
    parts = tbs.children()
    version = 1
    if parts and parts[0].tag == 0xA0:
        version = int.from_bytes(read_single(parts[0].content, 0x02).content, "big") + 1
        parts = parts[1:]
    if len(parts) < 6:
        raise Malformed("incomplete TBSCertificate")
    issuer, subject = parts[2], parts[4]
    fields = CertFields(version, rdns(issuer), rdns(subject), subject.raw, issuer.raw)
    trailing = parts[6:]
    for item in trailing:
        if item.tag in (0x81, 0x82, 0xA1, 0xA2) and version >= 2:
            continue  # unique identifiers
        if item.tag != 0xA3:
            raise Malformed("no more data allowed for version 1 certificate")
        if version < 3:
            raise Malformed(f"no more data allowed for version {version} certificate")
        for extension in read_single(item.content, 0x30).children():
            pieces = extension.children()
            if not pieces or pieces[0].tag != 0x06:
                raise Malformed("bad extension")
            critical = len(pieces) == 3 and pieces[1].tag == 0x01 and pieces[1].content != b"\x00"
            value = pieces[-1]
            if value.tag != 0x04 or len(pieces) > 3:
                raise Malformed("bad extension")
            oid = oid_text(pieces[0].content)
            if oid in fields.extensions:
                raise Malformed("Duplicate extensions not allowed")
            fields.extensions[oid] = Extension(oid, critical, value.content)
    return fields


# ------------------------------------------------------------------ extension values, as the JDK decodes them


def basic_constraints(value: bytes) -> tuple[bool, int | None]:
    """(cA, pathLenConstraint or None). Lenient as BasicConstraintsExtension: an absent cA is false."""
    items = read_single(value, 0x30).children()
    ca = False
    if items and items[0].tag == 0x01:
        ca = items[0].content != b"\x00"
        items = items[1:]
    path_length = None
    if items and items[0].tag == 0x02 and ca:
        path_length = int.from_bytes(items[0].content, "big", signed=True)
    return ca, path_length


def key_usage(value: bytes) -> list[bool]:
    return bits(read_single(value))


def extended_key_usage(value: bytes) -> set[str]:
    """The purposes (an empty SEQUENCE is accepted, as the JDK does: it then permits nothing)."""
    purposes = set()
    for item in read_single(value, 0x30).children():
        if item.tag != 0x06:
            raise Malformed("DerValue.getOID, not an OID")
        purposes.add(oid_text(item.content))
    return purposes


def subject_alt_names(value: bytes) -> list[GeneralName]:
    return [general_name(item) for item in read_single(value, 0x30).children()]


def name_constraints(value: bytes) -> tuple[list[GeneralName] | None, list[GeneralName] | None]:
    """(permitted, excluded) subtrees' base names (minimum/maximum are not used in practice)."""
    permitted = excluded = None
    for item in read_single(value, 0x30).children():
        if item.tag not in (0xA0, 0xA1):
            raise Malformed("Invalid encoding of NameConstraintsExtension.")
        bases = []
        for subtree in item.children():
            if subtree.tag != 0x30 or not subtree.children():
                raise Malformed("Invalid encoding for GeneralSubtree.")
            bases.append(general_name(subtree.children()[0], in_constraint=True))
        if item.tag == 0xA0:
            permitted = bases
        else:
            excluded = bases
    return permitted, excluded


def certificate_policies(value: bytes) -> list[tuple[str, bool]]:
    """(policy OID, whether it carries policy qualifiers) per PolicyInformation."""
    policies = []
    for information in read_single(value, 0x30).children():
        parts = information.children()
        if information.tag != 0x30 or not parts or parts[0].tag != 0x06 or len(parts) > 2:
            raise Malformed("Invalid encoding of PolicyInformation")
        policies.append((oid_text(parts[0].content), len(parts) == 2))
    return policies


def policy_mappings(value: bytes) -> list[tuple[str, str]]:
    mappings = []
    for pair in read_single(value, 0x30).children():
        parts = pair.children()
        if len(parts) != 2 or any(p.tag != 0x06 for p in parts):
            raise Malformed("Invalid encoding for PolicyMappings")
        mappings.append((oid_text(parts[0].content), oid_text(parts[1].content)))
    return mappings


def policy_constraints(value: bytes) -> tuple[int | None, int | None]:
    """(requireExplicitPolicy, inhibitPolicyMapping)."""
    require = inhibit = None
    for item in read_single(value, 0x30).children():
        number = int.from_bytes(item.content, "big")
        if item.tag == 0x80:
            require = number
        elif item.tag == 0x81:
            inhibit = number
        else:
            raise Malformed("Invalid encoding of PolicyConstraint")
    return require, inhibit


def inhibit_any_policy(value: bytes) -> int:
    return int.from_bytes(read_single(value, 0x02).content, "big")
