"""Names as Elasticsearch reads them: checked against the JDK (NamesOracle.java), openssl and pyasn1."""

from __future__ import annotations

import ipaddress

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyasn1.codec.der import decoder as der_decoder
from pyasn1.codec.der import encoder
from pyasn1.type import char, univ
from pyasn1_modules import rfc5280

from certkit.errors import InputError
from certkit.jdk import (
    DEFAULT_FIELDS,
    DNS_NAME,
    OTHERNAME_COMMON_NAME,
    MalformedCertificate,
    locate_fields,
    parse_field,
    parse_fields,
    read_names,
    subject_dn,
)
from tests.restrictions_support import der, explicit0, make_ca, make_leaf, utf8_value, write_pem


def _oracle_names(java, path) -> list[dict]:
    """What the JDK + Elasticsearch's decoding read from each certificate of ``path``."""
    certificates: list[dict] = []
    for line in java("NamesOracle", "names", str(path)).stdout.splitlines():
        kind, _, value = line.partition(" ")
        text = bytes.fromhex(value).decode("utf-8") if value else None
        if kind == "CERT":
            certificates.append({"subject": None, "cn": [], "dns": [], "ignored": 0})
        elif kind == "SUBJECT":
            certificates[-1]["subject"] = text
        elif kind == "CN":
            certificates[-1]["cn"].append(text)
        elif kind == "CN-IGNORED":
            certificates[-1]["ignored"] += 1
        elif kind == "DNS":
            certificates[-1]["dns"].append(text)
    return certificates


# Every otherName value encoding docs/versions.md names, with what Elasticsearch reads on a
# JDK before 19 (the last column: what it reads from JDK 19 on, where that differs).
ODD_VALUES = [
    ("utf8", "2.5.4.3", utf8_value("node1.node.c.cluster.s.account"), "node1.node.c.cluster.s.account"),
    ("ia5", "2.5.4.3", encoder.encode(char.IA5String("ia5.example")), "ia5.example"),
    ("printable", "2.5.4.3", encoder.encode(char.PrintableString("Printable Name")), "Printable Name"),
    ("visible", "2.5.4.3", encoder.encode(char.VisibleString("visible")), "visible"),
    ("numeric", "2.5.4.3", encoder.encode(char.NumericString("12345")), "12345"),
    ("general-latin1", "2.5.4.3", encoder.encode(char.GeneralString(b"caf\xe9")), "café"),
    ("bmp", "2.5.4.3", encoder.encode(char.BMPString("bmp-näme")), "bmp-näme"),
    ("octets", "2.5.4.3", encoder.encode(univ.OctetString(b"\x01\xab\xff")), "01abff"),
    ("other-oid", "1.2.3.4", utf8_value("not-a-cn"), None),
    ("upn-oid", "1.3.6.1.4.1.311.20.2.3", utf8_value("user@example"), None),
    ("t61", "2.5.4.3", encoder.encode(char.TeletexString(b"t61")), None),
    ("universal", "2.5.4.3", encoder.encode(char.UniversalString("ucs4")), None),
    ("double-wrapped", "2.5.4.3", explicit0(utf8_value("wrapped")), None, "wrapped"),
    ("in-a-sequence", "2.5.4.3", encoder.encode(univ.SequenceOf(componentType=char.UTF8String()).clone().setComponents(char.UTF8String("seq"))), None, "seq"),
]

def _expected(row, jdk: int):
    """What Elasticsearch on ``jdk`` reads from an ODD_VALUES row."""
    return row[4] if len(row) > 4 and jdk >= 19 else row[3]


@pytest.mark.parametrize("jdk", [17, 25])
@pytest.mark.parametrize("row", ODD_VALUES, ids=[v[0] for v in ODD_VALUES])
def test_each_other_name_encoding(row, jdk):
    label, type_id, value = row[:3]
    expected = _expected(row, jdk)
    certificate = make_leaf(other_names=[(type_id, value)])
    names = read_names(der(certificate), jdk)
    assert names.other_name_cns == ((expected,) if expected is not None else ()), label
    if expected is None and type_id == "2.5.4.3":
        assert len(names.warnings) == 1 and "ignored by Elasticsearch" in names.warnings[0]
    if type_id != "2.5.4.3":
        assert names.warnings == ()  # another type-id is simply not a name, not a problem


