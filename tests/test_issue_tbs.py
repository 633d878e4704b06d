"""certkit encodes node certificates itself (certkit.issue.tbs); cryptography's builder is the reference.

For every CA key type, node key type, instance shape and validity, the to-be-signed bytes
must be the ones ``CertificateBuilder`` encodes for the same fields (serial and key
copied), and the signature must verify with the CA's key. An RSA CA signs with PKCS#1
v1.5, which is deterministic: there the whole certificate must be the same bytes. The
JDK, keytool and OpenSSL read certkit's certificates throughout the rest of the suite.
"""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from certkit.errors import InputError
from certkit.issue.ca import CertificateAuthority, create_ca, generate_private_key
from certkit.issue.leaf import Validity, build_certificate, subject_alternative_names
from certkit.issue.tbs import CertificateTemplate, subject_der
from certkit.model import Instance
from certkit.plan import subject_for

CLOUD_NAME = "node1.node.aaaabbbbaaaabbbb.cluster.1053523734.account"
INSTANCES = {
    "plain": Instance("node1", "node1", dns=("node1.example.internal",), ip=("10.0.0.1",), cn=(CLOUD_NAME,)),
    "no-sans": Instance("bare", "bare"),
    "dn-name": Instance("CN=node2,OU=ops,O=Example,C=DE", "node2", dns=("node2",)),
    "unicode": Instance("nœud-é", "noeud", cn=("ünïcode.node.aaaabbbbaaaabbbb.cluster.1053523734.account",)),
    "many": Instance("n" * 64, "many", dns=tuple(f"d{i}.example" for i in range(40)),
                     ip=("::1", "fe80::1", "192.168.0.1", "2001:db8::ff00:42:8329"),
                     cn=tuple(f"c{i}.node.x.cluster.y.account" for i in range(20))),
}


def _reference(certificate: x509.Certificate, instance: Instance, key, ca: CertificateAuthority | None) -> x509.Certificate:
    """What cryptography's builder makes of the same fields (serial and dates copied)."""
    is_rsa = isinstance(key, rsa.RSAPrivateKey)
    subject = subject_for(instance.name)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    if ca is None:
        issuer, signing_key = subject, key
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    else:
        issuer, signing_key = ca.certificate.subject, ca.private_key
        try:
            ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski)
        except x509.ExtensionNotFound:
            aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.certificate.public_key())
    builder = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
        .public_key(key.public_key()).serial_number(certificate.serial_number)
        .not_valid_before(certificate.not_valid_before_utc).not_valid_after(certificate.not_valid_after_utc)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=is_rsa,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                       critical=False)
        .add_extension(ski, critical=False)
        .add_extension(aki, critical=False)
    )
    sans = subject_alternative_names(instance)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def _verify(certificate: x509.Certificate, signer_public_key) -> None:
    if isinstance(signer_public_key, rsa.RSAPublicKey):
        signer_public_key.verify(certificate.signature, certificate.tbs_certificate_bytes, padding.PKCS1v15(),
                                 hashes.SHA256())
    else:
        signer_public_key.verify(certificate.signature, certificate.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))


def _assert_as_cryptography_builds_it(certificate, instance, key, ca) -> None:
    reference = _reference(certificate, instance, key, ca)
    assert certificate.tbs_certificate_bytes == reference.tbs_certificate_bytes
    assert certificate.signature_algorithm_oid == reference.signature_algorithm_oid
    signer = key if ca is None else ca.private_key
    _verify(certificate, signer.public_key())
    if isinstance(signer, rsa.RSAPrivateKey):  # PKCS#1 v1.5 is deterministic
        assert certificate.public_bytes(serialization.Encoding.DER) == reference.public_bytes(serialization.Encoding.DER)


CAS = {
    "rsa-2048": lambda: create_ca("CN=tbs RSA CA,O=certkit tests", key_type="rsa"),
    "rsa-3072": lambda: create_ca("CN=tbs RSA-3072 CA", key_type="rsa", key_size=3072),
    "p256": lambda: create_ca("CN=tbs P-256 CA", key_type="ec"),
    "p384": lambda: create_ca("CN=tbs P-384 CA", key_type="ec", curve="P-384"),
    "p521": lambda: create_ca("CN=tbs P-521 CA", key_type="ec", curve="P-521"),
    "self-signed": lambda: None,
}


