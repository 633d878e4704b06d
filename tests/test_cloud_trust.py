"""certkit cloud trust: every output is valid against the Elastic Cloud API definitions,
every rule of the API is enforced before any JSON is written, and a merge keeps the uid and
the old CA next to the new one (CA rotation)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from tests.conftest import assert_one_line_error, run_certkit
from tests.wiring_support import (
    NOW,
    REFERENCE_COPY,
    assert_valid,
    der,
    key_pem,
    make_ca,
    make_leaf,
    pem,
)

INSTANCES = """\
instances:
  - name: "node1"
    cn: ["node1.node.abc123.cluster.myscope.account"]
  - name: "node2"
    cn: ["node2.node.abc123.cluster.myscope.account"]
"""


@pytest.fixture(scope="module")
def cas():
    """Two CAs (old and new, for rotation) and a node certificate (not a CA)."""
    old_cert, old_key = make_ca("Old Self-managed CA")
    new_cert, _ = make_ca("New Self-managed CA")
    leaf, _ = make_leaf(old_cert, old_key, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "node1")]))
    return {"old": (old_cert, old_key), "new": new_cert, "leaf": leaf}


@pytest.fixture
def files(tmp_path, cas):
    paths = {
        "old": tmp_path / "old-ca.crt",
        "new": tmp_path / "new-ca.crt",
        "leaf": tmp_path / "node1.crt",
        "instances": tmp_path / "instances.yml",
    }
    paths["old"].write_bytes(pem(cas["old"][0]))
    paths["new"].write_bytes(pem(cas["new"]))
    paths["leaf"].write_bytes(pem(cas["leaf"]))
    paths["instances"].write_text(INSTANCES)
    return paths


def trust_json(cli, *args) -> dict:
    result = cli("cloud", "trust", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- the shipped definitions


@pytest.mark.parametrize("name, wanted", [
    ("cloud-trust-definitions.json", ("ElasticsearchClusterTrustSettings", "DirectTrustRelationship",
                                      "AccountTrustRelationship", "ExternalTrustRelationship")),
    ("cluster.put_settings.json", ("cluster.put_settings",)),
    ("security.create_cross_cluster_api_key.json", ("security.create_cross_cluster_api_key",)),
])
def test_shipped_definitions_hold_what_the_tests_validate_against(name, wanted):
    """tests/data/reference is the only copy the tests use (README there says where it comes from)."""
    document = json.loads((REFERENCE_COPY / name).read_text())
    keys = document.get("definitions", document)
    assert set(wanted) <= set(keys), sorted(keys)


def test_the_docs_example_is_refused_by_json_and_valid_once_fixed():
    """The validator itself is sound: the docs' example (minus its trailing comma) passes."""
    fixed = {
        "accounts": [{"account_id": "ec38dd0aa45f4a69909ca5c81c27138a", "trust_all": True}],
        "direct": [{
            "type": "generic", "name": "My Self-managed environment",
            "additional_node_names": ["node1.example", "node2.example", "node3.example"],
            "certificates": [{"pem": "-----BEGIN CERTIFICATE-----\nMIIDTzCCA...H0=\n-----END CERTIFICATE-----"}],
            "trust_all": False,
        }],
    }
    assert_valid(fixed, "ElasticsearchClusterTrustSettings")
    with pytest.raises(AssertionError):
        assert_valid({"direct": [{"name": "x", "certificates": []}]}, "ElasticsearchClusterTrustSettings")


# --------------------------------------------------------------------------- each mode is valid


def test_node_names_from_an_instances_file(cli, files, cas):
    result = cli("cloud", "trust", "--ca", files["old"], "--name", "Self-managed", "--instances", files["instances"])
    assert result.exit_code == 0, result.stderr
    entry = json.loads(result.stdout)
    assert_valid(entry, "DirectTrustRelationship")
    assert entry == {
        "type": "generic",
        "name": "Self-managed",
        "trust_all": False,
        "additional_node_names": ["node1.node.abc123.cluster.myscope.account",
                                  "node2.node.abc123.cluster.myscope.account"],
        "certificates": [{"pem": pem(cas["old"][0]).decode().rstrip("\n")}],
    }
    # The names follow the Cloud convention: certkit says a scope would need no upkeep.
    assert "--scope-id myscope --trust-allowlist abc123" in result.stderr


def test_node_names_given_one_by_one_are_deduplicated(cli, files):
    entry = trust_json(cli, "--ca", files["old"], "--name", "dc1", "--node-name", "es1.dc1.example",
                       "--node-name", "es2.dc1.example", "--node-name", "es1.dc1.example")
    assert_valid(entry, "DirectTrustRelationship")
    assert entry["additional_node_names"] == ["es1.dc1.example", "es2.dc1.example"]
    assert "scope_id" not in entry


