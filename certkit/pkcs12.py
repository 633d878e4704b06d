"""PKCS#12 keystores the JDK reads as Elasticsearch needs them, and PKCS#12 files read back.

Writing: :func:`serialize_keystore` produces what ``elasticsearch-certutil`` produces, one
file that serves as both ``keystore.path`` and ``truststore.path``: a PrivateKeyEntry
(key + chain) plus one trustedCertEntry per trusted certificate. The JDK treats a
certificate bag as a trusted entry only when it carries Oracle's "trusted key usage"
attribute, which pyca/cryptography cannot put next to a key; and cryptography refuses the
empty password, the one elasticsearch-certutil users most often choose. So the PFX
structure is assembled here with pyasn1, laid out as the JDK lays it out, while every
cryptographic operation is cryptography's (PBKDF2, AES, 3DES, key serialisation) or
:mod:`certkit.pkcs12_kdf`'s (the RFC 7292 KDF, for the MAC and the legacy cipher):

    PFX v3, MAC over:
      AuthenticatedSafe
        data:          [ pkcs8ShroudedKeyBag (friendlyName=alias, localKeyId) ]
        encryptedData: [ certBag leaf (friendlyName=alias, localKeyId),
                         certBag issuer ... (no attributes),
                         certBag trusted (friendlyName=its alias, trustedKeyUsage) ... ]

Encryption: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) and an HMAC-SHA256 MAC by default, as
JDK 12+ keytool writes; ``legacy=True`` writes pbeWithSHAAnd3-KeyTripleDES-CBC with a SHA-1
MAC, which JDK 8 and OpenSSL 1.x read. Both use :data:`DEFAULT_ITERATIONS`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from pyasn1.codec.der import decoder as der_decoder
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import base, char, univ
from pyasn1_modules import rfc5652, rfc7292, rfc8018

from certkit.errors import InputError, PasswordError, UsageError
from certkit.pkcs12_diagnosis import (
    Bag,
    Pkcs12Diagnosis,
    Protection,
    diagnose,
    legacy_provider_available,
    legacy_unavailable_reason,
    read_safe_contents,
)
from certkit.pkcs12_kdf import IV_MATERIAL, KEY_MATERIAL, derive, pfx_mac

__all__ = [
    "DEFAULT_ITERATIONS",
    "JDK_TRUSTED_KEY_USAGE_OID",
    "LoadedPkcs12",
    "Pkcs12Certificate",
    "Pkcs12Diagnosis",
    "diagnose",
    "load_pkcs12",
    "serialize_keystore",
]

#: PBKDF2 and MAC iteration count of the keystores certkit writes. It is the JDK's own
#: default (``keystore.pkcs12.keyPbeIterationCount``, ``certPbeIterationCount`` and
#: ``macIterationCount``, JDK 12+), i.e. exactly the protection elasticsearch-certutil's
#: files get: a certkit keystore is never cheaper to brute-force than the certutil file it
#: replaces. OpenSSL 3 and cryptography use 2048 (five times cheaper to attack). More would
#: buy little: the files are 0600 and their password usually sits in the Elasticsearch
#: keystore next to them, while issuing many nodes pays the cost once per file (about
#: 7 ms at 10 000, against some 40 ms to generate the RSA-2048 key itself).
DEFAULT_ITERATIONS = 10_000

_ID_DATA = rfc5652.id_data
_ID_ENCRYPTED_DATA = rfc5652.id_encryptedData
_ID_CERT_BAG = rfc7292.id_certBag
_ID_SHROUDED_KEY_BAG = rfc7292.id_pkcs8ShroudedKeyBag
_ID_X509_CERTIFICATE = univ.ObjectIdentifier("1.2.840.113549.1.9.22.1")
_ID_FRIENDLY_NAME = rfc7292.pkcs_9_at_friendlyName
_ID_LOCAL_KEY_ID = rfc7292.pkcs_9_at_localKeyId
_ID_SHA1 = univ.ObjectIdentifier("1.3.14.3.2.26")
_ID_SHA256 = univ.ObjectIdentifier("2.16.840.1.101.3.4.2.1")
_ID_PBE_SHA1_3DES = rfc7292.pbeWithSHAAnd3_KeyTripleDES_CBC

#: Oracle's "trusted key usage" bag attribute: the JDK loads a certificate bag carrying it
#: as a trustedCertEntry. Its values (the attribute's SET) are the extended-key-usage OIDs
#: the certificate is trusted for; anyExtendedKeyUsage, as keytool writes for a plain CA.
JDK_TRUSTED_KEY_USAGE_OID = univ.ObjectIdentifier("2.16.840.1.113894.746875.1.1")
_ANY_EXTENDED_KEY_USAGE_OID = univ.ObjectIdentifier("2.5.29.37.0")

_PrivateKey = (
    rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | dsa.DSAPrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey
)

# --------------------------------------------------------------------------- encryption


def _set_algorithm(identifier, oid: univ.ObjectIdentifier, parameters) -> None:
    """Fill an AlgorithmIdentifier-shaped component (each module has its own type)."""
    identifier["algorithm"] = oid
    identifier["parameters"] = der_encoder.encode(parameters)


# An encryption: its algorithm OID, the DER of its parameters, and the ciphertext.
_Encrypted = tuple[univ.ObjectIdentifier, base.Asn1Item, bytes]


def _encrypt_pbes2(plaintext: bytes, password: str, iterations: int) -> _Encrypted:
    """PBES2 (RFC 8018): PBKDF2-HMAC-SHA256 over the UTF-8 password, then AES-256-CBC."""
    salt, iv = os.urandom(16), os.urandom(16)
    key = PBKDF2HMAC(hashes.SHA256(), 32, salt, iterations).derive(password.encode("utf-8"))
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()

    kdf_params = rfc8018.PBKDF2_params()
    kdf_params["salt"]["specified"] = salt
    kdf_params["iterationCount"] = iterations
    _set_algorithm(kdf_params["prf"], rfc8018.id_hmacWithSHA256, univ.Null(""))
    pbes2_params = rfc8018.PBES2_params()
    _set_algorithm(pbes2_params["keyDerivationFunc"], rfc8018.id_PBKDF2, kdf_params)
    _set_algorithm(pbes2_params["encryptionScheme"], rfc8018.aes256_CBC_PAD, univ.OctetString(iv))
    return rfc8018.id_PBES2, pbes2_params, ciphertext


def _encrypt_pkcs12_3des(plaintext: bytes, password: str, iterations: int) -> _Encrypted:
    """pbeWithSHAAnd3-KeyTripleDES-CBC (RFC 7292 appendix C): key and IV from the PKCS#12 KDF."""
    salt = os.urandom(8)
    key = derive(password, salt, iterations, KEY_MATERIAL, 24, "sha1")
    iv = derive(password, salt, iterations, IV_MATERIAL, 8, "sha1")
    padder = padding.PKCS7(64).padder()
    encryptor = Cipher(TripleDES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()

    params = rfc7292.Pkcs_12PbeParams()
    params["salt"] = salt
    params["iterations"] = iterations
    return _ID_PBE_SHA1_3DES, params, ciphertext


# --------------------------------------------------------------------------- structure


def _attribute(oid: univ.ObjectIdentifier, value) -> rfc7292.PKCS12Attribute:
    attribute = rfc7292.PKCS12Attribute()
    attribute["attrType"] = oid
    attribute["attrValues"].append(der_encoder.encode(value))
    return attribute


def _safe_bag(bag_id: univ.ObjectIdentifier, bag_value_der: bytes, attributes: Sequence) -> rfc7292.SafeBag:
    bag = rfc7292.SafeBag()
    bag["bagId"] = bag_id
    bag["bagValue"] = bag_value_der
    for attribute in attributes:
        bag["bagAttributes"].append(attribute)
    return bag


def _certificate_bag(certificate: x509.Certificate, attributes: Sequence) -> rfc7292.SafeBag:
    cert_bag = rfc7292.CertBag()
    cert_bag["certId"] = _ID_X509_CERTIFICATE
    cert_bag["certValue"] = der_encoder.encode(univ.OctetString(certificate.public_bytes(serialization.Encoding.DER)))
    return _safe_bag(_ID_CERT_BAG, der_encoder.encode(cert_bag), attributes)


def _safe_contents(bags: Sequence[rfc7292.SafeBag]) -> bytes:
    contents = rfc7292.SafeContents()
    for bag in bags:
        contents.append(bag)
    return der_encoder.encode(contents)


def _data_content_info(octets: bytes) -> rfc5652.ContentInfo:
    content_info = rfc5652.ContentInfo()
    content_info["contentType"] = _ID_DATA
    content_info["content"] = der_encoder.encode(univ.OctetString(octets))
    return content_info


def _encrypted_content_info(encrypted_safe: _Encrypted) -> rfc5652.ContentInfo:
    algorithm, parameters, ciphertext = encrypted_safe
    encrypted = rfc5652.EncryptedData()
    encrypted["version"] = 0
    encrypted["encryptedContentInfo"]["contentType"] = _ID_DATA
    _set_algorithm(encrypted["encryptedContentInfo"]["contentEncryptionAlgorithm"], algorithm, parameters)
    encrypted["encryptedContentInfo"]["encryptedContent"] = ciphertext
    content_info = rfc5652.ContentInfo()
    content_info["contentType"] = _ID_ENCRYPTED_DATA
    content_info["content"] = der_encoder.encode(encrypted)
    return content_info


def _pfx(auth_safe: Sequence[rfc5652.ContentInfo], password: str, iterations: int, legacy: bool) -> bytes:
    authenticated_safe = rfc7292.AuthenticatedSafe()
    for content_info in auth_safe:
        authenticated_safe.append(content_info)
    auth_safe_der = der_encoder.encode(authenticated_safe)

    hash_name, hash_oid = ("sha1", _ID_SHA1) if legacy else ("sha256", _ID_SHA256)
    salt = os.urandom(20 if legacy else 32)  # the digest length, as the JDK chooses
    pfx = rfc7292.PFX()
    pfx["version"] = 3
    pfx["authSafe"] = _data_content_info(auth_safe_der)
    _set_algorithm(pfx["macData"]["mac"]["digestAlgorithm"], hash_oid, univ.Null(""))
    pfx["macData"]["mac"]["digest"] = pfx_mac(auth_safe_der, password, salt, iterations, hash_name)
    pfx["macData"]["macSalt"] = salt
    pfx["macData"]["iterations"] = iterations
    return der_encoder.encode(pfx)


# --------------------------------------------------------------------------- checks


def _check_alias(alias: str, what: str) -> None:
    if not alias or not alias.strip():
        raise UsageError(f"{what} is empty: a keystore entry needs an alias")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in alias):
        raise UsageError(f"{what} {alias!r} contains control characters")