@pytest.mark.jdk
def test_odd_encodings_agree_with_the_jdk(tmp_path, java):
    """One certificate per encoding: certkit on the runtime's JDK reads exactly what Elasticsearch on it reads."""
    certificates = [make_leaf(f"odd-{row[0]}", other_names=[row[1:3]], dns=[f"{row[0]}.example"])
                    for row in ODD_VALUES]
    path = write_pem(tmp_path / "odd.pem", *certificates)
    oracle = _oracle_names(java, path)
    assert len(oracle) == len(certificates)
    for certificate, seen_by_jdk, row in zip(certificates, oracle, ODD_VALUES, strict=True):
        label, expected = row[0], _expected(row, java.feature)
        names = read_names(der(certificate), java.feature)
        assert list(names.other_name_cns) == seen_by_jdk["cn"], label
        assert list(names.dns_names) == seen_by_jdk["dns"], label
        assert seen_by_jdk["cn"] == ([expected] if expected else []), label
        assert subject_dn(der(certificate), java.feature) == seen_by_jdk["subject"]


@pytest.mark.openssl
@pytest.mark.jdk
def test_openssl_made_certificate(tmp_path, openssl, java):
    """`openssl req -addext subjectAltName=otherName:2.5.4.3;UTF8:…` as the docs make node certificates."""
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=node1/O=Example, Inc.",
            "-addext", "subjectAltName=otherName:2.5.4.3;UTF8:node1.node.abc123.cluster.42.account,"
            "otherName:2.5.4.3;IA5STRING:legacy.example,otherName:1.2.3.4;UTF8:other,"
            "DNS:node1.example.internal,IP:10.0.0.1,IP:2001:db8::1")
    from cryptography.x509 import load_pem_x509_certificate

    data = der(load_pem_x509_certificate(cert.read_bytes()))
    names = read_names(data)
    assert names.other_name_cns == ("node1.node.abc123.cluster.42.account", "legacy.example")
    assert names.dns_names == ("node1.example.internal",)
    assert names.ip_addresses == ("10.0.0.1", "2001:db8::1")
    oracle = _oracle_names(java, cert)[0]
    assert list(names.other_name_cns) == oracle["cn"]
    assert subject_dn(data) == oracle["subject"] == 'O="Example, Inc.", CN=node1'
    # openssl shows the same entries
    shown = openssl("x509", "-in", cert, "-noout", "-ext", "subjectAltName").stdout.decode()
    assert "node1.node.abc123.cluster.42.account" in shown and "DNS:node1.example.internal" in shown


def test_dns_only_certificate_has_no_othername_cn():
    names = read_names(der(make_leaf(dns=["node1.example.com", "*.example.com"], ips=["192.0.2.1"])))
    assert names.other_name_cns == ()
    assert names.dns_names == ("node1.example.com", "*.example.com")
    assert names.values(DEFAULT_FIELDS) == []  # IP SANs and the subject CN are never read
    assert names.values([DNS_NAME]) == ["node1.example.com", "*.example.com"]


def test_certificate_without_san():
    data = der(make_leaf(eku=None))
    assert read_names(data).values([OTHERNAME_COMMON_NAME, DNS_NAME]) == []
    assert locate_fields(data).subject_alt_names is None


def test_values_are_a_set_in_certificate_order():
    names = read_names(der(make_leaf(cns=["b", "a", "b"], dns=["a", "c"])))
    assert names.values([OTHERNAME_COMMON_NAME, DNS_NAME]) == ["b", "a", "c"]


def test_basic_constraints_flag():
    ca, _ = make_ca()
    assert locate_fields(der(ca)).is_ca is True
    assert locate_fields(der(make_leaf(ca=False))).is_ca is False
    assert locate_fields(der(make_leaf(ca=None))).is_ca is None


