"""A certificate described for people and scripts (``certkit inspect``), as the target's JDK sees it."""

from __future__ import annotations

from certkit.jdk.der import MalformedCertificate, read_strict
from certkit.jdk.names import DEFAULT_JDK, locate_fields, names_of
from certkit.jdk.x500 import jdk_dn

_OID_COMMON_NAME = "2.5.4.3"


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def describe_key(public_key) -> tuple[str, int | None, str | None]:
    """(key type, size in bits, curve name) of a public key."""
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA", public_key.key_size, None
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "EC", public_key.curve.key_size, public_key.curve.name
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256, None
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448", 456, None
    if isinstance(public_key, dsa.DSAPublicKey):
        return "DSA", public_key.key_size, None
    return type(public_key).__name__, None, None


def describe_certificate(der: bytes, certificate, jdk: int = DEFAULT_JDK) -> dict:
    """What a certificate says, in the JSON shape of ``certkit inspect`` (docs/cli-contract.md).

    Subject and issuer in the JDK's form (as Elasticsearch prints them), serial in
    lower-case hex, validity in ISO 8601 UTC, names split by kind as Elasticsearch on JDK
    ``jdk`` reads them; ``warnings`` lists the otherName values Elasticsearch ignores and
    why the JDK refuses the whole subjectAltName when it does.
    """
    import hashlib

    located = locate_fields(der)
    names = names_of(located, jdk)
    key_type, key_size, curve = describe_key(certificate.public_key())
    issuer_der = issuer_name_der(der)
    document = {
        "subject": jdk_dn(located.subject, jdk),
        "issuer": jdk_dn(issuer_der, jdk) if issuer_der else certificate.issuer.rfc4514_string(),
        "serial": format(certificate.serial_number, "x"),
        "not_before": _iso(certificate.not_valid_before_utc),
        "not_after": _iso(certificate.not_valid_after_utc),
        "is_ca": bool(located.is_ca),
        "key_type": key_type,
        "key_size": key_size,
        "names": {
            "otherName.commonName": list(names.other_name_cns),
            "dnsName": list(names.dns_names),
            "ipAddress": list(names.ip_addresses),
        },
        "self_signed": certificate.issuer == certificate.subject,
        "signature_algorithm": getattr(certificate.signature_algorithm_oid, "_name", None)
        or certificate.signature_algorithm_oid.dotted_string,
        "sha256_fingerprint": hashlib.sha256(der).hexdigest(),
    }
    if curve:
        document["key_curve"] = curve
    other = [{"type_id": o.type_id, "value": o.text} for o in names.other_names if o.type_id != _OID_COMMON_NAME]
    if other:
        document["names"]["otherName.other"] = other
    warnings = list(names.warnings) + ([names.refused] if names.refused else [])
    if warnings:
        document["warnings"] = warnings
    return document


def issuer_name_der(der: bytes) -> bytes | None:
    """The DER of the issuer Name (the element before validity in the TBSCertificate)."""
    try:
        _, start, cert_end = read_strict(der, 0, len(der))
        _, offset, tbs_end = read_strict(der, start, cert_end)
        tag, _, element_end = read_strict(der, offset, tbs_end)
        if tag == 0xA0:
            offset = element_end
        for _ in range(2):  # serialNumber, signature
            offset = read_strict(der, offset, tbs_end)[2]
        _, _, issuer_end = read_strict(der, offset, tbs_end)
        return der[offset:issuer_end]
    except MalformedCertificate:
        return None