def _check_jdk_password(password: str | None) -> str:
    """The password, if the JDK can open a keystore protected by it.

    ``None`` is refused: keys in a JDK PKCS#12 are always encrypted (the JDK skips an
    unencrypted key bag). Characters other than printable ASCII are refused too: the JDK's
    PBE keys take nothing else (``PBEKey``: "Password is not ASCII"), so such a file is
    valid PKCS#12 that OpenSSL reads but that the JDK, and so Elasticsearch, reports as
    "keystore password was incorrect". The empty password is fine.
    """
    if password is None:
        raise UsageError(
            "a PKCS#12 keystore needs a password: the JDK ignores unencrypted private keys",
            hint="give one with --pass-file or CERTKIT_PASS (an empty password is allowed)",
        )
    for position, character in enumerate(password, start=1):
        if not " " <= character <= "~":
            raise UsageError(
                f"the keystore password has a character the JDK cannot use "
                f"(U+{ord(character):04X} at position {position}): "
                "Java reads PKCS#12 passwords as printable ASCII only",
                hint="choose a password of printable ASCII characters",
            )
    return password


# --------------------------------------------------------------------------- public


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
    completes a key entry's chain from every certificate of the file by issuer name (that
    is what ``getCertificateChain`` returns), OpenSSL and cryptography list it among the CA
    certificates, and the file holds no duplicate. ``password`` must be one the JDK can use
    (see :func:`_check_jdk_password`; ``""`` is allowed). Aliases compare
    case-insensitively, as in the JDK, and must be distinct. ``iterations`` defaults to
    :data:`DEFAULT_ITERATIONS` and applies to the key, the certificates and the MAC alike.
    Raises :class:`UsageError` / :class:`InputError` for anything the caller can fix.
    """
    password = _check_jdk_password(password)
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
        _attribute(_ID_FRIENDLY_NAME, char.BMPString(alias)),
        _attribute(_ID_LOCAL_KEY_ID, univ.OctetString(local_key_id)),
    ]

    key_der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key_algorithm, key_parameters, encrypted_key = encrypt(key_der, password, rounds)
    shrouded_key = rfc7292.EncryptedPrivateKeyInfo()
    _set_algorithm(shrouded_key["encryptionAlgorithm"], key_algorithm, key_parameters)
    shrouded_key["encryptedData"] = encrypted_key
    key_safe = _safe_contents([_safe_bag(_ID_SHROUDED_KEY_BAG, der_encoder.encode(shrouded_key), key_attributes)])

    trusted_certificates = {certificate for _alias, certificate in trusted}
    certificate_bags = [_certificate_bag(leaf, key_attributes)]
    certificate_bags += [_certificate_bag(issuer, []) for issuer in issuers if issuer not in trusted_certificates]
    for trusted_alias, certificate in trusted:
        trusted_attributes = [
            _attribute(_ID_FRIENDLY_NAME, char.BMPString(trusted_alias)),
            _attribute(JDK_TRUSTED_KEY_USAGE_OID, _ANY_EXTENDED_KEY_USAGE_OID),
        ]
        certificate_bags.append(_certificate_bag(certificate, trusted_attributes))
    certificate_safe = encrypt(_safe_contents(certificate_bags), password, rounds)

    return _pfx(
        [_data_content_info(key_safe), _encrypted_content_info(certificate_safe)],
        password,
        rounds,
        legacy,
    )


# =========================================================================== reading


@dataclass(frozen=True)
class Pkcs12Certificate:
    """A certificate of a loaded PKCS#12 with what its bag said about it."""

    certificate: x509.Certificate
    friendly_name: str | None
    # True/False when the bag was read; None when its safe uses a cipher (RC2, RC4) that only
    # cryptography's PKCS#12 loader decrypts, which does not report this attribute.
    jdk_trusted: bool | None


