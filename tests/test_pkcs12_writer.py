"""serialize_keystore: what the JDK, keytool and OpenSSL see in the keystores certkit writes.

The property that matters is elasticsearch-certutil's: one file is both the node's
keystore (a PrivateKeyEntry with its chain) and its truststore (trustedCertEntry items).
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import (
    NoEncryption,
    pkcs12,
)

from certkit.errors import InputError, UsageError
from certkit.keystores.writer import DEFAULT_ITERATIONS, serialize_keystore
from tests.pkcs12_support import der, jdk_entries, jdk_views, make_pki, pkcs8

PASSWORD = "change it!"


@pytest.fixture(scope="module")
def pki():
    return make_pki()


def _keystore(pki, tmp_path, name="node.p12", **overrides):
    arguments = dict(
        alias="node1",
        private_key=pki.leaf_key,
        chain=[pki.leaf, pki.intermediate, pki.root],
        trusted=[("ca", pki.root)],
        password=PASSWORD,
    )
    arguments.update(overrides)
    path = tmp_path / name
    path.write_bytes(serialize_keystore(**arguments))
    return path


@pytest.mark.jdk
@pytest.mark.parametrize("legacy", [False, True], ids=["pbes2-aes256", "legacy-3des"])
def test_jdk_sees_a_key_entry_with_its_chain_and_a_trusted_entry(pki, tmp_path, java, legacy):
    path = _keystore(pki, tmp_path, legacy=legacy)
    entries = jdk_entries(java, path, PASSWORD)
    assert set(entries) == {"node1", "ca"}
    node = entries["node1"]
    assert node.kind == "PrivateKeyEntry"
    assert node.key_pkcs8 == pkcs8(pki.leaf_key)
    # The root is stored once (as the trusted bag); the JDK completes the chain with it.
    assert node.certificates == [der(pki.leaf), der(pki.intermediate), der(pki.root)]
    assert entries["ca"].kind == "TrustedCertificateEntry"
    assert entries["ca"].certificates == [der(pki.root)]


@pytest.mark.jdk
def test_several_trusted_entries_and_a_chain_without_trusted_certificates(pki, tmp_path, java):
    path = _keystore(pki, tmp_path, trusted=[("ca", pki.root), ("other", pki.other_ca), ("sub", pki.intermediate)])
    entries = jdk_entries(java, path, PASSWORD)
    assert {alias: entry.kind for alias, entry in entries.items()} == {
        "node1": "PrivateKeyEntry",
        "ca": "TrustedCertificateEntry",
        "other": "TrustedCertificateEntry",
        "sub": "TrustedCertificateEntry",
    }
    assert entries["node1"].certificates == [der(pki.leaf), der(pki.intermediate), der(pki.root)]

    keystore_only = _keystore(pki, tmp_path, name="plain.p12", trusted=())
    entries = jdk_entries(java, keystore_only, PASSWORD)
    assert list(entries) == ["node1"]
    assert entries["node1"].certificates == [der(pki.leaf), der(pki.intermediate), der(pki.root)]


@pytest.mark.jdk
def test_keytool_lists_a_private_key_entry_and_a_trusted_cert_entry(pki, tmp_path, keytool):
    path = _keystore(pki, tmp_path)
    listing = keytool("-list", "-keystore", path, "-storetype", "PKCS12", "-storepass", PASSWORD).stdout.decode()
    assert "Your keystore contains 2 entries" in listing
    assert "node1, " in listing and "PrivateKeyEntry" in listing
    assert "ca, " in listing and "trustedCertEntry" in listing


@pytest.mark.jdk
@pytest.mark.parametrize("legacy", [False, True], ids=["pbes2-aes256", "legacy-3des"])
def test_empty_password_works_for_the_jdk_openssl_and_cryptography(pki, tmp_path, java, openssl, legacy):
    # elasticsearch-certutil users often just press Enter; cryptography refuses to write
    # that (which is one reason certkit assembles the PFX itself).
    path = _keystore(pki, tmp_path, password="", legacy=legacy)
    entries = jdk_entries(java, path, "")
    assert entries["node1"].kind == "PrivateKeyEntry" and entries["ca"].kind == "TrustedCertificateEntry"
    openssl("pkcs12", "-in", path, "-passin", "pass:", "-noout")
    for password in (b"", None):  # OpenSSL tries both encodings of "no password"
        assert pkcs8(pkcs12.load_pkcs12(path.read_bytes(), password).key) == pkcs8(pki.leaf_key)


@pytest.mark.jdk
def test_the_jdk_ignores_an_unencrypted_key_which_is_why_none_is_refused(pki, tmp_path, java):
    unencrypted = tmp_path / "unencrypted.p12"
    unencrypted.write_bytes(pkcs12.serialize_key_and_certificates(b"node1", pki.leaf_key, pki.leaf, None, NoEncryption()))
    entries = jdk_entries(java, unencrypted, None)
    assert all(entry.kind != "PrivateKeyEntry" for entry in entries.values())

    with pytest.raises(UsageError, match="needs a password"):
        serialize_keystore(alias="node1", private_key=pki.leaf_key, chain=[pki.leaf], password=None)


#: Passwords on either side of the JDK's rules: printable ASCII, a control character,
#: Latin-1, beyond Latin-1, and beyond the BMP (a surrogate pair in Java's char[]).
PASSWORD_CASES = ["plain ascii ~", "tab\there", "pässwörd", "пароль", "pw\U0001F512"]


@pytest.mark.jdk
@pytest.mark.openssl
def test_the_password_rule_is_the_target_jdks(pki, tmp_path, java, openssl):
    """JDK 17-24 open only printable-ASCII passwords; JDK 25 opens any password of a PBES2
    (AES) file but still only ASCII ones of a legacy (3DES/RC2) file. certkit refuses to
    write exactly what the JDK it targets cannot open, and what it writes that JDK opens."""
    from certkit.keystores.jdk_view import password_problem

    pem = pki.write_pem(tmp_path)
    files = []
    for index, password in enumerate(PASSWORD_CASES):
        for legacy in (False, True):
            # openssl: the same file layout and password encodings any tool writes
            made = tmp_path / f"openssl-{index}-{'legacy' if legacy else 'aes'}.p12"
            openssl("pkcs12", "-export", "-inkey", pem["leaf.key"], "-in", pem["leaf.pem"], "-name", "node1",
                    "-passout", "stdin", "-out", made, *(["-legacy"] if legacy else []),
                    input=password.encode("utf-8") + b"\n")
            files.append((made, password, legacy))
    views = jdk_views(java, [(path, password) for path, password, _legacy in files], tmp_path)
    for path, password, legacy in files:
        opened = isinstance(views[str(path)], list)
        if not opened:
            assert "password was incorrect" in views[str(path)] or "Password is not ASCII" in views[str(path)]
        refused = password_problem(password, java.feature, legacy_ciphers=legacy) is not None
        assert refused == (not opened), (password, legacy, java.feature, views[str(path)])
        arguments = {"alias": "node1", "private_key": pki.leaf_key, "chain": [pki.leaf], "password": password,
                     "legacy": legacy, "jdk": java.feature}
        if refused:
            with pytest.raises(UsageError, match=r"U\+[0-9A-F]{4,6} at position \d+"):
                serialize_keystore(**arguments)
        else:
            written = tmp_path / f"certkit-{path.name}"
            written.write_bytes(serialize_keystore(**arguments))
            assert jdk_views(java, [(written, password)], tmp_path)[str(written)] == [("node1", "PrivateKeyEntry", 1)]


def test_without_a_target_the_password_rule_is_every_jdks(pki):
    # No target: the keystore must open on every JDK Elasticsearch bundles (19 to 25).
    with pytest.raises(UsageError, match=r"U\+00E4 at position 2"):
        serialize_keystore(alias="node1", private_key=pki.leaf_key, chain=[pki.leaf], password="pässwörd")
    with pytest.raises(UsageError, match="printable ASCII"):
        serialize_keystore(alias="node1", private_key=pki.leaf_key, chain=[pki.leaf], password="tab\there")
    assert serialize_keystore(alias="node1", private_key=pki.leaf_key, chain=[pki.leaf], password="pässwörd", jdk=25)
    with pytest.raises(UsageError, match="3DES/RC2"):
        serialize_keystore(alias="node1", private_key=pki.leaf_key, chain=[pki.leaf], password="pässwörd", jdk=25,
                           legacy=True)


@pytest.mark.openssl
def test_openssl_reads_the_default_file_and_reports_its_algorithms(pki, tmp_path, openssl):
    path = _keystore(pki, tmp_path)
    info = openssl("pkcs12", "-info", "-in", path, "-passin", f"pass:{PASSWORD}", "-nokeys").stderr.decode()
    assert f"MAC: sha256, Iteration {DEFAULT_ITERATIONS}" in info
    assert f"PBES2, PBKDF2, AES-256-CBC, Iteration {DEFAULT_ITERATIONS}, PRF hmacWithSHA256" in info
    assert "Shrouded Keybag: PBES2" in info
    keys = openssl("pkcs12", "-in", path, "-passin", f"pass:{PASSWORD}", "-nocerts", "-nodes").stdout
    assert b"PRIVATE KEY" in keys


@pytest.mark.openssl
def test_openssl_reads_the_legacy_file_as_3des_with_a_sha1_mac(pki, tmp_path, openssl):
    path = _keystore(pki, tmp_path, legacy=True, iterations=4096)
    info = openssl("pkcs12", "-info", "-in", path, "-passin", f"pass:{PASSWORD}", "-nokeys").stderr.decode()
    assert "MAC: sha1, Iteration 4096" in info
    assert "pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 4096" in info
    assert "AES" not in info


@pytest.mark.openssl
def test_openssl_rejects_a_wrong_password(pki, tmp_path, openssl):
    path = _keystore(pki, tmp_path)
    result = openssl("pkcs12", "-in", path, "-passin", "pass:wrong", "-noout", check=False)
    assert result.returncode != 0
    assert b"Mac verify error" in result.stderr


def test_cryptography_reads_back_key_leaf_and_every_other_certificate(pki, tmp_path):
    path = _keystore(pki, tmp_path, trusted=[("ca", pki.root), ("other", pki.other_ca)])
    loaded = pkcs12.load_pkcs12(path.read_bytes(), PASSWORD.encode())
    assert pkcs8(loaded.key) == pkcs8(pki.leaf_key)
    assert loaded.cert.certificate == pki.leaf and loaded.cert.friendly_name == b"node1"
    others = {cert.certificate: cert.friendly_name for cert in loaded.additional_certs}
    assert others == {pki.intermediate: None, pki.root: b"ca", pki.other_ca: b"other"}


def test_a_key_that_is_not_the_leafs_is_refused(pki):
    with pytest.raises(InputError, match="does not belong"):
        serialize_keystore(alias="node1", private_key=pki.leaf_key, chain=[pki.root], password=PASSWORD)


@pytest.mark.parametrize(
    ("alias", "trusted", "message"),
    [
        ("node1", [("NODE1", "root")], "used twice"),
        ("node1", [("ca", "root"), ("Ca", "other_ca")], "used twice"),
        ("", [], "alias is empty"),
        ("node\n1", [], "control characters"),
    ],
)
def test_aliases_must_be_distinct_and_printable(pki, alias, trusted, message):
    with pytest.raises(UsageError, match=message):
        serialize_keystore(
            alias=alias,
            private_key=pki.leaf_key,
            chain=[pki.leaf],
            trusted=[(name, getattr(pki, attribute)) for name, attribute in trusted],
            password=PASSWORD,
        )


def test_an_empty_chain_and_a_nonpositive_iteration_count_are_refused(pki):
    with pytest.raises(UsageError, match="chain is empty"):
        serialize_keystore(alias="a", private_key=pki.leaf_key, chain=[], password=PASSWORD)
    with pytest.raises(UsageError, match="iteration count"):
        serialize_keystore(alias="a", private_key=pki.leaf_key, chain=[pki.leaf], password=PASSWORD, iterations=0)


@pytest.mark.parametrize("legacy", [False, True], ids=["pbes2-aes256", "legacy-3des"])
@pytest.mark.parametrize("alias", ["node1", "n\u00f6de-\u4e2d", "x" * 200])
def test_the_structure_is_canonical_der_of_rfc_7292(pki, legacy, alias):
    """certkit.keystores.der writes the PFX by hand: pyasn1's RFC 7292 types must decode every
    layer (PFX, authenticated safe, safe contents, bags, attributes, algorithm
    parameters) and re-encode each to the very same bytes, which holds only for DER."""
    from pyasn1.codec.der import decoder, encoder
    from pyasn1_modules import rfc5652, rfc7292, rfc8018

    def canonical(data: bytes, spec):
        value, rest = decoder.decode(data, asn1Spec=spec)
        assert rest == b""
        assert encoder.encode(value) == data
        return value

    data = serialize_keystore(alias=alias, private_key=pki.leaf_key, chain=[pki.leaf, pki.intermediate, pki.root],
                              trusted=[("ca", pki.root), ("other", pki.other_ca)], password=PASSWORD,
                              legacy=legacy, iterations=3)
    pfx = canonical(data, rfc7292.PFX())
    assert int(pfx["version"]) == 3 and int(pfx["macData"]["iterations"]) == 3
    auth_safe = canonical(bytes(canonical(bytes(pfx["authSafe"]["content"]), rfc7292.univ.OctetString())),
                          rfc7292.AuthenticatedSafe())
    data_info, encrypted_info = auth_safe
    assert data_info["contentType"] == rfc5652.id_data and encrypted_info["contentType"] == rfc5652.id_encryptedData
    key_safe = canonical(bytes(canonical(bytes(data_info["content"]), rfc7292.univ.OctetString())),
                         rfc7292.SafeContents())
    (key_bag,) = key_safe
    assert key_bag["bagId"] == rfc7292.id_pkcs8ShroudedKeyBag
    shrouded = canonical(bytes(key_bag["bagValue"]), rfc7292.EncryptedPrivateKeyInfo())
    names = {str(a["attrType"]) for a in key_bag["bagAttributes"]}
    assert names == {str(rfc7292.pkcs_9_at_friendlyName), str(rfc7292.pkcs_9_at_localKeyId)}
    for attribute in key_bag["bagAttributes"]:
        for value in attribute["attrValues"]:
            canonical(bytes(value), rfc7292.univ.Any())
    encrypted = canonical(bytes(encrypted_info["content"]), rfc5652.EncryptedData())
    algorithm = encrypted["encryptedContentInfo"]["contentEncryptionAlgorithm"]
    for identifier in (algorithm, shrouded["encryptionAlgorithm"]):
        if legacy:
            assert identifier["algorithm"] == rfc7292.pbeWithSHAAnd3_KeyTripleDES_CBC
            canonical(bytes(identifier["parameters"]), rfc7292.Pkcs_12PbeParams())
        else:
            assert identifier["algorithm"] == rfc8018.id_PBES2
            params = canonical(bytes(identifier["parameters"]), rfc8018.PBES2_params())
            kdf = canonical(bytes(params["keyDerivationFunc"]["parameters"]), rfc8018.PBKDF2_params())
            assert int(kdf["iterationCount"]) == 3
    # The friendly name is the alias as a BMPString, whatever its characters and length.
    loaded = pkcs12.load_pkcs12(data, PASSWORD.encode())
    assert loaded.key is not None and loaded.cert is not None and loaded.cert.friendly_name == alias.encode()

