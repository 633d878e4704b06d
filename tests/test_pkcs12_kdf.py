"""certkit.keystores.kdf against the MACs OpenSSL writes (the KDF is RFC 7292 B.2, by hand)."""

from __future__ import annotations

import pytest
from pyasn1.codec.der import decoder
from pyasn1.type import univ
from pyasn1_modules import rfc7292

from certkit.keystores.kdf import (
    IV_MATERIAL,
    KEY_MATERIAL,
    derive,
    password_bytes,
    pfx_mac,
)


def _mac_parts(pfx_der: bytes) -> tuple[bytes, bytes, int, bytes]:
    pfx, _ = decoder.decode(pfx_der, asn1Spec=rfc7292.PFX())
    content, _ = decoder.decode(pfx["authSafe"]["content"], asn1Spec=univ.OctetString())
    mac = pfx["macData"]
    return bytes(content), bytes(mac["macSalt"]), int(mac["iterations"]), bytes(mac["mac"]["digest"])


@pytest.fixture(scope="module")
def key_and_certificate(tmp_path_factory, openssl):
    folder = tmp_path_factory.mktemp("kdf")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=kdf",
            "-days", "2", "-keyout", folder / "key.pem", "-out", folder / "cert.pem")
    return folder


@pytest.mark.openssl
@pytest.mark.parametrize("macalg", ["sha1", "sha256", "sha512"])
@pytest.mark.parametrize("password", ["", "s3cret", "pässwörd"])
def test_pfx_mac_matches_openssl(key_and_certificate, openssl, macalg, password):
    out = key_and_certificate / f"{macalg}-{len(password)}.p12"
    openssl("pkcs12", "-export", "-inkey", key_and_certificate / "key.pem", "-in", key_and_certificate / "cert.pem",
            "-passout", f"pass:{password}", "-macalg", macalg, "-iter", "1500", "-out", out)
    content, salt, iterations, digest = _mac_parts(out.read_bytes())
    assert iterations == 1500
    assert pfx_mac(content, password, salt, iterations, macalg) == digest
    assert pfx_mac(content, password + "x", salt, iterations, macalg) != digest


def test_no_password_and_empty_password_are_different_keys():
    assert password_bytes(None) == b""
    assert password_bytes("") == b"\x00\x00"
    assert derive(None, b"salt", 3, KEY_MATERIAL, 24) != derive("", b"salt", 3, KEY_MATERIAL, 24)


def test_rfc7292_derivation_vector():
    # Vector from the PKCS#12 test suite of OpenSSL / Bouncy Castle ("smeg", 3DES key).
    key = derive("smeg", bytes.fromhex("0a58cf64530d823f"), 1, KEY_MATERIAL, 24, "sha1")
    assert key.hex() == "8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3"
    iv = derive("smeg", bytes.fromhex("0a58cf64530d823f"), 1, IV_MATERIAL, 8, "sha1")
    assert iv.hex() == "79993dfe048d3b76"