@dataclass(frozen=True)
class LoadedPkcs12:
    """The contents of a PKCS#12 file.

    ``certificate`` is the one bound to ``key``; ``others`` are the remaining certificates,
    the key's issuers first in chain order, then the rest in file order. ``alias`` is the
    key entry's friendly name (the JDK alias).
    """

    source: str
    key: _PrivateKey | None
    alias: str | None
    certificate: Pkcs12Certificate | None
    others: tuple[Pkcs12Certificate, ...]
    diagnosis: Pkcs12Diagnosis

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """The key's certificate, then every other certificate (leaf first)."""
        head = (self.certificate.certificate,) if self.certificate else ()
        return head + tuple(other.certificate for other in self.others)

    @property
    def trusted(self) -> tuple[Pkcs12Certificate, ...]:
        """The JDK trustedCertEntry certificates (as far as they could be read)."""
        return tuple(other for other in self.others if other.jdk_trusted)

    def to_json(self) -> dict:
        """The diagnosis with the counts and names the decryption revealed."""
        document = self.diagnosis.to_json()
        document["keys"] = 0 if self.key is None else max(1, document["keys"] or 0)
        document["certificates"] = len(self.chain)
        document["entries"] = ([{"alias": self.alias, "type": "PrivateKeyEntry"}] if self.key is not None else []) + [
            {"alias": other.friendly_name, "type": "trustedCertEntry"} for other in self.trusted
        ]
        return document


