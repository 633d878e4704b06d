"""Node certificates: built as elasticsearch-certutil builds them, signed by the user's CA.

A leaf gets (docs/reference.md §5): subject ``CN=<name>`` (or the DN the name spells), the SANs
in a fixed order (otherName commonName 2.5.4.3 as a UTF8String, then dNSName, then
iPAddress; each kind in file order, duplicates dropped), SKI, AKI, basicConstraints
CA:FALSE, a random serial, SHA-256. On top of certutil, what a careful CA adds today:
keyUsage (digitalSignature + keyEncipherment for RSA, digitalSignature for EC) and
extendedKeyUsage serverAuth + clientAuth, because a transport node is both the server
and the client of its peers.

Generating keys dominates the cost (RSA-2048 is ~50 ms a key), so :func:`issue_all`
spreads the work over a process pool: each worker loads the CA key once (pool
initializer), then generates a key, signs the certificate and returns DER bytes.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, cast

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certkit import _workers
from certkit.issue.ca import (
    BACKDATE,
    DEFAULT_DAYS,
    CertificateAuthority,
    PrivateKey,
    check_days,
    check_key_parameters,
    generate_private_key,
)
from certkit.issue.tbs import CertificateTemplate, encoded_extension, subject_der
from certkit.jdk import read_strict
from certkit.model import Instance

ProgressFn = Callable[[int, int], None]
# A picklable callable run on each new certificate inside the worker that made it.
PackageFn = Callable[["IssuedCertificate"], Any]


class IssuedCertificate:
    """A node's new certificate and private key.

    ``packaged`` is what issue_all's ``package`` step made of it in the worker (e.g. the
    node's files) and ``packaged_with`` the step itself, so a consumer can tell whether it
    matches what it wants. A certificate that came back from a worker holds the DER it was
    sent and decodes it on first use: a bundle whose files the workers already made never
    needs the objects, and decoding 2,000 keys cost the parent more than packaging them.
    A certificate just signed (:meth:`signed`) keeps its DER the same way.
    """

    __slots__ = ("instance", "packaged", "packaged_with", "_certificate", "_private_key", "_certificate_der", "_key_der")

    def __init__(self, instance: Instance, certificate: x509.Certificate, private_key: PrivateKey,
                 packaged: Any = None, packaged_with: Any = None) -> None:
        self.instance, self.packaged, self.packaged_with = instance, packaged, packaged_with
        self._certificate: x509.Certificate | None = certificate
        self._private_key: PrivateKey | None = private_key
        self._certificate_der = self._key_der = b""

    @classmethod
    def from_der(cls, instance: Instance, certificate_der: bytes, key_der: bytes, packaged: Any = None,
                 packaged_with: Any = None) -> IssuedCertificate:
        """What a worker sent: the certificate and its key as DER (the key traditional:
        :attr:`private_key_der`), decoded when used."""
        issued = cls.__new__(cls)
        issued.instance, issued.packaged, issued.packaged_with = instance, packaged, packaged_with
        issued._certificate = issued._private_key = None
        issued._certificate_der, issued._key_der = certificate_der, key_der
        return issued

    @classmethod
    def signed(cls, instance: Instance, certificate_der: bytes, private_key: PrivateKey) -> IssuedCertificate:
        """A certificate just signed: its DER (what a worker sends back, and what a PEM
        bundle encodes) kept, the certificate object decoded on first use."""
        issued = cls.from_der(instance, certificate_der, b"")
        issued._private_key = private_key
        return issued

    @property
    def certificate(self) -> x509.Certificate:
        if self._certificate is None:
            self._certificate = x509.load_der_x509_certificate(self._certificate_der)
        return self._certificate

    @property
    def private_key(self) -> PrivateKey:
        if self._private_key is None:
            # A worker just generated this key: re-validating it would cost ~1 ms for RSA.
            self._private_key = cast(PrivateKey, serialization.load_der_private_key(
                self._key_der, None, unsafe_skip_rsa_key_validation=True))
        return self._private_key

    @property
    def private_key_der(self) -> bytes:
        """The key as traditional DER (PKCS#1 for RSA, SEC 1 for EC), what a worker sends
        back and what the ``.key`` file encodes; made once."""
        if not self._key_der:
            self._key_der = self.private_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
        return self._key_der

    @property
    def certificate_der(self) -> bytes:
        """The certificate's DER (kept from signing or from the worker: not re-encoded)."""
        if not self._certificate_der:
            assert self._certificate is not None
            self._certificate_der = self._certificate.public_bytes(serialization.Encoding.DER)
        return self._certificate_der

    @property
    def serial_number(self) -> int:
        """The certificate's serial, read from its DER when the certificate is not decoded."""
        if self._certificate is not None:
            return self._certificate.serial_number
        der = self._certificate_der
        _, certificate_start, certificate_end = read_strict(der, 0, len(der))
        _, tbs_start, tbs_end = read_strict(der, certificate_start, certificate_end)
        tag, serial_start, serial_end = read_strict(der, tbs_start, tbs_end)
        if tag == 0xA0:  # [0] EXPLICIT version (absent only in v1 certificates)
            _, serial_start, serial_end = read_strict(der, serial_end, tbs_end)
        return int.from_bytes(der[serial_start:serial_end], "big", signed=True)

    def __repr__(self) -> str:
        return f"IssuedCertificate({self.instance.name!r})"


@dataclass(frozen=True)
class Validity:
    """The validity window shared by every certificate of one run."""

    not_before: _dt.datetime
    not_after: _dt.datetime

    @classmethod
    def starting_now(cls, days: int = DEFAULT_DAYS) -> Validity:
        check_days(days)
        now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
        return cls(now - BACKDATE, now + _dt.timedelta(days=days))


def _utf8_string_der(text: str) -> bytes:
    """DER of an ASN.1 UTF8String (tag 12): the value certutil puts in its otherName SANs."""
    body = text.encode("utf-8")
    length = len(body)
    if length < 0x80:
        header = bytes([length])
    else:
        octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
        header = bytes([0x80 | len(octets)]) + octets
    return b"\x0c" + header + body


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))


