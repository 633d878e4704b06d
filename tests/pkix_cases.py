"""The crafted chain table of tests/test_pkix.py: one row per rule of the JDK's PKIX trust
manager that certkit models, and the edge cases found while comparing with the JDK."""

from __future__ import annotations

import datetime as dt
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyasn1.codec.der import encoder
from pyasn1.type import char

from tests.pkix_support import (
    BOTH_EKU,
    CA_USAGE,
    LEAF_USAGE,
    NOW,
    RSA_KEY,
    ChainCase,
    Issued,
    as_version_1,
    ca_extensions,
    issue,
    key_usage,
    leaf_extensions,
    name,
    rewrite_tbs,
    root,
)

OID = x509.ObjectIdentifier
RAW = x509.UnrecognizedExtension
TRUNCATED = b"\x30\x03\x02\x01\x01"  # a SEQUENCE holding an INTEGER: the wrong shape for every extension below
DAY = dt.timedelta(days=1)


def _certs(items) -> list[x509.Certificate]:
    return [i.certificate if isinstance(i, Issued) else i for i in items]


def _other_name(text: str) -> x509.OtherName:
    return x509.OtherName(OID("2.5.4.3"), encoder.encode(char.UTF8String(text)))


def crafted_cases() -> list[ChainCase]:
    cases: list[ChainCase] = []

    def case(label, chain, anchors, **kwargs):
        cases.append(ChainCase(label, _certs(chain), _certs(anchors), **kwargs))

    top = root()
    inter = issue("Inter", top, extensions=ca_extensions())

    def leaf(issuer=inter, extensions=None, subject="node", **kwargs):
        return issue(subject, issuer, extensions=leaf_extensions() if extensions is None else extensions, **kwargs)

    def inter_with(*extra, extensions=None, **kwargs):
        """The intermediate again (same name and key) with other extensions."""
        return issue("Inter", top, extensions=(ca_extensions() if extensions is None else extensions) + list(extra),
                     key=inter.key, **kwargs)

    def san(*names):
        return [(x509.BasicConstraints(False, None), True), (LEAF_USAGE, True), (BOTH_EKU, False),
                (x509.SubjectAlternativeName(list(names)), False)]

    node = leaf()
    case("valid chain", [node, inter], [top])
    case("chain including the anchor", [node, inter, top], [top])
    case("intermediate as anchor", [node, inter], [inter])
    case("chain out of order", [node, top, inter], [top])
    case("intermediate missing", [node], [top])
    case("self-signed leaf not an anchor", [issue("self", None, extensions=leaf_extensions())], [top])
    case("anchor of the same name, other key, listed first", [node, inter], [root("Root CA"), top])
    # validity and --at
    old = leaf(not_before=NOW - 40 * DAY, not_after=NOW - DAY)
    case("leaf expired", [old, inter], [top])
    case("leaf expired, validated before", [old, inter], [top], at=NOW - 10 * DAY)
    case("leaf not yet valid", [leaf(not_before=NOW + DAY), inter], [top])
    expired_inter = inter_with(not_before=NOW - 60 * DAY, not_after=NOW - DAY)
    case("intermediate expired", [leaf(expired_inter), expired_inter], [top])
    old_root = root("Old Root", not_before=NOW - 100 * DAY, not_after=NOW - DAY)
    below_old = issue("Below Old", old_root, extensions=ca_extensions())
    case("anchor expired (not checked)", [leaf(below_old), below_old], [old_root])
    trusted_leaf = issue("trusted leaf", None, extensions=leaf_extensions(), not_before=NOW - 40 * DAY, not_after=NOW - DAY)
    case("leaf is an anchor, expired", [trusted_leaf], [top, trusted_leaf])
    server_only = leaf(None, extensions=[(LEAF_USAGE, True), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)])
    case("leaf is an anchor, serverAuth only", [server_only], [server_only])
    # trust anchor checks
    for label, extensions in (
        ("anchor without basicConstraints", [(CA_USAGE, True)]),
        ("anchor with CA:FALSE", [(x509.BasicConstraints(False, None), True), (CA_USAGE, True)]),
        ("anchor without keyCertSign", [(x509.BasicConstraints(True, None), True), (key_usage("digital_signature"), True)]),
        ("anchor without keyUsage", [(x509.BasicConstraints(True, None), True)]),
    ):
        anchor = root(label, extensions=extensions)
        below = issue("Below", anchor, extensions=ca_extensions())
        case(label, [leaf(below), below], [anchor])
    skid_root = root("Critical SKI Root", ski=False, key=ec.generate_private_key(ec.SECP256R1()))
    skid_root = root("Critical SKI Root", ski=False, key=skid_root.key, extensions=ca_extensions() + [
        (x509.SubjectKeyIdentifier.from_public_key(skid_root.key.public_key()), True)])
    below_skid = issue("Below SKI", skid_root, extensions=ca_extensions())
    case("anchor with a critical SKI", [leaf(below_skid), below_skid], [skid_root])
    # end-entity checks (client, then server)
    case("EKU serverAuth only", [leaf(extensions=[(LEAF_USAGE, True), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)]), inter], [top])
    case("EKU clientAuth only", [leaf(extensions=[(LEAF_USAGE, True), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)]), inter], [top])
    case("EKU anyExtendedKeyUsage, critical", [leaf(extensions=[(LEAF_USAGE, True), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE]), True)]), inter], [top])
    case("EKU empty", [leaf(extensions=[(LEAF_USAGE, True), (RAW(OID("2.5.29.37"), b"\x30\x00"), False)]), inter], [top])
    case("keyUsage without digitalSignature", [leaf(extensions=[(key_usage("key_encipherment"), True), (BOTH_EKU, False)]), inter], [top])
    case("no extensions at all", [leaf(extensions=[]), inter], [top])
    case("leaf with CA:TRUE", [leaf(extensions=[(x509.BasicConstraints(True, None), True), (key_usage("digital_signature", "key_cert_sign"), True), (BOTH_EKU, False)]), inter], [top])
    case("Netscape cert type server only", [leaf(extensions=leaf_extensions() + [(RAW(OID("2.16.840.1.113730.1.1"), b"\x03\x02\x06\x40"), False)]), inter], [top])
    case("intermediate EKU serverAuth only (not checked)", [leaf(e := inter_with((x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False))), e], [top])
    # critical extensions
    case("leaf unknown critical extension", [leaf(extensions=leaf_extensions() + [(RAW(OID("1.2.3.4"), b"\x05\x00"), True)]), inter], [top])
    case("intermediate unknown critical extension", [leaf(e := inter_with((RAW(OID("1.2.3.4"), b"\x05\x00"), True))), e], [top])
    aia = x509.AuthorityInformationAccess([x509.AccessDescription(
        x509.oid.AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier("http://ca.example/ca"))])
    for label, value in (("AIA", aia), ("issuerAltName", x509.IssuerAlternativeName([x509.DNSName("ca.example")])),
                         ("certificatePolicies", x509.CertificatePolicies([x509.PolicyInformation(OID("1.2.3.4.5"), None)])),
                         ("certificatePolicies with qualifier", x509.CertificatePolicies([x509.PolicyInformation(OID("1.2.3.4.5"), ["https://cps.example"])])),
                         ("policyConstraints requireExplicitPolicy 0", x509.PolicyConstraints(0, None)),
                         ("inhibitAnyPolicy", x509.InhibitAnyPolicy(0)), ("OCSP no check", x509.OCSPNoCheck())):
        case(f"leaf critical {label}", [leaf(extensions=leaf_extensions() + [(value, True)]), inter], [top])
        case(f"intermediate critical {label}", [leaf(e := inter_with((value, True))), e], [top])
    case("leaf critical subjectAltName", [leaf(extensions=[(x, True) for x, _ in leaf_extensions()]), inter], [top])
    # malformed extensions: critical ones make the certificate unparseable, others are ignored
    for label, oid in (("keyUsage", "2.5.29.15"), ("EKU", "2.5.29.37"), ("subjectAltName", "2.5.29.17"),
                       ("nameConstraints", "2.5.29.30"), ("AIA", "1.3.6.1.5.5.7.1.1"), ("certificatePolicies", "2.5.29.32"),
                       ("SKI", "2.5.29.14")):
        for critical in (False, True):
            kind = "critical" if critical else "non-critical"
            leaf_extra = [(x, c) for x, c in leaf_extensions() if x.oid.dotted_string != oid]
            case(f"leaf malformed {kind} {label}",
                 [leaf(extensions=leaf_extra + [(RAW(OID(oid), TRUNCATED), critical)], ski=oid != "2.5.29.14"), inter], [top])
            ca_extra = [(x, c) for x, c in ca_extensions() if x.oid.dotted_string != oid]
            bad = inter_with((RAW(OID(oid), TRUNCATED), critical), extensions=ca_extra, ski=oid != "2.5.29.14")
            case(f"intermediate malformed {kind} {label}", [leaf(bad), bad], [top])
    case("v1 leaf with extensions", [rewrite_tbs(leaf(), inter.key, as_version_1), inter], [top])
    case("v1 intermediate", [leaf(v1 := rewrite_tbs(inter_with(), top.key, as_version_1)), v1], [top])
    # basic constraints
    case("intermediate without basicConstraints", [leaf(e := inter_with(extensions=[(CA_USAGE, True)])), e], [top])
    case("intermediate without keyUsage", [leaf(e := inter_with(extensions=[(x509.BasicConstraints(True, None), True)])), e], [top])
    case("intermediate without keyCertSign", [leaf(e := inter_with(extensions=[(x509.BasicConstraints(True, None), True), (key_usage("crl_sign"), True)])), e], [top])
    path_zero = inter_with(extensions=ca_extensions(0))
    sub = issue("Sub", path_zero, extensions=ca_extensions())
    case("pathLenConstraint 0 with a CA below", [leaf(sub), sub, path_zero], [top])
    self_issued = issue("Inter", path_zero, extensions=ca_extensions())
    case("pathLenConstraint 0 with a self-issued CA below", [leaf(self_issued), self_issued, path_zero], [top])
    # name constraints
    def constrained(permitted=None, excluded=None):
        return inter_with((x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=excluded), True))
    org = constrained([x509.DNSName("example.org")])
    case("NC permitted DNS, name outside", [leaf(org), org], [top])
    case("NC permitted DNS, name inside", [leaf(org, san(x509.DNSName("a.example.org"))), org], [top])
    case("NC permitted DNS, the domain itself", [leaf(org, san(x509.DNSName("example.org"))), org], [top])
    case("NC permitted DNS, suffix without a dot", [leaf(org, san(x509.DNSName("badexample.org"))), org], [top])
    case("NC permitted DNS, upper case", [leaf(org, san(x509.DNSName("A.EXAMPLE.ORG"))), org], [top])
    case("NC permitted DNS, otherName only, CN not a DNS name", [leaf(org, san(_other_name("n.node")), subject="node x"), org], [top])
    case("NC permitted DNS, otherName only, CN outside", [leaf(org, san(_other_name("n.node"))), org], [top])
    case("NC permitted DNS, no SAN, CN inside", [leaf(org, san()[:3], subject="a.example.org"), org], [top])
    case("NC permitted DNS, CA below named outside", [leaf(s := issue("Sub", org, extensions=ca_extensions()), san(x509.DNSName("a.example.org"))), s, org], [top])
    dot = constrained([x509.DNSName(".example.org")])
    case("NC permitted .domain, the domain itself", [leaf(dot, san(x509.DNSName("example.org"))), dot], [top])
    case("NC permitted .domain, a subdomain", [leaf(dot, san(x509.DNSName("a.example.org"))), dot], [top])
    excluded = constrained(None, [x509.DNSName("node.example")])
    case("NC excluded DNS", [leaf(excluded), excluded], [top])
    case("NC empty subtrees", [leaf(e := inter_with((RAW(OID("2.5.29.30"), bytes.fromhex("3004a000a100")), True))), e], [top])
    case("NC empty sequence", [leaf(e := inter_with((RAW(OID("2.5.29.30"), b"\x30\x00"), True))), e], [top])
    other_excluded = constrained(None, [_other_name("x")])
    case("NC excluded otherName, leaf otherName", [leaf(other_excluded, san(_other_name("n.node"))), other_excluded], [top])
    case("NC excluded otherName, leaf DNS", [leaf(other_excluded), other_excluded], [top])
    other_permitted = constrained([_other_name("x")])
    case("NC permitted otherName, leaf otherName", [leaf(other_permitted, san(_other_name("n.node"))), other_permitted], [top])
    dn = constrained([x509.DirectoryName(name("node"))])
    case("NC directoryName, subject inside", [leaf(dn), dn], [top])
    case("NC directoryName, subject outside", [leaf(dn, subject="other"), dn], [top])
    net = constrained([x509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))])
    case("NC IP, address inside", [leaf(net, san(x509.IPAddress(ipaddress.ip_address("10.1.2.3")))), net], [top])
    case("NC IP, address outside", [leaf(net, san(x509.IPAddress(ipaddress.ip_address("11.1.2.3")))), net], [top])
    mail = constrained([x509.RFC822Name("example.org")])
    case("NC email, inside", [leaf(mail, san(x509.RFC822Name("a@example.org"))), mail], [top])
    case("NC email, outside", [leaf(mail, san(x509.RFC822Name("a@sub.example.org"))), mail], [top])
    uri = constrained([x509.UniformResourceIdentifier(".example.org")])
    case("NC URI, inside", [leaf(uri, san(x509.UniformResourceIdentifier("https://a.example.org/x"))), uri], [top])
    case("NC URI, outside", [leaf(uri, san(x509.UniformResourceIdentifier("https://x.org/"))), uri], [top])
    constrained_root = root("NC Root", extensions=ca_extensions() + [(x509.NameConstraints([x509.DNSName("example.org")], None), True)])
    below_nc = issue("Below NC", constrained_root, extensions=ca_extensions())
    case("NC in the anchor (not applied)", [leaf(below_nc), below_nc], [constrained_root])
    # algorithms
    rsa_root = root("RSA Root", key=RSA_KEY)
    case("SHA-1 RSA leaf", [rewrite_tbs(leaf(rsa_root), RSA_KEY, hash_algorithm=hashes.SHA1())], [rsa_root])
    case("SHA-1 ECDSA intermediate", [node, rewrite_tbs(inter, top.key, hash_algorithm=hashes.SHA1())], [top])
    case("MD5 RSA leaf", [rewrite_tbs(leaf(rsa_root), RSA_KEY, hash_algorithm=hashes.MD5())], [rsa_root])
    case("RSA 1024 leaf", [leaf(rsa_root, key=rsa.generate_private_key(public_exponent=65537, key_size=1024))], [rsa_root])
    case("EC P-192 leaf", [leaf(key=ec.generate_private_key(ec.SECP192R1())), inter], [top])
    case("EC P-224 leaf", [leaf(key=ec.generate_private_key(ec.SECP224R1())), inter], [top])
    case("EC secp256k1 leaf", [leaf(key=ec.generate_private_key(ec.SECP256K1())), inter], [top])
    small = issue("P-192 CA", top, extensions=ca_extensions(), key=ec.generate_private_key(ec.SECP192R1()))
    case("EC P-192 intermediate", [leaf(small), small], [top])
    for curve in (ec.SECP224R1(), ec.SECP256K1()):
        odd = issue(f"{curve.name} CA", top, extensions=ca_extensions(), key=ec.generate_private_key(curve))
        case(f"EC {curve.name} intermediate (SunEC cannot verify with it)", [leaf(odd), odd], [top])
    small_root = root("P-192 Root", key=ec.generate_private_key(ec.SECP192R1()))
    case("EC P-192 anchor", [leaf(below := issue("Below P-192", small_root, extensions=ca_extensions())), below], [small_root])
    case("Ed25519 leaf", [leaf(key=ed25519.Ed25519PrivateKey.generate()), inter], [top])
    case("wrong signature", [leaf(issue("Inter", top, extensions=ca_extensions())), inter], [top])
    # cross-signed intermediates: the builder backtracks
    other_root = root("Other Root")
    cross = issue("Inter", other_root, extensions=ca_extensions(), key=inter.key)
    case("cross-signed, untrusted one first", [node, cross, inter], [top])
    case("cross-signed, expired one first", [node, expired_inter, inter], [top])
    case("cross-signed, non-CA one first", [node, inter_with(extensions=[(CA_USAGE, True)]), inter], [top])
    case("cross-signed, only the untrusted one", [node, cross], [top])
    return cases
