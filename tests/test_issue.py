"""certkit cert: bundles checked by openssl and Python's ssl; safety of a run (0600, dry-run, kills)."""

from __future__ import annotations

import datetime
import json
import signal
import socket
import ssl
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from certkit.io.outputs import TMP_PREFIX
from tests.conftest import assert_one_line_error
from tests.issue_support import CLUSTER_CN, files_in, modulus_or_pubkey, openssl_text

pytestmark = [pytest.mark.openssl]

INSTANCES = f"""\
instances:
  - name: "es01"
    cn: ["{CLUSTER_CN.format('es01')}"]
    dns: ["es01.example.internal", "localhost"]
    ip: ["127.0.0.1", "::1"]
  - name: "es02"
    cn: ["{CLUSTER_CN.format('es02')}"]
    dns: ["es02.example.internal"]
  - name: "CN=es03,OU=search"
    filename: "es03"
    cn: ["{CLUSTER_CN.format('es03')}", "es03-alias.node.other.cluster.1.account"]
"""


@pytest.fixture(scope="module")
def ca_p12(tmp_path_factory):
    """A CA made by certkit ca (empty password, as certutil's quick start)."""
    from certkit.cli import main

    folder = tmp_path_factory.mktemp("ca")
    assert main(["ca", "--out", str(folder / "ca.p12")]) == 0
    return folder / "ca.p12"


