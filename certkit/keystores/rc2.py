"""RC2-CBC decryption (RFC 2268), for the RC2-40 safes of legacy PKCS#12 files.

keytool with ``-J-Dkeystore.pkcs12.legacy``, ``openssl pkcs12 -legacy`` and every tool
before OpenSSL 3 encrypt the certificate safe with pbeWithSHA1And40BitRC2-CBC. cryptography
offers RC2 only with a 128-bit key, and its PKCS#12 loader decrypts these safes but drops
the bag attributes (localKeyId, the JDK's trusted-key-usage), which decide what the JDK
sees in the file. So certkit decrypts the safe itself: a few kilobytes once per file, where
pure Python costs about a millisecond. Decryption only: certkit never writes RC2.
"""

from __future__ import annotations

# RFC 2268 section 2: PITABLE, a permutation of 0..255 from the digits of pi.
_PITABLE = bytes.fromhex(
    "d978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2"
    "179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82"
    "54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626"
    "6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7"
    "08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ec"
    "c2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731"
    "2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a9"
    "0d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad"
)
_MASK = 0xFFFF


def _expand(key: bytes, effective_bits: int) -> list[int]:
    """The 64 16-bit subkeys (RFC 2268 section 2)."""
    table = bytearray(128)
    table[: len(key)] = key
    for index in range(len(key), 128):
        table[index] = _PITABLE[(table[index - 1] + table[index - len(key)]) & 0xFF]
    effective_bytes = (effective_bits + 7) // 8
    limit_mask = 0xFF % (1 << (8 + effective_bits - 8 * effective_bytes))
    table[128 - effective_bytes] = _PITABLE[table[128 - effective_bytes] & limit_mask]
    for index in range(127 - effective_bytes, -1, -1):
        table[index] = _PITABLE[table[index + 1] ^ table[index + effective_bytes]]
    return [table[2 * i] | (table[2 * i + 1] << 8) for i in range(64)]


def _rotate_right(word: int, shift: int) -> int:
    return ((word >> shift) | (word << (16 - shift))) & _MASK


_SHIFTS = (1, 2, 3, 5)


def _decrypt_block(subkeys: list[int], block: bytes) -> bytes:
    words = [block[0] | block[1] << 8, block[2] | block[3] << 8, block[4] | block[5] << 8, block[6] | block[7] << 8]
    position = 63
    for round_number in range(15, -1, -1):
        if round_number in (4, 10):  # the two mashing rounds, undone
            for i in (3, 2, 1, 0):
                words[i] = (words[i] - subkeys[words[i - 1] & 63]) & _MASK
        for i in (3, 2, 1, 0):  # one mixing round, undone
            mixed = _rotate_right(words[i], _SHIFTS[i])
            words[i] = (mixed - subkeys[position] - (words[i - 1] & words[i - 2])
                        - (~words[i - 1] & words[i - 3])) & _MASK
            position -= 1
    return b"".join(word.to_bytes(2, "little") for word in words)


def decrypt_cbc(key: bytes, effective_bits: int, iv: bytes, ciphertext: bytes) -> bytes:
    """RC2-CBC decryption; the padding is left for the caller to check and strip."""
    if len(ciphertext) % 8 or len(iv) != 8:
        raise ValueError("RC2-CBC needs whole 8-byte blocks and an 8-byte IV")
    subkeys = _expand(key, effective_bits)
    plain, previous = bytearray(), iv
    for start in range(0, len(ciphertext), 8):
        block = ciphertext[start : start + 8]
        plain += bytes(a ^ b for a, b in zip(_decrypt_block(subkeys, block), previous, strict=False))
        previous = block
    return bytes(plain)