def test_scope_with_trust_all(cli, files):
    entry = trust_json(cli, "--ca", files["old"], "--name", "org", "--scope-id", "83988631", "--trust-all")
    assert_valid(entry, "DirectTrustRelationship")
    assert entry["scope_id"] == "83988631" and entry["trust_all"] is True
    assert "trust_allowlist" not in entry and "additional_node_names" not in entry


def test_scope_with_an_allowlist_and_extra_node_names(cli, files):
    entry = trust_json(cli, "--ca", files["old"], "--name", "two", "--scope-id", "1053523734",
                       "--trust-allowlist", "aaaabbbbaaaabbbb", "--trust-allowlist", "xxxxyyyyxxxxyyyy",
                       "--node-name", "legacy1.example")
    assert_valid(entry, "DirectTrustRelationship")
    assert entry["trust_all"] is False
    assert entry["trust_allowlist"] == ["aaaabbbbaaaabbbb", "xxxxyyyyxxxxyyyy"]
    assert entry["additional_node_names"] == ["legacy1.example"]


def test_scope_id_of_32_characters_is_the_maximum(cli, files):
    entry = trust_json(cli, "--ca", files["old"], "--name", "n", "--scope-id", "a" * 32, "--trust-all")
    assert entry["scope_id"] == "a" * 32


@pytest.mark.parametrize("trust_type", ["ECE", "ESS"])
def test_ece_and_ess_types(cli, files, trust_type):
    entry = trust_json(cli, "--ca", files["old"], "--name", "env", "--type", trust_type,
                       "--scope-id", "env1", "--trust-all")
    assert_valid(entry, "DirectTrustRelationship")
    assert entry["type"] == trust_type


def test_proxy_type_carries_only_name_and_certificates(cli, files):
    entry = trust_json(cli, "--ca", files["old"], "--name", "proxy", "--type", "proxy")
    assert_valid(entry, "DirectTrustRelationship")
    assert set(entry) == {"type", "name", "trust_all", "certificates"}
    assert entry["trust_all"] is False


def test_payload_is_a_whole_trust_object(cli, files):
    document = trust_json(cli, "--ca", files["old"], "--name", "org", "--scope-id", "s1", "--trust-all", "--payload")
    assert list(document) == ["trust"]
    assert_valid(document["trust"], "ElasticsearchClusterTrustSettings")
    assert document["trust"]["accounts"] == [] and document["trust"]["external"] == []
    assert [d["name"] for d in document["trust"]["direct"]] == ["org"]


def test_out_writes_the_same_json_atomically(cli, files, tmp_path):
    out = tmp_path / "trust.json"
    result = cli("cloud", "trust", "--ca", files["old"], "--name", "n", "--node-name", "a.example", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert_valid(json.loads(out.read_text()), "DirectTrustRelationship")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".certkit-tmp-")]


# --------------------------------------------------------------------------- the PEM text


def test_pem_is_clean_and_openssl_reads_the_same_certificate(cli, files, tmp_path, cas, openssl):
    """CRLF line ends, Bag Attributes and a DER input all become the same clean PEM."""
    ca = cas["old"][0]
    messy = tmp_path / "messy.pem"
    messy.write_bytes(b"Bag Attributes\r\n    friendlyName: ca\r\nsubject=/CN=Old\r\n"
                      + pem(ca).replace(b"\n", b"\r\n"))
    der_file = tmp_path / "ca.der"
    der_file.write_bytes(der(ca))
    pems = {trust_json(cli, "--ca", source, "--name", "n", "--node-name", "a.example")["certificates"][0]["pem"]
            for source in (files["old"], messy, der_file)}
    assert len(pems) == 1
    (text,) = pems
    assert "\r" not in text and "Bag Attributes" not in text
    assert text.startswith("-----BEGIN CERTIFICATE-----\n") and text.endswith("\n-----END CERTIFICATE-----")
    roundtrip = tmp_path / "roundtrip.pem"
    roundtrip.write_text(text + "\n")
    fingerprint = openssl("x509", "-in", roundtrip, "-noout", "-fingerprint", "-sha256").stdout
    original = openssl("x509", "-in", der_file, "-inform", "DER", "-noout", "-fingerprint", "-sha256").stdout
    assert fingerprint == original


