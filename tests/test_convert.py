"""certkit convert, both directions, against openssl, keytool and the JDK."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.conftest import assert_one_line_error, run_certkit
from tests.pkcs12_support import (  # noqa: F401 - inputs, pki are fixtures
    INPUT_NAMES,
    der,
    inputs,
    jdk_entries,
    openssl_extract,
    openssl_key_pkcs8,
    pkcs8,
    pki,
)

pytestmark = [pytest.mark.openssl, pytest.mark.jdk]


def _pem_parts(path):
    data = path.read_bytes()
    certificates = [der(c) for c in x509.load_pem_x509_certificates(data)] if b"CERTIFICATE" in data else []
    key = pkcs8(serialization.load_pem_private_key(data, None)) if b"PRIVATE KEY" in data else None
    return data, certificates, key


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ------------------------------------------------------------------ PKCS#12 -> PEM


@pytest.mark.parametrize("name", INPUT_NAMES)
def test_p12_to_pem_matches_openssl(cli, inputs, openssl, tmp_path, name):
    given = inputs[name]
    out = tmp_path / "all.pem"
    result = cli("convert", given.path, "--out", out, "--legacy-ok", env={"CERTKIT_PASS": given.password})
    assert result.exit_code == 0, result.stderr
    data, certificates, key = _pem_parts(out)
    assert b"Bag Attributes" not in data and data.startswith(b"-----BEGIN CERTIFICATE-----")
    assert _mode(out) == 0o600
    assert key == openssl_key_pkcs8(openssl, given.path, given.password)
    clcerts = openssl_extract(openssl, given.path, given.password, "-clcerts")
    assert certificates[: len(clcerts)] == clcerts  # leaf first
    assert sorted(certificates) == sorted(openssl_extract(openssl, given.path, given.password))


@pytest.mark.parametrize("name", ["openssl-legacy-chain", "keytool-legacy", "openssl-default-chain"])
@pytest.mark.parametrize("selection", ["--clcerts", "--cacerts"])
def test_clcerts_and_cacerts_nokeys_match_openssl(cli, inputs, openssl, tmp_path, name, selection):
    given = inputs[name]
    out = tmp_path / "selected.pem"
    result = cli("convert", given.path, selection, "--nokeys", "--out", out, "--legacy-ok",
                 env={"CERTKIT_PASS": given.password})
    assert result.exit_code == 0, result.stderr
    data, certificates, key = _pem_parts(out)
    assert key is None and _mode(out) == 0o644
    assert sorted(certificates) == sorted(openssl_extract(openssl, given.path, given.password, selection))


def test_chain_is_written_leaf_first_in_issuer_order(cli, inputs, pki, tmp_path):
    given = inputs["openssl-legacy-chain"]
    out = tmp_path / "chain.pem"
    assert cli("convert", given.path, "--nokeys", "--out", out, env={"CERTKIT_PASS": given.password}).exit_code == 0
    assert _pem_parts(out)[1] == [der(pki.leaf), der(pki.intermediate), der(pki.root)]


def test_default_output_names_come_from_the_input(cli, inputs, tmp_path):
    given = inputs["openssl-default-chain"]
    work = tmp_path / "names"
    work.mkdir()
    ca_p12 = work / "ca.p12"
    ca_p12.write_bytes(given.path.read_bytes())
    env = {"CERTKIT_PASS": given.password}
    assert cli("convert", ca_p12, "--nokeys", env=env).exit_code == 0
    assert cli("convert", ca_p12, env=env).exit_code == 0
    assert sorted(p.name for p in work.iterdir()) == ["ca.crt.pem", "ca.p12", "ca.pem"]
    assert _mode(work / "ca.pem") == 0o600 and _mode(work / "ca.crt.pem") == 0o644


def test_existing_output_is_kept_without_force(cli, inputs, tmp_path):
    given = inputs["openssl-default"]
    out = tmp_path / "exists.pem"
    out.write_text("precious")
    result = cli("convert", given.path, "--out", out, env={"CERTKIT_PASS": given.password})
    assert_one_line_error(result, "already exists")
    assert out.read_text() == "precious"
    assert cli("convert", given.path, "--out", out, "--force", env={"CERTKIT_PASS": given.password}).exit_code == 0
    assert b"PRIVATE KEY" in out.read_bytes()


def test_stdout_takes_certificates_but_a_key_only_with_force(cli, inputs):
    given = inputs["openssl-default-chain"]
    env = {"CERTKIT_PASS": given.password}
    result = cli("convert", given.path, "--nokeys", "--out", "-", env=env)
    assert result.exit_code == 0 and result.stdout.count("BEGIN CERTIFICATE") == 3
    assert_one_line_error(cli("convert", given.path, "--out", "-", env=env), "private key to standard output")
    forced = cli("convert", given.path, "--out", "-", "--force", env=env)
    assert forced.exit_code == 0 and "BEGIN PRIVATE KEY" in forced.stdout


def test_empty_password_file_needs_no_password(cli, inputs, tmp_path):
    for name in ("openssl-empty-password", "openssl-legacy-empty-password", "openssl-no-mac-no-encryption"):
        out = tmp_path / f"{name}.pem"
        result = cli("convert", inputs[name].path, "--out", out, "--legacy-ok")
        assert result.exit_code == 0, result.stderr


def test_legacy_input_is_warned_about_unless_legacy_ok(cli, inputs, tmp_path):
    given = inputs["openssl-legacy"]
    env = {"CERTKIT_PASS": given.password}
    warned = cli("convert", given.path, "--nokeys", "--out", tmp_path / "a.pem", env=env)
    assert warned.exit_code == 0 and "warning:" in warned.stderr and "RC2-40" in warned.stderr
    quiet = cli("convert", given.path, "--nokeys", "--out", tmp_path / "b.pem", "--legacy-ok", env=env)
    assert quiet.exit_code == 0 and "warning:" not in quiet.stderr


# ------------------------------------------------------------------ errors: exit 2, one line, nothing written


def _assert_nothing_written(folder, before):
    assert sorted(p.name for p in folder.iterdir()) == before


@pytest.fixture
def work(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def test_wrong_password(cli, inputs, work):
    result = cli("convert", inputs["openssl-legacy"].path, "--out", work / "x.pem", env={"CERTKIT_PASS": "wrong"})
    assert_one_line_error(result, "wrong password", "MAC check failed", "RC2-40", "which certkit supports")
    _assert_nothing_written(work, [])


def test_missing_password(cli, inputs, work):
    result = cli("convert", inputs["openssl-default"].path, "--out", work / "x.pem")
    assert_one_line_error(result, "protected by a password and none was given")
    _assert_nothing_written(work, [])


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (lambda p12, pem: p12[: len(p12) - 700], ["truncated"]),
        (lambda p12, pem: pem, ["not a PKCS#12 file", "looks like PEM", "use inspect"]),
        (lambda p12, pem: bytes(range(256)) * 8, ["not a PKCS#12 file"]),
    ],
    ids=["truncated", "pem-given-as-p12", "random-bytes"],
)
def test_bad_input_files(cli, inputs, work, content, fragments):
    source = inputs["openssl-default"]
    bad = work / "bad.p12"
    bad.write_bytes(content(source.path.read_bytes(), (source.path.parent / "leaf.pem").read_bytes()))
    result = cli("convert", bad, "--out", work / "x.pem", env={"CERTKIT_PASS": source.password})
    assert_one_line_error(result, *fragments)
    _assert_nothing_written(work, ["bad.p12"])


def test_no_key_when_a_key_is_asked_for(cli, pki, work, keytool):
    truststore = work / "trust.p12"
    pem = pki.write_pem(work)
    keytool("-importcert", "-alias", "ca", "-file", pem["root.pem"], "-noprompt", "-keystore", truststore,
            "-storetype", "PKCS12", "-storepass", "changeit")
    before = sorted(p.name for p in work.iterdir())
    result = cli("convert", truststore, "--out", work / "x.pem", env={"CERTKIT_PASS": "changeit"})
    assert_one_line_error(result, "holds no private key", "truststore")
    assert "--nokeys" in result.stderr
    _assert_nothing_written(work, before)
    assert cli("convert", truststore, "--nokeys", "--out", work / "ca.pem", env={"CERTKIT_PASS": "changeit"}).exit_code == 0


def test_legacy_file_without_the_legacy_provider_says_so(inputs, work):
    # A real process: cryptography reads CRYPTOGRAPHY_OPENSSL_NO_LEGACY when it loads.
    given = inputs["openssl-legacy"]
    env = {"CRYPTOGRAPHY_OPENSSL_NO_LEGACY": "1", "CERTKIT_PASS": given.password}
    result = run_certkit("convert", given.path, "--out", work / "x.pem", env=env)
    assert_one_line_error(result, "uses RC2-40, which the installed cryptography cannot decrypt",
                          "CRYPTOGRAPHY_OPENSSL_NO_LEGACY is set")
    _assert_nothing_written(work, [])
    # And a wrong password is still reported as such, not as the algorithm.
    wrong = run_certkit("convert", given.path, "--out", work / "x.pem",
                        env={**env, "CERTKIT_PASS": "wrong"})
    assert_one_line_error(wrong, "wrong password", "MAC check failed")


def test_conflicting_flags(cli, inputs, work, pki):
    given = inputs["openssl-default"]
    assert_one_line_error(cli("convert", given.path, "--clcerts", "--cacerts"), "exclude each other")
    assert_one_line_error(cli("convert", given.path, "--ca", given.path), "needs --key")
    pem = pki.write_pem(work)
    assert_one_line_error(cli("convert", pem["leaf.pem"], "--key", pem["leaf.key"], "--nokeys"), "applies to PKCS#12")


# ------------------------------------------------------------------ PEM -> PKCS#12


@pytest.fixture
def pem_files(pki, work):
    return pki.write_pem(work)


def _build(cli, pem_files, out, *extra, password="change it"):
    return cli("convert", pem_files["leaf.pem"], "--key", pem_files["leaf.key"], "--ca", pem_files["root.pem"],
               "--ca", pem_files["intermediate.pem"], "--out", out, *extra, env={"CERTKIT_PASS": password})


def test_pem_to_p12_round_trip_through_keytool_openssl_and_back(cli, pem_files, work, pki, keytool, openssl):
    out = work / "node1.p12"
    result = _build(cli, pem_files, out)
    assert result.exit_code == 0, result.stderr
    assert _mode(out) == 0o600
    listing = keytool("-list", "-keystore", out, "-storetype", "PKCS12", "-storepass", "change it").stdout.decode()
    assert "Your keystore contains 3 entries" in listing
    assert "node1, " in listing and "PrivateKeyEntry" in listing
    assert listing.count("trustedCertEntry") == 2

    info = openssl("pkcs12", "-info", "-in", out, "-passin", "pass:change it", "-nokeys").stderr.decode()
    assert "MAC: sha256" in info and "AES-256-CBC" in info
    wrong = openssl("pkcs12", "-in", out, "-passin", "pass:nope", "-noout", check=False)
    assert wrong.returncode != 0 and b"Mac verify error" in wrong.stderr

    back = work / "back.pem"
    assert cli("convert", out, "--out", back, env={"CERTKIT_PASS": "change it"}).exit_code == 0
    _data, certificates, key = _pem_parts(back)
    assert key == pkcs8(pki.leaf_key)
    assert certificates == [der(pki.leaf), der(pki.intermediate), der(pki.root)]


def test_jdk_loads_default_and_legacy_files_with_the_chain_completed(cli, pem_files, work, pki, java):
    for extra in ((), ("--legacy", "--name", "elastic-node")):
        out = work / f"node{len(extra)}.p12"
        assert _build(cli, pem_files, out, *extra).exit_code == 0
        entries = jdk_entries(java, out, "change it")
        alias = "elastic-node" if extra else out.stem
        assert entries[alias].kind == "PrivateKeyEntry"
        assert entries[alias].certificates == [der(pki.leaf), der(pki.intermediate), der(pki.root)]
        assert {a: e.kind for a, e in entries.items() if a != alias} == {
            "ca": "TrustedCertificateEntry", "ca-2": "TrustedCertificateEntry"}


def test_pem_to_p12_errors_write_nothing(cli, pem_files, work, pki):
    before = sorted(p.name for p in work.iterdir())
    out = work / "x.p12"
    # the key of another certificate
    other_key = work / "other.key"
    other_key.write_bytes(pki.root_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    mismatch = cli("convert", pem_files["leaf.pem"], "--key", other_key, "--out", out, env={"CERTKIT_PASS": "x"})
    assert_one_line_error(mismatch, "does not belong")
    # an encrypted key
    encrypted = work / "enc.key"
    encrypted.write_bytes(pki.leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.BestAvailableEncryption(b"k")))
    assert_one_line_error(cli("convert", pem_files["leaf.pem"], "--key", encrypted, "--out", out,
                              env={"CERTKIT_PASS": "x"}), "is encrypted")
    # no password at all, and one the JDK cannot use
    assert_one_line_error(cli("convert", pem_files["leaf.pem"], "--key", pem_files["leaf.key"], "--out", out),
                          "needs a password")
    assert_one_line_error(cli("convert", pem_files["leaf.pem"], "--key", pem_files["leaf.key"], "--out", out,
                              env={"CERTKIT_PASS": "pässwort"}), "JDK cannot use")
    # a certificate file that is not PEM, and a missing one
    assert_one_line_error(cli("convert", pem_files["leaf.key"], "--key", pem_files["leaf.key"], "--out", out,
                              env={"CERTKIT_PASS": "x"}), "holds no readable PEM certificate")
    assert_one_line_error(cli("convert", work / "missing.pem", "--key", pem_files["leaf.key"], "--out", out,
                              env={"CERTKIT_PASS": "x"}), "does not exist")
    assert_one_line_error(cli("convert", pem_files["leaf.pem"], "--key", pem_files["leaf.key"], "--out", "-",
                              env={"CERTKIT_PASS": "x"}), "give --out FILE.p12")
    _assert_nothing_written(work, sorted(before + ["enc.key", "other.key"]))


def test_empty_password_round_trip(cli, pem_files, work, java):
    out = work / "empty.p12"
    assert _build(cli, pem_files, out, password="").exit_code == 0
    assert jdk_entries(java, out, "")[out.stem].kind == "PrivateKeyEntry"
    assert cli("convert", out, "--nokeys", "--out", work / "empty.crt.pem").exit_code == 0


def test_convert_as_a_real_process(inputs, tmp_path):
    given = inputs["keytool-default"]
    out = tmp_path / "proc.pem"
    result = run_certkit("convert", given.path, "--nokeys", "--out", out, env={"CERTKIT_PASS": given.password})
    assert result.exit_code == 0, result.stderr
    assert f"wrote {out}" in result.stderr and result.stdout == ""
    assert os.path.getsize(out) > 0
