"""PKCS#12 keystores the JDK reads as Elasticsearch needs them, and PKCS#12 files read back.

Writing: :func:`serialize_keystore` produces what ``elasticsearch-certutil`` produces, one
file that serves as both ``keystore.path`` and ``truststore.path``: a PrivateKeyEntry
(key + chain) plus one trustedCertEntry per trusted certificate. The JDK treats a
certificate bag as a trusted entry only when it carries Oracle's "trusted key usage"
attribute, and pyca/cryptography cannot put a key and such trusted bags in one file. So
every piece is made by cryptography, and only the outer ASN.1 is assembled here:

1. ``serialize_key_and_certificates`` writes the key entry (an encrypted certificate safe
   with the leaf and the intermediates, and a shrouded-key safe);
2. ``serialize_java_truststore`` writes the trusted certificates (an encrypted safe whose
   bags carry the trusted attribute);
3. their AuthenticatedSafe ContentInfos are concatenated, each still encrypted with the
   same password, and the whole is sealed with a fresh MAC (:func:`certkit.pkcs12_kdf.pfx_mac`).

Encryption: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) and an HMAC-SHA256 MAC by default, as
JDK 12+ keytool writes; ``legacy=True`` writes pbeWithSHAAnd3-KeyTripleDES-CBC with a SHA-1
MAC, which every JDK 8 and OpenSSL 1.x reads. Both use :data:`DEFAULT_ITERATIONS`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import KeySerializationEncryption, PrivateFormat, pkcs12
from pyasn1.codec.der import decoder as der_decoder
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import univ
from pyasn1_modules import rfc7292

from certkit.errors import InputError, UsageError
from certkit.pkcs12_kdf import pfx_mac

#: PBKDF2 and MAC iteration count of the keystores certkit writes. It is the JDK's own
#: default (``keystore.pkcs12.keyPbeIterationCount`` / ``macIterationCount``, JDK 12+),
#: i.e. exactly the protection elasticsearch-certutil's files get: a certkit file is never
#: cheaper to brute-force than the certutil file it replaces. More would buy little (the
#: MAC and each encrypted safe are separate guessing oracles at this same cost, and the
#: files are 0600 next to a config that usually holds the password) while the issue-many-
#: nodes path pays it per file: at 10 000 a keystore costs ~8 ms on top of an RSA-2048
#: key generation of ~40 ms. OpenSSL 3's 2048 would be weaker than what users have today.
DEFAULT_ITERATIONS = 10_000

#: Oracle's "trusted key usage" bag attribute: the JDK loads a certificate bag carrying it
#: as a trustedCertEntry (its value, a SET of EKU OIDs, is anyExtendedKeyUsage here).
JDK_TRUSTED_KEY_USAGE_OID = "2.16.840.1.113894.746875.1.1"

_PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | dsa.DSAPrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey


def _encryption(password: bytes, legacy: bool, iterations: int) -> KeySerializationEncryption:
    builder = PrivateFormat.PKCS12.encryption_builder().kdf_rounds(iterations)
    if legacy:
        builder = builder.key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC).hmac_hash(hashes.SHA1())
    else:
        builder = builder.key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC).hmac_hash(hashes.SHA256())
    return builder.build(password)


def _decode_pfx(pfx_der: bytes) -> tuple[rfc7292.PFX, rfc7292.AuthenticatedSafe]:
    """The PFX and its AuthenticatedSafe (a password-integrity PFX: content type data)."""
    pfx, rest = der_decoder.decode(pfx_der, asn1Spec=rfc7292.PFX())
    if rest:
        raise ValueError("trailing bytes after the PFX")
    octets, _ = der_decoder.decode(pfx["authSafe"]["content"], asn1Spec=univ.OctetString())
    auth_safe, _ = der_decoder.decode(bytes(octets), asn1Spec=rfc7292.AuthenticatedSafe())
    return pfx, auth_safe


def _merge_pfx(pieces: Sequence[bytes], password: str, mac_iterations: int) -> bytes:
    """One PFX holding every safe of ``pieces`` (all encrypted with ``password``), re-MACed.

    The MacData of the first piece is reused as a template (it already names the digest
    chosen for the file); its salt, iteration count and digest are replaced.
    """
    template, merged = _decode_pfx(pieces[0])
    for piece in pieces[1:]:
        for content_info in _decode_pfx(piece)[1]:
            merged.append(content_info)
    auth_safe_der = der_encoder.encode(merged)

    mac_data = template["macData"]
    hash_name = {"1.3.14.3.2.26": "sha1", "2.16.840.1.101.3.4.2.1": "sha256"}[
        str(mac_data["mac"]["digestAlgorithm"]["algorithm"])
    ]
    salt = os.urandom(len(bytes(mac_data["macSalt"])))
    digest = pfx_mac(auth_safe_der, password, salt, mac_iterations, hash_name)
    mac_data["macSalt"] = univ.OctetString(salt)
    mac_data["iterations"] = mac_iterations
    mac_data["mac"]["digest"] = univ.OctetString(digest)

    template["authSafe"]["content"] = der_encoder.encode(univ.OctetString(auth_safe_der))
    return der_encoder.encode(template)


def _check_alias(alias: str, what: str) -> None:
    if not alias or not alias.strip():
        raise UsageError(f"{what} is empty: a keystore entry needs an alias")
    if any(ord(ch) < 0x20 for ch in alias):
        raise UsageError(f"{what} {alias!r} contains control characters")


def _check_jdk_password(password: str) -> None:
    """The JDK's PBE keys take printable ASCII only (``PBEKey``: "Password is not ASCII").

    A file with any other character is valid PKCS#12 that OpenSSL reads, but that the JDK,
    and so Elasticsearch, reports as "keystore password was incorrect": refuse it here.
    """
    for position, character in enumerate(password, start=1):
        if not " " <= character <= "~":
            raise UsageError(
                f"the keystore password has a character the JDK cannot use "
                f"(U+{ord(character):04X} at position {position}): "
                "Java reads PKCS#12 passwords as printable ASCII only",
                hint="choose a password of printable ASCII characters",
            )


def serialize_keystore(
    *,
    alias: str,
    private_key: _PrivateKey,
    chain: Sequence[x509.Certificate],
    trusted: Sequence[tuple[str, x509.Certificate]] = (),
    password: str | None,
    legacy: bool = False,
    iterations: int | None = None,
) -> bytes:
    """A PKCS#12 keystore (DER) as the JDK's ``KeyStore.getInstance("PKCS12")`` sees it.

    - ``alias`` names the PrivateKeyEntry holding ``private_key`` and ``chain`` (leaf first,
      then its issuers);
    - each ``(alias, certificate)`` of ``trusted`` becomes a trustedCertEntry.

    A chain certificate that is also trusted is stored once, as the trusted bag: the JDK
    completes a key entry's chain from every certificate of the file by issuer name (which
    is what ``getCertificateChain`` returns), OpenSSL and cryptography list it among the CA
    certificates, and the file has no duplicate. ``password`` is required: keys in a JDK
    PKCS#12 are always encrypted (the JDK skips an unencrypted key bag), so ``None`` is
    refused; an empty password is allowed, and so is any printable ASCII one (the JDK
    cannot use other characters: they are refused too). Aliases compare case-insensitively, as in the
    JDK, and must be distinct.
    """
    if password is None:
        raise UsageError(
            "a PKCS#12 keystore needs a password: the JDK ignores unencrypted private keys",
            hint="give one with --pass-file or CERTKIT_PASS (an empty password is allowed)",
        )
    _check_jdk_password(password)
    if password == "":
        raise UsageError(
            "an empty keystore password is not supported yet",
            hint="give a password with --pass-file or CERTKIT_PASS",
        )
    if not chain:
        raise UsageError("a key entry needs its certificate (the chain is empty)")
    rounds = DEFAULT_ITERATIONS if iterations is None else iterations
    if rounds < 1:
        raise UsageError(f"the PKCS#12 iteration count must be positive, not {rounds}")
    leaf, *issuers = chain
    if leaf.public_key() != private_key.public_key():
        raise InputError(
            f"the private key does not belong to the certificate {leaf.subject.rfc4514_string()}"
        )

    _check_alias(alias, "the key alias")
    seen_aliases = {alias.lower(): "the key entry"}
    for trusted_alias, _certificate in trusted:
        _check_alias(trusted_alias, "a trusted certificate alias")
        if trusted_alias.lower() in seen_aliases:
            raise UsageError(
                f"the alias {trusted_alias!r} is used twice ({seen_aliases[trusted_alias.lower()]} "
                "and a trusted certificate); keystore aliases must differ (ignoring case)"
            )
        seen_aliases[trusted_alias.lower()] = "a trusted certificate"

    password_bytes = password.encode("utf-8")
    encryption = _encryption(password_bytes, legacy, rounds)
    trusted_certificates = {certificate for _alias, certificate in trusted}
    untrusted_issuers = [certificate for certificate in issuers if certificate not in trusted_certificates]
    key_pfx = pkcs12.serialize_key_and_certificates(
        alias.encode("utf-8"), private_key, leaf, untrusted_issuers or None, encryption
    )
    pieces = [key_pfx]
    if trusted:
        pieces.append(
            pkcs12.serialize_java_truststore(
                [pkcs12.PKCS12Certificate(cert, name.encode("utf-8")) for name, cert in trusted], encryption
            )
        )
    # Re-sealed even with a single piece: cryptography MACs with a fixed 2048 iterations,
    # and the MAC is an offline password-guessing oracle like the encryption, so it gets
    # the same count (as the JDK does).
    try:
        return _merge_pfx(pieces, password, rounds)
    except (PyAsn1Error, ValueError, KeyError) as exc:  # cryptography's own output: a bug, not bad input
        raise RuntimeError(f"cannot assemble the keystore from cryptography's PKCS#12 output: {exc}") from exc
