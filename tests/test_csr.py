"""certkit csr / certkit bundle: requests an external CA signs with openssl, and the way back.

The external CA is OpenSSL's (``openssl x509 -req``), as a user with a corporate PKI would
have it; the requests are read by ``openssl req``, the bundles by ``openssl verify`` and the
JDK (tests/java/NodeKeystoreCheck.java).
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from tests.conftest import assert_one_line_error
from tests.issue_support import CLUSTER_CN, files_in, openssl_ca, openssl_text

# The instances test_issue.py issues certificates for: the requests must ask for the same.
from tests.test_issue import INSTANCES

pytestmark = [pytest.mark.openssl]

NODES = ("es01", "es02", "es03")


@pytest.fixture(scope="module")
def openssl_3(openssl):
    version = openssl("version").stdout.decode()
    if not version.startswith("OpenSSL 3"):
        pytest.skip(f"openssl x509 -copy_extensions needs OpenSSL 3 ({version.strip()})")
    return openssl


@pytest.fixture(scope="module")
def kept(tmp_path_factory):
    """``certkit csr`` of the three nodes into a folder, keys made by two worker processes."""
    from certkit.cli import main

    folder = tmp_path_factory.mktemp("csr")
    (folder / "instances.yml").write_text(INSTANCES)
    assert main(["csr", "--in", str(folder / "instances.yml"), "--out", str(folder / "kept"), "--jobs", "2"]) == 0
    return folder / "kept"


@pytest.fixture(scope="module")
def external_ca(tmp_path_factory, openssl_3):
    return openssl_ca(openssl_3, tmp_path_factory.mktemp("external-ca"), "External Issuing CA")


def sign(openssl, ca, request: Path, out: Path, *how: str) -> Path:
    """The external CA signs ``request`` the way ``how`` says (``-copy_extensions copy``, ``-extfile F``…)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    openssl("x509", "-req", "-in", request, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial",
            "-CAserial", ca.cert.with_suffix(".srl"), "-days", "30", "-sha256", *how, "-out", out)
    return out


def sign_all(openssl, ca, kept: Path, folder: Path, *how: str, nodes=NODES) -> Path:
    for node in nodes:
        sign(openssl, ca, kept / node / f"{node}.csr", folder / f"{node}.crt", *how)
    return folder


def san_line(text: str) -> str:
    """The line after "X509v3 Subject Alternative Name:" in openssl's text output."""
    lines = [line.strip() for line in text.splitlines()]
    return lines[lines.index(next(line for line in lines if line.startswith("X509v3 Subject Alternative Name"))) + 1]


# ----------------------------------------------------------------------------- csr


def test_requests_ask_for_what_cert_would_issue(cli, kept, tmp_path, openssl_3):
    """openssl verifies each request and shows the subject and SANs a `certkit cert` certificate has."""
    (tmp_path / "instances.yml").write_text(INSTANCES)
    result = cli("cert", "--self-signed", "--in", tmp_path / "instances.yml", "--pem", "--out", tmp_path / "issued")
    assert result.exit_code == 0, result.stderr
    assert files_in(kept) == {*NODES, *(f"{n}/{n}.{kind}" for n in NODES for kind in ("csr", "key"))}
    for node in NODES:
        request = kept / node / f"{node}.csr"
        shown = openssl_3("req", "-in", request, "-verify", "-noout", "-text")
        assert b"verify OK" in shown.stderr
        text = shown.stdout.decode()
        issued = openssl_text(openssl_3, "x509", "-in", tmp_path / "issued" / node / f"{node}.crt", "-noout", "-text")
        assert san_line(text) == san_line(issued)
        assert "othername: commonName::" + CLUSTER_CN.format(node) in san_line(text)
        subject = openssl_text(openssl_3, "req", "-in", request, "-noout", "-subject")
        assert subject == openssl_text(openssl_3, "x509", "-in", tmp_path / "issued" / node / f"{node}.crt",
                                       "-noout", "-subject")
        assert "TLS Web Server Authentication, TLS Web Client Authentication" in text
        key = kept / node / f"{node}.key"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert (openssl_3("pkey", "-in", key, "-pubout").stdout
                == openssl_3("req", "-in", request, "-noout", "-pubkey").stdout)
    assert "DNS:es01.example.internal, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1" in san_line(
        openssl_text(openssl_3, "req", "-in", kept / "es01" / "es01.csr", "-noout", "-text"))


