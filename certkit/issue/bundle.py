"""The files a run produces, laid out exactly as elasticsearch-certutil lays them out.

Node bundle (``certkit cert``)::

    ca/ca.crt                            the CA certificate (+ its issuers), never its key
    <filename>/<filename>.p12            PKCS#12: PrivateKeyEntry "<name>" + trustedCertEntry "ca"
  or, in PEM form,
    <filename>/<filename>.crt            the node certificate (+ intermediate CAs)
    <filename>/<filename>.key            its key, traditional OpenSSL PEM, 0600

CA (``certkit ca``): ``elastic-stack-ca.p12`` (key alias ``ca``) or, in PEM form,
``ca/ca.crt`` + ``ca/ca.key``.

This module only builds ``{relative path: OutputFile}`` maps; :mod:`certkit.io.outputs`
writes them atomically (a folder or a zip) with keys 0600.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certkit.io import OutputFile
from certkit.issue.ca import (
    CertificateAuthority,
    ca_private_key_pem,
    certificate_pem,
    certificate_pem_of_der,
    private_key_pem,
)
from certkit.issue.leaf import IssuedCertificate

if TYPE_CHECKING:
    from certkit.keystores import SharedDerivations

CA_CERT_PATH = "ca/ca.crt"
CA_KEY_PATH = "ca/ca.key"
CA_KEY_ALIAS = "ca"  # certutil's alias for the CA key entry and for the trusted CA in node keystores
DEFAULT_BUNDLE = "certificate-bundle.zip"
DEFAULT_CA_P12 = "elastic-stack-ca.p12"
DEFAULT_CA_ZIP = "elastic-stack-ca.zip"


@dataclass(frozen=True)
class NodePackaging:
    """How each node's files are written: PEM or PKCS#12, with which password.

    Picklable on purpose: :func:`certkit.issue.leaf.issue_all` hands it to its worker processes
    so that keystores are encrypted in parallel with the key generation.
    """

    pem: bool
    password: str | None
    # The signing CA first, then its issuers; empty when self-signed. DER, because
    # cryptography's certificate objects cannot be pickled.
    ca_chain_der: tuple[bytes, ...] = ()
    legacy: bool = False
    # Names the run, so that each process derives the keystores' keys once per run
    # (keystores.SharedDerivations) and never shares them with another run's files.
    run: bytes = field(default_factory=lambda: os.urandom(16), compare=False, repr=False)

    @property
    def ca_chain(self) -> list[x509.Certificate]:
        return list(_decoded_chain(self.ca_chain_der).certificates)

    @property
    def intermediates_pem(self) -> bytes:
        """The PEM of the CA certificates a node sends with its own: all but a self-signed root."""
        return _decoded_chain(self.ca_chain_der).intermediates_pem

    def __call__(self, issued: IssuedCertificate) -> dict[str, OutputFile]:
        return node_files(issued, self)


@dataclass(frozen=True)
class _DecodedChain:
    certificates: tuple[x509.Certificate, ...]
    intermediates_pem: bytes


@functools.lru_cache(maxsize=8)
def _decoded_chain(chain_der: tuple[bytes, ...]) -> _DecodedChain:
    """The CA chain decoded once per process (a worker packages every node with it)."""
    certificates = tuple(x509.load_der_x509_certificate(der) for der in chain_der)
    return _DecodedChain(certificates, certificate_pem(*(c for c in certificates if c.issuer != c.subject)))


def node_files(issued: IssuedCertificate, packaging: NodePackaging) -> dict[str, OutputFile]:
    """The files of one node, keyed by their path inside the bundle."""
    # A bundle zip stores its members as they are. A keystore is encrypted (deflate wins
    # 3%); a PEM file is base64, which deflate shrinks by a quarter, but at ~18 µs of the
    # parent's CPU per member: a third of what an EC node costs beyond its key and its
    # signature, for a bundle that stays a few megabytes (docs/performance.md).
    folder = issued.instance.filename
    if packaging.pem:
        return {
            f"{folder}/{folder}.crt": OutputFile(certificate_pem_of_der(issued.certificate_der)
                                                 + packaging.intermediates_pem, compressible=False),
            f"{folder}/{folder}.key": OutputFile(private_key_pem(issued.private_key, packaging.password,
                                                                 traditional_der=issued.private_key_der),
                                                 secret=True, compressible=False),
        }
    return {f"{folder}/{folder}.p12": OutputFile(node_keystore(issued, packaging), secret=True, compressible=False)}


def node_keystore(issued: IssuedCertificate, packaging: NodePackaging) -> bytes:
    """The node's PKCS#12, usable as both keystore.path and truststore.path (like certutil's).

    PrivateKeyEntry aliased by the instance name, chain leaf then CA (then the CA's
    issuers); the signing CA also as a trustedCertEntry aliased ``ca``.
    """
    from certkit.keystores.writer import serialize_keystore

    ca_chain = packaging.ca_chain
    trusted = [(CA_KEY_ALIAS, ca_chain[0])] if ca_chain else []
    password = packaging.password if packaging.password is not None else ""
    return serialize_keystore(
        alias=issued.instance.name,
        private_key=issued.private_key,
        chain=[issued.certificate, *ca_chain],
        trusted=trusted,
        password=password,
        legacy=packaging.legacy,
        shared=None if packaging.legacy else _shared_derivations(packaging.run, password),
    )


@functools.lru_cache(maxsize=4)
def _shared_derivations(run: bytes, password: str) -> SharedDerivations:
    """The keys of one run's keystores, derived once per process (see SharedDerivations)."""
    from certkit.keystores import SharedDerivations

    return SharedDerivations.derive(password)


