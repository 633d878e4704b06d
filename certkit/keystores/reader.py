"""PKCS#12 files read back, whatever wrote them; and the keystores certkit writes.

Reading (:func:`load_pkcs12`): the file's own ASN.1 is diagnosed first
(:mod:`certkit.keystores.diagnosis`), so that a wrong password, a cipher the installed
OpenSSL lacks and a damaged file are told apart; the safes are decrypted with
cryptography's primitives where certkit can (PBES2, PKCS#12 3DES: the JDK's trusted-entry
attribute stays visible), and by cryptography's own PKCS#12 loader otherwise (RC2-40).

Writing is :mod:`certkit.keystores.writer` (:func:`serialize_keystore`, re-exported here), which
needs no ASN.1 library.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from pyasn1.codec.der import decoder as der_decoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import univ
from pyasn1_modules import rfc7292, rfc8018

from certkit.errors import InputError, PasswordError
from certkit.keystores.writer import DEFAULT_ITERATIONS, JDK_TRUSTED_KEY_USAGE, PrivateKey, serialize_keystore
from certkit.keystores.diagnosis import (
    Bag,
    Pkcs12Diagnosis,
    Protection,
    diagnose,
    legacy_provider_available,
    legacy_unavailable_reason,
    read_safe_contents,
)
from certkit.keystores.kdf import IV_MATERIAL, KEY_MATERIAL, derive

__all__ = [
    "DEFAULT_ITERATIONS",
    "JDK_TRUSTED_KEY_USAGE",
    "LoadedPkcs12",
    "Pkcs12Certificate",
    "Pkcs12Diagnosis",
    "diagnose",
    "load_pkcs12",
    "serialize_keystore",
]

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
    key: PrivateKey | None
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


_ID_PBE_SHA1_3DES_TEXT = "1.2.840.113549.1.12.1.3"  # pbeWithSHAAnd3-KeyTripleDES-CBC
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
    from certkit.io import order_chain

    issuers = order_chain(leaf, others)[1:] if leaf is not None else []
    return issuers + [c for c in others if c not in issuers]


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