def test_every_certificate_of_a_bundle_and_duplicates_once(cli, files, tmp_path, cas):
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(pem(cas["old"][0]) + pem(cas["new"]))
    result = cli("cloud", "trust", "--ca", bundle, "--ca", files["new"], "--name", "n", "--node-name", "a.example")
    assert result.exit_code == 0
    entry = json.loads(result.stdout)
    assert len(entry["certificates"]) == 2
    assert "listed once" in result.stderr


def test_a_private_key_in_the_ca_file_is_not_copied(cli, tmp_path, cas):
    ca_cert, ca_key = cas["old"]
    combined = tmp_path / "ca-with-key.pem"
    combined.write_bytes(key_pem(ca_key) + pem(ca_cert))
    result = cli("cloud", "trust", "--ca", combined, "--name", "n", "--node-name", "a.example")
    assert result.exit_code == 0
    assert "PRIVATE KEY" not in result.stdout
    assert "private key" in result.stderr


def test_an_expired_ca_is_a_warning(cli, tmp_path):
    import datetime as dt

    expired, _ = make_ca("Expired CA", not_after=NOW - dt.timedelta(days=1))
    path = tmp_path / "expired.crt"
    path.write_bytes(pem(expired))
    result = cli("cloud", "trust", "--ca", path, "--name", "n", "--node-name", "a.example")
    assert result.exit_code == 0
    assert "expired" in result.stderr


# --------------------------------------------------------------------------- refused before writing


REFUSED = [
    (["--node-name", "node*.example"], "pattern"),
    (["--node-name", "node?.example"], "pattern"),
    (["--node-name", "/node.*/"], "pattern"),
    (["--node-name", "has space"], "white space"),
    (["--trust-all"], "needs --scope-id"),
    (["--trust-allowlist", "abc"], "needs --scope-id"),
    (["--scope-id", "MyScope", "--trust-all"], "upper-case"),
    (["--scope-id", "a" * 33, "--trust-all"], "longer than 32"),
    (["--scope-id", "my-scope", "--trust-all"], "lower-case letters and digits"),
    (["--scope-id", "s1"], "trusts no cluster"),
    (["--scope-id", "s1", "--trust-all", "--trust-allowlist", "c1"], "exclude each other"),
    (["--scope-id", "s1", "--trust-allowlist", "c1.x"], "no dots"),
    ([], "say which nodes to trust"),
    (["--type", "proxy", "--scope-id", "s1"], "type proxy"),
    (["--type", "proxy", "--node-name", "a.example"], "type proxy"),
    (["--type", "ece", "--scope-id", "s1", "--trust-all"], "unknown trust type"),
    (["--node-name", "a.example", "--replace-certificates"], "--merge"),
]


@pytest.mark.parametrize(("args", "fragment"), REFUSED, ids=[" ".join(a) or "nothing" for a, _ in REFUSED])
def test_refused_with_one_line_and_nothing_written(cli, files, tmp_path, args, fragment):
    out = tmp_path / "trust.json"
    result = cli("cloud", "trust", "--ca", files["old"], "--name", "n", *args, "--out", out)
    assert_one_line_error(result, fragment)
    assert result.stdout == ""
    assert not out.exists()


def test_lower_case_type_gets_a_hint(cli, files):
    result = cli("cloud", "trust", "--ca", files["old"], "--name", "n", "--type", "ece")
    assert "hint: did you mean 'ECE'" in result.stderr


def test_a_node_certificate_is_not_a_ca(cli, files):
    result = cli("cloud", "trust", "--ca", files["leaf"], "--name", "n", "--node-name", "a.example")
    assert_one_line_error(result, "not a CA certificate", "node1.crt")


