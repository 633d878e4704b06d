"""What ``KeyStore.getInstance("PKCS12").load(file, password)`` holds: the JDK's view.

Elasticsearch opens ``keystore.path`` and ``truststore.path`` with the JDK it bundles, so a
PKCS#12 file holds what the JDK's ``sun.security.pkcs12.PKCS12KeyStore`` makes of it, not
what OpenSSL lists. The rules, read from that class (``engineLoad`` and
``loadSafeContents``; the same in JDK 17, 21 and 25):

- bags are read in file order, safe by safe; only ``pkcs8ShroudedKeyBag`` makes a
  PrivateKeyEntry: an unencrypted ``keyBag`` is skipped as an unsupported bag type, so a
  file whose key is not encrypted holds no key for Elasticsearch;
- a ``secretBag`` makes a SecretKeyEntry; a ``certBag`` is a trustedCertEntry only with
  Oracle's trusted-key-usage attribute, otherwise it only serves to build chains;
- the alias is the bag's own friendlyName (a key entry's comes from the key bag, never
  from its certificate's bag); without one it is ``"1"``, ``"2"``, ... counted over the
  entries that needed one; aliases are kept lower-cased, and a later entry with the same
  alias replaces the earlier one in place;
- a key bag without localKeyId gets the id ``"01"`` when it is the first key of the file
  (later ones are dropped); a certificate bag without one gets ``"01"`` when exactly one
  key was seen so far and it is the first bag of its SafeContents;
- a key entry's chain starts at the certificate bag (not a trusted one) whose localKeyId
  equals the key's (one whose friendlyName also equals the alias wins), else the one whose
  friendlyName equals the alias, then follows issuers among every certificate of the file
  (authority/subject key identifiers first, issuer name otherwise) until a self-signed
  certificate or a loop; with no matching certificate the key entry has no chain at all.
- iteration counts above :data:`JDK_MAX_ITERATIONS` (MAC, safes, keys) are refused.

The password rule (:func:`password_problem`) is the one place where JDK versions differ:
until JDK 24 a PBE key is printable ASCII only (``com.sun.crypto.provider.PBEKey``:
"Password is not ASCII", reported as "keystore password was incorrect"); JDK 25
(JDK-8348732) encodes the password as UTF-8, which opens PBES2 (AES) files and the MAC,
while the legacy PKCS#12 ciphers (3DES, RC2) still take each UTF-8 byte masked to 7 bits,
so a non-ASCII password never opens those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography import x509

if TYPE_CHECKING:  # the writer imports this module in every issuing worker: keep it light
    from certkit.keystores.diagnosis import Bag

__all__ = ["JDK_MAX_ITERATIONS", "JdkEntry", "jdk_entries", "password_problem"]

#: ``PKCS12KeyStore.MAX_ITERATION_COUNT``: the JDK refuses a PKCS#12 file whose MAC, safe or
#: key iteration count is higher (JDK 11 and later).
JDK_MAX_ITERATIONS = 5_000_000

#: The first JDK whose PBE keys take any password (UTF-8): JDK-8348732, JDK 25.
UTF8_PASSWORDS_SINCE = 25

_UNFRIENDLY_KEY_ID = b"01"  # "01".getBytes(UTF_8), the JDK's stand-in localKeyId


@dataclass(frozen=True)
class JdkEntry:
    """One alias of the keystore, as ``KeyStore.aliases()`` lists it."""

    alias: str  # lower-cased, as the JDK keeps it
    kind: str  # "PrivateKeyEntry", "trustedCertEntry" or "SecretKeyEntry"
    chain: tuple[x509.Certificate, ...] = field(default=(), compare=False)

    def to_json(self) -> dict:
        document: dict = {"alias": self.alias, "type": self.kind}
        if self.kind == "PrivateKeyEntry":
            document["chain_length"] = len(self.chain)
        return document


@dataclass
class _Certificate:
    certificate: x509.Certificate
    key_id: bytes | None
    alias: str | None


def _self_signed(certificate: x509.Certificate) -> bool:
    # KeyStoreUtil.isSelfSigned: the issuer is the subject AND the signature verifies.
    if certificate.issuer != certificate.subject:
        return False
    try:
        certificate.verify_directly_issued_by(certificate)
    except Exception:  # noqa: BLE001 - as in the JDK, any failure to verify means "not self-signed"
        return False
    return True


def _key_identifier(certificate: x509.Certificate, kind: type) -> bytes | None:
    try:
        value: Any = certificate.extensions.get_extension_for_class(kind).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    return value.key_identifier if kind is x509.AuthorityKeyIdentifier else value.digest


def _find_issuer(certificate: x509.Certificate, every: Sequence[x509.Certificate]) -> x509.Certificate | None:
    """PKCS12KeyStore.findIssuer: a key-identifier match, else the last name match without one."""
    wanted = _key_identifier(certificate, x509.AuthorityKeyIdentifier)
    fallback = None
    for candidate in every:
        if candidate.subject != certificate.issuer:
            continue
        if wanted is None:
            return candidate
        subject_id = _key_identifier(candidate, x509.SubjectKeyIdentifier)
        if subject_id is None:
            fallback = candidate
        elif subject_id == wanted:
            return candidate
    return fallback


def _chain(key_id: bytes, alias: str, candidates: list[_Certificate], every: list[x509.Certificate]):
    by_id = by_alias = None
    for candidate in candidates:
        if candidate.key_id == key_id:
            by_id = candidate
            if candidate.alias is not None and candidate.alias.lower() == alias.lower():
                by_id, by_alias = candidate, None
                break
        elif candidate.alias is not None and candidate.alias.lower() == alias.lower():
            by_alias = candidate
    start = by_id or by_alias
    chain: list[x509.Certificate] = []
    current = start.certificate if start else None
    while current is not None and current not in chain:
        chain.append(current)
        if _self_signed(current):
            break
        current = _find_issuer(current, every)
    return tuple(chain)


def jdk_entries(safes: Sequence[Sequence[Bag]]) -> tuple[JdkEntry, ...]:
    """The entries of a keystore whose safes (each a sequence of bags, in file order) are these.

    Elasticsearch always passes a password (``keystore.secure_password`` defaults to ""),
    so every safe counts; a certificate the JDK could not parse is the caller's business.
    """
    entries: dict[str, tuple[object, JdkEntry]] = {}  # lower-cased alias -> (which bag, entry)
    keys: list[tuple[object, bytes, str]] = []
    candidates: list[_Certificate] = []
    every: list[x509.Certificate] = []
    counter = 0
    private_keys = 0

    def unfriendly() -> str:
        nonlocal counter
        counter += 1
        return str(counter)

    for bags in safes:
        for position, bag in enumerate(bags):
            key_id = bytes.fromhex(bag.local_key_id) if bag.local_key_id is not None else None
            if bag.kind == "shrouded key":
                private_keys += 1
                if key_id is None:
                    if private_keys != 1:
                        continue
                    key_id = _UNFRIENDLY_KEY_ID
                alias = bag.friendly_name if bag.friendly_name is not None else unfriendly()
                token = object()
                keys.append((token, key_id, alias))
                entries[alias.lower()] = (token, JdkEntry(alias.lower(), "PrivateKeyEntry"))
            elif bag.kind == "secret":
                alias = bag.friendly_name if bag.friendly_name is not None else unfriendly()
                entries[alias.lower()] = (bag, JdkEntry(alias.lower(), "SecretKeyEntry"))
            elif bag.kind == "certificate" and bag.certificate_der is not None:
                certificate = x509.load_der_x509_certificate(bag.certificate_der)
                if key_id is None and private_keys == 1 and position == 0:
                    key_id = _UNFRIENDLY_KEY_ID
                if bag.jdk_trusted:
                    alias = bag.friendly_name if bag.friendly_name is not None else unfriendly()
                    entries[alias.lower()] = (bag, JdkEntry(alias.lower(), "trustedCertEntry", (certificate,)))
                else:
                    candidates.append(_Certificate(certificate, key_id, bag.friendly_name))
                every.append(certificate)

    for token, key_id, alias in keys:
        holder, entry = entries[alias.lower()]
        if holder is token:  # not replaced by a later entry of the same alias
            entries[alias.lower()] = (token, JdkEntry(entry.alias, entry.kind, _chain(key_id, alias, candidates, every)))
    return tuple(entry for _holder, entry in entries.values())


def password_problem(password: str, jdk: int | None, *, legacy_ciphers: bool) -> str | None:
    """Why the JDK of feature release ``jdk`` (None: every JDK Elasticsearch bundles) cannot
    open a PKCS#12 file protected by ``password``; None when it can. ``legacy_ciphers``: the
    file uses the PKCS#12 PBE ciphers (3DES, RC2) rather than PBES2 (AES)."""
    which = "" if jdk is None else f" on JDK {jdk}"
    jdk = 17 if jdk is None else jdk  # the strictest rule covers them all
    ascii_only = jdk < UTF8_PASSWORDS_SINCE or legacy_ciphers
    for position, character in enumerate(password, start=1):
        if jdk < UTF8_PASSWORDS_SINCE and not " " <= character <= "~":
            return (f"the keystore password has a character the JDK cannot use{which} (U+{ord(character):04X} at "
                    f"position {position}): before JDK 25 Java reads PKCS#12 passwords as printable ASCII only")
        if ascii_only and ord(character) > 0x7F:
            return (f"the keystore password has a character the JDK cannot use with 3DES/RC2 encryption "
                    f"(U+{ord(character):04X} at position {position}): those ciphers take ASCII passwords only")
        if 0xD800 <= ord(character) <= 0xDFFF:
            return f"the keystore password has an unpaired surrogate (U+{ord(character):04X} at position {position})"
    return None