_ID_PBE_SHA1_3DES_TEXT = str(_ID_PBE_SHA1_3DES)
_PBES2_KEY_SIZES = {"AES-128-CBC": 16, "AES-192-CBC": 24, "AES-256-CBC": 32, "DES-EDE3-CBC": 24}
_PRF_HASHES = {
    "hmacWithSHA1": hashes.SHA1,
    "hmacWithSHA224": hashes.SHA224,
    "hmacWithSHA256": hashes.SHA256,
    "hmacWithSHA384": hashes.SHA384,
    "hmacWithSHA512": hashes.SHA512,
}


def _decrypt(protection: Protection, ciphertext: bytes, password: str | None) -> bytes | None:
    """Decrypt with cryptography's primitives: PBES2 (AES / 3DES) and PKCS#12 3DES.

    Returns None for the ciphers cryptography offers only through its PKCS#12 loader
    (RC2-40 has no primitive there) and raises ValueError when the padding is wrong.
    """
    if protection.oid == _ID_PBE_SHA1_3DES_TEXT:
        params = der_decoder.decode(protection.parameters, asn1Spec=rfc7292.Pkcs_12PbeParams())[0]
        salt, rounds = bytes(params["salt"]), int(params["iterations"])
        key = derive(password, salt, rounds, KEY_MATERIAL, 24, "sha1")
        iv = derive(password, salt, rounds, IV_MATERIAL, 8, "sha1")
        cipher, block_bits = Cipher(TripleDES(key), modes.CBC(iv)), 64
    elif protection.algorithm == "PBES2" and protection.cipher in _PBES2_KEY_SIZES and protection.prf in _PRF_HASHES:
        params = der_decoder.decode(protection.parameters, asn1Spec=rfc8018.PBES2_params())[0]
        kdf = der_decoder.decode(bytes(params["keyDerivationFunc"]["parameters"]), asn1Spec=rfc8018.PBKDF2_params())[0]
        iv = bytes(der_decoder.decode(bytes(params["encryptionScheme"]["parameters"]), asn1Spec=univ.OctetString())[0])
        key_size = _PBES2_KEY_SIZES[protection.cipher]
        # PBES2 hashes the password's UTF-8 bytes; "no password" and "" are both empty.
        key = PBKDF2HMAC(_PRF_HASHES[protection.prf](), key_size, bytes(kdf["salt"]["specified"]),
                         int(kdf["iterationCount"])).derive((password or "").encode("utf-8"))
        if protection.cipher == "DES-EDE3-CBC":
            cipher, block_bits = Cipher(TripleDES(key), modes.CBC(iv)), 64
        else:
            cipher, block_bits = Cipher(algorithms.AES(key), modes.CBC(iv)), 128
    else:
        return None
    decryptor = cipher.decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(block_bits).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def _readable_bags(diagnosis: Pkcs12Diagnosis, password: str | None) -> list[Bag]:
    """Every bag that can be read: plain safes, and the safes certkit decrypts itself."""
    bags: list[Bag] = []
    for safe in diagnosis.safes:
        if safe.bags is not None:
            bags.extend(safe.bags)
            continue
        try:
            plaintext = _decrypt(safe.protection, safe.ciphertext, password)
        except (ValueError, PyAsn1Error):
            plaintext = None
        if plaintext is None:
            continue
        try:
            bags.extend(read_safe_contents(plaintext))
        except PyAsn1Error:
            continue
    return bags