def test_zip_output_is_certutils_layout_with_keys_0600(cli, tmp_path, openssl_3):
    (tmp_path / "pass").write_text("kept-pass\n")
    (tmp_path / "pass").chmod(0o600)
    result = cli("csr", "--name", "node-1", "--dns", "node-1.example.internal", "--cn", "node-1.node.a.cluster.b.account",
                 "--key-type", "ec", "--pass-file", tmp_path / "pass", "--out", tmp_path / "csr-bundle.zip")
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE((tmp_path / "csr-bundle.zip").stat().st_mode) == 0o600
    with zipfile.ZipFile(tmp_path / "csr-bundle.zip") as archive:
        modes = {info.filename: stat.S_IMODE(info.external_attr >> 16) for info in archive.infolist()}
        archive.extractall(tmp_path / "x")
    assert modes == {"node-1/": 0o755, "node-1/node-1.csr": 0o644, "node-1/node-1.key": 0o600}
    key = (tmp_path / "x" / "node-1" / "node-1.key").read_text()
    assert "Proc-Type: 4,ENCRYPTED" in key and "BEGIN EC PRIVATE KEY" in key
    assert b"ASN1 OID: prime256v1" in openssl_3("pkey", "-in", tmp_path / "x" / "node-1" / "node-1.key",
                                                "-passin", "pass:kept-pass", "-noout", "-text").stdout


def test_csr_refuses_an_existing_output_before_any_key(cli, tmp_path):
    (tmp_path / "csr-bundle.zip").write_bytes(b"mine")
    result = cli("csr", "--name", "es01", "--out", tmp_path / "csr-bundle.zip")
    assert_one_line_error(result, "already exists")
    assert (tmp_path / "csr-bundle.zip").read_bytes() == b"mine"


# ----------------------------------------------------------------------------- bundle


def test_bundle_pem_verifies_with_openssl(cli, kept, external_ca, tmp_path, openssl_3):
    signed = sign_all(openssl_3, external_ca, kept, tmp_path / "signed", "-copy_extensions", "copy")
    result = cli("bundle", "--keys", kept, "--certs", signed, "--ca", external_ca.cert, "--pem", "--out", tmp_path / "b")
    assert result.exit_code == 0, result.stderr
    assert "warning:" not in result.stderr
    assert files_in(tmp_path / "b") == {"ca", "ca/ca.crt", *NODES, *(f"{n}/{n}.{k}" for n in NODES for k in ("crt", "key"))}
    for node in NODES:
        crt, key = tmp_path / "b" / node / f"{node}.crt", tmp_path / "b" / node / f"{node}.key"
        assert openssl_text(openssl_3, "verify", "-CAfile", tmp_path / "b" / "ca" / "ca.crt", crt) == f"{crt}: OK\n"
        assert openssl_3("pkey", "-in", key, "-pubout").stdout == openssl_3("x509", "-in", crt, "-noout", "-pubkey").stdout
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert (tmp_path / "b" / "ca" / "ca.crt").read_bytes() == external_ca.cert.read_bytes()


