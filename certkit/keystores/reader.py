"""PKCS#12 files read back, whatever wrote them; and the keystores certkit writes.

Reading (:func:`load_pkcs12`): the file's own ASN.1 is diagnosed first
(:mod:`certkit.keystores.diagnosis`), so that a wrong password, a cipher the installed
OpenSSL lacks and a damaged file are told apart; iteration counts above
:data:`MAX_ITERATIONS` are refused before any key is derived; the safes are decrypted here
(cryptography's primitives, :mod:`certkit.keystores.rc2` for RC2-40) so that every bag
attribute stays visible and the JDK's view of the file (:mod:`certkit.keystores.jdk_view`)
can be computed; the key and the certificates are then read from those decrypted bags
(cryptography's PKCS#12 loader reads only what certkit does not: it derives every key again).

Writing is :mod:`certkit.keystores.writer` (:func:`serialize_keystore`, re-exported here), which
needs no ASN.1 library.

One module (a little over 400 lines): the direct reading from the decrypted bags and
cryptography's loader as its fallback share the password, work-bound and error rules.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4, TripleDES
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import pkcs12

from certkit.errors import InputError, PasswordError
from certkit.keystores import rc2
from certkit.keystores.der import DerError
from certkit.keystores.diagnosis import (
    Bag,
    Pkcs12Diagnosis,
    Protection,
    diagnose,
    legacy_provider_available,
    legacy_unavailable_reason,
    read_safe_contents,
)
from certkit.keystores.jdk_view import JDK_MAX_ITERATIONS, JdkEntry, jdk_entries
from certkit.keystores.kdf import IV_MATERIAL, KEY_MATERIAL, derive
from certkit.keystores.writer import (
    DEFAULT_ITERATIONS,
    JDK_TRUSTED_KEY_USAGE,
    PrivateKey,
    serialize_keystore,
)

__all__ = [
    "DEFAULT_ITERATIONS",
    "JDK_TRUSTED_KEY_USAGE",
    "MAX_ITERATIONS",
    "LoadedPkcs12",
    "Pkcs12Certificate",
    "Pkcs12Diagnosis",
    "diagnose",
    "load_pkcs12",
    "serialize_keystore",
]

# =========================================================================== reading

#: The highest MAC, safe or key iteration count certkit derives a key for. Real tools write
#: 2048 (OpenSSL 3, cryptography) to 100,000 (keytool's legacy MAC); the JDK itself refuses
#: more than 5,000,000 (JDK_MAX_ITERATIONS). Above this ceiling a file is refused before any
#: derivation: a count of 2^31-1 would otherwise keep certkit busy for hours, per file.
MAX_ITERATIONS = 10_000_000


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
    #: What the JDK's KeyStore lists (jdk_view); None when a safe could not be read here.
    jdk_entries: tuple[JdkEntry, ...] | None = None
    #: Why ``key`` is None though the file holds a key (None: no such problem).
    key_problem: str | None = None

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
        document["entries"] = None if self.jdk_entries is None else [entry.to_json() for entry in self.jdk_entries]
        return document


# PKCS#12 PBE (RFC 7292 appendix C): OID -> (cipher, key bytes, effective bits / IV bytes)
_PKCS12_PBE_CIPHERS = {
    "1.2.840.113549.1.12.1.1": ("RC4", 16, 0),
    "1.2.840.113549.1.12.1.2": ("RC4", 5, 0),
    "1.2.840.113549.1.12.1.3": ("3DES", 24, 8),
    "1.2.840.113549.1.12.1.4": ("3DES", 16, 8),
    "1.2.840.113549.1.12.1.5": ("RC2", 16, 128),
    "1.2.840.113549.1.12.1.6": ("RC2", 5, 40),
}
_PBES2_KEY_SIZES = {"AES-128-CBC": 16, "AES-192-CBC": 24, "AES-256-CBC": 32, "DES-EDE3-CBC": 24}
_PRF_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "hmacWithSHA1": hashes.SHA1,
    "hmacWithSHA224": hashes.SHA224,
    "hmacWithSHA256": hashes.SHA256,
    "hmacWithSHA384": hashes.SHA384,
    "hmacWithSHA512": hashes.SHA512,
}


def _unpad(padded: bytes, block_bits: int) -> bytes:
    unpadder = padding.PKCS7(block_bits).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def _cbc(cipher: Cipher, ciphertext: bytes, block_bits: int) -> bytes:
    decryptor = cipher.decryptor()
    return _unpad(decryptor.update(ciphertext) + decryptor.finalize(), block_bits)


def _decrypt(protection: Protection, ciphertext: bytes, password: str | None) -> bytes | None:
    """Decrypt a safe: PBES2 (AES / 3DES) and the PKCS#12 PBE ciphers (3DES, RC2, RC4).

    Returns None for an algorithm certkit does not decrypt and raises ValueError when the
    padding is wrong (a wrong password). The caller bounds ``protection.iterations``.
    """
    rounds = protection.iterations or 1
    if protection.oid in _PKCS12_PBE_CIPHERS:
        name, key_size, extra = _PKCS12_PBE_CIPHERS[protection.oid]
        key = derive(password, protection.salt, rounds, KEY_MATERIAL, key_size, "sha1")
        if name == "RC4":
            return Cipher(ARC4(key), None).decryptor().update(ciphertext)
        iv = derive(password, protection.salt, rounds, IV_MATERIAL, 8, "sha1")
        if name == "RC2":
            return _unpad(rc2.decrypt_cbc(key, extra, iv, ciphertext), 64)
        return _cbc(Cipher(TripleDES(key), modes.CBC(iv)), ciphertext, 64)
    if protection.algorithm == "PBES2" and protection.cipher in _PBES2_KEY_SIZES and protection.prf in _PRF_HASHES:
        # PBES2 hashes the password's UTF-8 bytes; "no password" and "" are both empty.
        key = PBKDF2HMAC(_PRF_HASHES[protection.prf](), _PBES2_KEY_SIZES[protection.cipher], protection.salt,
                         rounds).derive((password or "").encode("utf-8"))
        if protection.cipher == "DES-EDE3-CBC":
            return _cbc(Cipher(TripleDES(key), modes.CBC(protection.iv)), ciphertext, 64)
        return _cbc(Cipher(algorithms.AES(key), modes.CBC(protection.iv)), ciphertext, 128)
    return None


def _readable_safes(diagnosis: Pkcs12Diagnosis, password: str | None) -> list[tuple[Bag, ...] | None]:
    """The bags of every safe (None: a safe certkit could not decrypt), in file order."""
    safes: list[tuple[Bag, ...] | None] = []
    for safe in diagnosis.safes:
        if safe.bags is not None:
            safes.append(safe.bags)
            continue
        try:
            plaintext = _decrypt(safe.protection, safe.ciphertext, password)
            safes.append(None if plaintext is None else read_safe_contents(plaintext))
        except (ValueError, DerError):  # wrong padding or garbage: not readable with this password
            safes.append(None)
    return safes


def _refuse_endless_work(iterations: int | None, what: str, source: str) -> None:
    if iterations is not None and iterations > MAX_ITERATIONS:
        raise InputError(
            f"{source}: its {what} asks for {iterations:,} iterations, above certkit's ceiling of "
            f"{MAX_ITERATIONS:,} (tools write 2,048 to 100,000; the JDK refuses more than {JDK_MAX_ITERATIONS:,})",
            hint="a file like this is hostile or broken; re-export it with a normal iteration count",
        )


def check_work(diagnosis: Pkcs12Diagnosis, source: str) -> None:
    """Refuse a file whose MAC or visible encryption needs more than MAX_ITERATIONS rounds."""
    if diagnosis.mac is not None:
        _refuse_endless_work(diagnosis.mac.iterations, "MAC", source)
    for protection in diagnosis.protections:
        _refuse_endless_work(protection.iterations, f"{protection.short_name} encryption", source)


def _order_chain(leaf: x509.Certificate | None, others: list[x509.Certificate]) -> list[x509.Certificate]:
    """The key's issuers first (following issuer names from the leaf), then the rest as found."""
    from certkit.io import order_chain

    issuers = order_chain(leaf, others)[1:] if leaf is not None else []
    return issuers + [c for c in others if c not in issuers]


