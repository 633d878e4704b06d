"""Certificate path checks as the JDK's PKIX trust manager makes them for a transport node.

Elasticsearch applies trust restrictions only after the JDK's default PKIX validation of
the peer's chain against ``certificate_authorities`` passed (REFERENCE.md 1). This module
answers the same question for ``restrictions check --ca``:

* the path is built from the leaf through the intermediates the peer would send (the
  certificates that follow the leaf in its file, or a PKCS#12's other certificates) to a
  certificate of ``--ca`` (a trust anchor, as every ``certificate_authorities`` entry is);
* every signature must verify, every certificate of the path except the anchor must be
  within its validity period (the JDK does not check a trust anchor's own validity or
  constraints);
* an intermediate must carry basicConstraints CA:TRUE, respect pathLenConstraint, and,
  when it has keyUsage, include keyCertSign; a CA without keyUsage (as certutil makes) is
  fine;
* transport nodes are both TLS clients and servers, so the leaf's extendedKeyUsage, when
  present, must allow clientAuth and serverAuth, and its keyUsage, when present, must
  include digitalSignature (the JDK's end-entity checks for ECDHE suites).

tests/java/NamesOracle.java (``trust`` mode) runs the JDK's own trust manager on the same
chains in the tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.x509.oid import ExtendedKeyUsageOID

MAX_PATH_LENGTH = 10


def _validity_problem(certificate: x509.Certificate, now: dt.datetime, what: str) -> str | None:
    if now < certificate.not_valid_before_utc:
        return f"{what} is not valid before {certificate.not_valid_before_utc:%Y-%m-%dT%H:%M:%SZ}"
    if now > certificate.not_valid_after_utc:
        return f"{what} expired on {certificate.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ}"
    return None


def _extension(certificate: x509.Certificate, kind: type) -> object | None:
    try:
        return certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
    except ValueError:  # malformed extensions: the JDK refuses such a certificate too
        return None


def _signed_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False


def _intermediate_problem(certificate: x509.Certificate, below: int, what: str) -> str | None:
    """basicConstraints / keyUsage checks of a non-anchor CA with ``below`` CAs under it."""
    constraints = _extension(certificate, x509.BasicConstraints)
    if not isinstance(constraints, x509.BasicConstraints) or not constraints.ca:
        return f"{what} is not a CA certificate (no basicConstraints CA:TRUE)"
    if constraints.path_length is not None and below > constraints.path_length:
        return f"{what} allows {constraints.path_length} CA certificate(s) below it (pathLenConstraint)"
    usage = _extension(certificate, x509.KeyUsage)
    if isinstance(usage, x509.KeyUsage) and not usage.key_cert_sign:
        return f"{what} has keyUsage without keyCertSign, so it may not sign certificates"
    return None


def _leaf_problem(leaf: x509.Certificate) -> str | None:
    usage = _extension(leaf, x509.KeyUsage)
    if isinstance(usage, x509.KeyUsage) and not usage.digital_signature:
        return "the certificate's keyUsage lacks digitalSignature, which TLS needs"
    extended = _extension(leaf, x509.ExtendedKeyUsage)
    if isinstance(extended, x509.ExtendedKeyUsage):
        purposes = set(extended)
        if ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in purposes:
            missing = [
                label for oid, label in (
                    (ExtendedKeyUsageOID.CLIENT_AUTH, "clientAuth"),
                    (ExtendedKeyUsageOID.SERVER_AUTH, "serverAuth"),
                ) if oid not in purposes
            ]
            if missing:
                return (
                    f"the certificate's extendedKeyUsage lacks {' and '.join(missing)}; a transport node "
                    "acts as both TLS client and server"
                )
    return None


def verify_chain(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate],
    now: dt.datetime | None = None,
) -> str | None:
    """None when the JDK would accept ``leaf`` (with ``intermediates``) under ``anchors``, else why not.

    A certificate whose outer structure loads but whose names or extensions do not decode
    (cryptography parses them lazily) is not accepted either: the reason says so.
    """
    try:
        return _verify_chain(leaf, intermediates, anchors, now)
    except (ValueError, KeyError, TypeError, x509.DuplicateExtension, UnsupportedAlgorithm) as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        return f"the certificate cannot be decoded as a verifier would ({reason})"


def _verify_chain(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate],
    now: dt.datetime | None,
) -> str | None:
    now = now or dt.datetime.now(dt.timezone.utc)
    if any(anchor == leaf for anchor in anchors):
        # The JDK trusts a certificate that is itself in the trust store.
        return _validity_problem(leaf, now, "the certificate")
    problem = _validity_problem(leaf, now, "the certificate") or _leaf_problem(leaf)
    if problem:
        return problem
    current = leaf
    used: list[x509.Certificate] = []
    for depth in range(MAX_PATH_LENGTH):
        for anchor in anchors:
            if anchor.subject == current.issuer and _signed_by(current, anchor):
                return None
        candidates = [
            c for c in intermediates
            if c not in used and c != current and c.subject == current.issuer and _signed_by(current, c)
        ]
        if not candidates:
            issuer = current.issuer.rfc4514_string() or "an empty name"
            what = "the certificate" if current is leaf else f"the intermediate {current.subject.rfc4514_string()}"
            if current.issuer == current.subject:
                return f"{what} is self-signed and is not one of the --ca certificates"
            names_match = [a for a in anchors if a.subject == current.issuer]
            if names_match:
                return f"{what} claims issuer {issuer} but no --ca certificate of that name signed it (wrong CA key?)"
            return f"no --ca certificate issued {what} (its issuer is {issuer})"
        issuer_certificate = candidates[0]
        label = f"the intermediate CA {issuer_certificate.subject.rfc4514_string()}"
        problem = _validity_problem(issuer_certificate, now, label) or _intermediate_problem(
            issuer_certificate, depth, label
        )
        if problem:
            return problem
        used.append(issuer_certificate)
        current = issuer_certificate
    return f"the certificate path is longer than {MAX_PATH_LENGTH}"
