"""Shared by the PKCS#12 and convert tests: a small PKI and the JDK's view of a keystore."""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass, field
from pathlib import Path

import pytest
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
    now = datetime.datetime.now(datetime.UTC)
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


@dataclass(frozen=True)
class Pkcs12Input:
    """A PKCS#12 file made by a real program, with its password and what it holds."""

    path: Path
    password: str
    has_chain: bool  # holds the intermediate and root besides the leaf
    trusted_alias: str | None = None  # a JDK trustedCertEntry besides the key entry


#: The names of the PKCS#12 files make_real_inputs() writes, one per way of writing them.
INPUT_NAMES = [
    "openssl-default",
    "openssl-default-chain",
    "openssl-legacy",
    "openssl-legacy-chain",
    "openssl-empty-password",
    "openssl-legacy-empty-password",
    "openssl-no-mac-no-encryption",
    "keytool-default",
    "keytool-legacy",
]


def make_real_inputs(folder: Path, pki: Pki, openssl, keytool) -> dict[str, Pkcs12Input]:
    """PKCS#12 files written by ``openssl pkcs12 -export`` and by keytool, by name."""
    pem = pki.write_pem(folder)
    chain_file = folder / "chain.pem"
    chain_file.write_bytes(pem["intermediate.pem"].read_bytes() + pem["root.pem"].read_bytes())
    inputs: dict[str, Pkcs12Input] = {}

    def openssl_export(name: str, password: str, *extra: str, chain: bool) -> None:
        path = folder / f"{name}.p12"
        args = ["pkcs12", "-export", "-inkey", pem["leaf.key"], "-in", pem["leaf.pem"], "-name", "node1",
                "-passout", f"pass:{password}", "-out", path, *extra]
        if chain:
            args += ["-certfile", chain_file]
        openssl(*args)
        inputs[name] = Pkcs12Input(path, password, chain)

    openssl_export("openssl-default", "s3cret", chain=False)
    openssl_export("openssl-default-chain", "s3cret", chain=True)
    openssl_export("openssl-legacy", "s3cret", "-legacy", chain=False)
    openssl_export("openssl-legacy-chain", "s3cret", "-legacy", chain=True)
    openssl_export("openssl-empty-password", "", chain=True)
    openssl_export("openssl-legacy-empty-password", "", "-legacy", chain=True)
    openssl_export("openssl-no-mac-no-encryption", "", "-nomac", "-keypbe", "NONE", "-certpbe", "NONE", chain=True)

    for name, extra in (("keytool-default", ()), ("keytool-legacy", ("-J-Dkeystore.pkcs12.legacy",))):
        path = folder / f"{name}.p12"
        common = ["-keystore", path, "-storetype", "PKCS12", "-storepass", "changeit", *extra]
        keytool("-genkeypair", "-alias", "node", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=keytool node",
                "-validity", "30", *common)
        keytool("-importcert", "-alias", "ca", "-file", pem["root.pem"], "-noprompt", *common)
        inputs[name] = Pkcs12Input(path, "changeit", False, trusted_alias="ca")
    return inputs


def openssl_extract(openssl, path: Path, password: str, *selection: str) -> list[bytes]:
    """Certificate DERs that ``openssl pkcs12 -legacy -nokeys [selection]`` extracts."""
    out = openssl("pkcs12", "-legacy", "-in", path, "-passin", f"pass:{password}", "-nokeys", *selection).stdout
    return [der(certificate) for certificate in x509.load_pem_x509_certificates(out)] if out.strip() else []


def openssl_key_pkcs8(openssl, path: Path, password: str) -> bytes:
    out = openssl("pkcs12", "-legacy", "-in", path, "-passin", f"pass:{password}", "-nocerts", "-nodes").stdout
    return pkcs8(serialization.load_pem_private_key(out, None))


@pytest.fixture(scope="module")
def pki():
    """One PKI (root, intermediate, leaf) per test module."""
    return make_pki()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, pki, openssl, keytool):
    """The real PKCS#12 files of INPUT_NAMES, written by openssl and keytool."""
    return make_real_inputs(tmp_path_factory.mktemp("p12-inputs"), pki, openssl, keytool)


#: The JDK's entry kinds by the names certkit reports (keytool's names).
JDK_KINDS = {"PrivateKeyEntry": "PrivateKeyEntry", "TrustedCertificateEntry": "trustedCertEntry",
             "SecretKeyEntry": "SecretKeyEntry", "Other": "Other"}


def jdk_views(java, files: list[tuple[Path, str | None]], folder: Path) -> dict[str, list[tuple[str, str, int]] | str]:
    """What the JDK's KeyStore lists for each file, all files in one JVM run: by path, the
    (alias, kind, chain length) of every alias in order, or the load failure's text."""
    listing = folder / "probe-list.txt"
    listing.write_text("".join(f"{path}\t{'-null-' if password is None else password}\n" for path, password in files),
                       encoding="utf-8")
    views: dict[str, list[tuple[str, str, int]] | str] = {}
    current = ""
    for line in java("Pkcs12KeystoreProbe", "--batch", str(listing)).stdout.splitlines():
        kind, *rest = line.split("\t")
        if kind == "FILE":
            current = rest[0]
            views[current] = []
        elif kind == "VIEW":
            entries = views[current]
            assert isinstance(entries, list)
            entries.append((rest[0], JDK_KINDS[rest[1]], int(rest[2])))
        elif kind == "FAILED":
            views[current] = rest[0]
    return views


def certkit_view(loaded) -> list[tuple[str, str, int]]:
    """certkit's JDK view in the probe's terms (a trusted entry has no chain: 0)."""
    return [(entry.alias, entry.kind, len(entry.chain) if entry.kind == "PrivateKeyEntry" else 0)
            for entry in loaded.jdk_entries]
