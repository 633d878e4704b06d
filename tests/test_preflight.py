"""certkit preflight on the Elastic guide's scenario, and each single fault failing exactly its check.

The local cluster: three nodes planned in an instances file and issued by `certkit ca` /
`certkit cert` (PEM, so that a key can be swapped); its trust file holds the patterns of
docs/reference.md §4 plus the Cloud cluster's; the Cloud side: a CA and a node made here,
and the trust JSON `certkit cloud trust --payload` writes for the local cluster.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import xml.etree.ElementTree as ElementTree

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import assert_one_line_error
from tests.wiring_support import key_pem, make_ca, pem

LOCAL = "{}.node.aaaabbbbaaaabbbb.cluster.1053523734.account"
CLOUD_NODE = "instance-0000000001.node.ccccddddccccdddd.cluster.83988631.account"
CLOUD_HOST = "*.europe-west1.gcp.cloud.es.io"
SERVER_NAME = "my-deployment.europe-west1.gcp.cloud.es.io"
TRUST = """trust.subject_name:
  - "*.node.aaaabbbbaaaabbbb.cluster.1053523734.account"
  - "*.node.*.cluster.83988631.account"
  - "node*.example.internal"
  - "*.node.ccccddddccccdddd.cluster.83988631.account"
"""
INSTANCES = "instances:\n" + "".join(
    f'  - name: "es0{i}"\n    cn: ["{LOCAL.format(f"es0{i}")}"]\n    dns: ["node{i}.example.internal"]\n'
    for i in (1, 2, 3))
CHECKS = ["settings", "files", "key", "names", "expiry", "chain-out", "chain-in", "admitted-out", "admitted-in",
          "outsider-out", "outsider-in", "server-name"]


def _other_name(value: str) -> x509.OtherName:
    encoded = value.encode("utf-8")
    return x509.OtherName(x509.ObjectIdentifier("2.5.4.3"), b"\x0c" + bytes([len(encoded)]) + encoded)


def _node_certificate(ca, ca_key, other_name: str, dns: list[str], *, key=None, expired: bool = False):
    """A node certificate; ``expired``: valid from the CA's start until a minute ago (the
    CA was made in this test: cryptography back-dates, openssl 3.0 cannot)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    start, end = (ca.not_valid_before_utc, now - dt.timedelta(minutes=1)) if expired else (
        now - dt.timedelta(days=1), now + dt.timedelta(days=365))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, other_name.split(".")[0])]))
        .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([_other_name(other_name), *map(x509.DNSName, dns)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return certificate, key


def _issue(cli, folder, instances_text: str, ca_out):
    (folder / "issued.yml").write_text(instances_text)
    if not ca_out.exists():
        assert cli("ca", "--pem", "--out", ca_out).exit_code == 0
    result = cli("cert", "--ca-cert", ca_out / "ca" / "ca.crt", "--ca-key", ca_out / "ca" / "ca.key",
                 "--in", folder / "issued.yml", "--pem", "--key-type", "ec", "--out", folder / "bundle", "--force")
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def scenario(cli, tmp_path):
    (tmp_path / "instances.yml").write_text(INSTANCES)
    (tmp_path / "trust.yml").write_text(TRUST)
    _issue(cli, tmp_path, INSTANCES, tmp_path / "ca")
    cloud_ca, cloud_key = make_ca("Cloud deployment CA", days=3650)
    (tmp_path / "cloud-ca.crt").write_bytes(pem(cloud_ca))
    cloud_node, _key = _node_certificate(cloud_ca, cloud_key, CLOUD_NODE, [CLOUD_HOST])
    (tmp_path / "cloud-node.crt").write_bytes(pem(cloud_node))
    result = cli("cloud", "trust", "--ca", tmp_path / "ca" / "ca" / "ca.crt", "--name", "dc1 self-managed",
                 "--scope-id", "1053523734", "--trust-allowlist", "aaaabbbbaaaabbbb", "--payload",
                 "--out", tmp_path / "cloud-trust.json")
    assert result.exit_code == 0, result.stderr
    (tmp_path / "cloud-ca.key").write_bytes(key_pem(cloud_key))
    return tmp_path


def _preflight(cli, folder, *extra):
    return cli("preflight", "--in", folder / "instances.yml", "--bundle", folder / "bundle",
               "--ca", folder / "cloud-ca.crt", "--restrictions", folder / "trust.yml",
               "--remote-ca", folder / "cloud-ca.crt", "--cloud-trust", folder / "cloud-trust.json",
               "--remote-cert", folder / "cloud-node.crt", "--server-name", SERVER_NAME, *extra)


def _statuses(result) -> dict[str, str]:
    document = json.loads(result.stdout)
    return {check["id"]: check["status"] for check in document["checks"]}


def test_the_guide_scenario_passes_every_check(cli, scenario):
    result = _preflight(cli, scenario, "--json")
    assert result.exit_code == 0, result.stdout
    assert _statuses(result) == dict.fromkeys(CHECKS, "ok")
    human = _preflight(cli, scenario)
    assert human.exit_code == 0
    assert [line.split()[0] for line in human.stdout.splitlines()] == ["ok"] * len(CHECKS)


def _only_failure(cli, folder, check_id: str, *extra):
    result = _preflight(cli, folder, "--json", *extra)
    assert result.exit_code == 1, result.stdout + result.stderr
    statuses = _statuses(result)
    assert {key for key, status in statuses.items() if status != "ok"} == {check_id}, statuses
    assert statuses[check_id] == "FAIL"
    return next(c for c in json.loads(result.stdout)["checks"] if c["id"] == check_id)


def test_nodes_signed_by_another_ca_fail_the_chain_to_the_cloud_ca(cli, scenario):
    shutil.rmtree(scenario / "bundle")
    _issue(cli, scenario, INSTANCES, scenario / "other-ca")
    shutil.copy(scenario / "ca" / "ca" / "ca.crt", scenario / "bundle" / "ca" / "ca.crt")  # we trust our own CA still
    check = _only_failure(cli, scenario, "chain-out")
    assert "es01" in check["reason"] and check["fix"]


def test_a_node_issued_without_its_othername_fails_the_names_check(cli, scenario):
    without = INSTANCES.replace(f'    cn: ["{LOCAL.format("es02")}"]\n', "")
    _issue(cli, scenario, without, scenario / "ca")
    check = _only_failure(cli, scenario, "names")
    assert "es02: otherName names missing" in check["reason"]


def test_an_expired_node_fails_the_expiry_check(cli, scenario):
    ca = x509.load_pem_x509_certificate((scenario / "ca" / "ca" / "ca.crt").read_bytes())
    ca_key = serialization.load_pem_private_key((scenario / "ca" / "ca" / "ca.key").read_bytes(), None)
    node_key = serialization.load_pem_private_key((scenario / "bundle" / "es03" / "es03.key").read_bytes(), None)
    expired, _key = _node_certificate(ca, ca_key, LOCAL.format("es03"), ["node3.example.internal"], key=node_key,
                                      expired=True)
    (scenario / "bundle" / "es03" / "es03.crt").write_bytes(pem(expired))
    check = _only_failure(cli, scenario, "expiry")
    assert "es03's certificate expired" in check["reason"]


def test_a_remote_node_our_restrictions_do_not_admit_fails_admitted_in(cli, scenario):
    cloud_ca = x509.load_pem_x509_certificate((scenario / "cloud-ca.crt").read_bytes())
    cloud_key = serialization.load_pem_private_key((scenario / "cloud-ca.key").read_bytes(), None)
    stranger, _key = _node_certificate(cloud_ca, cloud_key, "instance-1.node.eeeeffffeeeeffff.cluster.424242.account",
                                       [CLOUD_HOST])
    (scenario / "cloud-node.crt").write_bytes(pem(stranger))
    check = _only_failure(cli, scenario, "admitted-in")
    assert "does not match the trusted names" in check["reason"]


def test_a_key_that_does_not_match_fails_the_key_check(cli, scenario):
    shutil.copy(scenario / "bundle" / "es02" / "es02.key", scenario / "bundle" / "es01" / "es01.key")
    check = _only_failure(cli, scenario, "key")
    assert check["reason"].startswith("es01: the key does not belong to the certificate")


def test_junit_report_parses_as_junit(cli, scenario):
    shutil.copy(scenario / "bundle" / "es02" / "es02.key", scenario / "bundle" / "es01" / "es01.key")
    report = scenario / "preflight.xml"
    result = _preflight(cli, scenario, "--junit", report)
    assert result.exit_code == 1
    suite = ElementTree.parse(report).getroot()
    assert suite.tag == "testsuite" and suite.get("tests") == str(len(CHECKS)) and suite.get("failures") == "1"
    cases = suite.findall("testcase")
    assert [case.get("name") for case in cases] == CHECKS
    failed = [case.get("name") for case in cases if case.find("failure") is not None]
    assert failed == ["key"]
    assert "does not belong" in cases[CHECKS.index("key")].find("failure").get("message")


def test_a_bad_settings_file_fails_the_settings_check_in_elasticsearch_words(cli, scenario):
    config = scenario / "bundle"
    (config / "elasticsearch.yml").write_text(
        "node.name: es01\n"
        "xpack.security.transport.ssl:\n  enabled: true\n  certificate: es01/es01.crt\n  key: es01/es01.key\n"
        f"  certificate_authorities: [ca/ca.crt, {scenario / 'cloud-ca.crt'}]\n  truststore.path: t.p12\n"
        f"  trust_restrictions.path: {scenario / 'trust.yml'}\n")
    result = cli("preflight", "--settings", config / "elasticsearch.yml", "--in", scenario / "instances.yml",
                 "--remote-ca", scenario / "cloud-ca.crt", "--json")
    assert result.exit_code == 1
    settings = next(c for c in json.loads(result.stdout)["checks"] if c["id"] == "settings")
    assert settings["status"] == "FAIL"
    assert "cannot specify both [xpack.security.transport.ssl.certificate_authorities] and " \
           "[xpack.security.transport.ssl.truststore.path]" in settings["reason"]


@pytest.mark.parametrize(("args", "fragment"), [
    ([], "give the local nodes"),
    (["--bundle", "."], "--bundle needs the plan"),
    (["--settings", "x.yml", "--expires-within", "soon"], "is not a number followed by d, h or w"),
])
def test_bad_input_is_one_line(cli, args, fragment):
    assert_one_line_error(cli("preflight", *args), fragment)


def test_relative_paths_resolve_from_the_working_folder(cli, scenario, monkeypatch):
    monkeypatch.chdir(scenario)
    result = cli("preflight", "--in", "instances.yml", "--bundle", "bundle", "--ca", "cloud-ca.crt",
                 "--restrictions", "trust.yml", "--remote-ca", "cloud-ca.crt", "--cloud-trust", "cloud-trust.json",
                 "--remote-cert", "cloud-node.crt", "--server-name", SERVER_NAME, "--json")
    assert result.exit_code == 0, result.stdout
    assert _statuses(result) == dict.fromkeys(CHECKS, "ok")


def test_pkcs12_nodes_open_with_the_password_and_fail_files_without_it(cli, scenario):
    (scenario / "pass").write_text("node-pass\n")
    (scenario / "pass").chmod(0o600)
    result = cli("cert", "--ca-cert", scenario / "ca" / "ca" / "ca.crt", "--ca-key", scenario / "ca" / "ca" / "ca.key",
                 "--in", scenario / "instances.yml", "--pass-file", scenario / "pass", "--out", scenario / "bundle",
                 "--force")
    assert result.exit_code == 0, result.stderr
    assert (scenario / "bundle" / "es01" / "es01.p12").is_file()
    with_password = _preflight(cli, scenario, "--json", "--pass-file", scenario / "pass")
    assert with_password.exit_code == 0, with_password.stdout
    assert _statuses(with_password) == dict.fromkeys(CHECKS, "ok")
    check = _only_failure(cli, scenario, "files")
    assert "es01: keystore.path es01/es01.p12" in check["reason"]


def test_soon_to_expire_is_a_warning_and_exits_0(cli, scenario):
    # certkit cert issues for 1095 days: within 1200 days every node expires
    result = _preflight(cli, scenario, "--json", "--expires-within", "1200d")
    assert result.exit_code == 0, result.stdout
    statuses = _statuses(result)
    assert statuses["expiry"] == "warning"
    assert {key for key, status in statuses.items() if status != "ok"} == {"expiry"}
    human = _preflight(cli, scenario, "--expires-within", "1200d")
    assert human.exit_code == 0
    assert any(line.startswith("warning") and "es01's certificate expires on" in line
               for line in human.stdout.splitlines())


def test_at_a_later_time_the_nodes_have_expired(cli, scenario):
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    check = _only_failure(cli, scenario, "expiry", "--at", later)
    assert "es01's certificate expired" in check["reason"]


def test_the_settings_wire_yml_writes_pass_preflight(cli, scenario):
    """Both halves together: `wire yml` for es01, then `preflight --settings` on that file."""
    config = scenario / "bundle"
    shutil.copy(scenario / "trust.yml", config / "trust.yml")
    shutil.copy(scenario / "cloud-ca.crt", config / "cloud-ca.crt")
    yml = config / "elasticsearch.yml"
    written = cli("wire", "yml", "--config-dir", config, "--cert", "es01/es01.crt", "--key", "es01/es01.key",
                  "--ca", "ca/ca.crt", "--ca", "cloud-ca.crt", "--restrictions", "trust.yml", "--out", yml)
    assert written.exit_code == 0, written.stderr
    yml.write_text("node.name: es01\n" + yml.read_text())
    result = cli("preflight", "--settings", yml, "--in", scenario / "instances.yml",
                 "--remote-ca", scenario / "cloud-ca.crt", "--cloud-trust", scenario / "cloud-trust.json",
                 "--remote-cert", scenario / "cloud-node.crt", "--server-name", SERVER_NAME, "--json")
    assert result.exit_code == 0, result.stdout
    assert _statuses(result) == dict.fromkeys(CHECKS, "ok")