def test_truncated_der_is_malformed():
    data = der(make_leaf(cns=["x"]))
    with pytest.raises(MalformedCertificate):
        locate_fields(data[: len(data) // 2])


@pytest.mark.parametrize("text, field", [
    ("subjectAltName.otherName.commonName", OTHERNAME_COMMON_NAME),
    ("SUBJECTALTNAME.OTHERNAME.COMMONNAME", OTHERNAME_COMMON_NAME),
    ("subjectaltname.dnsname", DNS_NAME),
    ("othername", OTHERNAME_COMMON_NAME),
    ("DNS", DNS_NAME),
])
def test_field_names(text, field):
    assert parse_field(text) == field


def test_unknown_field_is_elasticsearchs_error():
    with pytest.raises(InputError) as error:
        parse_field("subject.cn")
    assert str(error.value).startswith("subject.cn is not a supported x509 field for trust restrictions")


def test_fields_default_and_dedupe():
    assert parse_fields(None) == DEFAULT_FIELDS
    assert parse_fields(["dns", "subjectAltName.dnsName", "othername"]) == (DNS_NAME, OTHERNAME_COMMON_NAME)


# Distinguished names as X500Principal.toString() prints them (Elasticsearch's rejection message).
DN_CASES = [
    [x509.NameAttribute(NameOID.COMMON_NAME, "plain")],
    [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme, Inc."), x509.NameAttribute(NameOID.COMMON_NAME, "a+b=c")],
    [x509.NameAttribute(NameOID.COMMON_NAME, ' lead "quoted" back\\slash')],
    [x509.NameAttribute(NameOID.COMMON_NAME, "two  spaces"), x509.NameAttribute(NameOID.COUNTRY_NAME, "DE")],
    [x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "example"), x509.NameAttribute(NameOID.EMAIL_ADDRESS, "a@example.com"),
     x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Bavaria"), x509.NameAttribute(NameOID.LOCALITY_NAME, "Zürich")],
    [x509.NameAttribute(x509.ObjectIdentifier("1.2.3.4.5"), "custom"), x509.NameAttribute(NameOID.SERIAL_NUMBER, "42"),
     x509.NameAttribute(NameOID.USER_ID, "uid1"), x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "ops#1;x<y>")],
]


@pytest.mark.jdk
def test_subject_dn_matches_x500principal(tmp_path, java):
    certificates = []
    for index, attributes in enumerate(DN_CASES):
        leaf = make_leaf(f"n{index}")
        builder = (x509.CertificateBuilder().subject_name(x509.Name(attributes)).issuer_name(leaf.issuer)
                   .public_key(leaf.public_key()).serial_number(index + 1)
                   .not_valid_before(leaf.not_valid_before_utc).not_valid_after(leaf.not_valid_after_utc))
        from cryptography.hazmat.primitives import hashes

        from tests.restrictions_support import _KEY

        certificates.append(builder.sign(_KEY, hashes.SHA256()))
    multi = x509.Name([x509.RelativeDistinguishedName([
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "b"), x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "a")]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COMMON_NAME, "multi")])])
    from cryptography.hazmat.primitives import hashes

    from tests.restrictions_support import _KEY

    certificates.append(x509.CertificateBuilder().subject_name(multi).issuer_name(multi).public_key(_KEY.public_key())
                        .serial_number(99).not_valid_before(certificates[0].not_valid_before_utc)
                        .not_valid_after(certificates[0].not_valid_after_utc).sign(_KEY, hashes.SHA256()))
    path = write_pem(tmp_path / "dns.pem", *certificates)
    oracle = _oracle_names(java, path)
    assert [subject_dn(der(c)) for c in certificates] == [o["subject"] for o in oracle]


# pyasn1 as an independent decoder of the same extension, on random SANs.
_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_hostname = st.lists(_label, min_size=1, max_size=4).map(".".join)
_cn = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=40)
_ip = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cns=st.lists(_cn, max_size=4), dns=st.lists(_hostname, max_size=4), ips=st.lists(_ip, max_size=3))
def test_random_sans_agree_with_pyasn1(cns, dns, ips):
    certificate = make_leaf(cns=cns, dns=dns, ips=[str(i) for i in ips])
    names = read_names(der(certificate))
    extension = certificate.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value \
        if (cns or dns or ips) else None
    expected_cn, expected_dns, expected_ip = [], [], []
    if extension is not None:
        decoded, _ = der_decoder.decode(extension.public_bytes(), asn1Spec=rfc5280.SubjectAltName())
        for general_name in decoded:
            kind = general_name.getName()
            if kind == "otherName":
                assert str(general_name["otherName"]["type-id"]) == "2.5.4.3"
                inner, _ = der_decoder.decode(bytes(general_name["otherName"]["value"]), asn1Spec=char.UTF8String())
                expected_cn.append(str(inner))
            elif kind == "dNSName":
                expected_dns.append(str(general_name["dNSName"]))
            elif kind == "iPAddress":
                expected_ip.append(str(ipaddress.ip_address(bytes(general_name["iPAddress"]))))
    assert expected_cn == cns
    # An empty UTF8String ends its [0]: Elasticsearch's DerParser fails on it, so no name
    # (tests/test_jdk_names.py checks that against the JDK).
    assert list(names.other_name_cns) == [cn for cn in cns if cn]
    assert list(names.dns_names) == expected_dns
    assert list(names.ip_addresses) == expected_ip
