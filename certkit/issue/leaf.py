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
    signature_hash,
)
from certkit.model import Instance
from certkit.plan import subject_for

ProgressFn = Callable[[int, int], None]
# A picklable callable run on each new certificate inside the worker that made it.
PackageFn = Callable[["IssuedCertificate"], Any]


@dataclass
class IssuedCertificate:
    """A node's new certificate and private key."""

    instance: Instance
    certificate: x509.Certificate
    private_key: PrivateKey
    # What issue_all's ``package`` step made of it in the worker (e.g. the node's files),
    # and the step itself, so a consumer can tell whether it matches what it wants.
    packaged: Any = None
    packaged_with: Any = None


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


def _encoded(extension: x509.ExtensionType) -> x509.UnrecognizedExtension:
    """``extension`` as its DER value: cryptography copies these bytes into each certificate
    instead of converting the Python object again, and the certificate is byte for byte
    the same (tests/test_issue_fixed_parts.py)."""
    return x509.UnrecognizedExtension(extension.oid, extension.public_bytes())


_BASIC_CONSTRAINTS = _encoded(x509.BasicConstraints(ca=False, path_length=None))
# A transport node is both the server and the client of its peers.
_EXTENDED_KEY_USAGE = _encoded(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]))


@dataclass(frozen=True)
class _FixedParts:
    """What every certificate one CA signs in a run shares, built and encoded once."""

    issuer: x509.Name
    signing_key: PrivateKey
    basic_constraints: x509.UnrecognizedExtension
    key_usage: dict[bool, x509.UnrecognizedExtension]  # by "the node key is RSA"
    extended_key_usage: x509.UnrecognizedExtension
    authority_key_identifier: x509.UnrecognizedExtension


def _fixed_parts_of(ca: CertificateAuthority) -> _FixedParts:
    try:
        ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski)
    except x509.ExtensionNotFound:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(cast(Any, ca.certificate.public_key()))
    return _FixedParts(
        issuer=ca.certificate.subject,
        signing_key=ca.private_key,
        basic_constraints=_BASIC_CONSTRAINTS,
        key_usage={is_rsa: _encoded(_key_usage(is_rsa)) for is_rsa in (True, False)},
        extended_key_usage=_EXTENDED_KEY_USAGE,
        authority_key_identifier=_encoded(aki),
    )


# The fixed parts per CA object, kept for the CA's lifetime in this process (a worker keeps
# its one CA; the CA is held here, so its id cannot be reused by another object).
_fixed_parts: dict[int, tuple[CertificateAuthority, _FixedParts]] = {}


def _fixed_parts_for(ca: CertificateAuthority) -> _FixedParts:
    cached = _fixed_parts.get(id(ca))
    if cached is None or cached[0] is not ca:
        if len(_fixed_parts) > 16:  # a long-lived library caller signing with many CAs
            _fixed_parts.clear()
        cached = _fixed_parts[id(ca)] = (ca, _fixed_parts_of(ca))
    return cached[1]


def build_certificate(
    instance: Instance,
    private_key: PrivateKey,
    validity: Validity,
    ca: CertificateAuthority | None,
) -> x509.Certificate:
    """Sign ``instance``'s certificate for ``private_key``; ``ca=None`` self-signs it."""
    subject = subject_for(instance.name)
    public_key = private_key.public_key()
    ski = x509.SubjectKeyIdentifier.from_public_key(public_key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity.not_before)
        .not_valid_after(validity.not_after)
    )
    is_rsa = isinstance(private_key, rsa.RSAPrivateKey)
    if ca is None:
        signing_key: PrivateKey = private_key
        builder = builder.issuer_name(subject)
        basic, usage, extended = _BASIC_CONSTRAINTS, _encoded(_key_usage(is_rsa)), _EXTENDED_KEY_USAGE
        aki = _encoded(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski))
    else:
        fixed = _fixed_parts_for(ca)
        signing_key = fixed.signing_key
        builder = builder.issuer_name(fixed.issuer)
        basic, usage, extended = fixed.basic_constraints, fixed.key_usage[is_rsa], fixed.extended_key_usage
        aki = fixed.authority_key_identifier
    builder = (
        builder.add_extension(basic, critical=False)
        .add_extension(usage, critical=True)
        .add_extension(extended, critical=False)
        .add_extension(ski, critical=False)
        .add_extension(aki, critical=False)
    )
    sans = subject_alternative_names(instance)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(signing_key, signature_hash(signing_key))


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
    return IssuedCertificate(instance, build_certificate(instance, private_key, validity, ca), private_key)


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
    key_der = issued.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    package = state["package"]
    packaged = package(issued) if package is not None else None  # type: ignore[operator]
    return index, issued.certificate.public_bytes(serialization.Encoding.DER), key_der, packaged


#: EC nodes per pool task: enough that the pool's per-task cost (pickling, pipes, the
#: executor's threads: more CPU than an EC key) is shared, few enough to balance workers.
EC_BATCH = 16

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
                    results[index] = IssuedCertificate(
                        instances[index],
                        x509.load_der_x509_certificate(cert_der),
                        # The worker just generated this key: re-validating it would cost ~1 ms each.
                        serialization.load_der_private_key(key_der, None, unsafe_skip_rsa_key_validation=True),  # type: ignore[arg-type]
                        packaged,
                        package if package is not None else None,
                    )
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
