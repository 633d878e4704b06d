"""load_pkcs12 and diagnose on files written by openssl and keytool, and on bad input."""

from __future__ import annotations

import random

import pytest

from certkit.errors import InputError, PasswordError
from certkit.keystores.reader import diagnose, load_pkcs12, serialize_keystore
from tests.pkcs12_support import (  # noqa: F401 - inputs, pki are fixtures
    INPUT_NAMES,
    der,
    inputs,
    openssl_extract,
    openssl_key_pkcs8,
    pkcs8,
    pki,
)

pytestmark = [pytest.mark.openssl, pytest.mark.jdk]


@pytest.mark.parametrize("name", INPUT_NAMES)
def test_loads_what_openssl_extracts(inputs, openssl, name):
    given = inputs[name]
    loaded = load_pkcs12(given.path.read_bytes(), given.password, source=given.path.name)
    assert pkcs8(loaded.key) == openssl_key_pkcs8(openssl, given.path, given.password)
    assert [der(loaded.certificate.certificate)] == openssl_extract(openssl, given.path, given.password, "-clcerts")
    others = [der(other.certificate) for other in loaded.others]
    assert sorted(others) == sorted(openssl_extract(openssl, given.path, given.password, "-cacerts"))
    assert sorted(map(der, loaded.chain)) == sorted(openssl_extract(openssl, given.path, given.password))


def test_chain_comes_leaf_first_in_issuer_order(inputs, pki):
    given = inputs["openssl-legacy-chain"]
    loaded = load_pkcs12(given.path.read_bytes(), given.password, source="x.p12")
    assert list(loaded.chain) == [pki.leaf, pki.intermediate, pki.root]
    assert loaded.alias == "node1"


def test_keytool_trusted_entries_are_reported(inputs):
    given = inputs["keytool-default"]
    loaded = load_pkcs12(given.path.read_bytes(), given.password, source="x.p12")
    assert loaded.alias == "node"
    assert [(other.friendly_name, other.jdk_trusted) for other in loaded.trusted] == [("ca", True)]
    entries = loaded.to_json()["entries"]
    assert entries == [{"alias": "node", "type": "PrivateKeyEntry", "chain_length": 1},
                       {"alias": "ca", "type": "trustedCertEntry"}]


def test_trusted_flag_is_read_inside_rc2_safes(inputs):
    # cryptography has no RC2-40 primitive and its PKCS#12 loader drops bag attributes:
    # certkit decrypts RC2-40 itself (certkit.keystores.rc2), so the flag is known.
    given = inputs["keytool-legacy"]
    loaded = load_pkcs12(given.path.read_bytes(), given.password, source="x.p12")
    assert [(other.friendly_name, other.jdk_trusted) for other in loaded.others] == [("ca", True)]
    assert [entry["type"] for entry in loaded.to_json()["entries"]] == ["PrivateKeyEntry", "trustedCertEntry"]


def test_no_password_and_empty_password_open_both_encodings(inputs, tmp_path, pki):
    for name in ("openssl-empty-password", "openssl-legacy-empty-password", "openssl-no-mac-no-encryption"):
        data = inputs[name].path.read_bytes()
        for password in (None, ""):
            assert load_pkcs12(data, password, source=name).key is not None


@pytest.mark.parametrize(
    ("name", "mac", "algorithms"),
    [
        ("openssl-default", {"algorithm": "sha256", "iterations": 2048}, ["AES-256-CBC"]),
        ("openssl-legacy", {"algorithm": "sha1", "iterations": 2048}, ["RC2-40", "3DES"]),
        ("keytool-default", {"algorithm": "sha256", "iterations": 10000}, ["AES-256-CBC"]),
        ("keytool-legacy", {"algorithm": "sha1", "iterations": 100000}, ["RC2-40", "3DES"]),
        ("openssl-no-mac-no-encryption", None, []),
    ],
)
def test_diagnosis_names_the_algorithms_before_decryption(inputs, name, mac, algorithms):
    diagnosis = diagnose(inputs[name].path.read_bytes())
    document = diagnosis.to_json()
    assert document["mac"] == mac
    assert sorted(entry["short_name"] for entry in document["encryption"]) == sorted(algorithms)
    assert document["needs_legacy_provider"] == ("RC2-40" in algorithms)


def test_diagnosis_of_a_pbes2_file_reports_cipher_prf_and_iterations(inputs):
    (protection,) = diagnose(inputs["openssl-default"].path.read_bytes()).protections
    assert (protection.algorithm, protection.cipher, protection.prf, protection.iterations) == (
        "PBES2", "AES-256-CBC", "hmacWithSHA256", 2048)
    assert protection.describe() == "PBES2 (AES-256-CBC, PBKDF2-hmacWithSHA256, 2048 iterations)"


def test_certkit_keystores_load_back_with_trusted_flags(pki):
    data = serialize_keystore(alias="node1", private_key=pki.leaf_key, chain=[pki.leaf, pki.intermediate, pki.root],
                              trusted=[("ca", pki.root)], password="pw", legacy=True)
    loaded = load_pkcs12(data, "pw", source="node1.p12")
    assert list(loaded.chain) == [pki.leaf, pki.intermediate, pki.root]
    assert [(o.friendly_name, o.jdk_trusted) for o in loaded.others] == [(None, False), ("ca", True)]


def test_wrong_password_says_so_and_names_the_algorithm(inputs):
    given = inputs["openssl-legacy"]
    with pytest.raises(PasswordError) as caught:
        load_pkcs12(given.path.read_bytes(), "nope", source="ca.p12")
    assert str(caught.value) == (
        "wrong password for ca.p12 (MAC check failed; the file uses RC2-40 and 3DES, which certkit supports)"
    )


def test_missing_password_for_a_protected_file(inputs):
    with pytest.raises(PasswordError, match="protected by a password and none was given"):
        load_pkcs12(inputs["openssl-default"].path.read_bytes(), None, source="x.p12")


def test_two_keys_are_refused_with_their_aliases(tmp_path, keytool):
    path = tmp_path / "two.p12"
    for alias in ("first", "second"):
        keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-dname", f"CN={alias}", "-keystore", path,
                "-storetype", "PKCS12", "-storepass", "changeit")
    with pytest.raises(InputError, match=r"holds 2 private keys \(first, second\)"):
        load_pkcs12(path.read_bytes(), "changeit", source="two.p12")


@pytest.mark.parametrize(
    ("make_bytes", "fragment"),
    [
        (lambda p12, pem: b"", "is empty"),
        (lambda p12, pem: pem, "it looks like PEM (CERTIFICATE): use inspect"),
        (lambda p12, pem: p12[: len(p12) // 2], "truncated"),
        # Fixed noise that starts with no format's mark: os.urandom's bytes began with "{"
        # or "<" about once in 120 runs (166 of 20,000 draws), which certkit rightly calls JSON or XML.
        (lambda p12, pem: b"\x8f" + random.Random(20261202).randbytes(2999), "not DER-encoded"),
        (lambda p12, pem: b"\x30\x03\x02\x01\x05", "not a PKCS#12 file"),
        (lambda p12, pem: p12[:60] + bytes(40) + p12[100:], "corrupted"),
    ],
    ids=["empty", "pem", "truncated", "random", "other-der", "corrupted"],
)
def test_bad_bytes_are_named(inputs, make_bytes, fragment):
    p12 = inputs["openssl-default"].path.read_bytes()
    pem = (inputs["openssl-default"].path.parent / "leaf.pem").read_bytes()
    with pytest.raises(InputError) as caught:
        load_pkcs12(make_bytes(p12, pem), "s3cret", source="in.p12")
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)
