"""Shared by the CA / cert / Java tests: CA inputs made by other programs, and checks.

CA inputs come from the programs users make them with (openssl, keytool); only what those
cannot make (an expired CA) is built with cryptography.
"""

from __future__ import annotations

import datetime
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

CA_EXTENSIONS = ("-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
CLUSTER_CN = "{}.node.aaaabbbbaaaabbbb.cluster.1053523734.account"


@dataclass(frozen=True)
class PemCA:
    cert: Path
    key: Path


def openssl_ca(openssl, folder: Path, name: str, *, algorithm: str = "RSA", options: tuple[str, ...] = ("-pkeyopt", "rsa_keygen_bits:2048"),
               key_password: str | None = None, extensions: tuple[str, ...] = CA_EXTENSIONS) -> PemCA:
    """A self-signed CA made by ``openssl genpkey`` (+ ``-aes256`` when ``key_password``) and ``openssl req -x509``."""
    folder.mkdir(parents=True, exist_ok=True)
    key, cert = folder / f"{name}.key", folder / f"{name}.crt"
    encrypt = ("-aes256", "-pass", f"pass:{key_password}") if key_password else ()
    openssl("genpkey", "-algorithm", algorithm, *options, *encrypt, "-out", key)
    passin = ("-passin", f"pass:{key_password}") if key_password else ()
    openssl("req", "-x509", "-new", "-key", key, *passin, "-subj", f"/CN={name}", "-days", "365", "-sha256",
            *extensions, "-out", cert)
    return PemCA(cert, key)


def keytool_ca(keytool, path: Path, alias: str, password: str, *, legacy: bool = False, dname: str = "CN=Keytool CA") -> Path:
    """A CA key entry in a PKCS#12 made by keytool (JDK 17 default PBES2/AES, or its legacy RC2/3DES)."""
    flags = ("-J-Dkeystore.pkcs12.legacy",) if legacy else ()
    keytool(*flags, "-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-dname", dname,
            "-ext", "bc:c=ca:true", "-ext", "ku:c=keyCertSign,cRLSign", "-validity", "365",
            "-storetype", "PKCS12", "-keystore", path, "-storepass", password, "-keypass", password)
    return path


def expired_ca(folder: Path) -> PemCA:
    """A CA whose validity ended yesterday (openssl 3.0 cannot back-date, so cryptography makes it)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Expired CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=400)).not_valid_after(now - datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    paths = PemCA(folder / "expired.crt", folder / "expired.key")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return paths


def files_in(folder: Path) -> set[str]:
    """Every path below ``folder`` (relative), to prove a failed run added nothing."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def openssl_text(openssl, *args) -> str:
    return openssl(*args).stdout.decode()


def modulus_or_pubkey(openssl, *, cert: Path | None = None, key: Path | None = None, passin: str | None = None) -> bytes:
    """The public key (DER) of a certificate or of a private key, as openssl computes it."""
    if cert is not None:
        return openssl("x509", "-in", cert, "-noout", "-pubkey").stdout
    extra = ("-passin", f"pass:{passin}") if passin else ()
    return openssl("pkey", "-in", key, *extra, "-pubout").stdout


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, timeout=120, **kwargs)