@pytest.fixture(scope="module", params=sorted(CAS))
def ca(request):
    return CAS[request.param]()


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
@pytest.mark.parametrize("shape", sorted(INSTANCES))
def test_every_certificate_is_the_one_cryptographys_builder_encodes(ca, key_type, shape):
    validity = Validity.starting_now(30)
    key = generate_private_key(key_type)
    for _ in range(2):  # the second certificate reuses the template the first one built
        certificate = build_certificate(INSTANCES[shape], key, validity, ca)
        _assert_as_cryptography_builds_it(certificate, INSTANCES[shape], key, ca)


@pytest.mark.parametrize("not_before, not_after", [
    (dt.datetime(2049, 12, 31, 23, 59, 59, tzinfo=dt.UTC), dt.datetime(2050, 1, 1, tzinfo=dt.UTC)),  # UTCTime | GeneralizedTime
    (dt.datetime(1950, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59)),  # naive: read as UTC
    (dt.datetime(2026, 6, 1, 12, 30, 15, 999_999, tzinfo=dt.UTC), dt.datetime(2027, 6, 1, 0, 0, 0, 1)),  # fractions dropped
    (dt.datetime(2026, 6, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),  # an aware non-UTC date
     dt.datetime(2026, 6, 2, tzinfo=dt.timezone(dt.timedelta(hours=-5)))),
])
def test_validity_dates_are_encoded_as_cryptography_encodes_them(not_before, not_after):
    ca = create_ca("CN=dates CA", key_type="ec")
    key = generate_private_key("ec")
    certificate = build_certificate(INSTANCES["plain"], key, Validity(not_before, not_after), ca)
    _assert_as_cryptography_builds_it(certificate, INSTANCES["plain"], key, ca)


def test_a_ca_without_a_subject_key_identifier_is_named_by_its_public_key():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CA without SKI")])
    now = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    ca = CertificateAuthority(certificate, key)
    node_key = generate_private_key("ec")
    issued = build_certificate(INSTANCES["plain"], node_key, Validity.starting_now(5), ca)
    _assert_as_cryptography_builds_it(issued, INSTANCES["plain"], node_key, ca)


@pytest.mark.parametrize("not_before, not_after, message", [
    (dt.datetime(1949, 12, 31), dt.datetime(2030, 1, 1), "on or after 1950 January 1"),
    (dt.datetime(2030, 1, 1), dt.datetime(2030, 1, 1), "must be after the not valid before date"),
])
def test_dates_cryptography_refuses_are_refused(not_before, not_after, message):
    with pytest.raises(ValueError, match=message):
        CertificateTemplate(issuer=None, authority_key_id=None, not_before=not_before, not_after=not_after)


def test_a_plain_name_is_encoded_as_cryptographys_common_name():
    for name in ("node1", "a", "é" * 32, "with space", "x" * 64, "tab\there", "日本語ノード"):
        assert subject_der(name) == subject_for(name).public_bytes()


@pytest.mark.parametrize("name", ["é" * 33, "x" * 65, "日本" * 11])
def test_a_name_over_64_utf8_bytes_is_one_input_error_not_cryptographys_value_error(name):
    """cryptography counts a CN's UTF-8 bytes: 'é' * 40 (40 characters, 80 bytes) once
    crashed `certkit cert --name` with its ValueError."""
    with pytest.raises(InputError, match="at most 64"):
        subject_der(name)


def test_cert_refuses_a_long_non_ascii_name_in_one_line(cli, tmp_path):
    result = cli("cert", "--self-signed", "--name", "é" * 40, "--pem", "--out", tmp_path / "bundle.zip")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and "takes 80 bytes in UTF-8" in result.stderr.splitlines()[0]
    assert not (tmp_path / "bundle.zip").exists()