def subject_alternative_names(instance: Instance) -> list[x509.GeneralName]:
    """The SANs of ``instance``'s certificate, in certkit's deterministic order.

    otherName (type-id 2.5.4.3, ``[0] EXPLICIT UTF8String``: cryptography adds the
    explicit tag around the DER we give it), then dNSName, then iPAddress.
    """
    names: list[x509.GeneralName] = [
        x509.OtherName(NameOID.COMMON_NAME, _utf8_string_der(cn)) for cn in _unique(instance.cn)
    ]
    names += [x509.DNSName(dns) for dns in _unique(instance.dns)]
    seen_ips: set[ipaddress.IPv4Address | ipaddress.IPv6Address] = set()
    for text in instance.ip:
        address = ipaddress.ip_address(text)
        if address not in seen_ips:  # "::1" and "0:0::1" are one address
            seen_ips.add(address)
            names.append(x509.IPAddress(address))
    return names


def _key_usage(is_rsa: bool) -> x509.KeyUsage:
    # RSA key exchange (TLS 1.2 RSA suites) encrypts with the key; ECDSA keys only sign.
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False,
        key_encipherment=is_rsa,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )


def _extension(extension: x509.ExtensionType, *, critical: bool = False) -> bytes:
    """``extension`` as the complete Extension encoding every certificate of a run copies."""
    return encoded_extension(extension.oid, extension.public_bytes(), critical=critical)


#: basicConstraints CA:FALSE, keyUsage (critical) and extendedKeyUsage, in certkit's
#: extension order, by "the node key is RSA". A transport node is both the server and the
#: client of its peers.
_LEADING_EXTENSIONS = {
    is_rsa: _extension(x509.BasicConstraints(ca=False, path_length=None))
    + _extension(_key_usage(is_rsa), critical=True)
    + _extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]))
    for is_rsa in (True, False)
}


def _authority_key_id(ca: CertificateAuthority) -> bytes:
    try:
        return ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        # The SHA-1 of the CA's public key, as cryptography computes it for the extension.
        return x509.SubjectKeyIdentifier.from_public_key(cast(Any, ca.certificate.public_key())).digest


