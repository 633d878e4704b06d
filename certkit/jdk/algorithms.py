"""Signatures and keys as the JDK's AlgorithmChecker and BasicChecker judge them.

``jdk.certpath.disabledAlgorithms`` in ``java.security`` (src/java.base/share/conf/security
of OpenJDK), the same default on JDK 17 and JDK 21 to 25::

    MD2, MD5, SHA1 jdkCA & usage TLSServer, RSA keySize < 1024, DSA keySize < 1024,
    EC keySize < 224, SHA1 usage SignedJAR & denyAfter 2019-01-01

``SHA1 jdkCA`` only applies to chains that end at a CA of the JDK's own ``cacerts``; a
cluster's ``certificate_authorities`` are never those, so SHA-1 signatures pass (and are
verified here without cryptography's refusal of SHA-1 in ``verify_directly_issued_by``).
The JDK's SunEC provider (JDK 16+) only knows the curves P-256, P-384 and P-521.
"""

from __future__ import annotations

from typing import cast

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa

#: Hashes whose signatures the default disabledAlgorithms refuses on every certificate.
DISABLED_SIGNATURE_HASHES = frozenset({"md2", "md5"})
#: Smallest key sizes the default disabledAlgorithms admits, per key type.
MINIMUM_KEY_SIZES = {"RSA": 1024, "DSA": 1024, "EC": 224}
JDK_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})


def key_description(public_key) -> tuple[str, int | None]:
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA", public_key.key_size
    if isinstance(public_key, dsa.DSAPublicKey):
        return "DSA", public_key.key_size
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "EC", public_key.curve.key_size
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519", None
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448", None
    return type(public_key).__name__, None


def key_problem(public_key, subject: str, jdk: int) -> tuple[str, str] | None:
    """(JDK words, plain words) when the default constraints refuse this key, else None."""
    kind, size = key_description(public_key)
    minimum = MINIMUM_KEY_SIZES.get(kind)
    if minimum is not None and size is not None and size < minimum:
        return (f"Algorithm constraints check failed on keysize limits: {kind} {size} bit key used with "
                f"certificate: {subject}",
                f"the {kind} key of {subject} has {size} bits; the JDK refuses {kind} keys under {minimum} bits")
    return None


def signature_algorithm_problem(certificate: x509.Certificate, subject: str, jdk: int) -> tuple[str, str] | None:
    try:
        digest = certificate.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return ("Algorithm constraints check failed on signature algorithm: "
                f"{certificate.signature_algorithm_oid.dotted_string}",
                f"the signature algorithm of {subject} is unknown")
    if digest is not None and digest.name in DISABLED_SIGNATURE_HASHES:
        name = digest.name.upper()
        if jdk <= 17:
            jdk_words = f"Algorithm constraints check failed on signature algorithm: {name}with..."
        else:
            jdk_words = f"Algorithm constraints check failed on disabled algorithm: {name} used with certificate: {subject}"
        return jdk_words, f"{subject} is signed with {name}, which the JDK's jdk.certpath.disabledAlgorithms refuses"
    return None


def signature_valid(certificate: x509.Certificate, issuer_public_key) -> bool:
    """Whether ``issuer_public_key`` made ``certificate``'s signature (any hash the JDK accepts, SHA-1 included)."""
    signature, data = certificate.signature, certificate.tbs_certificate_bytes
    try:
        digest = cast(hashes.HashAlgorithm, certificate.signature_hash_algorithm)  # None only for EdDSA (no digest)
        if isinstance(issuer_public_key, rsa.RSAPublicKey):
            scheme = certificate.signature_algorithm_parameters
            if not isinstance(scheme, (padding.PKCS1v15, padding.PSS)):
                scheme = padding.PKCS1v15()
            issuer_public_key.verify(signature, data, scheme, digest)
        elif isinstance(issuer_public_key, ec.EllipticCurvePublicKey):
            if issuer_public_key.curve.name not in JDK_CURVES:
                return False  # "SignatureException: Curve not supported": SunEC cannot verify with it
            issuer_public_key.verify(signature, data, ec.ECDSA(digest))
        elif isinstance(issuer_public_key, dsa.DSAPublicKey):
            issuer_public_key.verify(signature, data, digest)
        elif isinstance(issuer_public_key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            issuer_public_key.verify(signature, data)
        else:
            return False
        return True
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False