def bundle_files(
    issued: Sequence[IssuedCertificate],
    ca: CertificateAuthority | None,
    *,
    pem: bool,
    password: str | None,
    legacy: bool = False,
) -> dict[str, OutputFile]:
    """Every file of a node bundle: ``ca/ca.crt`` (unless self-signed) and each node's files.

    Node files already made by the issuing workers (``IssuedCertificate.packaged``, see
    :func:`certkit.issue.leaf.issue_all`'s ``package``) are used as they are.
    """
    packaging = packaging_for(ca, pem=pem, password=password, legacy=legacy)
    files: dict[str, OutputFile] = {}
    if ca is not None:
        files[CA_CERT_PATH] = OutputFile(certificate_pem(*ca.chain))
    for node in issued:
        ready = node.packaged if isinstance(node.packaged, dict) and node.packaged_with == packaging else None
        files.update(ready if ready is not None else node_files(node, packaging))
    return files


def packaging_for(
    ca: CertificateAuthority | None, *, pem: bool, password: str | None, legacy: bool = False
) -> NodePackaging:
    chain_der = tuple(c.public_bytes(serialization.Encoding.DER) for c in ca.chain) if ca else ()
    return NodePackaging(pem=pem, password=password, ca_chain_der=chain_der, legacy=legacy)


def ca_keystore(ca: CertificateAuthority, password: str | None) -> bytes:
    """The CA as certutil writes ``elastic-stack-ca.p12``: one PrivateKeyEntry aliased ``ca``."""
    from certkit.keystores.writer import serialize_keystore

    return serialize_keystore(
        alias=CA_KEY_ALIAS, private_key=ca.private_key, chain=list(ca.chain), trusted=[],
        password=password if password is not None else "",
    )


def ca_pem_files(ca: CertificateAuthority, password: str | None) -> dict[str, OutputFile]:
    """``ca/ca.crt`` and ``ca/ca.key`` (PKCS#8 PBES2 when a password is given: ca_private_key_pem)."""
    return {
        CA_CERT_PATH: OutputFile(certificate_pem(*ca.chain)),
        CA_KEY_PATH: OutputFile(ca_private_key_pem(ca.private_key, password), secret=True),
    }
