"""Certificate paths judged as the JDK's PKIX trust manager judges a transport node's peer.

Elasticsearch applies trust restrictions only after the JDK's X509TrustManager (PKIX,
revocation off) accepted the peer's chain against ``certificate_authorities`` with both
``checkClientTrusted`` and ``checkServerTrusted`` (docs/reference.md §1). :func:`verify_chain`
answers that question for ``restrictions check --ca``, for the JDK a target bundles:

* the route is sun.security.validator.PKIXValidator's: a certificate of the chain that is a
  trust anchor (or has an anchor's name and key) ends the chain there, the leaf included
  (then nothing else is checked, not even validity); a chain in issuer order whose last
  certificate an anchor signed is validated as sent; anything else goes to the path
  builder, which tries every candidate issuer (cross-signed chains) and answers only
  "unable to find valid certification path to requested target" when none works;
* validation is PKIXCertPathValidator's (trust-anchor checks, AlgorithmChecker, BasicChecker,
  ConstraintsChecker, KeyChecker, PolicyChecker, unresolved critical extensions), see
  :mod:`certkit.jdk.algorithms`, :mod:`certkit.jdk.constraints`;
* then EndEntityChecker's TLS client and TLS server rules on the leaf.

Every refusal gives the JDK's words and a plain explanation. docs/restrictions.md has the
table of checks with their OpenJDK sources.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from certkit.jdk import cert_fields as cf
from certkit.jdk.algorithms import key_problem, signature_algorithm_problem, signature_valid
from certkit.jdk.constraints import PolicyProcessing, UncomparableNames, name_allowed, names_to_check
from certkit.targets import NEWEST

MAX_PATH_LENGTH = 10
SERVER_AUTH, CLIENT_AUTH, ANY_EKU = "1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2", "2.5.29.37.0"
NETSCAPE_SGC, MICROSOFT_SGC = "2.16.840.1.113730.4.1", "1.3.6.1.4.1.311.10.3.3"
BUILD_FAILED = ("PKIX path building failed: unable to find valid certification path to requested target")


class Refusal(Exception):
    """The JDK refuses the chain: ``jdk`` in its words, ``plain`` in certkit's."""

    def __init__(self, jdk: str, plain: str) -> None:
        super().__init__(plain)
        self.jdk = jdk
        self.plain = plain

    def __str__(self) -> str:
        return f"{self.plain} (JDK: {self.jdk})"


