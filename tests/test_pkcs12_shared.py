"""The keystores of one run share their password derivations, and only those of one run.

keystores.SharedDerivations derives the key's and the certificates' PBKDF2 keys and the
MAC key once per run (per issuing process); every file keeps its own random IVs. The
JDK reading such bundles (both JDKs, mutual TLS) is test_issue_java.py's; here pyasn1's
RFC 7292 types read the salts and IVs, and OpenSSL opens every file.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from pyasn1.codec.der import decoder
from pyasn1_modules import rfc5652, rfc7292, rfc8018

from certkit.keystores import SharedDerivations
from certkit.keystores.writer import serialize_keystore
from tests.pkcs12_support import make_pki

PASSWORD = "bundle-pass"
INSTANCES = "instances:\n" + "".join(f"  - name: node{i}\n" for i in range(4))


def _protection(data: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The MAC salt, and (salt, IV) of each encrypted part, of a PBES2 keystore; for a
    legacy one the parts' PBE salts with an empty IV."""
    pfx, _ = decoder.decode(data, asn1Spec=rfc7292.PFX())
    content, _ = decoder.decode(bytes(pfx["authSafe"]["content"]), asn1Spec=rfc7292.univ.OctetString())
    data_info, encrypted_info = decoder.decode(bytes(content), asn1Spec=rfc7292.AuthenticatedSafe())[0]
    key_safe_octets, _ = decoder.decode(bytes(data_info["content"]), asn1Spec=rfc7292.univ.OctetString())
    (key_bag,) = decoder.decode(bytes(key_safe_octets), asn1Spec=rfc7292.SafeContents())[0]
    shrouded, _ = decoder.decode(bytes(key_bag["bagValue"]), asn1Spec=rfc7292.EncryptedPrivateKeyInfo())
    encrypted, _ = decoder.decode(bytes(encrypted_info["content"]), asn1Spec=rfc5652.EncryptedData())
    parts = []
    for identifier in (shrouded["encryptionAlgorithm"], encrypted["encryptedContentInfo"]["contentEncryptionAlgorithm"]):
        if identifier["algorithm"] == rfc8018.id_PBES2:
            params, _ = decoder.decode(bytes(identifier["parameters"]), asn1Spec=rfc8018.PBES2_params())
            kdf, _ = decoder.decode(bytes(params["keyDerivationFunc"]["parameters"]), asn1Spec=rfc8018.PBKDF2_params())
            iv, _ = decoder.decode(bytes(params["encryptionScheme"]["parameters"]), asn1Spec=rfc7292.univ.OctetString())
            parts.append((bytes(kdf["salt"]["specified"]), bytes(iv)))
        else:
            pbe, _ = decoder.decode(bytes(identifier["parameters"]), asn1Spec=rfc7292.Pkcs_12PbeParams())
            parts.append((bytes(pbe["salt"]), b""))
    return bytes(pfx["macData"]["macSalt"]), parts


def _bundle(cli, tmp_path: Path, name: str, *extra: str) -> dict[str, bytes]:
    (tmp_path / "i.yml").write_text(INSTANCES)
    (tmp_path / "pass").write_text(PASSWORD + "\n")
    (tmp_path / "pass").chmod(0o600)
    if not (tmp_path / "ca.p12").exists():
        assert cli("ca", "--out", tmp_path / "ca.p12", "--key-type", "ec", "--pass-file", tmp_path / "pass").exit_code == 0
    result = cli("cert", "--ca", tmp_path / "ca.p12", "--ca-pass-file", tmp_path / "pass", "--in", tmp_path / "i.yml",
                 "--key-type", "ec", "--jobs", "2", "--pass-file", tmp_path / "pass", "--out", tmp_path / name, *extra)
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(io.BytesIO((tmp_path / name).read_bytes())) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n.endswith(".p12")}


def test_one_runs_keystores_share_salts_and_keep_their_own_ivs(cli, tmp_path, openssl):
    keystores = _bundle(cli, tmp_path, "bundle.zip")
    assert len(keystores) == 4
    protections = [_protection(data) for data in keystores.values()]
    assert len({mac_salt for mac_salt, _ in protections}) == 1
    assert len({parts[0][0] for _, parts in protections}) == 1  # the key's PBKDF2 salt
    assert len({parts[1][0] for _, parts in protections}) == 1  # the certificates'
    ivs = [iv for _, parts in protections for _, iv in parts]
    assert len(set(ivs)) == len(ivs) == 8
    for name, data in keystores.items():
        path = tmp_path / Path(name).name
        path.write_bytes(data)
        listed = openssl("pkcs12", "-in", str(path), "-passin", f"pass:{PASSWORD}", "-nokeys", "-clcerts")
        assert b"subject=CN = " + Path(name).stem.encode() in listed.stdout.replace(b"subject=CN=", b"subject=CN = ")


def test_another_run_derives_its_own(cli, tmp_path):
    first = {_protection(data)[0] for data in _bundle(cli, tmp_path, "first.zip").values()}
    second = {_protection(data)[0] for data in _bundle(cli, tmp_path, "second.zip").values()}
    assert len(first) == len(second) == 1 and first != second


def test_legacy_keystores_keep_a_salt_per_file(cli, tmp_path):
    """3DES takes its IV from the salt too: sharing the salt would share the IV."""
    protections = [_protection(data) for data in _bundle(cli, tmp_path, "legacy.zip", "--legacy").values()]
    assert len({mac_salt for mac_salt, _ in protections}) == 4
    assert len({salt for _, parts in protections for salt, _ in parts}) == 8


@pytest.mark.parametrize("overrides", [{"password": "another"}, {"iterations": 2048}, {"legacy": True}],
                         ids=["password", "iterations", "legacy"])
def test_derivations_serve_only_their_own_password_count_and_scheme(overrides):
    pki = make_pki()
    arguments = {"alias": "node", "private_key": pki.leaf_key, "chain": [pki.leaf, pki.root], "password": PASSWORD,
                 "shared": SharedDerivations.derive(PASSWORD)}
    serialize_keystore(**arguments)  # its own password: fine
    with pytest.raises(ValueError, match="shared derivations are for"):
        serialize_keystore(**{**arguments, **overrides})


def test_derived_keys_are_not_in_the_repr():
    assert "bundle-pass" not in repr(SharedDerivations.derive(PASSWORD))