@pytest.mark.jdk
def test_bundle_keystores_load_in_the_jdk_and_complete_mutual_tls(cli, tmp_path, external_ca, openssl_3, java):
    """Keys kept encrypted, the CA's chain sent back among the certificates, a PKCS#12 zip out."""
    (tmp_path / "i.yml").write_text(INSTANCES)
    (tmp_path / "pass").write_text("node-pass\n")
    (tmp_path / "pass").chmod(0o600)
    assert cli("csr", "--in", tmp_path / "i.yml", "--pass-file", tmp_path / "pass", "--out", tmp_path / "kept.zip").exit_code == 0
    with zipfile.ZipFile(tmp_path / "kept.zip") as archive:
        archive.extractall(tmp_path / "requests")  # what goes to the CA; the zip stays as it is
    signed = sign_all(openssl_3, external_ca, tmp_path / "requests", tmp_path / "signed", "-copy_extensions", "copy")
    shutil.copy(external_ca.cert, signed / "chain.pem")
    result = cli("bundle", "--keys", tmp_path / "kept.zip", "--certs", signed, "--pass-file", tmp_path / "pass",
                 "--out", tmp_path / "certificate-bundle.zip")
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "certificate-bundle.zip") as archive:
        archive.extractall(tmp_path / "bundle")
    stores = {name: tmp_path / "bundle" / f / f"{f}.p12" for name, f in (("es01", "es01"), ("es02", "es02"),
                                                                          ("CN=es03,OU=search", "es03"))}
    output = java("NodeKeystoreCheck", "node-pass", *stores.values()).stdout

    def lines(kind, path):
        return [line[len(f"{kind} {path} "):] for line in output.splitlines() if line.startswith(f"{kind} {path} ")]

    for name, path in stores.items():
        assert sorted(lines("entry", path)) == sorted([f"{name.lower()} PrivateKeyEntry", "ca trustedCertEntry"])
        subject = name if "=" in name else f"CN={name}"
        assert lines("chain", path) == [f"[{subject}] [CN=External Issuing CA]"]
    assert lines("othername", stores["CN=es03,OU=search"]) == [CLUSTER_CN.format("es03"), "es03-alias.node.other.cluster.1.account"]
    assert "handshake ok TLSv1.3 server-saw=CN=es02 client-saw=CN=es01" in output


@pytest.mark.parametrize("signer", ["without copy_extensions", "extfile of DNS names only"])
def test_a_ca_that_drops_the_othername_is_caught_with_a_warning(cli, kept, external_ca, tmp_path, openssl_3, signer):
    """es03 asks for otherNames only, es02 for an otherName and a DNS name: the CA keeps the DNS name only."""
    signed = sign_all(openssl_3, external_ca, kept, tmp_path / "signed", "-copy_extensions", "copy", nodes=("es01",))
    if signer == "without copy_extensions":
        sign(openssl_3, external_ca, kept / "es03" / "es03.csr", signed / "es03.crt")
        sign(openssl_3, external_ca, kept / "es02" / "es02.csr", signed / "es02.crt", "-copy_extensions", "copy")
        dropped = ["es03"]
    else:
        for node in ("es02", "es03"):
            extfile = tmp_path / f"{node}.ext"
            extfile.write_text(f"subjectAltName=DNS:{node}.example.internal\n" if node == "es02" else
                               "extendedKeyUsage=serverAuth,clientAuth\n")
            sign(openssl_3, external_ca, kept / node / f"{node}.csr", signed / f"{node}.crt", "-extfile", extfile)
        dropped = ["es02", "es03"]
    result = cli("bundle", "--keys", kept, "--certs", signed, "--ca", external_ca.cert, "--pem", "--out", tmp_path / "b")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert [w.split(":")[1].strip() for w in warnings] == dropped, result.stderr
    assert all("dropped the otherName" in w and "trust restrictions" in w for w in warnings)
    assert "othername" not in openssl_text(openssl_3, "x509", "-in", tmp_path / "b" / "es03" / "es03.crt", "-noout",
                                           "-text").lower()