def _password_candidates(password: str | None) -> list[str | None]:
    # "No password" is two different keys in PKCS#12 (empty BMPString or nothing at all);
    # files exist with either, so both are tried, as OpenSSL does. The empty BMPString
    # first: the JDK, certutil and certkit write it, and each try is a 10,000-round KDF.
    if password in (None, ""):
        return ["", None]
    return [password]


def load_pkcs12(data: bytes, password: str | None, *, source: str) -> LoadedPkcs12:
    """Load a PKCS#12 file, or explain exactly why it cannot be loaded.

    ``password`` None and ``""`` both open files protected by "no password" in either of
    its two encodings. Errors (:class:`InputError`, :class:`PasswordError` for a wrong or
    missing password) name ``source`` and tell a wrong password (the MAC does not verify)
    from an algorithm the installed cryptography cannot decrypt, from a damaged file.
    """
    diagnosis = diagnose(data, source=source)
    check_work(diagnosis, source)
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

    candidates: list[str | None] = (
        [opened_with] if isinstance(opened_with, str) or opened_with is None else _password_candidates(password)
    )
    key_problem = None
    # The safes are decrypted here first: the shrouded keys inside them show their iteration
    # counts only now, and they must be bounded before cryptography's loader derives them.
    safes = _readable_safes(diagnosis, candidates[0])
    for safe_bags in safes:
        for bag in safe_bags or ():
            if bag.protection is not None:
                _refuse_endless_work(bag.protection.iterations, f"{bag.protection.short_name} key encryption", source)
    # The MAC verified the password and certkit decrypted every safe: the key and the
    # certificates are in hand, so reading the file again with cryptography's loader (which
    # re-derives every key, ~70 ms for 10,000 iterations) is only the fallback for what
    # certkit does not read itself.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # as below: certkit diagnoses, a library must not print
        loaded = _from_bags(safes, candidates[0]) if opened_with is not False else None
    for candidate in candidates if loaded is None else ():
        try:
            with warnings.catch_warnings():
                # cryptography warns when it falls back to BER (files some JDKs wrote) or meets
                # a certificate RFC 5280 disallows (serial 0): certkit has its own diagnosis,
                # and a library must not print.
                warnings.simplefilter("ignore", UserWarning)
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
        if opened_with != candidates[0]:
            safes = _readable_safes(diagnosis, opened_with if isinstance(opened_with, str) else None)
        loaded = None if any(safe is None for safe in safes) else _certificates_only(safes, source)
        if loaded is None:
            raise InputError(
                f"{source} is corrupted: the password is right (the MAC verifies) but its {algorithms_text} "
                "content does not decrypt"
            )
        # Every safe decrypts: what cryptography refused is the key itself (e.g. a DSA key
        # whose parameters are inherited from its CA). The JDK lists such an entry, so the
        # file is read; only a caller that needs the key learns why it cannot have it.
        key_problem = "cryptography cannot read its private key (an unsupported key encoding)"

    if opened_with != candidates[0]:
        safes = _readable_safes(diagnosis, opened_with if isinstance(opened_with, str) else None)
    bags = [bag for safe in safes for bag in safe or ()]
    bag_by_certificate = {bag.certificate_der: bag for bag in bags if bag.certificate_der is not None}
    key_bags = [bag for bag in bags if bag.kind in ("key", "shrouded key")]
    if len(key_bags) > 1:
        aliases = ", ".join(bag.friendly_name or "(no alias)" for bag in key_bags)
        raise InputError(f"{source} holds {len(key_bags)} private keys ({aliases}); certkit reads one key per file")

    def describe(certificate: x509.Certificate, friendly_name: bytes | None) -> Pkcs12Certificate:
        bag = bag_by_certificate.get(certificate.public_bytes(serialization.Encoding.DER))
        name = friendly_name.decode("utf-8", "replace") if friendly_name is not None else None
        return Pkcs12Certificate(certificate, name, None if bag is None else bag.jdk_trusted)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # cryptography's deprecation notes (e.g. serial 0)
        try:
            view = None if any(safe is None for safe in safes) else jdk_entries([safe or () for safe in safes])
        except ValueError:  # a certificate bag cryptography cannot parse: the JDK fails on it too
            view = None
    key_certificate = None
    if loaded.cert is not None:
        key_certificate = describe(loaded.cert.certificate, loaded.cert.friendly_name)
    names = {extra.certificate: extra.friendly_name for extra in loaded.additional_certs}
    ordered = _order_chain(key_certificate.certificate if key_certificate else None, list(names))
    # The alias is the JDK's: the key bag's friendlyName (or the JDK's stand-in "1"), never
    # the certificate bag's; a key the JDK does not see (an unencrypted keyBag) has none.
    jdk_keys = [entry for entry in view or () if entry.kind == "PrivateKeyEntry"]
    alias = jdk_keys[0].alias if jdk_keys else None
    return LoadedPkcs12(
        source=source,
        key=cast(Any, loaded.key),
        alias=alias if loaded.key is not None else None,
        certificate=key_certificate,
        others=tuple(describe(certificate, names[certificate]) for certificate in ordered),
        diagnosis=diagnosis,
        jdk_entries=view,
        key_problem=key_problem,
    )