@pytest.fixture(scope="module")
def pem_bundle(tmp_path_factory, ca_p12):
    from certkit.cli import main

    folder = tmp_path_factory.mktemp("pem")
    (folder / "instances.yml").write_text(INSTANCES)
    assert main(["cert", "--ca", str(ca_p12), "--in", str(folder / "instances.yml"), "--pem",
                 "--out", str(folder / "bundle")]) == 0
    return folder / "bundle"


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_bundle_layout_and_key_modes(pem_bundle):
    assert files_in(pem_bundle) == {
        "ca", "ca/ca.crt", "es01", "es01/es01.crt", "es01/es01.key", "es02", "es02/es02.crt", "es02/es02.key",
        "es03", "es03/es03.crt", "es03/es03.key",
    }
    for key in pem_bundle.glob("*/*.key"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key
        assert key.read_text().startswith("-----BEGIN RSA PRIVATE KEY-----\n")  # unencrypted, as certutil
    assert not (pem_bundle / "ca" / "ca.key").exists()  # never the CA key


def test_openssl_verifies_every_certificate_and_keys_match(pem_bundle, openssl):
    for node in ("es01", "es02", "es03"):
        crt, key = pem_bundle / node / f"{node}.crt", pem_bundle / node / f"{node}.key"
        result = openssl("verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", pem_bundle / "ca" / "ca.crt", crt)
        assert result.stdout.decode().strip() == f"{crt}: OK"
        openssl("verify", "-purpose", "sslclient", "-CAfile", pem_bundle / "ca" / "ca.crt", crt)
        assert modulus_or_pubkey(openssl, cert=crt) == modulus_or_pubkey(openssl, key=key)


def test_openssl_shows_othername_sans_in_file_order(pem_bundle, openssl):
    text = openssl_text(openssl, "x509", "-in", pem_bundle / "es01" / "es01.crt", "-noout", "-ext", "subjectAltName")
    assert (f"othername: commonName::{CLUSTER_CN.format('es01')}, DNS:es01.example.internal, DNS:localhost, "
            "IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1") in text
    text = openssl_text(openssl, "x509", "-in", pem_bundle / "es03" / "es03.crt", "-noout", "-ext", "subjectAltName")
    assert (f"othername: commonName::{CLUSTER_CN.format('es03')}, "
            "othername: commonName::es03-alias.node.other.cluster.1.account") in text
    subject = openssl_text(openssl, "x509", "-in", pem_bundle / "es03" / "es03.crt", "-noout", "-subject", "-nameopt", "RFC2253")
    assert subject.strip() == "subject=CN=es03,OU=search"


def test_leaf_profile_is_certutils_plus_key_usage(pem_bundle):
    leaf, ca = load(pem_bundle / "es01" / "es01.crt"), load(pem_bundle / "ca" / "ca.crt")
    extensions = {e.oid._name: e for e in leaf.extensions}
    assert extensions["basicConstraints"].value.ca is False
    assert extensions["keyUsage"].critical and extensions["keyUsage"].value.digital_signature
    assert extensions["keyUsage"].value.key_encipherment
    assert list(extensions["extendedKeyUsage"].value) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    assert not extensions["subjectAltName"].critical
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    assert extensions["authorityKeyIdentifier"].value.key_identifier == ca_ski
    assert leaf.signature_hash_algorithm.name == "sha256"
    assert 0 < leaf.serial_number < 2**159 and leaf.serial_number.bit_length() > 64
    # 1095 days from now, starting 5 minutes back (clock differences between issuer and nodes).
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc == datetime.timedelta(days=1095, minutes=5)
    assert leaf.public_key().key_size == 2048


def _tls_pair(server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext, server_hostname: str):
    """A TLS handshake over a loopback socket pair; returns (server's view of client cert, client's view of server cert)."""
    left, right = socket.socketpair()
    left.settimeout(20)
    right.settimeout(20)
    seen: dict = {}

    def serve():
        try:
            with server_ctx.wrap_socket(left, server_side=True) as tls:
                seen["client"] = tls.getpeercert()
                tls.sendall(b"ok")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            seen["server_error"] = exc

    thread = threading.Thread(target=serve)
    thread.start()
    with client_ctx.wrap_socket(right, server_hostname=server_hostname) as tls:
        seen["server"] = tls.getpeercert()
        assert tls.recv(2) == b"ok"
    thread.join(20)
    assert "server_error" not in seen, seen.get("server_error")
    return seen["client"], seen["server"]


def _context(purpose, bundle: Path, node: str, password: str | None = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if purpose == "server" else ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_cert_chain(bundle / node / f"{node}.crt", bundle / node / f"{node}.key", password=password)
    ctx.load_verify_locations(bundle / "ca" / "ca.crt")
    ctx.verify_mode = ssl.CERT_REQUIRED
    # Python 3.13's default strictness: certutil's old CAs fail it, certkit's must not.
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    return ctx


def test_pem_bundle_mutual_tls_with_python_ssl(pem_bundle):
    client_view, server_view = _tls_pair(_context("server", pem_bundle, "es01"), _context("client", pem_bundle, "es02"),
                                         "es01.example.internal")
    assert ("DNS", "es01.example.internal") in server_view["subjectAltName"]
    assert client_view["subject"] == ((("commonName", "es02"),),)


def test_encrypted_pem_keys_are_certutils_format_and_load(cli, tmp_path, ca_p12, openssl):
    out = tmp_path / "b"
    result = cli("cert", "--ca", ca_p12, "--name", "es01", "--dns", "es01.example.internal", "--cn", CLUSTER_CN.format("es01"),
                 "--pem", "--out", out, env={"CERTKIT_PASS": "node-pass"})
    assert result.exit_code == 0, result.stderr
    result = cli("cert", "--ca", ca_p12, "--name", "es02", "--pem", "--key-type", "ec", "--out", tmp_path / "c",
                 env={"CERTKIT_PASS": "node-pass"})
    assert result.exit_code == 0, result.stderr
    lines = (out / "es01" / "es01.key").read_text().splitlines()
    assert lines[:2] == ["-----BEGIN RSA PRIVATE KEY-----", "Proc-Type: 4,ENCRYPTED"]
    assert lines[2].startswith("DEK-Info: AES-128-CBC,") and len(lines[2].split(",")[1]) == 32
    assert (tmp_path / "c" / "es02" / "es02.key").read_text().startswith("-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED")
    assert modulus_or_pubkey(openssl, key=out / "es01" / "es01.key", passin="node-pass") == \
        modulus_or_pubkey(openssl, cert=out / "es01" / "es01.crt")
    assert openssl("pkey", "-in", out / "es01" / "es01.key", "-passin", "pass:nope", check=False).returncode != 0
    # Python's ssl (OpenSSL's PEM reader) takes the password too, and the key works in a handshake.
    server = _context("server", out, "es01", password="node-pass")
    client = _context("client", tmp_path / "c", "es02", password="node-pass")
    client.load_verify_locations(out / "ca" / "ca.crt")
    _tls_pair(server, client, "es01.example.internal")


def test_p12_bundle_zip_entries_are_0600(cli, tmp_path, ca_p12):
    out = tmp_path / "bundle.zip"
    (tmp_path / "i.yml").write_text(INSTANCES)
    result = cli("cert", "--ca", ca_p12, "--in", tmp_path / "i.yml", "--out", out, "--jobs", "2")
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with zipfile.ZipFile(out) as archive:
        modes = {info.filename: stat.S_IMODE(info.external_attr >> 16) for info in archive.infolist() if not info.is_dir()}
    assert modes == {"ca/ca.crt": 0o644, "es01/es01.p12": 0o600, "es02/es02.p12": 0o600, "es03/es03.p12": 0o600}


@pytest.mark.slow  # seconds of work: the full suite runs it
def test_single_keystore_output(cli, tmp_path, ca_p12, keytool):
    out = tmp_path / "es01.p12"
    result = cli("cert", "--ca", ca_p12, "--name", "es01", "--cn", CLUSTER_CN.format("es01"), "--out", out,
                 env={"CERTKIT_PASS": "changeit"})
    assert result.exit_code == 0, result.stderr
    listing = keytool("-list", "-keystore", out, "-storepass", "changeit").stdout.decode()
    assert "es01, " in listing and "PrivateKeyEntry" in listing and "ca, " in listing and "trustedCertEntry" in listing


def test_self_signed_has_no_ca_folder(cli, tmp_path, openssl):
    out = tmp_path / "b"
    result = cli("cert", "--self-signed", "--name", "solo", "--pem", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert files_in(out) == {"solo", "solo/solo.crt", "solo/solo.key"}
    crt = out / "solo" / "solo.crt"
    openssl("verify", "-CAfile", crt, crt)


def test_dry_run_prints_the_plan_and_writes_nothing(cli, tmp_path, ca_p12):
    (tmp_path / "i.yml").write_text(INSTANCES)
    before = files_in(tmp_path)
    result = cli("cert", "--ca", ca_p12, "--in", tmp_path / "i.yml", "--out", tmp_path / "b.zip", "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["dry_run"] is True and plan["format"] == "pkcs12" and plan["layout"] == "zip"
    assert plan["ca"] == "CN=Elastic Certificate Tool Autogenerated CA"
    assert [c["files"] for c in plan["certificates"]] == [["es01/es01.p12"], ["es02/es02.p12"], ["es03/es03.p12"]]
    assert plan["certificates"][2]["subject"] == "CN=es03,OU=search"
    assert plan["certificates"][0]["names"]["ipAddress"] == ["127.0.0.1", "::1"]
    human = cli("cert", "--ca", ca_p12, "--in", tmp_path / "i.yml", "--pem", "--dry-run")
    assert "es03/es03.crt, es03/es03.key" in human.stdout and "nothing written" in human.stdout
    assert files_in(tmp_path) == before


@pytest.mark.parametrize("args, fragment", [
    (["--name", "es01", "--in", "x.yml"], "exactly one of --in"),
    (["--name", "es01", "--self-signed", "--ca", "x.p12"], "exactly one of --ca"),
    (["--name", "es01", "--ca-cert", "x.crt"], "go together"),
    (["--name", "es01", "--self-signed", "--keysize", "512"], "RSA key size 512"),
    (["--name", "es01", "--self-signed", "--jobs", "0"], "--jobs"),
    (["--name", "es01", "--self-signed", "--ip", "1.2.3.4.5"], "1.2.3.4.5"),
    (["--name", "ca", "--self-signed"], "'ca'"),
    (["--name", "es01", "--self-signed", "--pem", "--out", "one.p12"], "one keystore"),
    (["--name", "es01", "--self-signed", "--out", "k.p12"], "printable ASCII"),
])
def test_bad_cert_usage_is_one_line_and_writes_nothing(cli, tmp_path, monkeypatch, args, fragment):
    monkeypatch.chdir(tmp_path)
    result = cli("cert", *args, env={"CERTKIT_PASS": "caf\u00e9"} if "ASCII" in fragment else {})
    assert_one_line_error(result, fragment)
    assert files_in(tmp_path) == set()


def test_existing_output_is_refused_before_any_work(cli, tmp_path, ca_p12):
    out = tmp_path / "certificate-bundle.zip"
    out.write_bytes(b"keep")
    result = cli("cert", "--ca", ca_p12, "--name", "es01", "--out", out)
    assert_one_line_error(result, "already exists")
    assert out.read_bytes() == b"keep"
    assert cli("cert", "--ca", ca_p12, "--name", "es01", "--out", out, "--force").exit_code == 0
    assert zipfile.is_zipfile(out)


def _processes_mentioning(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_a_run_killed_half_way_leaves_nothing(tmp_path, signum):
    from certkit.plan.instances import dump_instances, make_instance

    instances = [make_instance(f"n{i}") for i in range(60)]
    (tmp_path / "i.yml").write_text(dump_instances(instances))
    out = tmp_path / f"killed-{signum.name}.zip"
    process = subprocess.Popen(
        [sys.executable, "-m", "certkit", "cert", "--self-signed", "--in", tmp_path / "i.yml", "--keysize", "4096",
         "--jobs", "2", "--out", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    # Wait until key generation is under way in the workers (the parent and its 2 workers).
    deadline = time.monotonic() + 300  # a hang guard: start-up takes a fraction of a second
    while len(_processes_mentioning(out.name)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    assert process.poll() is None, "the run finished before it could be interrupted"
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=300)
    if signum == signal.SIGTERM:
        assert process.returncode == 130
        assert "interrupted; nothing was written" in stderr.decode()
        assert "Traceback" not in stderr.decode()
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TMP_PREFIX)]
    # No orphaned worker keeps generating keys for a run that is over.
    deadline = time.monotonic() + 120
    while _processes_mentioning(out.name) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_mentioning(out.name) == []