@pytest.mark.parametrize(("content", "fragment"), [
    (b"hello\n", "neither a PEM nor a DER"),
    (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "no PEM certificate"),
    (b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n", "cannot be parsed"),
])
def test_unreadable_ca_files(cli, tmp_path, content, fragment):
    path = tmp_path / "bad.pem"
    path.write_bytes(content)
    assert_one_line_error(cli("cloud", "trust", "--ca", path, "--name", "n", "--node-name", "a.example"), fragment)


def test_missing_ca_file_and_missing_ca_option(cli, tmp_path):
    assert_one_line_error(cli("cloud", "trust", "--ca", tmp_path / "nope.pem", "--name", "n", "--node-name", "a"),
                          "does not exist")
    assert_one_line_error(cli("cloud", "trust", "--name", "n", "--node-name", "a"), "--ca")


def test_an_instance_without_cn_is_refused(cli, files, tmp_path):
    instances = tmp_path / "no-cn.yml"
    instances.write_text('instances:\n  - name: "node1"\n    dns: ["node1.example"]\n')
    assert_one_line_error(cli("cloud", "trust", "--ca", files["old"], "--name", "n", "--instances", instances),
                          "node1", "no cn value")


def test_existing_out_needs_force(cli, files, tmp_path):
    out = tmp_path / "trust.json"
    out.write_text("keep me")
    result = cli("cloud", "trust", "--ca", files["old"], "--name", "n", "--node-name", "a.example", "--out", out)
    assert_one_line_error(result, "already exists")
    assert out.read_text() == "keep me"
    result = cli("cloud", "trust", "--ca", files["old"], "--name", "n", "--node-name", "a.example",
                 "--out", out, "--force")
    assert result.exit_code == 0
    assert json.loads(out.read_text())["name"] == "n"


def test_as_a_real_process(files):
    result = run_certkit("cloud", "trust", "--ca", files["old"], "--name", "n", "--scope-id", "s1", "--trust-all")
    assert result.exit_code == 0, result.stderr
    assert_valid(json.loads(result.stdout), "DirectTrustRelationship")
    bad = run_certkit("cloud", "trust", "--ca", files["old"], "--name", "n", "--node-name", "*.example")
    assert_one_line_error(bad, "pattern")


# --------------------------------------------------------------------------- merge (CA rotation)


def _existing(old_pem: str) -> dict:
    """A trust object as the API returns it: uid, read-only metadata, other entries."""
    return {
        "accounts": [{"account_id": "ec38dd0aa45f4a69909ca5c81c27138a", "trust_all": True}],
        "external": [{"trust_relationship_id": "ext-1", "trust_all": False, "trust_allowlist": ["c9"],
                      "name": "ignored on write"}],
        "direct": [
            {"uid": "uid-other", "type": "generic", "name": "other", "trust_all": False,
             "additional_node_names": ["x.example"], "certificates": [{"pem": old_pem}]},
            {"uid": "uid-self", "type": "generic", "name": "Self-managed", "trust_all": False,
             "additional_node_names": ["old.example"],
             # Cloud may hand the PEM back wrapped differently: compared by DER, not by text.
             "certificates": [{"pem": old_pem.replace("\n", "\r\n") + "\n",
                               "metadata": {"fingerprint": "ab:cd", "valid_from": "2024-01-01T00:00:00Z",
                                            "valid_to": "2027-01-01T00:00:00Z"}}]},
        ],
    }


def test_merge_keeps_uid_and_old_certificate_next_to_the_new(cli, files, tmp_path, cas):
    old_pem = pem(cas["old"][0]).decode()
    existing = _existing(old_pem)
    path = tmp_path / "existing.json"
    path.write_text(json.dumps(existing))
    result = cli("cloud", "trust", "--ca", files["new"], "--name", "Self-managed",
                 "--node-name", "new1.example", "--merge", path)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    trust = document["trust"]
    assert_valid(trust, "ElasticsearchClusterTrustSettings")
    assert trust["accounts"] == existing["accounts"] and trust["external"] == existing["external"]
    assert trust["direct"][0] == existing["direct"][0]
    updated = trust["direct"][1]
    assert updated["uid"] == "uid-self"
    assert updated["additional_node_names"] == ["new1.example"]
    pems = [c["pem"] for c in updated["certificates"]]
    assert [x509.load_pem_x509_certificate(p.encode()) for p in pems] == [cas["old"][0], cas["new"]]
    assert "uid kept" in result.stderr and "1 kept, 1 added" in result.stderr


def test_merge_with_the_same_ca_adds_nothing(cli, files, tmp_path, cas):
    path = tmp_path / "existing.json"
    path.write_text(json.dumps(_existing(pem(cas["old"][0]).decode())))
    document = trust_json(cli, "--ca", files["old"], "--name", "Self-managed", "--node-name", "a.example",
                          "--merge", path)
    assert len(document["trust"]["direct"][1]["certificates"]) == 1


def test_replace_certificates_ends_the_rotation(cli, files, tmp_path, cas):
    path = tmp_path / "existing.json"
    path.write_text(json.dumps(_existing(pem(cas["old"][0]).decode())))
    result = cli("cloud", "trust", "--ca", files["new"], "--name", "Self-managed", "--node-name", "a.example",
                 "--merge", path, "--replace-certificates")
    assert result.exit_code == 0, result.stderr
    updated = json.loads(result.stdout)["trust"]["direct"][1]
    assert [c["pem"] for c in updated["certificates"]] == [pem(cas["new"]).decode().rstrip("\n")]
    assert updated["uid"] == "uid-self"
    assert "1 dropped" in result.stderr


def test_merge_adds_a_new_entry_and_accepts_the_wrapped_and_deployment_forms(cli, files, tmp_path, cas):
    existing = _existing(pem(cas["old"][0]).decode())
    forms = {
        "bare": existing,
        "wrapped": {"trust": existing},
        "deployment": {"id": "d1", "resources": {"elasticsearch": [
            {"ref_id": "main-elasticsearch", "info": {"settings": {"trust": existing}}}]}},
    }
    for label, form in forms.items():
        path = tmp_path / f"{label}.json"
        path.write_text(json.dumps(form))
        trust = trust_json(cli, "--ca", files["new"], "--name", "brand new", "--scope-id", "s1", "--trust-all",
                           "--merge", path)["trust"]
        assert_valid(trust, "ElasticsearchClusterTrustSettings")
        assert [d["name"] for d in trust["direct"]] == ["other", "Self-managed", "brand new"], label
        assert "uid" not in trust["direct"][2]


def test_merge_into_an_empty_trust_object(cli, files, tmp_path):
    path = tmp_path / "empty.json"
    path.write_text("{}")
    trust = trust_json(cli, "--ca", files["new"], "--name", "n", "--node-name", "a.example", "--merge", path)["trust"]
    assert_valid(trust, "ElasticsearchClusterTrustSettings")
    assert len(trust["direct"]) == 1


@pytest.mark.parametrize(("content", "fragment"), [
    ('{"direct": [{"name": "a", "certificates": [],}]}', "trailing comma"),
    ("[]", "JSON object"),
    ('{"direct": {"name": "a"}}', "trust.direct must be a list"),
    ('{"direct": [{"name": "a"}, {"name": "a"}]}', "two direct trust entries"),
    ('{"direct": [{"trust_all": true}]}', "has no name"),
    ('{"direct": [{"name": "n", "certificates": [{"pem": "garbage"}]}]}', "not a PEM certificate"),
    ('{"settings": {"other": 1}}', "no trust settings found"),
    (b"\xff\xfe{}", "not UTF-8"),
])
def test_merge_refuses_broken_existing_documents(cli, files, tmp_path, content, fragment):
    path = tmp_path / "existing.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "out.json"
    result = cli("cloud", "trust", "--ca", files["new"], "--name", "n", "--node-name", "a.example",
                 "--merge", path, "--out", out)
    assert_one_line_error(result, fragment)
    assert not out.exists()


def test_merge_file_missing(cli, files, tmp_path):
    assert_one_line_error(cli("cloud", "trust", "--ca", files["new"], "--name", "n", "--node-name", "a",
                              "--merge", tmp_path / "nope.json"), "does not exist")


# --------------------------------------------------------------------------- the library API


def test_library_refuses_what_the_api_refuses(files):
    from certkit.errors import CertkitError
    from certkit.wire import cloud

    cas = cloud.load_ca_certificates([files["old"]])
    entry = cloud.build_direct_trust(name="lib", certificates=cas, scope_id="s1", trust_allowlist=["c1", "c1"])
    assert entry.trust_allowlist == ("c1",)
    assert_valid(entry.to_json(), "DirectTrustRelationship")
    with pytest.raises(CertkitError, match="pattern"):
        cloud.build_direct_trust(name="lib", certificates=cas, node_names=["*"])
    with pytest.raises(CertkitError, match="needs scope_id"):
        cloud.build_direct_trust(name="lib", certificates=cas, trust_all=True)


def test_merge_result_is_plain_json_and_the_input_is_untouched(files, cas):
    from certkit.wire import cloud
    existing = _existing(pem(cas["old"][0]).decode())
    snapshot = json.dumps(existing, sort_keys=True)
    entry = cloud.build_direct_trust(name="Self-managed", certificates=cloud.load_ca_certificates([files["new"]]),
                                     node_names=["a.example"])
    result = cloud.merge_direct_trust(existing, entry)
    assert json.dumps(existing, sort_keys=True) == snapshot
    assert result.replaced and json.loads(json.dumps(result.trust)) == result.trust


def test_readme_reference_text_still_names_the_rules():
    """docs/reference.md §7 restates the API; if the shipped definitions change these words, re-read it."""
    definition = json.loads((REFERENCE_COPY / "cloud-trust-definitions.json").read_text())["definitions"]
    direct = definition["DirectTrustRelationship"]
    assert direct["required"] == ["certificates", "name", "trust_all"]
    assert direct["properties"]["type"]["enum"] == ["ECE", "ESS", "generic", "proxy"]
    assert "Wildcards are not allowed" in direct["properties"]["additional_node_names"]["description"]
    assert "max 32" in direct["properties"]["scope_id"]["description"]


def test_module_path_of_the_copy_is_inside_the_repository():
    assert Path(REFERENCE_COPY).is_dir()
