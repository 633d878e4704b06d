"""Java's charset decoders, replacement rules included (``new String(bytes, charset)``).

Python's ``errors="replace"`` and Java's REPLACE action agree on well-formed input only.
On malformed input Java replaces differently, and the difference decides whether a name
matches a pattern:

* UTF-8 (``String.decodeUTF8_UTF16``): a three-byte sequence that is well formed but
  encodes a surrogate (``ED A0 BD``) is ONE U+FFFD (Python: three); a four-byte sequence
  with valid continuation bytes that is overlong or above U+10FFFF is one U+FFFD; a
  sequence cut by the end of the input is one U+FFFD for all that is left of it.
* UTF-16BE (``sun.nio.cs.UnicodeDecoder``): a high surrogate followed by a unit that is not
  a low surrogate is one U+FFFD for both units (``D8 3D 00 61`` -> U+FFFD, the ``a`` is
  swallowed); an unpaired low surrogate is one U+FFFD; whatever is left at the end (an odd
  byte, a high surrogate without its pair) is one U+FFFD. A byte-order mark is a character.
* US-ASCII: each byte over 0x7F is U+FFFD.

tests/test_java_strings.py compares these with the JVM's decoders on random bytes.
"""

from __future__ import annotations

REPLACEMENT = "\ufffd"


def _continuation(byte: int) -> bool:
    return byte & 0xC0 == 0x80


def _malformed3_length(b1: int, b2: int) -> int:
    return 1 if (b1 == 0xE0 and b2 & 0xE0 == 0x80) or not _continuation(b2) else 2


def _malformed4_length(data: bytes, index: int) -> int:
    b1, b2 = data[index], data[index + 1]
    if b1 > 0xF4 or (b1 == 0xF0 and not 0x90 <= b2 <= 0xBF) or (b1 == 0xF4 and b2 & 0xF0 != 0x80) \
            or not _continuation(b2):
        return 1
    return 2 if not _continuation(data[index + 2]) else 3


def decode_utf8(data: bytes) -> str:
    """``new String(data, UTF_8)``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return text  # well-formed: both decoders agree
    out: list[str] = []
    size = len(data)
    i = 0
    while i < size:
        b1 = data[i]
        i += 1
        if b1 < 0x80:
            out.append(chr(b1))
        elif b1 >> 5 == 0b110 and b1 & 0x1E:
            if i >= size:
                out.append(REPLACEMENT)
                break
            b2 = data[i]
            if not _continuation(b2):
                out.append(REPLACEMENT)
            else:
                out.append(chr(((b1 & 0x1F) << 6) | (b2 & 0x3F)))
                i += 1
        elif b1 >> 4 == 0b1110:
            if i + 1 < size:
                b2, b3 = data[i], data[i + 1]
                if (b1 == 0xE0 and b2 & 0xE0 == 0x80) or not _continuation(b2) or not _continuation(b3):
                    out.append(REPLACEMENT)
                    i += _malformed3_length(b1, b2) - 1
                    continue
                i += 2
                char = ((b1 & 0x0F) << 12) | ((b2 & 0x3F) << 6) | (b3 & 0x3F)
                out.append(REPLACEMENT if 0xD800 <= char <= 0xDFFF else chr(char))
                continue
            if i < size and ((b1 == 0xE0 and data[i] & 0xE0 == 0x80) or not _continuation(data[i])):
                out.append(REPLACEMENT)
                continue
            out.append(REPLACEMENT)
            break
        elif b1 >> 3 == 0b11110:
            if i + 2 < size:
                b2, b3, b4 = data[i], data[i + 1], data[i + 2]
                point = ((b1 & 0x07) << 18) | ((b2 & 0x3F) << 12) | ((b3 & 0x3F) << 6) | (b4 & 0x3F)
                if not (_continuation(b2) and _continuation(b3) and _continuation(b4)) \
                        or not 0x10000 <= point <= 0x10FFFF:
                    out.append(REPLACEMENT)
                    i += _malformed4_length(data, i - 1) - 1
                    continue
                out.append(chr(point))
                i += 3
                continue
            if b1 > 0xF4 or (i < size and ((b1 == 0xF0 and not 0x90 <= data[i] <= 0xBF)
                                            or (b1 == 0xF4 and data[i] & 0xF0 != 0x80)
                                            or not _continuation(data[i]))):
                out.append(REPLACEMENT)
                continue
            i += 1
            out.append(REPLACEMENT)
            if i < size and not _continuation(data[i]):
                continue
            break
        else:
            out.append(REPLACEMENT)
    return "".join(out)


def decode_utf16be(data: bytes) -> str:
    """``new String(data, UTF_16BE)`` (a BMPString)."""
    out: list[str] = []
    size = len(data)
    i = 0
    while size - i > 1:
        unit = (data[i] << 8) | data[i + 1]
        if 0xD800 <= unit <= 0xDBFF:
            if size - i - 2 < 2:
                break  # left over at the end of the input
            low = (data[i + 2] << 8) | data[i + 3]
            i += 4
            if 0xDC00 <= low <= 0xDFFF:
                out.append(chr(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)))
            else:
                out.append(REPLACEMENT)
        elif 0xDC00 <= unit <= 0xDFFF:
            out.append(REPLACEMENT)
            i += 2
        else:
            out.append(chr(unit))
            i += 2
    if i < size:
        out.append(REPLACEMENT)
    return "".join(out)


def decode_ascii(data: bytes) -> str:
    """``new String(data, US_ASCII)``."""
    return data.decode("ascii", "replace")


def decode_latin1(data: bytes) -> str:
    """``new String(data, ISO_8859_1)``."""
    return data.decode("latin-1")


def decode_utf32be(data: bytes) -> str:
    """``new String(data, UTF_32BE)`` (a UniversalString): one U+FFFD per bad unit or left-over."""
    out: list[str] = []
    whole = len(data) - len(data) % 4
    for i in range(0, whole, 4):
        point = int.from_bytes(data[i:i + 4], "big")
        out.append(chr(point) if point <= 0x10FFFF and not 0xD800 <= point <= 0xDFFF else REPLACEMENT)
    if whole < len(data):
        out.append(REPLACEMENT)
    return "".join(out)


DECODERS = {"UTF-8": decode_utf8, "UTF-16BE": decode_utf16be, "US-ASCII": decode_ascii,
            "ISO-8859-1": decode_latin1, "UTF-32BE": decode_utf32be}


# DerValue.getAsString(): the string types the JDK reads as text, with their charset.
_DER_STRING_DECODERS = {
    0x0C: decode_utf8,  # UTF8String
    0x13: decode_ascii,  # PrintableString
    0x14: decode_latin1,  # T61String
    0x16: decode_ascii,  # IA5String
    0x1C: decode_utf32be,  # UniversalString
    0x1E: decode_utf16be,  # BMPString
    0x1B: decode_ascii,  # GeneralString
}


def der_string(tag: int, contents: bytes) -> str | None:
    """``DerValue.getAsString()``: the text of a string element, None for any other tag."""
    decoder = _DER_STRING_DECODERS.get(tag)
    return decoder(contents) if decoder else None
