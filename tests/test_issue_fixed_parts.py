"""Signing each node certificate with the CA's parts built once gives the same certificates.

build_certificate encodes the extensions every certificate of a CA shares (basicConstraints,
keyUsage, extendedKeyUsage, authorityKeyIdentifier) once, as their DER values, and reuses
the CA's issuer name and key object. These tests hold it to the certificate cryptography
builds from the extension objects themselves: the same to-be-signed bytes, and a
signature the CA key verifies (openssl verifies the chain in test_issue.py).
"""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from certkit.issue.ca import create_ca, generate_private_key
from certkit.issue.leaf import Validity, build_certificate, subject_alternative_names
from certkit.model import Instance
from certkit.plan import subject_for

INSTANCE = Instance("node1", "node1", dns=("node1.example.internal",), ip=("10.0.0.1",),
                    cn=("node1.node.aaaabbbbaaaabbbb.cluster.1053523734.account",))


def _built_from_objects(certificate: x509.Certificate, ca, key, is_rsa: bool) -> x509.Certificate:
    """The same certificate (serial and validity copied) built from cryptography's extension objects."""
    ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder().subject_name(subject_for(INSTANCE.name)).issuer_name(ca.certificate.subject)
        .public_key(key.public_key()).serial_number(certificate.serial_number)
        .not_valid_before(certificate.not_valid_before_utc).not_valid_after(certificate.not_valid_after_utc)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=is_rsa,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .add_extension(x509.SubjectAlternativeName(subject_alternative_names(INSTANCE)), critical=False)
    )
    return builder.sign(ca.private_key, hashes.SHA256())


@pytest.mark.parametrize("ca_type", ["ec", "rsa"])
@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_certificates_equal_those_built_from_extension_objects(ca_type, key_type):
    ca = create_ca("CN=fixed parts CA", key_type=ca_type)
    validity = Validity.starting_now(30)
    for _ in range(2):  # the second certificate reuses the parts the first one built
        key = generate_private_key(key_type)
        certificate = build_certificate(INSTANCE, key, validity, ca)
        reference = _built_from_objects(certificate, ca, key, key_type == "rsa")
        assert certificate.tbs_certificate_bytes == reference.tbs_certificate_bytes
        public = ca.certificate.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(certificate.signature, certificate.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA256())
        else:
            assert isinstance(public, ec.EllipticCurvePublicKey)
            public.verify(certificate.signature, certificate.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
        assert certificate.extensions.get_extension_for_class(x509.KeyUsage).value.key_encipherment is (key_type == "rsa")


def test_a_second_ca_gets_its_own_parts():
    validity = Validity.starting_now(30)
    first, second = create_ca("CN=first CA", key_type="ec"), create_ca("CN=second CA", key_type="ec")
    key = generate_private_key("ec")
    for ca in (first, second, first):
        certificate = build_certificate(INSTANCE, key, validity, ca)
        assert certificate.issuer == ca.certificate.subject
        ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        aki = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        assert aki.key_identifier == ca_ski
