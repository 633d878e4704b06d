"""certkit instances: strict certutil-compatible validation, generation, safe YAML output."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from certkit.plan.instances import dump_instances, make_instance, parse_instances
from tests.conftest import assert_one_line_error

GOOD = """\
instances:
  - name: "es01"
    cn: ["es01.node.abc123.cluster.1053523734.account"]
    dns: ["es01.example.internal", "*.es01.example.internal"]
    ip: ["10.0.0.1", "2001:db8::1"]
  - name: "CN=es02,OU=search"
    filename: "es02"
    cn: "es02.node.abc123.cluster.1053523734.account"
"""


def write(tmp_path, text: str, name: str = "instances.yml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_accepts_a_certutil_file(cli, tmp_path):
    result = cli("instances", "check", write(tmp_path, GOOD))
    assert result.exit_code == 0, result.stderr
    assert "2 instances, valid" in result.stdout
    assert "warning" not in result.stderr


def test_check_json_lists_instances_with_defaults(cli, tmp_path):
    result = cli("instances", "check", write(tmp_path, GOOD), "--json")
    document = json.loads(result.stdout)
    assert document["instances"][0] == {
        "name": "es01", "filename": "es01",
        "cn": ["es01.node.abc123.cluster.1053523734.account"],
        "dns": ["es01.example.internal", "*.es01.example.internal"],
        "ip": ["10.0.0.1", "2001:db8::1"],
    }
    # A single string where certutil expects a list is accepted, as certutil's parser does.
    assert document["instances"][1]["cn"] == ["es02.node.abc123.cluster.1053523734.account"]
    assert document["warnings"] == []


def test_check_warns_about_non_cloud_cn_and_missing_cn(cli, tmp_path):
    text = 'instances:\n  - name: "a"\n    cn: ["node-a.example.com"]\n  - name: "b"\n'
    result = cli("instances", "check", write(tmp_path, text))
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert any("entry 1 (a)" in w and "Elastic Cloud convention" in w for w in warnings)
    assert any("entry 2 (b)" in w and "no cn" in w for w in warnings)


BAD_FILES = {
    "malformed YAML": ('instances:\n  - name: "a"\n   dns: [x\n', ["invalid YAML", "line"]),
    "unquoted * alias": ("instances:\n  - name: a\n    cn:\n      - *.node.x.cluster.y.account\n", ["alias", "quote"]),
    "not a list": ('instances:\n  name: "a"\n', ["must be a list"]),
    "empty list": ("instances: []\n", ["empty"]),
    "no instances key": ('nodes:\n  - name: "a"\n', ["unknown top-level key 'nodes'"]),
    "missing name": ('instances:\n  - dns: ["a.example"]\n', ["entry 1", "'name' is required"]),
    "duplicate names": ('instances:\n  - name: "a"\n  - name: "b"\n  - name: "a"\n', ["entry 3 (a)", "already used by entry 1"]),
    "name ca": ('instances:\n  - name: "ca"\n', ["entry 1 (ca)", "'ca' may not be used"]),
    "invalid IP": ('instances:\n  - name: "a"\n    ip: ["10.0.0.256"]\n', ["entry 1 (a)", "10.0.0.256"]),
    "IP network": ('instances:\n  - name: "a"\n    ip: ["10.0.0.0/8"]\n', ["entry 1 (a)", "network"]),
    "bad filename": ('instances:\n  - name: "a"\n    filename: "x/y"\n', ["entry 1 (a)", "filename 'x/y'"]),
    "hidden filename": ('instances:\n  - name: "a"\n    filename: ".a"\n', ["entry 1 (a)", "starts with '.'"]),
    "filename ca": ('instances:\n  - name: "a"\n    filename: "CA"\n', ["entry 1 (a)", "ca"]),
    "DN name defaults to a bad filename": ('instances:\n  - name: "CN=a/b"\n', ["defaulted from the name"]),
    "filenames collide ignoring case": ('instances:\n  - name: "Node1"\n  - name: "node1"\n', ["entry 2 (node1)", "collides"]),
    "unknown key": ('instances:\n  - name: "a"\n    hostname: "a.example"\n', ["entry 1 (a)", "unknown key 'hostname'"]),
    "bad DNS label": ('instances:\n  - name: "a"\n    dns: ["bad_host.example"]\n', ["entry 1 (a)", "bad_host"]),
    "wildcard not left-most": ('instances:\n  - name: "a"\n    dns: ["node*.example.com"]\n', ["left-most"]),
    "empty cn": ('instances:\n  - name: "a"\n    cn: [""]\n', ["entry 1 (a)", "cn value is empty"]),
    "cn a number": ('instances:\n  - name: "a"\n    cn: [12]\n', ["entry 1 (a)", "must be a string"]),
    "name a number": ("instances:\n  - name: 7\n", ["entry 1", "must be a string"]),
    "name too long for CN": (f'instances:\n  - name: "{"n" * 65}"\n', ["64"]),
    "not UTF-8": (None, ["not UTF-8"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_instances_file_is_one_line_exit_2(cli, tmp_path, case):
    text, fragments = BAD_FILES[case]
    path = tmp_path / "instances.yml"
    if text is None:
        path.write_bytes(b'instances:\n  - name: "caf\xe9"\n')
    else:
        path.write_text(text, encoding="utf-8")
    result = cli("instances", "check", path)
    assert_one_line_error(result, *fragments)
    assert result.stdout == ""


@pytest.mark.parametrize("scope_id", ["MyScope", "my-scope", "s" * 33])
def test_a_scope_cloud_cannot_trust_is_warned_about_when_planning(cli, files_for_scope_check, scope_id):
    """One rule for scope ids: what `cloud trust --scope-id` refuses, planning warns about, once."""
    instances = files_for_scope_check / "instances.yaml"
    planned = cli("instances", "generate", "--cluster-id", "c1", "--scope-id", scope_id, "--nodes", "3",
                  "--out", instances)
    assert planned.exit_code == 0, planned.stderr
    assert planned.stderr.count("warning:") == 1 and "trust these nodes only by listing" in planned.stderr
    assert "warning:" in cli("instances", "check", instances).stderr
    refused = cli("cloud", "trust", "--ca", files_for_scope_check / "ca.pem", "--name", "n",
                  "--scope-id", scope_id, "--trust-all")
    assert refused.exit_code == 2 and f"scope id {scope_id!r}" in refused.stderr


@pytest.fixture
def files_for_scope_check(tmp_path):
    from certkit.issue.ca import certificate_pem, create_ca

    (tmp_path / "ca.pem").write_bytes(certificate_pem(create_ca(key_type="ec").certificate))
    return tmp_path


def test_missing_file_is_one_line(cli, tmp_path):
    assert_one_line_error(cli("instances", "check", tmp_path / "nope.yml"), "does not exist")


def test_generate_writes_cloud_names_and_check_accepts_it(cli, tmp_path):
    out = tmp_path / "instances.yaml"
    result = cli("instances", "generate", "--cluster-id", "aaaabbbbaaaabbbb", "--scope-id", "1053523734",
                 "--node", "es01", "--node", "es02", "--dns-domain", "example.internal",
                 "--ip", "es01=10.0.0.1", "--ip", "es01=fd00::1", "--out", out)
    assert result.exit_code == 0, result.stderr
    document = yaml.safe_load(out.read_text())
    assert document["instances"] == [
        {"name": "es01", "cn": ["es01.node.aaaabbbbaaaabbbb.cluster.1053523734.account"],
         "dns": ["es01.example.internal"], "ip": ["10.0.0.1", "fd00::1"]},
        {"name": "es02", "cn": ["es02.node.aaaabbbbaaaabbbb.cluster.1053523734.account"],
         "dns": ["es02.example.internal"]},
    ]
    # Every string is quoted: the file survives editors and YAML's implicit typing.
    assert '- "es01.node.aaaabbbbaaaabbbb.cluster.1053523734.account"' in out.read_text()
    check = cli("instances", "check", out)
    assert check.exit_code == 0 and "warning" not in check.stderr


def test_generate_nodes_prefix_and_stdout(cli):
    result = cli("instances", "generate", "--cluster-id", "c1", "--scope-id", "s1", "--nodes", "3", "--prefix", "hot", "--out", "-")
    assert result.exit_code == 0
    names = [i["name"] for i in yaml.safe_load(result.stdout)["instances"]]
    assert names == ["hot1", "hot2", "hot3"]


def test_generate_from_csv_inventory(cli, tmp_path):
    inventory = tmp_path / "nodes.csv"
    inventory.write_text("name,dns,ip\n# comment\nes01,es01.a.example;es01.b.example,10.0.0.1\nes02,,10.0.0.2 10.0.0.3\n")
    result = cli("instances", "generate", "--cluster-id", "c1", "--scope-id", "s1", "--from-csv", inventory, "--out", "-")
    assert result.exit_code == 0, result.stderr
    entries = yaml.safe_load(result.stdout)["instances"]
    assert entries[0]["dns"] == ["es01.a.example", "es01.b.example"]
    assert entries[1]["ip"] == ["10.0.0.2", "10.0.0.3"]


@pytest.mark.parametrize("args, fragment", [
    (["--cluster-id", "a.b", "--scope-id", "s", "--node", "n"], "cluster id"),
    (["--cluster-id", "c", "--scope-id", "s", "--node", "n", "--ip", "m=10.0.0.1"], "'m'"),
    (["--cluster-id", "c", "--scope-id", "s", "--node", "n", "--ip", "n=300.1.1.1"], "300.1.1.1"),
    (["--cluster-id", "c", "--scope-id", "s", "--node", "n", "--node", "n"], "already used"),
    (["--cluster-id", "c", "--scope-id", "s"], "exactly one of"),
    (["--cluster-id", "c", "--scope-id", "s", "--node", "ca"], "'ca'"),
])
def test_generate_bad_input_writes_nothing(cli, tmp_path, args, fragment):
    out = tmp_path / "instances.yaml"
    assert_one_line_error(cli("instances", "generate", *args, "--out", out), fragment)
    assert not out.exists()


def test_generate_refuses_to_overwrite(cli, tmp_path):
    out = tmp_path / "instances.yaml"
    out.write_text("keep")
    assert_one_line_error(cli("instances", "generate", "--cluster-id", "c", "--scope-id", "s", "--node", "n", "--out", out),
                          "already exists")
    assert out.read_text() == "keep"


text_value = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(str.strip)


@settings(max_examples=60, deadline=None)
@given(st.lists(text_value, min_size=1, max_size=3))
def test_dump_round_trips_any_cn_values(cn_values):
    instance = make_instance("node1", cn=cn_values, dns=["*.example.com"], ip=["::1"])
    assert parse_instances(dump_instances([instance]), "dumped") == [instance]


def test_dump_escapes_unicode_line_separators():
    instance = make_instance("node1", cn=["a\u2028b\u2029c\ufeffd"])
    assert parse_instances(dump_instances([instance]), "dumped") == [instance]