# The template per (CA object, validity), kept for the CA's lifetime in this process (a
# worker keeps its one CA; the CA is held here, so its id cannot be reused by another object).
_templates: dict[tuple[int, Validity], tuple[CertificateAuthority | None, CertificateTemplate]] = {}


def _template_for(ca: CertificateAuthority | None, validity: Validity) -> CertificateTemplate:
    key = (id(ca), validity)
    cached = _templates.get(key)
    if cached is None or cached[0] is not ca:
        if len(_templates) > 16:  # a long-lived library caller signing with many CAs
            _templates.clear()
        template = CertificateTemplate(
            issuer=None if ca is None else ca.certificate.subject,
            authority_key_id=None if ca is None else _authority_key_id(ca),
            not_before=validity.not_before, not_after=validity.not_after)
        cached = _templates[key] = (ca, template)
    return cached[1]


def certificate_der(
    instance: Instance,
    private_key: PrivateKey,
    validity: Validity,
    ca: CertificateAuthority | None,
) -> bytes:
    """The DER of ``instance``'s certificate for ``private_key``, signed by ``ca``
    (``None``: self-signed). What every certificate of a run shares is encoded once
    (certkit.issue.tbs); the result is what cryptography's CertificateBuilder makes of the
    same fields."""
    sans = subject_alternative_names(instance)
    return _template_for(ca, validity).sign(
        subject=subject_der(instance.name),
        public_key=private_key.public_key(),
        serial_number=x509.random_serial_number(),
        leading_extensions=_LEADING_EXTENSIONS[isinstance(private_key, rsa.RSAPrivateKey)],
        subject_alt_names=x509.SubjectAlternativeName(sans) if sans else None,
        signing_key=private_key if ca is None else ca.private_key,
    )


def build_certificate(
    instance: Instance,
    private_key: PrivateKey,
    validity: Validity,
    ca: CertificateAuthority | None,
) -> x509.Certificate:
    """Sign ``instance``'s certificate for ``private_key``; ``ca=None`` self-signs it."""
    return x509.load_der_x509_certificate(certificate_der(instance, private_key, validity, ca))


def issue_certificate(
    ca: CertificateAuthority | None,
    instance: Instance,
    *,
    days: int = DEFAULT_DAYS,
    key_type: str = "rsa",
    key_size: int | None = None,
    validity: Validity | None = None,
) -> IssuedCertificate:
    """A new key and a certificate for ``instance`` signed by ``ca`` (``None``: self-signed)."""
    validity = validity or Validity.starting_now(days)
    private_key = generate_private_key(key_type, key_size)
    return IssuedCertificate.signed(instance, certificate_der(instance, private_key, validity, ca), private_key)


# ---------------------------------------------------------------------------------------
# Many certificates in parallel

# State of a pool worker, set once by _init_worker: the CA (parsed once per worker rather
# than once per task) and the run's parameters.
_worker_state: dict[str, object] = {}


def _init_worker(parent_pid: int, ca_cert_der: bytes | None, ca_key_der: bytes | None, key_type: str,
                 key_size: int | None, validity: Validity, package: PackageFn | None) -> None:
    # Ctrl-C is the parent's to handle, and a worker exits when its parent is killed
    # (certkit._workers.prepare_worker).
    _workers.prepare_worker(parent_pid)
    ca = None
    if ca_cert_der is not None and ca_key_der is not None:
        certificate = x509.load_der_x509_certificate(ca_cert_der)
        key = serialization.load_der_private_key(ca_key_der, None)
        ca = CertificateAuthority(certificate, key)  # type: ignore[arg-type]
    _worker_state.update(ca=ca, key_type=key_type, key_size=key_size, validity=validity, package=package)


def _issue_batch_in_worker(tasks: list[tuple[int, Instance]]) -> list[tuple[int, bytes, bytes, Any]]:
    return [_issue_in_worker(task) for task in tasks]


