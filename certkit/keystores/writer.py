"""PKCS#12 keystores the JDK reads as Elasticsearch needs them.

:func:`serialize_keystore` produces what ``elasticsearch-certutil`` produces, one file that
serves as both ``keystore.path`` and ``truststore.path``: a PrivateKeyEntry (key + chain)
plus one trustedCertEntry per trusted certificate. The JDK treats a certificate bag as a
trusted entry only when it carries Oracle's "trusted key usage" attribute, which
pyca/cryptography cannot put next to a key; and cryptography refuses the empty password,
the one elasticsearch-certutil users most often choose. So the PFX structure is written
here (:mod:`certkit.keystores.der`), laid out as the JDK lays it out, while every cryptographic
operation is cryptography's (PBKDF2, AES, 3DES, key serialisation) or
:mod:`certkit.keystores.kdf`'s (the RFC 7292 KDF, for the MAC and the legacy cipher):

    PFX v3, MAC over:
      AuthenticatedSafe
        data:          [ pkcs8ShroudedKeyBag (friendlyName=alias, localKeyId) ]
        encryptedData: [ certBag leaf (friendlyName=alias, localKeyId),
                         certBag issuer ... (no attributes),
                         certBag trusted (friendlyName=its alias, trustedKeyUsage) ... ]

Encryption: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) and an HMAC-SHA256 MAC by default, as
JDK 12+ keytool writes; ``legacy=True`` writes pbeWithSHAAnd3-KeyTripleDES-CBC with a SHA-1
MAC, which JDK 8 and OpenSSL 1.x read. Both use :data:`DEFAULT_ITERATIONS`.

Reading PKCS#12 files (any of them, legacy ciphers included) is :mod:`certkit.keystores.reader`'s.
This module imports no ASN.1 library: it runs in every issuing worker.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from certkit.errors import InputError, UsageError
from certkit.keystores import der
from certkit.keystores.jdk_view import UTF8_PASSWORDS_SINCE, password_problem
from certkit.keystores.kdf import IV_MATERIAL, KEY_MATERIAL, MAC_MATERIAL, derive, pfx_mac

__all__ = ["DEFAULT_ITERATIONS", "JDK_TRUSTED_KEY_USAGE", "SharedDerivations", "serialize_keystore", "serialize_truststore"]

#: PBKDF2 and MAC iteration count of the keystores certkit writes. It is the JDK's own
#: default (``keystore.pkcs12.keyPbeIterationCount``, ``certPbeIterationCount`` and
#: ``macIterationCount``, JDK 12+), i.e. exactly the protection elasticsearch-certutil's
#: files get: a certkit keystore is never cheaper to brute-force than the certutil file it
#: replaces. OpenSSL 3 and cryptography use 2048 (five times cheaper to attack). More would
#: buy little: the files are 0600 and their password usually sits in the Elasticsearch
#: keystore next to them, while issuing many nodes pays the cost once per file (a few
#: milliseconds at 10 000, against some 40 ms to generate the RSA-2048 key itself).
DEFAULT_ITERATIONS = 10_000

#: Oracle's "trusted key usage" bag attribute: the JDK loads a certificate bag carrying it
#: as a trustedCertEntry. Its values (the attribute's SET) are the extended-key-usage OIDs
#: the certificate is trusted for; anyExtendedKeyUsage, as keytool writes for a plain CA.
JDK_TRUSTED_KEY_USAGE = "2.16.840.1.113894.746875.1.1"

_DATA = der.oid("1.2.840.113549.1.7.1")
_ENCRYPTED_DATA = der.oid("1.2.840.113549.1.7.6")
_SHROUDED_KEY_BAG = der.oid("1.2.840.113549.1.12.10.1.2")
_CERT_BAG = der.oid("1.2.840.113549.1.12.10.1.3")
_X509_CERTIFICATE = der.oid("1.2.840.113549.1.9.22.1")
_FRIENDLY_NAME = der.oid("1.2.840.113549.1.9.20")
_LOCAL_KEY_ID = der.oid("1.2.840.113549.1.9.21")
_TRUSTED_KEY_USAGE = der.oid(JDK_TRUSTED_KEY_USAGE)
_ANY_EXTENDED_KEY_USAGE = der.oid("2.5.29.37.0")
_SHA1 = der.oid("1.3.14.3.2.26")
_SHA256 = der.oid("2.16.840.1.101.3.4.2.1")
_PBE_SHA1_3DES = der.oid("1.2.840.113549.1.12.1.3")
_PBES2 = der.oid("1.2.840.113549.1.5.13")
_PBKDF2 = der.oid("1.2.840.113549.1.5.12")
_HMAC_SHA256 = der.oid("1.2.840.113549.2.9")
_AES256_CBC = der.oid("2.16.840.1.101.3.4.1.42")

#: The private keys a keystore can hold.
PrivateKey = (
    rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | dsa.DSAPrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey
)

# --------------------------------------------------------------------------- encryption
# Each returns (the AlgorithmIdentifier's DER, the ciphertext).


@dataclass(frozen=True, repr=False)
class SharedDerivations:
    """Keys derived once for the keystores of one run, which share one password.

    A keystore needs three password derivations (the key's and the certificates' PBKDF2,
    the MAC's RFC 7292 KDF), ~5 ms of CPU at 10,000 iterations: more than an EC node's
    key and certificate. Keystores that share the password can share them: each
    derivation still has its random salt (no precomputed table serves), each file its own
    random IVs, and guessing the password costs an attacker exactly what it costs
    against one file, which is all one needs. What is given up is unlinkability (the
    files of one run carry the same salts), which the files' shared password and bundle
    already give away. Only PBES2 keystores share: the legacy 3DES scheme derives its IV
    from the salt too, so it keeps a salt per file.
    """

    password: str
    iterations: int
    key_salt: bytes
    key_key: bytes
    certificates_salt: bytes
    certificates_key: bytes
    mac_salt: bytes
    mac_key: bytes

    @classmethod
    def derive(cls, password: str, iterations: int = DEFAULT_ITERATIONS) -> SharedDerivations:
        key_salt, certificates_salt, mac_salt = os.urandom(16), os.urandom(16), os.urandom(32)
        return cls(password, iterations, key_salt, _pbkdf2(password, key_salt, iterations),
                   certificates_salt, _pbkdf2(password, certificates_salt, iterations),
                   mac_salt, derive(password, mac_salt, iterations, MAC_MATERIAL, 32, "sha256"))


def _pbkdf2(password: str, salt: bytes, iterations: int) -> bytes:
    return PBKDF2HMAC(hashes.SHA256(), 32, salt, iterations).derive(password.encode("utf-8"))


def _encrypt_pbes2(plaintext: bytes, password: str, iterations: int,
                   derived: tuple[bytes, bytes] | None = None) -> tuple[bytes, bytes]:
    """PBES2 (RFC 8018): PBKDF2-HMAC-SHA256 over the UTF-8 password, then AES-256-CBC.
    ``derived``: the (salt, key) of a :class:`SharedDerivations` instead of new ones."""
    if derived is None:
        fresh_salt = os.urandom(16)
        derived = fresh_salt, _pbkdf2(password, fresh_salt, iterations)
    salt, key = derived
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()
    pbkdf2_params = der.sequence(der.octet_string(salt), der.integer(iterations), der.algorithm(_HMAC_SHA256))
    pbes2_params = der.sequence(der.algorithm(_PBKDF2, pbkdf2_params), der.algorithm(_AES256_CBC, der.octet_string(iv)))
    return der.algorithm(_PBES2, pbes2_params), ciphertext


def _encrypt_pkcs12_3des(plaintext: bytes, password: str, iterations: int) -> tuple[bytes, bytes]:
    """pbeWithSHAAnd3-KeyTripleDES-CBC (RFC 7292 appendix C): key and IV from the PKCS#12 KDF."""
    salt = os.urandom(8)
    key = derive(password, salt, iterations, KEY_MATERIAL, 24, "sha1")
    iv = derive(password, salt, iterations, IV_MATERIAL, 8, "sha1")
    padder = padding.PKCS7(64).padder()
    encryptor = Cipher(TripleDES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()
    return der.algorithm(_PBE_SHA1_3DES, der.sequence(der.octet_string(salt), der.integer(iterations))), ciphertext


# --------------------------------------------------------------------------- structure


def _attribute(attribute_type: bytes, value: bytes) -> bytes:
    return der.sequence(attribute_type, der.set_of([value]))


def _safe_bag(bag_id: bytes, bag_value: bytes, attributes: Sequence[bytes]) -> bytes:
    return der.sequence(bag_id, der.explicit(0, bag_value), der.set_of(attributes) if attributes else b"")


def _certificate_bag(certificate: x509.Certificate, attributes: Sequence[bytes]) -> bytes:
    certificate_der = certificate.public_bytes(serialization.Encoding.DER)
    cert_bag = der.sequence(_X509_CERTIFICATE, der.explicit(0, der.octet_string(certificate_der)))
    return _safe_bag(_CERT_BAG, cert_bag, attributes)


def _data_content_info(octets: bytes) -> bytes:
    return der.sequence(_DATA, der.explicit(0, der.octet_string(octets)))


def _encrypted_content_info(algorithm: bytes, ciphertext: bytes) -> bytes:
    encrypted_content_info = der.sequence(_DATA, algorithm, der.implicit_octets(0, ciphertext))
    return der.sequence(_ENCRYPTED_DATA, der.explicit(0, der.sequence(der.integer(0), encrypted_content_info)))


def _pfx(auth_safe: Sequence[bytes], password: str, iterations: int, legacy: bool,
         shared: SharedDerivations | None = None) -> bytes:
    auth_safe_der = der.sequence(*auth_safe)
    hash_name, hash_oid = ("sha1", _SHA1) if legacy else ("sha256", _SHA256)
    if shared is not None:
        salt, mac = shared.mac_salt, hmac.new(shared.mac_key, auth_safe_der, "sha256").digest()
    else:
        salt = os.urandom(20 if legacy else 32)  # the digest length, as the JDK chooses
        mac = pfx_mac(auth_safe_der, password, salt, iterations, hash_name)
    mac_data = der.sequence(
        der.sequence(der.algorithm(hash_oid), der.octet_string(mac)), der.octet_string(salt), der.integer(iterations)
    )
    return der.sequence(der.integer(3), _data_content_info(auth_safe_der), mac_data)


# --------------------------------------------------------------------------- checks


def _check_alias(alias: str, what: str) -> None:
    if not alias or not alias.strip():
        raise UsageError(f"{what} is empty: a keystore entry needs an alias")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in alias):
        raise UsageError(f"{what} {alias!r} contains control characters")


def _check_jdk_password(password: str | None, jdk: int | None, legacy: bool) -> str:
    """The password, if the JDK (``jdk``: its feature release; None: every one Elasticsearch
    bundles) can open a keystore protected by it.

    ``None`` is refused: keys in a JDK PKCS#12 are always encrypted (the JDK skips an
    unencrypted key bag). Until JDK 24 only printable ASCII opens a PKCS#12 (``PBEKey``:
    "Password is not ASCII"; OpenSSL reads such a file, the JDK, so Elasticsearch, reports
    "keystore password was incorrect"); JDK 25 takes any password for PBES2 files, not for
    the legacy 3DES ones (:func:`certkit.keystores.jdk_view.password_problem`). The empty
    password is fine.
    """
    if password is None:
        raise UsageError(
            "a PKCS#12 keystore needs a password: the JDK ignores unencrypted private keys",
            hint="give one with --pass-file or CERTKIT_PASS (an empty password is allowed)",
        )
    problem = password_problem(password, jdk, legacy_ciphers=legacy)
    if problem is not None:
        raise UsageError(problem, hint="choose a password of printable ASCII characters"
                         + ("" if jdk is not None and jdk >= UTF8_PASSWORDS_SINCE else ", or target an Elasticsearch "
                            "that bundles JDK 25 or later"))
    return password


# --------------------------------------------------------------------------- public


def serialize_keystore(
    *,
    alias: str,
    private_key: PrivateKey,
    chain: Sequence[x509.Certificate],
    trusted: Sequence[tuple[str, x509.Certificate]] = (),
    password: str | None,
    legacy: bool = False,
    iterations: int | None = None,
    jdk: int | None = None,
    shared: SharedDerivations | None = None,
) -> bytes:
    """A PKCS#12 keystore (DER) as the JDK's ``KeyStore.getInstance("PKCS12")`` sees it.

    - ``alias`` names the PrivateKeyEntry holding ``private_key`` and ``chain`` (leaf first,
      then its issuers);
    - each ``(alias, certificate)`` of ``trusted`` becomes a trustedCertEntry.

    A chain certificate that is also trusted is stored once, as the trusted bag: the JDK
    completes a key entry's chain from every certificate of the file by issuer name (that
    is what ``getCertificateChain`` returns), OpenSSL and cryptography list it among the CA
    certificates, and the file holds no duplicate. ``password`` must be one the JDK can use
    (see :func:`_check_jdk_password`; ``""`` is allowed) on ``jdk``, the feature release of
    the JDK the target Elasticsearch bundles (None: every one). Aliases compare
    case-insensitively, as in the JDK, and must be distinct. ``iterations`` defaults to
    :data:`DEFAULT_ITERATIONS` and applies to the key, the certificates and the MAC alike.
    ``shared``: the run's :class:`SharedDerivations` for this password (PBES2 only), so
    that a bundle's keystores derive their keys once, not three times each.
    Raises :class:`UsageError` / :class:`InputError` for anything the caller can fix.
    """
    password = _check_jdk_password(password, jdk, legacy)
    if shared is not None and (legacy or shared.password != password
                               or shared.iterations != (DEFAULT_ITERATIONS if iterations is None else iterations)):
        raise ValueError("shared derivations are for PBES2 keystores of their own password and iteration count")
    if not chain:
        raise UsageError("a key entry needs its certificate (the chain is empty)")
    rounds = DEFAULT_ITERATIONS if iterations is None else iterations
    if rounds < 1:
        raise UsageError(f"the PKCS#12 iteration count must be positive, not {rounds}")
    leaf, *issuers = chain
    if leaf.public_key() != private_key.public_key():
        raise InputError(f"the private key does not belong to the certificate {leaf.subject.rfc4514_string()}")

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

    encrypt = _encrypt_pkcs12_3des if legacy else _encrypt_pbes2
    # The localKeyId pairs the key bag with its certificate bag; OpenSSL uses the SHA-1 of
    # the certificate, which is stable and says which certificate it is.
    local_key_id = hashlib.sha1(leaf.public_bytes(serialization.Encoding.DER)).digest()
    key_attributes = [
        _attribute(_FRIENDLY_NAME, der.bmp_string(alias)),
        _attribute(_LOCAL_KEY_ID, der.octet_string(local_key_id)),
    ]

    key_der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if shared is not None:
        key_algorithm, encrypted_key = _encrypt_pbes2(key_der, password, rounds, (shared.key_salt, shared.key_key))
    else:
        key_algorithm, encrypted_key = encrypt(key_der, password, rounds)
    shrouded_key = der.sequence(key_algorithm, der.octet_string(encrypted_key))
    key_safe = der.sequence(_safe_bag(_SHROUDED_KEY_BAG, shrouded_key, key_attributes))

    trusted_certificates = {certificate for _alias, certificate in trusted}
    certificate_bags = [_certificate_bag(leaf, key_attributes)]
    certificate_bags += [_certificate_bag(issuer, []) for issuer in issuers if issuer not in trusted_certificates]
    for trusted_alias, certificate in trusted:
        trusted_attributes = [
            _attribute(_FRIENDLY_NAME, der.bmp_string(trusted_alias)),
            _attribute(_TRUSTED_KEY_USAGE, _ANY_EXTENDED_KEY_USAGE),
        ]
        certificate_bags.append(_certificate_bag(certificate, trusted_attributes))
    certificates = der.sequence(*certificate_bags)
    if shared is not None:
        certificate_algorithm, encrypted_certificates = _encrypt_pbes2(
            certificates, password, rounds, (shared.certificates_salt, shared.certificates_key))
    else:
        certificate_algorithm, encrypted_certificates = encrypt(certificates, password, rounds)

    return _pfx(
        [_data_content_info(key_safe), _encrypted_content_info(certificate_algorithm, encrypted_certificates)],
        password,
        rounds,
        legacy,
        shared,
    )


def serialize_truststore(
    trusted: Sequence[tuple[str, x509.Certificate]],
    *,
    password: str,
    iterations: int | None = None,
    jdk: int | None = None,
) -> bytes:
    """A PKCS#12 trust store (DER): one trustedCertEntry per ``(alias, certificate)``, no key.

    What ``truststore.path`` names when a node trusts its own CA and the remote cluster's:
    the certificate bags carry the JDK's trusted-key-usage attribute, as keytool writes
    them. ``password`` may be ``""``: Elasticsearch opens a trust store with the empty
    password when ``truststore.secure_password`` is not set, so such a file needs no secret.
    """
    password = _check_jdk_password(password, jdk, False)
    if not trusted:
        raise UsageError("a trust store needs at least one CA certificate")
    rounds = DEFAULT_ITERATIONS if iterations is None else iterations
    seen: set[str] = set()
    bags = []
    for alias, certificate in trusted:
        _check_alias(alias, "a trusted certificate alias")
        if alias.lower() in seen:
            raise UsageError(f"the alias {alias!r} is used twice; trust store aliases must differ (ignoring case)")
        seen.add(alias.lower())
        attributes = [_attribute(_FRIENDLY_NAME, der.bmp_string(alias)),
                      _attribute(_TRUSTED_KEY_USAGE, _ANY_EXTENDED_KEY_USAGE)]
        bags.append(_certificate_bag(certificate, attributes))
    algorithm, encrypted = _encrypt_pbes2(der.sequence(*bags), password, rounds)
    return _pfx([_encrypted_content_info(algorithm, encrypted)], password, rounds, False)
