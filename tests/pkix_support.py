"""Crafted certificate chains for the PKIX tests, and the JDK trust-manager oracle in batches.

The chains are built with cryptography (and, for what its builder refuses to write, by
editing the to-be-signed DER with pyasn1 and signing it again). The verdicts come from
tests/java/TrustManagerOracle.java: one JVM run for a whole table of chains.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyasn1.codec.der import decoder, encoder
from pyasn1.type import univ
from pyasn1_modules import rfc5280

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, common_name)])


def key_usage(*bits: str) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    flags = {n: n in bits for n in names}
    if not flags["key_agreement"]:
        flags["encipher_only"] = flags["decipher_only"] = False
    return x509.KeyUsage(**flags)


CA_USAGE = key_usage("key_cert_sign", "crl_sign")
LEAF_USAGE = key_usage("digital_signature", "key_encipherment")
BOTH_EKU = x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH, x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH])


@dataclass
class Issued:
    """A certificate and its private key (the key signs what it issues)."""

    certificate: x509.Certificate
    key: object


def ca_extensions(path_length: int | None = None) -> list:
    return [(x509.BasicConstraints(ca=True, path_length=path_length), True), (CA_USAGE, True)]


def leaf_extensions(dns: Sequence[str] = ("node.example",)) -> list:
    extensions = [(x509.BasicConstraints(ca=False, path_length=None), True), (LEAF_USAGE, True), (BOTH_EKU, False)]
    if dns:
        extensions.append((x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), False))
    return extensions


def issue(subject: str | x509.Name, issuer: Issued | None = None, *, extensions: Iterable = (),
          key=None, hash_algorithm=None, not_before: dt.datetime | None = None,
          not_after: dt.datetime | None = None, issuer_name: x509.Name | None = None,
          ski: bool = True, aki: bool = True) -> Issued:
    """A certificate of ``subject`` signed by ``issuer`` (None: self-signed) with ``extensions``
    [(value, critical)]; an ``x509.UnrecognizedExtension`` value puts raw bytes in."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject_name = name(subject) if isinstance(subject, str) else subject
    signer = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_name)
        .issuer_name(issuer_name or (issuer.certificate.subject if issuer else subject_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - dt.timedelta(days=30))
        .not_valid_after(not_after or NOW + dt.timedelta(days=365))
    )
    for value, critical in extensions:
        builder = builder.add_extension(value, critical=critical)
    if ski:
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    if aki and issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
    if isinstance(signer, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        return Issued(builder.sign(signer, hash_algorithm or hashes.SHA256()), key)
    return Issued(builder.sign(signer, None), key)  # Ed25519 / Ed448: no separate hash


def root(common_name: str = "Root CA", **kwargs) -> Issued:
    kwargs.setdefault("extensions", ca_extensions())
    return issue(common_name, None, **kwargs)


_SIGNATURE_OIDS = {  # (key type, hash) -> signature AlgorithmIdentifier OID, for hashes cryptography will not sign with
    ("rsa", "sha1"): "1.2.840.113549.1.1.5", ("rsa", "md5"): "1.2.840.113549.1.1.4",
    ("rsa", "sha256"): "1.2.840.113549.1.1.11", ("ec", "sha1"): "1.2.840.10045.4.1",
    ("ec", "sha256"): "1.2.840.10045.4.3.2",
}


def rewrite_tbs(issued: Issued, signer, edit=None, hash_algorithm=hashes.SHA256()) -> Issued:
    """``issued`` with its TBSCertificate changed by ``edit(tbs)`` (pyasn1) and signed again by
    ``signer`` with ``hash_algorithm`` (SHA-1 and MD5 included, which cryptography's builder refuses)."""
    certificate, _ = decoder.decode(issued.certificate.public_bytes(serialization.Encoding.DER),
                                    asn1Spec=rfc5280.Certificate())
    tbs = certificate["tbsCertificate"]
    if edit is not None:
        edit(tbs)
    is_rsa = isinstance(signer, rsa.RSAPrivateKey)
    algorithm = rfc5280.AlgorithmIdentifier()
    algorithm["algorithm"] = univ.ObjectIdentifier(_SIGNATURE_OIDS[("rsa" if is_rsa else "ec", hash_algorithm.name)])
    if is_rsa:
        algorithm["parameters"] = encoder.encode(univ.Null(""))
    tbs["signature"] = algorithm
    tbs_der = encoder.encode(tbs)
    if is_rsa:
        signature = signer.sign(tbs_der, padding.PKCS1v15(), hash_algorithm)
    else:
        signature = signer.sign(tbs_der, ec.ECDSA(hash_algorithm))
    certificate["signatureAlgorithm"] = algorithm
    certificate["signature"] = univ.BitString.fromOctetString(signature)
    return Issued(x509.load_der_x509_certificate(encoder.encode(certificate)), issued.key)


def as_version_1(tbs) -> None:
    """A v1 TBSCertificate (the version field dropped) that keeps its extensions."""
    tbs["version"] = tbs["version"].clone(0)


def pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


@dataclass
class ChainCase:
    """One row: ``chain`` (leaf first, as the peer sends it) against ``anchors`` at ``at``."""

    label: str
    chain: list[x509.Certificate]
    anchors: list[x509.Certificate]
    at: dt.datetime = NOW
    #: A PEM file of further certificates sent after ``chain`` (a pool shared by many cases).
    more: Path | None = None


@dataclass
class JdkVerdict:
    valid: bool
    message: str = ""

    def __str__(self) -> str:
        return "valid" if self.valid else f"invalid: {self.message}"


def jdk_verdicts(java, folder: Path, cases: Sequence[ChainCase]) -> dict[str, JdkVerdict]:
    """The JDK trust manager's verdict on every case (client and server checks), one JVM run."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for index, case in enumerate(cases):
        cas = folder / f"{index}-cas.pem"
        chain = folder / f"{index}-chain.pem"
        cas.write_bytes(pem(*case.anchors))
        chain.write_bytes(pem(*case.chain))
        line = f"{case.label}\t{cas}\t{chain}\t{int(case.at.timestamp() * 1000)}"
        lines.append(line + (f"\t{case.more}" if case.more else ""))
    manifest = folder / "manifest.tsv"
    manifest.write_text("\n".join(lines) + "\n")
    verdicts: dict[str, JdkVerdict] = {}
    for line in java("TrustManagerOracle", str(manifest)).stdout.splitlines():
        label, verdict, *message = line.split("\t")
        verdicts[label] = JdkVerdict(verdict == "valid", message[0] if message else "")
    assert len(verdicts) == len(cases), "the oracle answered for fewer cases than it was given"
    return verdicts