def _order_chain(leaf: x509.Certificate | None, others: list[x509.Certificate]) -> list[x509.Certificate]:
    """The key's issuers first (following issuer names from the leaf), then the rest as found."""
    ordered: list[x509.Certificate] = []
    remaining = list(others)
    current = leaf
    while current is not None and current.issuer != current.subject:
        issuer = next((c for c in remaining if c.subject == current.issuer), None)
        if issuer is None:
            break
        ordered.append(issuer)
        remaining.remove(issuer)
        current = issuer
    return ordered + remaining


def _password_candidates(password: str | None) -> list[str | None]:
    # "No password" is two different keys in PKCS#12 (empty BMPString or nothing at all);
    # files exist with either, so both are tried, as OpenSSL does.
    if password in (None, ""):
        return [password, "" if password is None else None]
    return [password]


def load_pkcs12(data: bytes, password: str | None, *, source: str) -> LoadedPkcs12:
    """Load a PKCS#12 file, or explain exactly why it cannot be loaded.

    ``password`` None and ``""`` both open files protected by "no password" in either of
    its two encodings. Errors (:class:`InputError`, :class:`PasswordError` for a wrong or
    missing password) name ``source`` and tell a wrong password (the MAC does not verify)
    from an algorithm the installed cryptography cannot decrypt, from a damaged file.
    """
    diagnosis = diagnose(data, source=source)
    algorithms_text = diagnosis.describe_algorithms()
    legacy_missing = diagnosis.needs_legacy_provider and not legacy_provider_available()
    legacy_names = " and ".join(
        dict.fromkeys(protection.short_name for protection in diagnosis.protections if protection.needs_legacy_provider)
    )

    opened_with: str | None | bool = False  # False: nothing verified the password yet
    if diagnosis.mac is not None and diagnosis.mac.algorithm in ("sha1", "sha224", "sha256", "sha384", "sha512"):
        opened_with = next((p for p in _password_candidates(password) if diagnosis.mac_matches(p)), False)
        if opened_with is False:
            if password is None:
                raise PasswordError(
                    f"{source} is protected by a password and none was given",
                    hint="give it with --pass-file, CERTKIT_PASS, or at the prompt",
                )
            support = (
                f"the file also uses {legacy_names}, which the installed cryptography cannot decrypt "
                f"({legacy_unavailable_reason()})"
                if legacy_missing
                else f"the file uses {algorithms_text}, which certkit supports"
            )
            raise PasswordError(f"wrong password for {source} (MAC check failed; {support})")

    if legacy_missing:
        raise InputError(
            f"{source} uses {legacy_names}, which the installed cryptography cannot decrypt ({legacy_unavailable_reason()})",
            hint="unset CRYPTOGRAPHY_OPENSSL_NO_LEGACY, or re-export the file with a modern algorithm",
        )

    candidates = [opened_with] if opened_with is not False else _password_candidates(password)
    loaded = None
    for candidate in candidates:
        try:
            loaded = pkcs12.load_pkcs12(data, None if candidate is None else candidate.encode("utf-8"))
            opened_with = candidate
            break
        except ValueError:
            continue
        except UnsupportedAlgorithm as exc:
            raise InputError(f"{source} uses an algorithm the installed cryptography cannot decrypt: {exc}") from None
    if loaded is None:
        if diagnosis.mac is None:
            raise PasswordError(
                f"cannot decrypt {source}: wrong password, or a damaged file (it has no MAC to tell which; "
                f"it uses {algorithms_text})"
            )
        if opened_with is False:  # a MAC certkit cannot compute (e.g. PBMAC1)
            raise PasswordError(f"cannot open {source}: wrong password, or a MAC algorithm certkit cannot check "
                                f"({diagnosis.mac.algorithm})")
        raise InputError(
            f"{source} is corrupted: the password is right (the MAC verifies) but its {algorithms_text} "
            "content does not decrypt"
        )

    bags = _readable_bags(diagnosis, opened_with if opened_with is not False else password)
    bag_by_certificate = {bag.certificate_der: bag for bag in bags if bag.certificate_der is not None}
    key_bags = [bag for bag in bags if bag.kind in ("key", "shrouded key")]
    if len(key_bags) > 1:
        aliases = ", ".join(bag.friendly_name or "(no alias)" for bag in key_bags)
        raise InputError(f"{source} holds {len(key_bags)} private keys ({aliases}); certkit reads one key per file")

    def describe(certificate: x509.Certificate, friendly_name: bytes | None) -> Pkcs12Certificate:
        bag = bag_by_certificate.get(certificate.public_bytes(serialization.Encoding.DER))
        name = friendly_name.decode("utf-8", "replace") if friendly_name is not None else None
        return Pkcs12Certificate(certificate, name, None if bag is None else bag.jdk_trusted)

    key_certificate = None
    if loaded.cert is not None:
        key_certificate = describe(loaded.cert.certificate, loaded.cert.friendly_name)
    names = {extra.certificate: extra.friendly_name for extra in loaded.additional_certs}
    ordered = _order_chain(key_certificate.certificate if key_certificate else None, list(names))
    alias = key_certificate.friendly_name if key_certificate else None
    if alias is None and key_bags:
        alias = key_bags[0].friendly_name
    return LoadedPkcs12(
        source=source,
        key=loaded.key,
        alias=alias if loaded.key is not None else None,
        certificate=key_certificate,
        others=tuple(describe(certificate, names[certificate]) for certificate in ordered),
        diagnosis=diagnosis,
    )
