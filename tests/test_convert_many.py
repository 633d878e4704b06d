"""certkit convert with several inputs (files and folders) in one run, against openssl.

One run replaces a shell loop: each input's PEM is named as a one-input run names it, and
holds what ``openssl pkcs12`` extracts from that input. The run is all-or-nothing (as
every certkit output, docs/design.md): every input is converted in memory before the
first output is written, so one bad input leaves no output at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certkit.errors import OutputError
from certkit.io import OutputFile, write_files
from tests.conftest import assert_one_line_error
from tests.pkcs12_support import der, make_pki, openssl_extract, openssl_key_pkcs8, pkcs8

pytestmark = pytest.mark.openssl

PASSWORD = "s3cret"


@pytest.fixture
def p12_files(tmp_path, openssl):
    """Three openssl-made keystores: two in ``top/``, one in the folder ``top/sub/more``."""
    pki = make_pki()
    (tmp_path / "pem").mkdir()
    pem = pki.write_pem(tmp_path / "pem")
    (tmp_path / "top" / "sub" / "more").mkdir(parents=True)
    paths = [tmp_path / "top" / "a.p12", tmp_path / "top" / "b.pfx", tmp_path / "top" / "sub" / "more" / "c.p12"]
    for index, path in enumerate(paths):
        extra = ["-legacy"] if index == 1 else []
        openssl("pkcs12", "-export", "-inkey", pem["leaf.key"], "-in", pem["leaf.pem"], "-certfile",
                pem["intermediate.pem"], "-name", f"node{index}", "-passout", f"pass:{PASSWORD}", "-out", path, *extra)
    return paths


def _assert_matches_openssl(openssl, p12, pem_path, with_key):
    data = pem_path.read_bytes()
    certificates = [der(c) for c in x509.load_pem_x509_certificates(data)]
    assert sorted(certificates) == sorted(openssl_extract(openssl, p12, PASSWORD))
    assert certificates[0] == openssl_extract(openssl, p12, PASSWORD, "-clcerts")[0]  # leaf first
    if with_key:
        assert pkcs8(serialization.load_pem_private_key(data, None)) == openssl_key_pkcs8(openssl, p12, PASSWORD)
    else:
        assert b"PRIVATE KEY" not in data


def test_files_and_a_folder_in_one_run_match_openssl(cli, openssl, p12_files):
    a, b, c = p12_files
    result = cli("convert", a, b, c.parent.parent, "--legacy-ok", env={"CERTKIT_PASS": PASSWORD})
    assert result.exit_code == 0, result.stderr
    for p12, pem_name in ((a, "a.pem"), (b, "b.pem"), (c, "c.pem")):  # named as a one-input run names them
        _assert_matches_openssl(openssl, p12, p12.with_name(pem_name), with_key=True)
        assert f"wrote {p12.with_name(pem_name)}" in result.stderr


def test_a_folder_converts_every_pkcs12_below_it(cli, openssl, p12_files):
    top = p12_files[0].parent
    (top / "notes.txt").write_text("not a keystore")
    result = cli("convert", top, "--nokeys", "--legacy-ok", env={"CERTKIT_PASS": PASSWORD})
    assert result.exit_code == 0, result.stderr
    for p12 in p12_files:
        _assert_matches_openssl(openssl, p12, p12.with_name(p12.stem + ".crt.pem"), with_key=False)


def test_one_bad_input_writes_no_output(cli, p12_files):
    a, b, c = p12_files
    broken = a.with_name("broken.p12")
    broken.write_bytes(a.read_bytes()[:-40])
    result = cli("convert", a, broken, c, "--legacy-ok", env={"CERTKIT_PASS": PASSWORD})
    assert_one_line_error(result, "broken.p12")
    assert sorted(p.name for p in a.parent.rglob("*.pem")) == []


def test_a_folder_without_keystores_is_bad_input(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    assert_one_line_error(cli("convert", tmp_path / "empty"), "holds no PKCS#12 file")


def test_out_names_one_output_only(cli, p12_files):
    result = cli("convert", *p12_files, "--out", p12_files[0].with_name("all.pem"), env={"CERTKIT_PASS": PASSWORD})
    assert_one_line_error(result, "--out names one output")


def test_two_inputs_with_the_same_output_name_are_refused(cli, p12_files, tmp_path):
    twin = p12_files[0].with_name("a.pfx")
    twin.write_bytes(p12_files[0].read_bytes())
    result = cli("convert", p12_files[0], twin, env={"CERTKIT_PASS": PASSWORD})
    assert_one_line_error(result, "would both be written to")
    assert not p12_files[0].with_name("a.pem").exists()


def test_building_a_keystore_takes_one_certificate(cli, tmp_path):
    result = cli("convert", tmp_path / "a.crt", tmp_path / "b.crt", "--key", tmp_path / "a.key")
    assert_one_line_error(result, "one certificate")


def test_write_files_writes_none_when_one_cannot_be_written(tmp_path):
    first, second = tmp_path / "first.pem", tmp_path / "missing-folder" / "second.pem"
    with pytest.raises(OutputError, match="does not exist"):
        write_files({first: OutputFile(b"one"), second: OutputFile(b"two")})
    assert list(tmp_path.iterdir()) == []
    first.write_bytes(b"old")
    with pytest.raises(OutputError, match="does not exist"):
        write_files({first: OutputFile(b"one"), second: OutputFile(b"two")}, force=True)
    assert first.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["first.pem"]


def test_write_files_with_force_replaces_all_and_leaves_no_temporary_file(tmp_path):
    first, second = tmp_path / "first.pem", tmp_path / "second.key"
    first.write_bytes(b"old")
    write_files({first: OutputFile(b"new one"), second: OutputFile(b"new key", secret=True)}, force=True)
    assert first.read_bytes() == b"new one" and second.read_bytes() == b"new key"
    assert second.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.pem", "second.key"]


def test_json_lists_every_output_in_input_order(cli, p12_files):
    import json

    a, b, c = p12_files
    result = cli("convert", c, a, b, "--nokeys", "--legacy-ok", "--json", env={"CERTKIT_PASS": PASSWORD})
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["direction"] == "pkcs12-to-pem"
    assert [entry["source"] for entry in document["outputs"]] == [str(c), str(a), str(b)]
    for entry in document["outputs"]:
        assert not entry["private_key"]
        written = x509.load_pem_x509_certificates(Path(entry["out"]).read_bytes())
        assert entry["certificates"] == [certificate.subject.rfc4514_string() for certificate in written]
    assert "wrote" not in result.stderr
