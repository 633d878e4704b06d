"""What a PKCS#12 file is made of, read from its own ASN.1 before anything is decrypted.

OpenSSL 3 and pyca/cryptography report a wrong password, an algorithm whose provider is not
loaded (RC2-40 without the legacy provider) and a damaged file with the same message. The
algorithm identifiers are in the clear, so :func:`diagnose` reads them (pyasn1 with the RFC
7292 / 8018 / 5652 modules): the MAC and its iterations, how each safe and each shrouded key
is encrypted, and the bags that are visible without the password. :mod:`certkit.keystores.reader`
uses it to say which failure it is; ``certkit inspect --json`` shows it (``to_json``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache

from cryptography import x509
from pyasn1.codec.der import decoder as der_decoder
from pyasn1.error import PyAsn1Error, SubstrateUnderrunError
from pyasn1.type import char, univ
from pyasn1_modules import rfc5652, rfc7292, rfc8018

from certkit.errors import InputError
from certkit.keystores.kdf import pfx_mac

# Algorithm identifiers, by OID: (name as OpenSSL prints it, short name for messages,
# needs OpenSSL's legacy provider). RC2, RC4 and single DES live in the legacy provider.
_PKCS12_PBE = {
    "1.2.840.113549.1.12.1.1": ("pbeWithSHA1And128BitRC4", "RC4-128", True),
    "1.2.840.113549.1.12.1.2": ("pbeWithSHA1And40BitRC4", "RC4-40", True),
    "1.2.840.113549.1.12.1.3": ("pbeWithSHA1And3-KeyTripleDES-CBC", "3DES", False),
    "1.2.840.113549.1.12.1.4": ("pbeWithSHA1And2-KeyTripleDES-CBC", "2-key 3DES", False),
    "1.2.840.113549.1.12.1.5": ("pbeWithSHA1And128BitRC2-CBC", "RC2-128", True),
    "1.2.840.113549.1.12.1.6": ("pbeWithSHA1And40BitRC2-CBC", "RC2-40", True),
    "1.2.840.113549.1.5.3": ("pbeWithMD5AndDES-CBC", "DES", True),
    "1.2.840.113549.1.5.10": ("pbeWithSHA1AndDES-CBC", "DES", True),
}
_PBES2 = "1.2.840.113549.1.5.13"
_PBKDF2 = "1.2.840.113549.1.5.12"
_PBES2_CIPHERS = {
    "2.16.840.1.101.3.4.1.2": ("AES-128-CBC", False),
    "2.16.840.1.101.3.4.1.22": ("AES-192-CBC", False),
    "2.16.840.1.101.3.4.1.42": ("AES-256-CBC", False),
    "1.2.840.113549.3.7": ("DES-EDE3-CBC", False),
    "1.3.14.3.2.7": ("DES-CBC", True),
    "1.2.840.113549.3.2": ("RC2-CBC", True),
}
_PRFS = {
    "1.2.840.113549.2.7": "hmacWithSHA1",
    "1.2.840.113549.2.8": "hmacWithSHA224",
    "1.2.840.113549.2.9": "hmacWithSHA256",
    "1.2.840.113549.2.10": "hmacWithSHA384",
    "1.2.840.113549.2.11": "hmacWithSHA512",
}
_DIGESTS = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
_BAG_KINDS = {
    str(rfc7292.id_keyBag): "key",
    str(rfc7292.id_pkcs8ShroudedKeyBag): "shrouded key",
    str(rfc7292.id_certBag): "certificate",
    str(rfc7292.id_CRLBag): "crl",
    str(rfc7292.id_secretBag): "secret",
    str(rfc7292.id_safeContentsBag): "safe contents",
}
_ID_DATA = str(rfc5652.id_data)
_ID_ENCRYPTED_DATA = str(rfc5652.id_encryptedData)
_ID_ENVELOPED_DATA = "1.2.840.113549.1.7.3"
_ID_SIGNED_DATA = "1.2.840.113549.1.7.2"
_ID_FRIENDLY_NAME = str(rfc7292.pkcs_9_at_friendlyName)
_ID_LOCAL_KEY_ID = str(rfc7292.pkcs_9_at_localKeyId)
_ID_JDK_TRUSTED_KEY_USAGE = "2.16.840.1.113894.746875.1.1"


@dataclass(frozen=True)
class Protection:
    """How one safe or one shrouded key is encrypted (``algorithm`` "none": not at all)."""

    algorithm: str  # as OpenSSL names it: "PBES2", "pbeWithSHA1And40BitRC2-CBC", "none", or the OID
    short_name: str  # for messages: "RC2-40", "3DES", "AES-256-CBC", "none"
    needs_legacy_provider: bool = False
    cipher: str | None = None  # PBES2 only
    prf: str | None = None  # PBES2 only
    iterations: int | None = None
    oid: str | None = None
    parameters: bytes = field(default=b"", repr=False, compare=False)  # DER, to decrypt with

    def describe(self) -> str:
        if self.algorithm == "PBES2":
            return f"PBES2 ({self.cipher}, PBKDF2-{self.prf}, {self.iterations} iterations)"
        if self.iterations is not None:
            return f"{self.algorithm} ({self.iterations} iterations)"
        return self.algorithm

    def to_json(self) -> dict:
        document: dict = {"algorithm": self.algorithm, "short_name": self.short_name}
        if self.cipher:
            document["cipher"] = self.cipher
        if self.prf:
            document["prf"] = self.prf
        if self.iterations is not None:
            document["iterations"] = self.iterations
        document["needs_legacy_provider"] = self.needs_legacy_provider
        return document


NO_PROTECTION = Protection("none", "none")


@dataclass(frozen=True)
class Bag:
    """One SafeBag seen in the clear (in an unencrypted safe, or after decryption)."""

    kind: str  # "key", "shrouded key", "certificate", "crl", "secret", "safe contents", or the OID
    friendly_name: str | None = None
    local_key_id: str | None = None  # hex
    jdk_trusted: bool = False  # carries Oracle's trusted-key-usage attribute (a trustedCertEntry)
    protection: Protection | None = None  # shrouded keys
    certificate_der: bytes | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        document: dict = {"type": self.kind}
        if self.friendly_name is not None:
            document["friendly_name"] = self.friendly_name
        if self.local_key_id is not None:
            document["local_key_id"] = self.local_key_id
        if self.kind == "certificate":
            document["jdk_trusted"] = self.jdk_trusted
        if self.protection is not None:
            document["encryption"] = self.protection.to_json()
        return document


@dataclass(frozen=True)
class Safe:
    """One ContentInfo of the AuthenticatedSafe; ``bags`` is None while it is encrypted."""

    protection: Protection
    bags: tuple[Bag, ...] | None
    ciphertext: bytes = field(default=b"", repr=False)

    def to_json(self) -> dict:
        return {
            "encryption": None if self.protection is NO_PROTECTION else self.protection.to_json(),
            "bags": None if self.bags is None else [bag.to_json() for bag in self.bags],
        }


@dataclass(frozen=True)
class Mac:
    algorithm: str  # "sha256", or the OID when unknown
    iterations: int
    salt: bytes = field(repr=False)
    digest: bytes = field(repr=False)

    def to_json(self) -> dict:
        return {"algorithm": self.algorithm, "iterations": self.iterations}


@dataclass(frozen=True)
class Pkcs12Diagnosis:
    """The structure of a PFX as far as it can be read without the password."""

    mac: Mac | None
    safes: tuple[Safe, ...]
    auth_safe_content: bytes = field(repr=False)

    @property
    def protections(self) -> tuple[Protection, ...]:
        """Every distinct encryption used in the file (safes and shrouded keys), in order."""
        seen: list[Protection] = []
        for safe in self.safes:
            candidates = [safe.protection] + [bag.protection for bag in safe.bags or () if bag.protection]
            for protection in candidates:
                if protection is not NO_PROTECTION and protection not in seen:
                    seen.append(protection)
        return tuple(seen)

    @property
    def visible_bags(self) -> tuple[Bag, ...]:
        return tuple(bag for safe in self.safes for bag in safe.bags or ())

    @property
    def key_count(self) -> int | None:
        """Private keys seen; None when an encrypted safe may hold more."""
        seen = sum(bag.kind in ("key", "shrouded key") for bag in self.visible_bags)
        return None if any(safe.bags is None for safe in self.safes) and seen == 0 else seen

    @property
    def certificate_count(self) -> int | None:
        """Certificates seen; None when some are in a safe not decrypted yet."""
        if any(safe.bags is None for safe in self.safes):
            return None
        return sum(bag.kind == "certificate" for bag in self.visible_bags)

    @property
    def needs_legacy_provider(self) -> bool:
        return any(protection.needs_legacy_provider for protection in self.protections)

    def describe_algorithms(self) -> str:
        """"RC2-40 and 3DES": the ciphers by the names users meet in error messages."""
        names = list(dict.fromkeys(protection.short_name for protection in self.protections))
        if not names:
            return "no encryption"
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    def mac_matches(self, password: str | None) -> bool:
        """Whether ``password`` (None: no password at all) opens the MAC."""
        if self.mac is None or self.mac.algorithm not in _DIGESTS.values():
            return False
        return pfx_mac(self.auth_safe_content, password, self.mac.salt, self.mac.iterations, self.mac.algorithm) == (
            self.mac.digest
        )

    def to_json(self) -> dict:
        """The ``pkcs12`` object of ``certkit inspect --json``."""
        bags = self.visible_bags
        return {
            "mac": None if self.mac is None else self.mac.to_json(),
            "encryption": [protection.to_json() for protection in self.protections],
            "needs_legacy_provider": self.needs_legacy_provider,
            "safes": [safe.to_json() for safe in self.safes],
            "keys": self.key_count,
            "certificates": self.certificate_count,
            "friendly_names": [bag.friendly_name for bag in bags if bag.friendly_name is not None],
            "local_key_ids": sorted({bag.local_key_id for bag in bags if bag.local_key_id is not None}),
        }


# --------------------------------------------------------------------------- reading


def _decode(data: bytes, spec, what: str):
    value, rest = der_decoder.decode(data, asn1Spec=spec)
    if rest:
        raise PyAsn1Error(f"{len(rest)} bytes after the {what}")
    return value


def protection_of(algorithm_oid: str, parameters_der: bytes) -> Protection:
    """Name an encryption AlgorithmIdentifier (OID + DER parameters)."""
    if algorithm_oid in _PKCS12_PBE:
        name, short_name, legacy = _PKCS12_PBE[algorithm_oid]
        iterations = None
        if parameters_der:
            params = _decode(parameters_der, rfc7292.Pkcs_12PbeParams(), "PBE parameters")
            iterations = int(params["iterations"])
        return Protection(name, short_name, legacy, iterations=iterations, oid=algorithm_oid, parameters=parameters_der)
    if algorithm_oid == _PBES2:
        params = _decode(parameters_der, rfc8018.PBES2_params(), "PBES2 parameters")
        cipher_oid = str(params["encryptionScheme"]["algorithm"])
        cipher, legacy = _PBES2_CIPHERS.get(cipher_oid, (cipher_oid, False))
        kdf_oid = str(params["keyDerivationFunc"]["algorithm"])
        prf, iterations = None, None
        if kdf_oid == _PBKDF2:
            kdf = _decode(bytes(params["keyDerivationFunc"]["parameters"]), rfc8018.PBKDF2_params(), "PBKDF2 parameters")
            iterations = int(kdf["iterationCount"])
            prf_oid = str(kdf["prf"]["algorithm"]) if kdf["prf"].isValue else "1.2.840.113549.2.7"
            prf = _PRFS.get(prf_oid, prf_oid)
        else:
            prf = kdf_oid
        return Protection("PBES2", cipher, legacy, cipher=cipher, prf=prf, iterations=iterations, oid=_PBES2,
                          parameters=parameters_der)
    return Protection(algorithm_oid, algorithm_oid, oid=algorithm_oid, parameters=parameters_der)


def _attributes(bag) -> tuple[str | None, str | None, bool]:
    friendly_name = local_key_id = None
    trusted = False
    if not bag["bagAttributes"].isValue:
        return friendly_name, local_key_id, trusted
    for attribute in bag["bagAttributes"]:
        oid = str(attribute["attrType"])
        values = list(attribute["attrValues"])
        if not values:
            continue
        if oid == _ID_FRIENDLY_NAME:
            friendly_name = str(_decode(bytes(values[0]), char.BMPString(), "friendlyName"))
        elif oid == _ID_LOCAL_KEY_ID:
            local_key_id = bytes(_decode(bytes(values[0]), univ.OctetString(), "localKeyId")).hex()
        elif oid == _ID_JDK_TRUSTED_KEY_USAGE:
            trusted = True
    return friendly_name, local_key_id, trusted


def read_safe_contents(der: bytes) -> tuple[Bag, ...]:
    """The bags of a SafeContents (decrypted, or from a data safe)."""
    bags = []
    for bag in _decode(der, rfc7292.SafeContents(), "SafeContents"):
        bag_oid = str(bag["bagId"])
        kind = _BAG_KINDS.get(bag_oid, bag_oid)
        friendly_name, local_key_id, trusted = _attributes(bag)
        protection = certificate_der = None
        if kind == "shrouded key":
            shrouded = _decode(bytes(bag["bagValue"]), rfc7292.EncryptedPrivateKeyInfo(), "shrouded key")
            algorithm = shrouded["encryptionAlgorithm"]
            parameters = bytes(algorithm["parameters"]) if algorithm["parameters"].isValue else b""
            protection = protection_of(str(algorithm["algorithm"]), parameters)
        elif kind == "certificate":
            cert_bag = _decode(bytes(bag["bagValue"]), rfc7292.CertBag(), "certificate bag")
            certificate_der = bytes(_decode(bytes(cert_bag["certValue"]), univ.OctetString(), "certificate"))
        bags.append(Bag(kind, friendly_name, local_key_id, trusted, protection, certificate_der))
    return tuple(bags)


def _read_safe(content_info) -> Safe:
    content_type = str(content_info["contentType"])
    if content_type == _ID_DATA:
        octets = _decode(bytes(content_info["content"]), univ.OctetString(), "data safe")
        return Safe(NO_PROTECTION, read_safe_contents(bytes(octets)))
    if content_type == _ID_ENCRYPTED_DATA:
        encrypted = _decode(bytes(content_info["content"]), rfc5652.EncryptedData(), "encrypted safe")
        info = encrypted["encryptedContentInfo"]
        algorithm = info["contentEncryptionAlgorithm"]
        parameters = bytes(algorithm["parameters"]) if algorithm["parameters"].isValue else b""
        ciphertext = bytes(info["encryptedContent"]) if info["encryptedContent"].isValue else b""
        return Safe(protection_of(str(algorithm["algorithm"]), parameters), None, ciphertext)
    if content_type == _ID_ENVELOPED_DATA:
        return Safe(Protection("envelopedData", "public-key encryption", oid=content_type), None)
    return Safe(Protection(content_type, content_type, oid=content_type), None)


def _what_it_looks_like(data: bytes) -> str | None:
    stripped = data.lstrip()
    if stripped.startswith(b"-----BEGIN "):
        label = stripped[11:].split(b"-----", 1)[0].decode("ascii", "replace")
        return f"it looks like PEM ({label}): use inspect"
    try:
        x509.load_der_x509_certificate(data)
        return "it is a DER certificate: use inspect"
    except (ValueError, x509.InvalidVersion):
        pass
    if stripped[:1] in (b"{", b"<") or stripped[:4] in (b"PK\x03\x04",):
        return "it looks like JSON, XML or a zip archive"
    if data[:4] == b"\xfe\xed\xfe\xed":
        return "it is a JKS keystore: convert it with keytool -importkeystore -deststoretype PKCS12"
    return None


def _declared_length(data: bytes) -> int | None:
    """The total length the outer DER SEQUENCE header announces, or None if it is not one."""
    if len(data) < 2 or data[0] != 0x30:
        return None
    first = data[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(data) < 2 + count:
        return None
    return 2 + count + int.from_bytes(data[2 : 2 + count], "big")


def diagnose(data: bytes, *, source: str = "the input") -> Pkcs12Diagnosis:
    """Read the structure of a PKCS#12 file without its password.

    Raises :class:`InputError` with what the bytes are instead: PEM, a DER certificate, a
    truncated or corrupted PFX, or not DER at all.
    """
    if not data:
        raise InputError(f"{source} is empty, not a PKCS#12 file")
    looks_like = _what_it_looks_like(data)
    if looks_like:
        raise InputError(f"{source} is not a PKCS#12 file ({looks_like})")
    declared = _declared_length(data)
    if declared is None:
        raise InputError(f"{source} is not a PKCS#12 file (not DER-encoded ASN.1)")
    if declared > len(data):
        raise InputError(f"{source} is truncated: a PKCS#12 file of {declared} bytes, only {len(data)} present")
    try:
        pfx = _decode(data, rfc7292.PFX(), "PFX")
    except SubstrateUnderrunError:
        raise InputError(f"{source} is truncated or corrupted (a PKCS#12 structure ends early)") from None
    except PyAsn1Error:
        raise InputError(f"{source} is not a PKCS#12 file, or it is corrupted (its DER is not a PFX)") from None
    if int(pfx["version"]) != 3:
        raise InputError(f"{source} is PKCS#12 version {int(pfx['version'])}; only version 3 exists")
    content_type = str(pfx["authSafe"]["contentType"])
    if content_type == _ID_SIGNED_DATA:
        raise InputError(f"{source} uses PKCS#12 public-key integrity mode (signedData), which certkit does not read")
    if content_type != _ID_DATA:
        raise InputError(f"{source} is corrupted: its authSafe has content type {content_type}")
    try:
        auth_safe_content = bytes(_decode(bytes(pfx["authSafe"]["content"]), univ.OctetString(), "authSafe"))
        safes = tuple(
            _read_safe(content_info)
            for content_info in _decode(auth_safe_content, rfc7292.AuthenticatedSafe(), "AuthenticatedSafe")
        )
        mac = None
        if pfx["macData"].isValue:
            mac_data = pfx["macData"]
            digest_oid = str(mac_data["mac"]["digestAlgorithm"]["algorithm"])
            mac = Mac(
                _DIGESTS.get(digest_oid, digest_oid),
                int(mac_data["iterations"]),
                bytes(mac_data["macSalt"]),
                bytes(mac_data["mac"]["digest"]),
            )
    except PyAsn1Error:
        raise InputError(f"{source} is a corrupted PKCS#12 file (its inner structure does not decode)") from None
    return Pkcs12Diagnosis(mac, safes, auth_safe_content)


@cache
def legacy_provider_available() -> bool:
    """Whether the installed cryptography can run the legacy ciphers (RC2, RC4, DES)."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.decrepit.ciphers.algorithms import RC2
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    try:
        Cipher(RC2(bytes(16)), modes.CBC(bytes(8))).decryptor()
    except UnsupportedAlgorithm:
        return False
    return True


def legacy_unavailable_reason() -> str:
    if os.environ.get("CRYPTOGRAPHY_OPENSSL_NO_LEGACY"):
        return "CRYPTOGRAPHY_OPENSSL_NO_LEGACY is set"
    return "its OpenSSL has no legacy provider"
