"""What a PKCS#12 file is made of, read from its own ASN.1 before anything is decrypted.

OpenSSL 3 and pyca/cryptography report a wrong password, an algorithm whose provider is not
loaded (RC2-40 without the legacy provider) and a damaged file with the same message. The
algorithm identifiers are in the clear, so :func:`diagnose` reads them (with the small DER
walker of :mod:`certkit.keystores.der`, no ASN.1 library: a process that converts one file
should not pay for importing one): the MAC and its iterations, how each safe and each
shrouded key is encrypted, and the bags that are visible without the password. :mod:`certkit.keystores.reader`
uses it to say which failure it is; ``certkit inspect --json`` shows it (``to_json``).

(Over 400 lines: one walk over the PFX's algorithm identifiers, with the table of what each tool and JDK can decrypt beside it.)
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import cache

from cryptography import x509

from certkit.errors import InputError
from certkit.jdk import MalformedCertificate, read_strict
from certkit.keystores import der
from certkit.keystores.der import DerError
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
_BAG_KINDS = {  # RFC 7292 section 4.2
    "1.2.840.113549.1.12.10.1.1": "key",
    "1.2.840.113549.1.12.10.1.2": "shrouded key",
    "1.2.840.113549.1.12.10.1.3": "certificate",
    "1.2.840.113549.1.12.10.1.4": "crl",
    "1.2.840.113549.1.12.10.1.5": "secret",
    "1.2.840.113549.1.12.10.1.6": "safe contents",
}
_ID_DATA = "1.2.840.113549.1.7.1"
_ID_SIGNED_DATA = "1.2.840.113549.1.7.2"
_ID_ENVELOPED_DATA = "1.2.840.113549.1.7.3"
_ID_ENCRYPTED_DATA = "1.2.840.113549.1.7.6"
_ID_FRIENDLY_NAME = "1.2.840.113549.1.9.20"
_ID_LOCAL_KEY_ID = "1.2.840.113549.1.9.21"
_ID_HMAC_SHA1 = "1.2.840.113549.2.7"  # PBKDF2's default PRF
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
    parameters: bytes = field(default=b"", repr=False, compare=False)  # DER, as in the file
    salt: bytes = field(default=b"", repr=False, compare=False)  # to decrypt with
    iv: bytes = field(default=b"", repr=False, compare=False)  # PBES2 only

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
    position: int = 0  # index in its SafeContents (the JDK pairs a lone key with bag 0)
    #: A key bag's PrivateKeyInfo, a shrouded key bag's encrypted octets (decrypted with
    #: ``protection``): enough to load the key without reading the whole file again.
    key_data: bytes | None = field(default=None, repr=False)

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


def _fields(element: der.Element, what: str, least: int) -> list[der.Element]:
    inner = element.expect(der.SEQUENCE, what).children()
    if len(inner) < least:
        raise DerError(f"{what}: {len(inner)} fields where at least {least} belong")
    return inner


def _algorithm(element: der.Element, what: str) -> tuple[str, bytes]:
    """An AlgorithmIdentifier: its OID and its parameters' DER (b"" when absent)."""
    fields = _fields(element, what, 1)
    return fields[0].oid(), fields[1].encoding if len(fields) > 1 else b""


def _octets(element: der.Element, what: str) -> bytes:
    return element.expect(der.OCTET_STRING, what).content


def protection_of(algorithm_oid: str, parameters_der: bytes) -> Protection:
    """Name an encryption AlgorithmIdentifier (OID + DER parameters)."""
    if algorithm_oid in _PKCS12_PBE:
        name, short_name, legacy = _PKCS12_PBE[algorithm_oid]
        iterations, salt = None, b""
        if parameters_der:
            salt_field, count = _fields(der.parse_exactly(parameters_der, "PBE parameters"), "PBE parameters", 2)[:2]
            salt, iterations = _octets(salt_field, "PBE salt"), count.integer()
        return Protection(name, short_name, legacy, iterations=iterations, oid=algorithm_oid, parameters=parameters_der,
                          salt=salt)
    if algorithm_oid == _PBES2:
        kdf_field, scheme_field = _fields(der.parse_exactly(parameters_der, "PBES2 parameters"), "PBES2 parameters", 2)[:2]
        kdf_oid, kdf_parameters = _algorithm(kdf_field, "PBES2 key derivation")
        cipher_oid, cipher_parameters = _algorithm(scheme_field, "PBES2 encryption scheme")
        cipher, legacy = _PBES2_CIPHERS.get(cipher_oid, (cipher_oid, False))
        iv = b""
        if cipher_parameters:
            iv_field = der.parse_exactly(cipher_parameters, "PBES2 IV")
            iv = iv_field.content if iv_field.tag == der.OCTET_STRING else b""
        prf, iterations, salt = kdf_oid, None, b""
        if kdf_oid == _PBKDF2:
            kdf = _fields(der.parse_exactly(kdf_parameters, "PBKDF2 parameters"), "PBKDF2 parameters", 2)
            salt, iterations = _octets(kdf[0], "PBKDF2 salt"), kdf[1].integer()
            # keyLength (an INTEGER) is optional; the PRF is the last field when present.
            prf_oid = _algorithm(kdf[-1], "PBKDF2 PRF")[0] if kdf[-1].tag == der.SEQUENCE else _ID_HMAC_SHA1
            prf = _PRFS.get(prf_oid, prf_oid)
        return Protection("PBES2", cipher, legacy, cipher=cipher, prf=prf, iterations=iterations, oid=_PBES2,
                          parameters=parameters_der, salt=salt, iv=iv)
    return Protection(algorithm_oid, algorithm_oid, oid=algorithm_oid, parameters=parameters_der)