def _subject(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string() or "an empty name"


def _key_bytes(certificate: x509.Certificate) -> bytes:
    return certificate.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def _fields(certificate: x509.Certificate) -> cf.CertFields:
    try:
        fields = cf.read_fields(certificate)
    except (cf.Malformed, ValueError, IndexError) as exc:
        raise Refusal(str(exc), f"{_subject(certificate)} cannot be parsed as the JDK parses certificates ({exc})") from None
    # X509CertImpl decodes every extension it knows while parsing; a critical one that does
    # not decode makes the whole certificate unparseable.
    for oid, decode in _DECODERS.items():
        if (extension := fields.get(oid)) is not None and extension.critical:
            _decoded(fields, oid, decode, certificate)
    return fields


def _decoded(fields: cf.CertFields, oid: str, decode, certificate: x509.Certificate, *, strict: bool = False):
    """The decoded extension, or None when absent or (non-critical and) malformed: the JDK keeps
    a malformed non-critical extension as unparseable and behaves as if it were absent."""
    extension = fields.get(oid)
    if extension is None:
        return None
    try:
        return decode(extension.value)
    except (cf.Malformed, ValueError, IndexError, UnicodeDecodeError) as exc:
        if extension.critical or strict:
            raise Refusal(f"java.io.IOException: {exc}",
                          f"{_subject(certificate)} has a malformed {'critical ' if extension.critical else ''}"
                          f"extension {oid}, which the JDK cannot parse") from None
        return None


_DECODERS = {
    cf.BASIC_CONSTRAINTS: cf.basic_constraints, cf.KEY_USAGE: cf.key_usage,
    cf.EXTENDED_KEY_USAGE: cf.extended_key_usage, cf.SUBJECT_ALT_NAME: cf.subject_alt_names,
    cf.NAME_CONSTRAINTS: cf.name_constraints, cf.CERTIFICATE_POLICIES: cf.certificate_policies,
    cf.POLICY_MAPPINGS: cf.policy_mappings, cf.POLICY_CONSTRAINTS: cf.policy_constraints,
    cf.INHIBIT_ANY_POLICY: cf.inhibit_any_policy,
}


def _has_bit(flags: list[bool] | None, bit: int) -> bool:
    return flags is None or (len(flags) > bit and flags[bit])


def _validity(certificate: x509.Certificate, now: dt.datetime, what: str) -> None:
    if now < certificate.not_valid_before_utc:
        raise Refusal("validity check failed: CertificateNotYetValidException",
                      f"{what} is not valid before {certificate.not_valid_before_utc:%Y-%m-%dT%H:%M:%SZ}")
    if now > certificate.not_valid_after_utc:
        raise Refusal("validity check failed: CertificateExpiredException",
                      f"{what} expired on {certificate.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ}")


def _check_anchor(anchor: x509.Certificate, jdk: int) -> None:
    """PKIXValidator's trust-anchor checks (JDK 17+) and AlgorithmChecker's check of the anchor key."""
    fields = _fields(anchor)
    subject = _subject(anchor)
    constraints = _decoded(fields, cf.BASIC_CONSTRAINTS, cf.basic_constraints, anchor)
    if fields.version >= 3 and (constraints is None or not constraints[0]):
        raise Refusal(f'TrustAnchor with subject "{subject}" is not a CA certificate',
                      f"the --ca certificate {subject} is not a CA certificate (no basicConstraints CA:TRUE)")
    usage = _decoded(fields, cf.KEY_USAGE, cf.key_usage, anchor)
    if not _has_bit(usage, 5):
        raise Refusal(f'TrustAnchor with subject "{subject}" does not have keyCertSign bit set in KeyUsage extension',
                      f"the --ca certificate {subject} has keyUsage without keyCertSign")
    problem = key_problem(anchor.public_key(), subject, jdk)
    if problem:
        raise Refusal(*problem)


def validate_path(path: Sequence[x509.Certificate], anchor: x509.Certificate, now: dt.datetime, jdk: int) -> None:
    """PKIXCertPathValidator on ``path`` (the certificate the anchor issued first, the leaf last)."""
    _check_anchor(anchor, jdk)
    n = len(path)
    policies = PolicyProcessing(n)
    name_constraints: list[tuple[list | None, list | None]] = []
    max_path_length = n
    issuer, issuer_key = anchor, anchor.public_key()
    for index, certificate in enumerate(path, start=1):
        fields = _fields(certificate)
        subject = _subject(certificate)
        last = index == n
        self_issued = fields.subject == fields.issuer
        # A self-issued CA sent in the chain (a copy of the root, a key rollover) is no intermediate.
        what = ("the certificate" if last else f"the self-issued CA {subject}" if self_issued
                else f"the intermediate CA {subject}")
        problem = signature_algorithm_problem(certificate, subject, jdk) or key_problem(
            certificate.public_key(), subject, jdk)
        if problem:
            raise Refusal(*problem)
        # KeyChecker: a CA below the anchor that has keyUsage must have keyCertSign.
        usage = _decoded(fields, cf.KEY_USAGE, cf.key_usage, certificate)
        if not last and not _has_bit(usage, 5):
            raise Refusal("CA key usage check failed: keyCertSign bit is not set",
                          f"{what} has keyUsage without keyCertSign, so it may not sign certificates")
        # ConstraintsChecker: name constraints of the CAs above, then basic constraints.
        if name_constraints and (last or not self_issued):
            alt_names = _decoded(fields, cf.SUBJECT_ALT_NAME, cf.subject_alt_names, certificate)
            for name in names_to_check(fields.subject, alt_names):
                try:
                    allowed = all(name_allowed(name, permitted, excluded) for permitted, excluded in name_constraints)
                except UncomparableNames as exc:
                    raise Refusal(str(exc), f"a name constraint of an issuing CA cannot be compared with "
                                            f"the {name.kind} name of {subject}; the JDK fails such a chain") from None
                if not allowed:
                    raise Refusal("name constraints check failed",
                                  f"the {name.kind} name {name.value!r} of {subject} is outside the name "
                                  "constraints of an issuing CA")
        if not last:
            constraints = _decoded(fields, cf.BASIC_CONSTRAINTS, cf.basic_constraints, certificate)
            if fields.version < 3:
                path_length = None if index == 1 and self_issued else -1
            else:
                path_length = -1 if constraints is None or not constraints[0] else constraints[1]
            if path_length == -1:
                raise Refusal("basic constraints check failed: this is not a CA certificate",
                              f"{what} is not a CA certificate (no basicConstraints CA:TRUE)")
            if not self_issued:
                if max_path_length <= 0:
                    raise Refusal("basic constraints check failed: pathLenConstraint violated - this cert must "
                                  "be the last cert in the certification path",
                                  f"{what} is below a CA whose pathLenConstraint forbids more CA certificates")
                max_path_length -= 1
            if path_length is not None and path_length < max_path_length:
                max_path_length = path_length
            nc = _decoded(fields, cf.NAME_CONSTRAINTS, cf.name_constraints, certificate)
            if nc is not None:
                name_constraints.append(nc)
        # PolicyChecker
        policy_extension = fields.get(cf.CERTIFICATE_POLICIES)
        certificate_policies = _decoded(fields, cf.CERTIFICATE_POLICIES, cf.certificate_policies, certificate)
        if not last and certificate_policies and policy_extension is not None and policy_extension.critical and any(q for _, q in certificate_policies):
            raise Refusal("critical policy qualifiers present in certificate",
                          f"{subject} has policy qualifiers in a critical certificatePolicies, which the JDK rejects")
        require, inhibit_mapping = _decoded(fields, cf.POLICY_CONSTRAINTS, cf.policy_constraints, certificate) or (None, None)
        policy_problem = policies.process(
            index, self_issued, None if certificate_policies is None else [p for p, _ in certificate_policies],
            _decoded(fields, cf.POLICY_MAPPINGS, cf.policy_mappings, certificate), require, inhibit_mapping,
            _decoded(fields, cf.INHIBIT_ANY_POLICY, cf.inhibit_any_policy, certificate))
        if policy_problem:
            raise Refusal(policy_problem, f"the certificate policies of the path do not satisfy {subject}'s "
                                          "or an issuing CA's policy constraints")
        # BasicChecker: signature, validity, name chaining.
        if not signature_valid(certificate, issuer_key):
            raise Refusal("signature check failed",  # also when SunEC does not know the issuer key's curve
                          f"{what} claims issuer {certificate.issuer.rfc4514_string()} but that CA's key did not sign it")
        _validity(certificate, now, what)
        if fields.issuer != cf.read_fields(issuer).subject:
            raise Refusal("subject/issuer name chaining check failed",
                          f"{what} names issuer {certificate.issuer.rfc4514_string()}, not {_subject(issuer)}")
        unknown = sorted(e.oid for e in fields.extensions.values() if e.critical and e.oid not in cf.PROCESSED_CRITICAL)
        if unknown:
            raise Refusal("unrecognized critical extension(s)",
                          f"{what} has critical extension(s) the JDK does not process: {', '.join(unknown)}")
        issuer, issuer_key = certificate, certificate.public_key()


def check_end_entity(leaf: x509.Certificate, jdk: int) -> None:
    """sun.security.validator.EndEntityChecker for TLS client, then TLS server (ECDHE suites)."""
    fields = _fields(leaf)
    usage = _decoded(fields, cf.KEY_USAGE, cf.key_usage, leaf)
    # JDK 18+ reads extendedKeyUsage through getExtendedKeyUsage(), which throws on a
    # malformed one even when it is not critical; JDK 17 ignores it (verified on 17 and 25).
    purposes = _decoded(fields, cf.EXTENDED_KEY_USAGE, cf.extended_key_usage, leaf, strict=jdk > 17)
    netscape = _decoded(fields, cf.NETSCAPE_CERT_TYPE, lambda v: cf.bits(cf.read_single(v)), leaf)

    def eku_allows(oid: str) -> bool:
        return purposes is None or oid in purposes or ANY_EKU in purposes

    if not _has_bit(usage, 0):
        raise Refusal("KeyUsage does not allow digital signatures",
                      "the certificate's keyUsage lacks digitalSignature, which TLS needs")
    if not eku_allows(CLIENT_AUTH):
        raise Refusal("Extended key usage does not permit use for TLS client authentication",
                      "the certificate's extendedKeyUsage lacks clientAuth; a transport node is also a TLS client")
    if netscape is not None and not _has_bit(netscape, 0):
        raise Refusal("Netscape cert type does not permit use for SSL client",
                      "the certificate's Netscape certificate type does not include SSL client")
    if not (eku_allows(SERVER_AUTH) or eku_allows(NETSCAPE_SGC) or eku_allows(MICROSOFT_SGC)):
        raise Refusal("Extended key usage does not permit use for TLS server authentication",
                      "the certificate's extendedKeyUsage lacks serverAuth; a transport node is also a TLS server")
    if netscape is not None and not _has_bit(netscape, 1):
        raise Refusal("Netscape cert type does not permit use for SSL server",
                      "the certificate's Netscape certificate type does not include SSL server")


def _issued_name_match(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``certificate`` names ``issuer`` as its issuer, compared as X500Principal.equals
    does (canonical form: case and repeated spaces do not count)."""
    return cf.read_fields(certificate).issuer == cf.read_fields(issuer).subject


def issued_any(issuer: x509.Certificate, certificates: Sequence[x509.Certificate]) -> bool:
    """Whether ``issuer`` issued one of ``certificates`` (its name is their issuer's and its key signed them)."""
    try:
        return any(_issued_name_match(c, issuer) and signature_valid(c, issuer.public_key()) for c in certificates)
    except (cf.Malformed, ValueError, IndexError):
        return False


def _same_name_and_key(certificate: x509.Certificate, anchor: x509.Certificate) -> bool:
    return certificate == anchor or (cf.read_fields(certificate).subject == cf.read_fields(anchor).subject
                                     and _key_bytes(certificate) == _key_bytes(anchor))


def _validate_against_anchors(chain: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate],
                              now: dt.datetime, jdk: int) -> None:
    """The chain as sent (leaf first): PKIXCertPathValidator tries each anchor that may have issued its top."""
    top = chain[-1]
    refusal = Refusal("Path does not chain with any of the trust anchors",
                      f"no --ca certificate issued {_subject(top)} (its issuer is {top.issuer.rfc4514_string()})")
    for anchor in anchors:
        if not _issued_name_match(top, anchor):
            continue
        try:
            validate_path(list(reversed(chain)), anchor, now, jdk)
            return
        except Refusal as exc:
            refusal = exc
    raise refusal


def _build(leaf: x509.Certificate, others: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate],
           now: dt.datetime, jdk: int) -> None:
    """SunCertPathBuilder: depth-first over every candidate issuer until one path validates."""
    failures: list[Refusal] = []

    def extend(path: list[x509.Certificate]) -> bool:
        current = path[-1]
        for anchor in anchors:
            if _issued_name_match(current, anchor) and signature_valid(current, anchor.public_key()):
                try:
                    validate_path(list(reversed(path)), anchor, now, jdk)
                    return True
                except Refusal as exc:
                    failures.append(exc)
        if len(path) >= MAX_PATH_LENGTH:
            return False
        for candidate in others:
            if (_issued_name_match(current, candidate) and candidate not in path
                    and signature_valid(current, candidate.public_key())):
                if extend([*path, candidate]):
                    return True
        return False

    if extend([leaf]):
        return
    if failures:
        raise Refusal(BUILD_FAILED, failures[0].plain)
    if leaf.issuer == leaf.subject:
        plain = "the certificate is self-signed and is not one of the --ca certificates"
    elif any(_issued_name_match(leaf, a) for a in anchors):
        plain = (f"the certificate claims issuer {leaf.issuer.rfc4514_string()} but no --ca certificate of that "
                 "name signed it (wrong CA key?)")
    else:
        plain = f"no --ca certificate issued the certificate or its chain (its issuer is {leaf.issuer.rfc4514_string()})"
    raise Refusal(BUILD_FAILED, plain)


def check_chain(leaf: x509.Certificate, intermediates: Sequence[x509.Certificate],
                anchors: Sequence[x509.Certificate], now: dt.datetime | None = None, jdk: int | None = None) -> None:
    """Raise :class:`Refusal` unless the JDK's trust manager accepts ``leaf`` sent with ``intermediates``."""
    now = now or dt.datetime.now(dt.UTC)
    jdk = jdk or NEWEST.jdk
    if not anchors:
        raise Refusal("the trustAnchors parameter must be non-empty", "--ca holds no certificate")
    chain = [leaf, *intermediates]
    for certificate in chain:
        _fields(certificate)  # the JDK parses every certificate the peer sends before anything else
    for index, certificate in enumerate(chain):
        if index and not _issued_name_match(chain[index - 1], certificate):
            _build(leaf, intermediates, anchors, now, jdk)
            break
        if any(_same_name_and_key(certificate, anchor) for anchor in anchors):
            if index == 0:
                return  # a trusted certificate itself: PKIXValidator returns it unchecked
            _validate_against_anchors(chain[:index], anchors, now, jdk)
            break
    else:
        top = chain[-1]
        if any(_issued_name_match(top, a) and signature_valid(top, a.public_key()) for a in anchors):
            _validate_against_anchors(chain, anchors, now, jdk)
        else:
            _build(leaf, intermediates, anchors, now, jdk)
    check_end_entity(leaf, jdk)


def verify_chain(leaf: x509.Certificate, intermediates: Sequence[x509.Certificate],
                 anchors: Sequence[x509.Certificate], now: dt.datetime | None = None,
                 jdk: int | None = None) -> str | None:
    """None when the JDK (feature version ``jdk``, default: the newest target's) accepts the chain, else why not."""
    try:
        check_chain(leaf, intermediates, anchors, now, jdk)
    except Refusal as refusal:
        return str(refusal)
    except (ValueError, KeyError, TypeError, UnsupportedAlgorithm) as exc:
        # cryptography decodes keys and names lazily: what it cannot decode, the JDK refuses too
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        return f"the certificate cannot be decoded as a verifier would ({reason})"
    return None
