"""Shared by the PKCS#12 and convert tests: a small PKI and the JDK's view of a keystore."""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


@dataclass(frozen=True)
class Pki:
    """Root CA -> intermediate CA -> RSA-2048 leaf ``node1``, plus an unrelated CA."""

    root_key: ec.EllipticCurvePrivateKey
    root: x509.Certificate
    intermediate_key: ec.EllipticCurvePrivateKey
    intermediate: x509.Certificate
    leaf_key: rsa.RSAPrivateKey
    leaf: x509.Certificate
    other_ca: x509.Certificate

    def write_pem(self, folder: Path) -> dict[str, Path]:
        """PEM files of every part (as a user would have them), by name."""
        pem = serialization.Encoding.PEM
        files = {
            "root.pem": self.root.public_bytes(pem),
            "intermediate.pem": self.intermediate.public_bytes(pem),
            "leaf.pem": self.leaf.public_bytes(pem),
            "other-ca.pem": self.other_ca.public_bytes(pem),
            "leaf.key": self.leaf_key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        }
        paths = {}
        for name, data in files.items():
            path = folder / name
            path.write_bytes(data)
            paths[name] = path
        return paths


def _certificate(subject: str, issuer: str, public_key, signer, *, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name.from_rfc4514_string(subject))
        .issuer_name(x509.Name.from_rfc4514_string(issuer))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(signer, hashes.SHA256())


def make_pki() -> Pki:
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate("CN=Test Root CA", "CN=Test Root CA", root_key.public_key(), root_key, ca=True)
    intermediate_key = ec.generate_private_key(ec.SECP256R1())
    intermediate = _certificate(
        "CN=Test Intermediate CA", "CN=Test Root CA", intermediate_key.public_key(), root_key, ca=True
    )
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = _certificate("CN=node1", "CN=Test Intermediate CA", leaf_key.public_key(), intermediate_key, ca=False)
    other_key = ec.generate_private_key(ec.SECP256R1())
    other_ca = _certificate("CN=Other CA", "CN=Other CA", other_key.public_key(), other_key, ca=True)
    return Pki(root_key, root, intermediate_key, intermediate, leaf_key, leaf, other_ca)


@dataclass
class JdkEntry:
    """One keystore entry as ``Pkcs12KeystoreProbe`` printed it."""

    alias: str
    kind: str  # PrivateKeyEntry | TrustedCertificateEntry
    key_algorithm: str | None = None
    key_pkcs8: bytes | None = None
    certificates: list[bytes] = field(default_factory=list)  # DER, chain order
    subjects: list[str] = field(default_factory=list)


def jdk_entries(java, path: Path, password: str | None) -> dict[str, JdkEntry]:
    """What ``KeyStore.getInstance("PKCS12").load(file, password)`` holds, by alias."""
    proc = java("Pkcs12KeystoreProbe", str(path), "-null-" if password is None else password)
    entries: dict[str, JdkEntry] = {}
    for line in proc.stdout.splitlines():
        kind, alias, *rest = line.split("\t")
        if kind == "ENTRY":
            entries[alias] = JdkEntry(alias, rest[0])
        elif kind == "KEY":
            entries[alias].key_algorithm = rest[0]
            entries[alias].key_pkcs8 = base64.b64decode(rest[1])
        elif kind == "CERT":
            entries[alias].subjects.append(rest[1])
            entries[alias].certificates.append(base64.b64decode(rest[2]))
    return entries


def der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def pkcs8(key) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