def _issue_in_worker(task: tuple[int, Instance]) -> tuple[int, bytes, bytes, Any]:
    index, instance = task
    state = _worker_state
    issued = issue_certificate(
        state["ca"], instance, key_type=state["key_type"], key_size=state["key_size"],  # type: ignore[arg-type]
        validity=state["validity"],  # type: ignore[arg-type]
    )
    package = state["package"]
    packaged = package(issued) if package is not None else None  # type: ignore[operator]
    return index, issued.certificate_der, issued.private_key_der, packaged


#: EC nodes per pool task: enough that the pool's per-task cost (pickling, pipes, the
#: executor's threads: more CPU than an EC key) is shared, few enough to balance workers.
EC_BATCH = 64

#: The CPUs this process may run on (the default --jobs).
default_jobs = _workers.default_jobs


def issue_all(
    ca: CertificateAuthority | None,
    instances: Sequence[Instance],
    *,
    days: int = DEFAULT_DAYS,
    key_type: str = "rsa",
    key_size: int | None = None,
    jobs: int | None = None,
    progress: ProgressFn | None = None,
    validity: Validity | None = None,
    package: PackageFn | None = None,
) -> list[IssuedCertificate]:
    """Issue a certificate for every instance, in order, using ``jobs`` processes.

    ``jobs`` defaults to the number of usable CPUs; 1 (or a single instance) works in this
    process. ``progress(done, total)`` is called after each certificate. ``package``, a
    picklable callable, runs on each new certificate in the worker that made it (the
    bundle encrypts keystores there, in parallel); its result lands in
    ``IssuedCertificate.packaged``. An interrupt
    (KeyboardInterrupt, which certkit's CLI also raises for SIGTERM) stops the workers.
    """
    validity = validity or Validity.starting_now(days)
    total = len(instances)
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    check_key_parameters(key_type, key_size)  # fail here, not in every worker
    results: list[IssuedCertificate | None] = [None] * total
    if jobs == 1 or total <= 1:
        for index, instance in enumerate(instances):
            issued = issue_certificate(ca, instance, key_type=key_type, key_size=key_size, validity=validity)
            if package is not None:
                issued.packaged, issued.packaged_with = package(issued), package
            results[index] = issued
            if progress:
                progress(index + 1, total)
        return results  # type: ignore[return-value]

    ca_cert_der = ca_key_der = None
    if ca is not None:
        ca_cert_der = ca.certificate.public_bytes(serialization.Encoding.DER)
        ca_key_der = ca.private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    # ProcessPoolExecutor rather than multiprocessing.Pool: a worker that dies (OOM killer,
    # a broken environment) surfaces as BrokenProcessPool instead of an endless respawn.
    with _workers.interrupts_at_safe_points() as points:
        context = _workers.pool_context(["certkit.issue.leaf"])
        executor = ProcessPoolExecutor(
            max_workers=min(jobs, total),
            mp_context=context,
            initializer=_init_worker,
            initargs=(os.getpid(), ca_cert_der, ca_key_der, key_type, key_size, validity, package),
        )
        try:
            # One task per RSA certificate: RSA key generation time varies a lot from key to
            # key, so small tasks balance the workers, and a task's IPC is tiny next to a
            # keygen. An EC key takes a fraction of a millisecond, less than sending a task
            # and its result through the pool, so EC nodes go in batches.
            # (The first submit forks the workers.)
            batch = 1 if key_type == "rsa" else EC_BATCH
            tasks = list(enumerate(instances))
            futures = [executor.submit(_issue_batch_in_worker, tasks[start:start + batch])
                       for start in range(0, total, batch)]
            done = 0
            for future in _workers.completed(futures, points):
                for index, cert_der, key_der, packaged in future.result():
                    results[index] = IssuedCertificate.from_der(instances[index], cert_der, key_der, packaged, package)
                    done += 1
                    if progress:
                        progress(done, total)
        except BrokenProcessPool:
            raise RuntimeError("a certificate worker process died unexpectedly") from None
        finally:
            # On an interrupt the queued tasks are dropped; the few running ones (one key each)
            # finish within a fraction of a second and the workers exit.
            executor.shutdown(wait=True, cancel_futures=True)
    return results  # type: ignore[return-value]