def test_a_certificate_signed_for_another_key_is_refused(cli, kept, external_ca, tmp_path, openssl_3):
    other = tmp_path / "other"
    assert cli("csr", "--name", "es02", "--dns", "es02.example.internal", "--cn", CLUSTER_CN.format("es02"),
               "--out", other).exit_code == 0
    signed = sign_all(openssl_3, external_ca, kept, tmp_path / "signed", "-copy_extensions", "copy", nodes=("es01", "es03"))
    sign(openssl_3, external_ca, other / "es02" / "es02.csr", signed / "es02.crt", "-copy_extensions", "copy")
    before = files_in(tmp_path)
    result = cli("bundle", "--keys", kept, "--certs", signed, "--ca", external_ca.cert, "--out", tmp_path / "b.zip",
                 env={"CERTKIT_PASS": ""})
    assert_one_line_error(result, "es02", "signed for another key")
    assert files_in(tmp_path) == before


def test_each_missing_planned_name_is_its_own_error(cli, kept, external_ca, tmp_path, openssl_3):
    signed = sign_all(openssl_3, external_ca, kept, tmp_path / "signed", "-copy_extensions", "copy", nodes=("es02", "es03"))
    sign(openssl_3, external_ca, kept / "es01" / "es01.csr", signed / "es01.crt")  # no SAN at all
    result = cli("bundle", "--keys", kept, "--certs", signed, "--ca", external_ca.cert, "--pem", "--out", tmp_path / "b")
    assert result.exit_code == 2
    assert result.error_lines == [
        "error: es01: the certificate lacks the planned DNS name(s) es01.example.internal, localhost: "
        "hostname verification of this node would fail",
        "error: es01: the certificate lacks the planned IP address(es) 127.0.0.1, ::1: "
        "hostname verification of this node would fail",
    ]
    assert not (tmp_path / "b").exists()


def test_a_certificate_of_another_ca_is_refused(cli, kept, external_ca, tmp_path, openssl_3):
    signed = sign_all(openssl_3, external_ca, kept, tmp_path / "signed", "-copy_extensions", "copy")
    stranger = openssl_ca(openssl_3, tmp_path / "stranger", "Stranger CA")
    result = cli("bundle", "--keys", kept, "--certs", signed, "--ca", stranger.cert, "--pem", "--out", tmp_path / "b")
    assert result.exit_code == 2
    assert len(result.error_lines) == 3 and all("not signed by the CA given" in line for line in result.error_lines)
    assert not (tmp_path / "b").exists()


def _without(kept: Path, tmp_path: Path, relative: str) -> Path:
    copy = tmp_path / "kept-copy"
    shutil.copytree(kept, copy)
    (copy / relative).unlink()
    return copy


@pytest.mark.parametrize("fault, fragments", [
    ("missing key", ("es02/es02.csr has no key beside it",)),
    ("folder without a request", ("es02/es02.key has no request beside it",)),
    ("garbage certificate", ("garbage.crt", "not a certificate")),
    ("no node", ("no kept keys",)),
    ("no CA certificate", ("no CA certificate",)),
])
def test_bad_inputs_are_one_error_and_write_nothing(cli, kept, external_ca, tmp_path, openssl_3, fault, fragments):
    signed = sign_all(openssl_3, external_ca, kept, tmp_path / "signed", "-copy_extensions", "copy")
    keys, ca = kept, ["--ca", external_ca.cert]
    if fault == "missing key":
        keys = _without(kept, tmp_path, "es02/es02.key")
    elif fault == "folder without a request":
        keys = _without(kept, tmp_path, "es02/es02.csr")
    elif fault == "garbage certificate":
        (signed / "garbage.crt").write_bytes(b"\x00\x01garbage, not a certificate\n" * 10)
        signed = signed / "garbage.crt"
    elif fault == "no node":
        keys = tmp_path / "empty"
        keys.mkdir()
    else:
        ca = []
    before = files_in(tmp_path)
    result = cli("bundle", "--keys", keys, "--certs", signed, *ca, "--pem", "--out", tmp_path / "b")
    assert_one_line_error(result, *fragments)
    assert files_in(tmp_path) == before
