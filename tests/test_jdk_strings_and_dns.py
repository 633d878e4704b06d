"""Java's string decoders and X500Principal's renderings, compared with the real JDKs.

tests/java/NamesOracle.java ``decode`` runs ``new String(bytes, charset)``; ``batch``
prints ``X500Principal.toString()`` and ``getName()`` of subject and issuer. One JVM start
per runtime for each test.
"""

from __future__ import annotations

import base64
import os
import random
import re
from pathlib import Path

import pytest

from certkit.jdk import MalformedCertificate, jdk_dn, locate_fields, rfc2253_dn
from certkit.jdk.charsets import DECODERS
from certkit.jdk.describe import issuer_name_der

# Bytes that make decoders disagree: lead, continuation and surrogate octets, mostly.
_TRICKY_OCTETS = [0x00, 0x61, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xD8,
                  0xDB, 0xDC, 0xDF, 0xA0, 0x9F, 0x90]
_CHARSETS = ["UTF-8", "UTF-16BE", "US-ASCII", "ISO-8859-1"]


def _random_samples(seed: int, count: int) -> list[tuple[str, bytes]]:
    chooser = random.Random(seed)
    return [(chooser.choice(_CHARSETS),
             bytes(chooser.choice(_TRICKY_OCTETS) if chooser.random() < 0.7 else chooser.randrange(256)
                   for _ in range(chooser.randrange(11))))
            for _ in range(count)]


@pytest.mark.jdk
@pytest.mark.parametrize("seed", [1, 2])
def test_java_decoders_replace_exactly_as_java(tmp_path, java, seed):
    """4,000 random byte strings per run (one JVM start), decoded by Java and by certkit."""
    samples = _random_samples(seed, 4000)
    requests = tmp_path / "decode.txt"
    requests.write_text("".join(f"{charset} {data.hex()}\n" for charset, data in samples))
    lines = java("NamesOracle", "decode", requests).stdout.splitlines()
    assert len(lines) == len(samples)
    mismatches = [(charset, data.hex(), DECODERS[charset](data), bytes.fromhex(line).decode("utf-16-be"))
                  for (charset, data), line in zip(samples, lines, strict=True)
                  if DECODERS[charset](data) != bytes.fromhex(line).decode("utf-16-be")]
    assert mismatches == []


def test_the_issue_examples():
    """The two strings of the fidelity issue, as Java decodes them."""
    assert DECODERS["UTF-16BE"](b"\xd8\x3d\x00\x61") == "\ufffd"
    assert DECODERS["UTF-8"](b"\xed\xa0\xbd\xed\xb8\x80") == "\ufffd\ufffd"


_PEM_CERTIFICATE = re.compile(rb"-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----(.*?)-----END", re.DOTALL)


def _vector_certificates() -> list[bytes]:
    """Every certificate of cryptography_vectors' x509 folder: PEM blocks and DER files, as bytes."""
    import cryptography_vectors

    root = Path(cryptography_vectors.__path__[0]) / "x509"
    found: list[bytes] = []
    for folder, _, files in sorted(os.walk(root)):
        for file in sorted(files):
            data = (Path(folder) / file).read_bytes()
            if b"-----BEGIN" in data:
                for body in _PEM_CERTIFICATE.findall(data):
                    try:
                        found.append(base64.b64decode(b"".join(body.split())))
                    except ValueError:
                        continue
            elif data[:1] == b"\x30":
                found.append(data)
    return found


@pytest.mark.jdk
def test_dn_renderings_match_x500principal_over_cryptography_vectors(tmp_path, java):
    from tests.test_jdk_names import oracle_lines

    certificates = _vector_certificates()
    assert len(certificates) > 100
    reports = oracle_lines(java, tmp_path, certificates)
    compared = 0
    mismatches = []
    for der, report in zip(certificates, reports, strict=True):
        if "REFUSED" in report:
            continue  # the JDK does not parse it: nothing to compare
        compared += 1
        try:
            located = locate_fields(der)
        except MalformedCertificate as exc:
            mismatches.append(("parse", der.hex()[:60], str(exc)))
            continue
        mine = {"SUBJECT": jdk_dn(located.subject, java.feature),
                "ISSUER": jdk_dn(issuer_name_der(der) or b"", java.feature),
                "RFC2253": rfc2253_dn(located.subject, java.feature)}
        for kind, text in mine.items():
            if report[kind] != text:
                mismatches.append((kind, report[kind], text))
    assert compared > 100
    assert mismatches == []
