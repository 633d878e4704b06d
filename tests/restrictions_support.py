"""Certificates for the x509names / sources / restrictions / inspect tests, built with cryptography.

Only the encoding is certkit-independent here (cryptography writes the DER; otherName
values are DER the tests encode with pyasn1); the verdicts are checked against the JDK and
OpenSSL in the tests themselves.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyasn1.codec.der import encoder
from pyasn1.type import char, tag, univ

COMMON_NAME_OID = x509.ObjectIdentifier("2.5.4.3")
NOW = dt.datetime.now(dt.UTC)

_KEY = ec.generate_private_key(ec.SECP256R1())  # one key for every test leaf: keygen is not under test


def utf8_value(text: str) -> bytes:
    """The DER an otherName value holds inside its [0] EXPLICIT (cryptography adds the [0])."""
    return encoder.encode(char.UTF8String(text))


def explicit0(inner_der: bytes) -> bytes:
    """``inner_der`` wrapped in a constructed [0] (a value double-wrapped in the certificate)."""
    value = univ.Any(inner_der).subtype(explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, 0))
    return encoder.encode(value)


def name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca(common_name: str = "Test CA", *, key_usage: bool = True, issuer=None, key=None,
            not_after: dt.datetime | None = None, path_length: int | None = None,
            key_cert_sign: bool = True, ca_flag: bool = True):
    """(certificate, key) of a CA; self-signed unless ``issuer`` = (certificate, key)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(common_name))
        .issuer_name(issuer[0].subject if issuer else name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(not_after or NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca_flag, path_length=path_length), critical=True)
    )
    if key_usage:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=key_cert_sign,
                          crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
    signer = issuer[1] if issuer else key
    return builder.sign(signer, hashes.SHA256()), key


def make_leaf(common_name: str = "node", *, cns: Sequence[str] = (), dns: Sequence[str] = (),
              ips: Sequence[str] = (), other_names: Sequence[tuple[str, bytes]] = (), issuer=None,
              not_before: dt.datetime | None = None, not_after: dt.datetime | None = None,
              eku: Sequence[x509.ObjectIdentifier] | None = (ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH),
              ca: bool | None = False, key=None) -> x509.Certificate:
    """A leaf certificate; ``issuer`` = (certificate, key) or None for self-signed.

    ``cns`` become otherName 2.5.4.3 UTF8String SANs; ``other_names`` are (type-id, raw
    value DER) pairs put inside the [0] EXPLICIT as they are.
    """
    import ipaddress

    key = key or _KEY
    general_names: list[x509.GeneralName] = [x509.OtherName(COMMON_NAME_OID, utf8_value(cn)) for cn in cns]
    general_names += [x509.OtherName(x509.ObjectIdentifier(oid), der) for oid, der in other_names]
    general_names += [x509.DNSName(d) for d in dns]
    general_names += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(common_name))
        .issuer_name(issuer[0].subject if issuer else name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - dt.timedelta(days=1))
        .not_valid_after(not_after or NOW + dt.timedelta(days=365))
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=False)
    if general_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(general_names), critical=False)
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256())


def pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def write_pem(path: Path, *certificates: x509.Certificate) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pem(*certificates))
    return path


def key_pem(key=None) -> bytes:
    return (key or _KEY).private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())


# ----------------------------------------------------------------------------- live TLS servers


class PythonTlsServer:
    """A TLS server on 127.0.0.1 in a thread; handles ``connections`` handshakes, then stops."""

    def __init__(self, tmp_path: Path, leaf, *, require_client_cert=False, tls12_only=False, connections=1):
        (tmp_path / "server.pem").write_bytes(pem(leaf))
        (tmp_path / "server.key").write_bytes(key_pem())
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
        if require_client_cert:
            ca, _ = make_ca("Client CA")
            (tmp_path / "client-ca.pem").write_bytes(pem(ca))
            self.context.load_verify_locations(tmp_path / "client-ca.pem")
            self.context.verify_mode = ssl.CERT_REQUIRED
        if tls12_only:
            self.context.maximum_version = ssl.TLSVersion.TLSv1_2
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(20)
        self.port = self.listener.getsockname()[1]
        self.connections = connections
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        with self.listener:
            for _ in range(self.connections):
                try:
                    connection, _ = self.listener.accept()
                except OSError:
                    return
                with connection:
                    try:
                        with self.context.wrap_socket(connection, server_side=True) as tls:
                            tls.recv(1)
                    except (ssl.SSLError, OSError):
                        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.thread.join(timeout=20)


@contextlib.contextmanager
def openssl_server(openssl_bin: str, tmp_path: Path, leaf, *extra: str) -> Iterator[int]:
    """``openssl s_server -Verify 1`` (demands a client certificate) for one connection; yields
    its port and, on leaving, waits for it to exit.

    openssl binds port 0 itself and reports the port it got ("ACCEPT 127.0.0.1:PORT"). A port
    picked by the test and bound later by openssl could be taken in between by a parallel
    test's server or outgoing connection, and the test would then talk to that one."""
    (tmp_path / "s.pem").write_bytes(pem(leaf))
    (tmp_path / "s.key").write_bytes(key_pem())
    with subprocess.Popen(
        [openssl_bin, "s_server", "-accept", "127.0.0.1:0", "-cert", str(tmp_path / "s.pem"),
         "-key", str(tmp_path / "s.key"), "-Verify", "1", "-naccept", "1", *extra],
        # Without -quiet (which hides the ACCEPT line) s_server ends the session at the end
        # of its stdin: a pipe kept open, never written, has no end until the session does.
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    ) as process:
        assert process.stdout is not None
        # The ACCEPT line comes once the socket listens: reading it is the wait (no polling).
        for line in process.stdout:
            if line.startswith(b"ACCEPT "):
                port = int(line.split(b":")[-1])
                break
        else:
            raise AssertionError(f"openssl s_server exited ({process.wait()}) without listening")
        # What s_server prints about the session is drained, so it never blocks on a full pipe.
        drain = threading.Thread(target=process.stdout.read, name="s_server-output", daemon=True)
        drain.start()
        try:
            yield port
        finally:
            process.wait(timeout=300)  # a hang guard: it exits once its one connection ends
            drain.join(timeout=300)