def _bmp_text(element: der.Element) -> str:
    # The JDK reads friendlyName as a BMPString (getBMPString): UTF-16BE code units.
    return element.expect(der.BMP_STRING, "friendlyName").content.decode("utf-16-be", "replace")


def _attributes(attribute_set: der.Element | None) -> tuple[str | None, str | None, bool]:
    friendly_name = local_key_id = None
    trusted = False
    for attribute in attribute_set.expect(der.SET, "bag attributes").children() if attribute_set else ():
        attribute_type, values_field = _fields(attribute, "bag attribute", 2)[:2]
        oid = attribute_type.oid()
        values = values_field.expect(der.SET, "attribute values").children()
        if not values:
            continue
        if oid == _ID_FRIENDLY_NAME:
            friendly_name = _bmp_text(values[0])
        elif oid == _ID_LOCAL_KEY_ID:
            local_key_id = _octets(values[0], "localKeyId").hex()
        elif oid == _ID_JDK_TRUSTED_KEY_USAGE:
            trusted = True
    return friendly_name, local_key_id, trusted


def read_safe_contents(data: bytes) -> tuple[Bag, ...]:
    """The bags of a SafeContents (decrypted, or from a data safe). Raises DerError."""
    bags = []
    for position, bag in enumerate(der.parse_exactly(data, "SafeContents").expect(der.SEQUENCE, "SafeContents").children()):
        fields = _fields(bag, "SafeBag", 2)
        bag_oid = fields[0].oid()
        kind = _BAG_KINDS.get(bag_oid, bag_oid)
        value = fields[1].expect(0xA0, "bag value").only_child("bag value")
        friendly_name, local_key_id, trusted = _attributes(fields[2] if len(fields) > 2 else None)
        protection = certificate_der = key_data = None
        if kind == "shrouded key":
            algorithm, encrypted = _fields(value, "shrouded key", 2)[:2]
            protection = protection_of(*_algorithm(algorithm, "shrouded key encryption"))
            key_data = _octets(encrypted, "encrypted key")
        elif kind == "key":
            key_data = value.encoding
        elif kind == "certificate":
            cert_value = _fields(value, "certificate bag", 2)[1].expect(0xA0, "certificate value")
            certificate_der = _octets(cert_value.only_child("certificate value"), "certificate")
        bags.append(Bag(kind, friendly_name, local_key_id, trusted, protection, certificate_der, position, key_data))
    return tuple(bags)


def _read_safe(content_info: der.Element) -> Safe:
    fields = _fields(content_info, "ContentInfo", 1)
    content_type = fields[0].oid()
    content = fields[1].expect(0xA0, "ContentInfo content").only_child("ContentInfo content") if len(fields) > 1 else None
    if content_type == _ID_DATA and content is not None:
        return Safe(NO_PROTECTION, read_safe_contents(_octets(content, "data safe")))
    if content_type == _ID_ENCRYPTED_DATA and content is not None:
        encrypted_content_info = _fields(content, "encrypted safe", 2)[1]
        info = _fields(encrypted_content_info, "EncryptedContentInfo", 2)
        protection = protection_of(*_algorithm(info[1], "safe encryption"))
        ciphertext = b""
        if len(info) > 2:
            octets = info[2]
            if octets.constructed:  # BER-style segments: concatenate them
                ciphertext = b"".join(_octets(part, "encrypted content") for part in octets.children())
            else:
                ciphertext = octets.content
        return Safe(protection, None, ciphertext)
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
    try:
        _, start, end = read_strict(data, 0, sys.maxsize)  # the header alone: the length may lie
    except MalformedCertificate:
        return None
    return end if start <= len(data) else None


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
        pfx = _fields(der.parse_exactly(data, "PFX"), "PFX", 2)
        version = pfx[0].integer()
        content_type = _fields(pfx[1], "authSafe", 1)[0].oid()
    except DerError as exc:
        if exc.truncated:
            raise InputError(f"{source} is truncated or corrupted (a PKCS#12 structure ends early)") from None
        raise InputError(f"{source} is not a PKCS#12 file, or it is corrupted (its DER is not a PFX)") from None
    if version != 3:
        raise InputError(f"{source} is PKCS#12 version {version}; only version 3 exists")
    if content_type == _ID_SIGNED_DATA:
        raise InputError(f"{source} uses PKCS#12 public-key integrity mode (signedData), which certkit does not read")
    if content_type != _ID_DATA:
        raise InputError(f"{source} is corrupted: its authSafe has content type {content_type}")
    try:
        auth_safe = _fields(pfx[1], "authSafe", 2)[1].expect(0xA0, "authSafe content").only_child("authSafe content")
        auth_safe_content = _octets(auth_safe, "authSafe")
        safes = tuple(
            _read_safe(content_info)
            for content_info in der.parse_exactly(auth_safe_content, "AuthenticatedSafe")
            .expect(der.SEQUENCE, "AuthenticatedSafe").children()
        )
        mac = None
        if len(pfx) > 2:
            mac_fields = _fields(pfx[2], "MacData", 2)
            digest_info = _fields(mac_fields[0], "MAC DigestInfo", 2)
            digest_oid = _algorithm(digest_info[0], "MAC digest algorithm")[0]
            mac = Mac(
                _DIGESTS.get(digest_oid, digest_oid),
                mac_fields[2].integer() if len(mac_fields) > 2 else 1,  # iterations DEFAULT 1
                _octets(mac_fields[1], "MAC salt"),
                _octets(digest_info[1], "MAC digest"),
            )
    except DerError:
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
