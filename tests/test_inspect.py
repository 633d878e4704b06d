"""certkit inspect: every certificate of PEM/DER/PKCS#12/folder/zip sources, human and JSON."""

from __future__ import annotations

import io
import json
import zipfile

import jsonschema
import pytest

from tests.conftest import assert_one_line_error
from tests.restrictions_support import der, key_pem, make_ca, make_leaf, pem, write_pem

INSPECT_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["source", "subject", "issuer", "serial", "not_before", "not_after", "is_ca", "key_type",
                     "key_size", "names"],
        "properties": {
            "serial": {"type": "string", "pattern": "^[0-9a-f]+$"},
            "not_before": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"},
            "not_after": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"},
            "is_ca": {"type": "boolean"},
            "names": {"type": "object", "required": ["otherName.commonName", "dnsName", "ipAddress"]},
        },
    },
}


@pytest.fixture
def material(tmp_path):
    ca, ca_key = make_ca("Inspect CA")
    leaf = make_leaf("node1", cns=["node1.node.c.cluster.s.account"], dns=["node1.example"], ips=["10.0.0.1"],
                     issuer=(ca, ca_key))
    return ca, leaf


def test_json_for_a_pem_bundle(cli, tmp_path, material):
    ca, leaf = material
    path = write_pem(tmp_path / "chain.pem", leaf, ca)
    result = cli("inspect", path, "--json")
    assert result.exit_code == 0, result.stderr
    documents = json.loads(result.stdout)
    jsonschema.validate(documents, INSPECT_SCHEMA)
    node, authority = documents
    assert node["source"] == f"{path}#1" and authority["source"] == f"{path}#2"
    assert node["subject"] == "CN=node1" and node["issuer"] == "CN=Inspect CA"
    assert node["serial"] == format(leaf.serial_number, "x")
    assert node["names"] == {"otherName.commonName": ["node1.node.c.cluster.s.account"],
                             "dnsName": ["node1.example"], "ipAddress": ["10.0.0.1"]}
    assert node["is_ca"] is False and authority["is_ca"] is True
    assert node["key_type"] == "EC" and node["key_size"] == 256
    assert node["not_after"] == leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.openssl
def test_pkcs12_gets_a_pkcs12_object(cli, tmp_path, openssl, material):
    ca, leaf = material
    (tmp_path / "leaf.pem").write_bytes(pem(leaf))
    (tmp_path / "key.pem").write_bytes(key_pem())
    (tmp_path / "ca.pem").write_bytes(pem(ca))
    p12 = tmp_path / "node.p12"
    openssl("pkcs12", "-export", "-in", tmp_path / "leaf.pem", "-inkey", tmp_path / "key.pem", "-certfile",
            tmp_path / "ca.pem", "-out", p12, "-passout", "pass:pw", "-name", "node1")
    (tmp_path / "pass").write_text("pw\n")
    (tmp_path / "pass").chmod(0o600)
    result = cli("inspect", p12, "--json", "--pass-file", tmp_path / "pass")
    assert result.exit_code == 0, result.stderr
    documents = json.loads(result.stdout)
    assert [d["subject"] for d in documents] == ["CN=node1", "CN=Inspect CA"]
    assert all("pkcs12" in d for d in documents)
    assert_one_line_error(cli("inspect", p12, env={"CERTKIT_PASS": "wrong"}), "password")


def test_der_folder_and_zip(cli, tmp_path, material):
    ca, leaf = material
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "node.der").write_bytes(der(leaf))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ca/ca.crt", pem(ca))
        archive.writestr("node1/node1.key", key_pem())
    (tmp_path / "dir" / "bundle.zip").write_bytes(buffer.getvalue())
    result = cli("inspect", tmp_path / "dir", "--json")
    assert [d["source"] for d in json.loads(result.stdout)] == [
        f"{tmp_path / 'dir' / 'bundle.zip'}!ca/ca.crt", str(tmp_path / "dir" / "node.der")]
    # Told once, in one summary warning that names the file (issue 16), not one warning per key file.
    assert "warning: 1 PEM file without a certificate skipped (they hold: PRIVATE KEY): " in result.stderr
    assert "node1/node1.key" in result.stderr


def test_human_output(cli, tmp_path, material):
    ca, leaf = material
    path = write_pem(tmp_path / "node.pem", leaf)
    out = cli("inspect", path).stdout
    assert out.splitlines()[0] == str(path)
    for fragment in ("subject       CN=node1", "issuer        CN=Inspect CA", "otherName CN  node1.node.c.cluster.s.account",
                     "DNS           node1.example", "IP            10.0.0.1", "CA            no", "key           EC 256"):
        assert fragment in out


def test_ignored_othername_is_reported(cli, tmp_path):
    from pyasn1.codec.der import encoder
    from pyasn1.type import char

    path = write_pem(tmp_path / "t61.pem", make_leaf("t", other_names=[("2.5.4.3", encoder.encode(char.TeletexString(b"x")))]))
    document = json.loads(cli("inspect", path, "--json").stdout)[0]
    assert document["names"]["otherName.commonName"] == []
    assert "T61String" in document["warnings"][0]


def test_bad_sources(cli, tmp_path):
    assert_one_line_error(cli("inspect", tmp_path / "missing.pem"), "does not exist")
    (tmp_path / "empty").mkdir()
    assert_one_line_error(cli("inspect", tmp_path / "empty"), "no certificates found in the folder")
    (tmp_path / "key.pem").write_bytes(key_pem())
    assert_one_line_error(cli("inspect", tmp_path / "key.pem"), "no certificate in PEM file")


@pytest.mark.parametrize("command", [["inspect", "--json"], ["restrictions", "check", "trust.yml", "--json"]])
def test_a_missing_last_source_fails_before_any_output(cli, tmp_path, material, command, monkeypatch):
    # Sources stream; a missing one at the end must not leave a truncated JSON document.
    monkeypatch.chdir(tmp_path)
    _, leaf = material
    write_pem(tmp_path / "node1.pem", leaf)
    (tmp_path / "trust.yml").write_text('trust.subject_name: ["*"]\n')
    result = cli(*command, "node1.pem", "missing.pem")
    assert_one_line_error(result, "missing.pem does not exist")
    assert result.stdout == ""