_SAN_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=70)
_DNS = st.from_regex(r"[a-z0-9*][a-z0-9.-]{0,40}", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(name=st.one_of(_SAN_TEXT.filter(lambda n: "=" not in n and len(n.encode()) <= 64), st.just("CN=a,O=b")),
       cns=st.lists(_SAN_TEXT, max_size=4), dns=st.lists(_DNS, max_size=4),
       ips=st.lists(st.ip_addresses().map(str), max_size=3))
def test_random_instances_are_encoded_as_cryptography_encodes_them(name, cns, dns, ips):
    instance = Instance(name, "n", dns=tuple(dns), ip=tuple(ips), cn=tuple(cns))
    ca, key, validity = _hypothesis_parts()
    certificate = build_certificate(instance, key, validity, ca)
    _assert_as_cryptography_builds_it(certificate, instance, key, ca)


@functools.cache
def _hypothesis_parts():
    """One CA, node key and validity for every example (made on first use, not at collection)."""
    return create_ca("CN=hypothesis CA", key_type="rsa"), generate_private_key("ec"), Validity.starting_now(10)


def test_a_certificate_from_a_worker_tells_its_serial_without_being_decoded():
    from certkit.issue.leaf import IssuedCertificate, certificate_der

    ca = create_ca("CN=serial CA", key_type="ec")
    key = generate_private_key("ec")
    for _ in range(20):
        der = certificate_der(INSTANCES["plain"], key, Validity.starting_now(3), ca)
        received = IssuedCertificate.from_der(INSTANCES["plain"], der, b"")
        assert received.serial_number == x509.load_der_x509_certificate(der).serial_number
        assert received._certificate is None  # still not decoded
        assert received.certificate.public_bytes(serialization.Encoding.DER) == der


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=64)
       .filter(lambda n: "=" not in n and len(n.encode()) <= 64))
def test_a_plain_names_subject_text_is_cryptographys_rfc4514_string(name):
    from certkit.plan import subject_text

    assert subject_text(name) == subject_for(name).rfc4514_string()


def test_subject_text_of_names_rfc4514_escapes():
    from certkit.plan import subject_text

    for name in ("#hash", " lead", "trail ", "a,b", "a+b", 'q"q', "back\\slash", "semi;colon", "<x>", "nul\x00x",
                 "CN=dn,O=org"):
        assert subject_text(name) == subject_for(name).rfc4514_string()


def test_a_second_ca_gets_its_own_template():
    validity = Validity.starting_now(30)
    first, second = create_ca("CN=first CA", key_type="ec"), create_ca("CN=second CA", key_type="ec")
    key = generate_private_key("ec")
    for ca in (first, second, first):
        certificate = build_certificate(INSTANCES["plain"], key, validity, ca)
        assert certificate.issuer == ca.certificate.subject
        ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        aki = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        assert aki.key_identifier == ca_ski


def test_the_pem_written_from_the_der_is_cryptographys_pem_for_every_length():
    """A PEM bundle's certificates are base64'd from their DER (certificate_pem_of_der), not
    decoded and re-encoded: the bytes must be cryptography's, whatever the DER's length
    modulo 48 (a base64 line's worth: the last line full, short, or of one character)."""
    from certkit.issue.ca import certificate_pem, certificate_pem_of_der
    from certkit.issue.leaf import issue_certificate

    ca = create_ca("CN=PEM CA", key_type="rsa")  # signatures of one length: the DER grows with the name
    residues = set()
    for length in range(1, 120):
        issued = issue_certificate(ca, Instance("node", "node", cn=("c" * length,)), key_type="ec")
        residues.add(len(issued.certificate_der) % 48)
        assert certificate_pem_of_der(issued.certificate_der) == certificate_pem(issued.certificate)
    assert residues == set(range(48))


@pytest.mark.parametrize("key_type, key_size", [("ec", None), ("ec", 384), ("rsa", 2048), ("rsa", 3072)])
def test_the_key_pem_written_from_the_traditional_der_is_cryptographys_pem(key_type, key_size):
    """A PEM bundle's .key files are base64'd from the traditional DER the worker sends the
    parent (one encoding of the key, not two): the bytes must be cryptography's
    TraditionalOpenSSL PEM, and the parent must get the same key back from the DER."""
    from certkit.issue.ca import private_key_pem
    from certkit.issue.leaf import IssuedCertificate, issue_certificate

    for _ in range(8 if key_type == "ec" else 2):  # EC keys' DER varies in length with the scalar
        issued = issue_certificate(None, INSTANCES["plain"], key_type=key_type, key_size=key_size)
        key = issued.private_key
        expected = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                     serialization.NoEncryption())
        assert private_key_pem(key, None, traditional_der=issued.private_key_der) == expected
        assert private_key_pem(key, None) == expected
        received = IssuedCertificate.from_der(INSTANCES["plain"], issued.certificate_der, issued.private_key_der)
        assert received.private_key.private_numbers() == key.private_numbers()
        encrypted = private_key_pem(key, "pw", traditional_der=issued.private_key_der)
        assert b"Proc-Type: 4,ENCRYPTED" in encrypted
        opened = serialization.load_pem_private_key(encrypted, b"pw")
        assert opened.private_numbers() == key.private_numbers()
