"""The PKCS#12 key-derivation function (RFC 7292, appendix B.2) and the PFX MAC.

cryptography writes and reads PKCS#12 files whole; certkit also needs the MAC on its own:
to re-seal a PFX whose authenticated safe it assembled (a key entry plus JDK trusted
certificate entries, which cryptography cannot express in one file), and to tell a wrong
password (MAC mismatch) from an algorithm the installed OpenSSL cannot decrypt.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools

# Purpose bytes of RFC 7292 B.3.
KEY_MATERIAL = 1
IV_MATERIAL = 2
MAC_MATERIAL = 3

# hash name -> (output length u, block length v) in bytes
_HASH_SIZES = {
    "sha1": (20, 64),
    "sha224": (28, 64),
    "sha256": (32, 64),
    "sha384": (48, 128),
    "sha512": (64, 128),
}


def password_bytes(password: str | bytes | None) -> bytes:
    """The BMPString form RFC 7292 hashes: UTF-16BE plus two zero bytes.

    ``None`` (no password at all) is the empty octet string, while ``""`` is the two zero
    bytes: the two are different keys, and files exist with either.
    """
    if password is None:
        return b""
    if isinstance(password, bytes):
        password = password.decode("utf-8")
    return password.encode("utf-16-be") + b"\x00\x00"


def derive(
    password: str | bytes | None, salt: bytes, iterations: int, purpose: int, length: int, hash_name: str = "sha1"
) -> bytes:
    """RFC 7292 B.2: derive ``length`` bytes of key, IV or MAC material."""
    if hash_name not in _HASH_SIZES:
        raise ValueError(f"unsupported PKCS#12 KDF hash {hash_name}")
    u, v = _HASH_SIZES[hash_name]
    pw = password_bytes(password)

    def stretch(data: bytes) -> bytes:
        if not data:
            return b""
        size = v * ((len(data) + v - 1) // v)
        return (data * (size // len(data) + 1))[:size]

    # The named constructor (hashlib.sha256) rather than hashlib.new(name): the loop below
    # runs `iterations` times per block and hashlib.new's dispatch would dominate it.
    hash_constructor = getattr(hashlib, hash_name)
    diversifier = bytes([purpose]) * v
    block = bytearray(stretch(salt) + stretch(pw))
    out = bytearray()
    while len(out) < length:
        digest = hash_constructor(diversifier + bytes(block)).digest()
        for _ in itertools.repeat(None, iterations - 1):
            digest = hash_constructor(digest).digest()
        out += digest
        if len(out) >= length:
            break
        b_int = int.from_bytes(stretch(digest)[:v], "big") + 1
        for start in range(0, len(block), v):
            chunk = int.from_bytes(block[start : start + v], "big") + b_int
            block[start : start + v] = (chunk % (1 << (8 * v))).to_bytes(v, "big")
    return bytes(out[:length])


def pfx_mac(
    auth_safe_content: bytes, password: str | bytes | None, salt: bytes, iterations: int, hash_name: str = "sha256"
) -> bytes:
    """The MacData digest of a PFX: HMAC over the authSafe's content octets."""
    u, _ = _HASH_SIZES[hash_name]
    key = derive(password, salt, iterations, MAC_MATERIAL, u, hash_name)
    return hmac.new(key, auth_safe_content, hash_name).digest()