def _from_bags(safes: list[tuple[Bag, ...] | None], password: str | None) -> pkcs12.PKCS12KeyAndCertificates | None:
    """The key and certificates as cryptography's loader (OpenSSL's PKCS12_parse) returns
    them, built from the decrypted bags: the key's certificate is the first whose public key
    is the key's, the others follow in file order. None when a safe, the key or a bag is
    something only that loader reads (it then reads the file)."""
    bags = [bag for safe in safes if safe is not None for bag in safe]
    if any(safe is None for safe in safes) or any(bag.kind not in ("key", "shrouded key", "certificate") for bag in bags):
        return None
    key_bags = [bag for bag in bags if bag.kind != "certificate"]
    if len(key_bags) > 1:
        return None
    key = None
    try:
        if key_bags:
            bag = key_bags[0]
            plaintext = bag.key_data
            if bag.kind == "shrouded key" and bag.protection is not None and plaintext is not None:
                plaintext = _decrypt(bag.protection, plaintext, password)
            if plaintext is None:
                return None
            # No RSA consistency check (a prime test, ~60 ms for RSA-2048: most of a convert):
            # the MAC proved the file is what its writer wrote, and the JDK's KeyStore loads
            # the key without that check too.
            key = serialization.load_der_private_key(plaintext, None, unsafe_skip_rsa_key_validation=True)
        entries = [pkcs12.PKCS12Certificate(x509.load_der_x509_certificate(bag.certificate_der),
                                            None if bag.friendly_name is None else bag.friendly_name.encode("utf-8"))
                   for bag in bags if bag.certificate_der is not None]
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None
    public = None if key is None else key.public_key()
    bound = next((entry for entry in entries if public is not None and entry.certificate.public_key() == public), None)
    return pkcs12.PKCS12KeyAndCertificates(cast(Any, key), bound, [entry for entry in entries if entry is not bound])


def _certificates_only(safes: list[tuple[Bag, ...] | None], source: str) -> pkcs12.PKCS12KeyAndCertificates:
    """The certificates of decrypted safes, the one paired with a key bag first (no key)."""
    bags = [bag for safe in safes for bag in safe or ()]
    key_ids = {bag.local_key_id for bag in bags if bag.kind in ("key", "shrouded key") and bag.local_key_id}
    bound, others = None, []
    for bag in bags:
        if bag.certificate_der is None:
            continue
        name = None if bag.friendly_name is None else bag.friendly_name.encode("utf-8")
        try:
            certificate = x509.load_der_x509_certificate(bag.certificate_der)
        except ValueError as exc:
            reason = " ".join(str(exc).split())[:160]
            raise InputError(f"{source}: cryptography cannot parse a certificate in it ({reason}), "
                             "so certkit cannot read the file (the JDK may)") from None
        entry = pkcs12.PKCS12Certificate(certificate, name)
        if bound is None and bag.local_key_id in key_ids:
            bound = entry
        else:
            others.append(entry)
    return pkcs12.PKCS12KeyAndCertificates(None, bound, others)
