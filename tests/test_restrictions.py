"""restrictions: load as Elasticsearch, write, generate, and check certificates (files, bundles, live endpoints)."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID
from hypothesis import given, settings
from hypothesis import strategies as st

from certkit.audit.trust_file import load_restrictions, parse_restrictions, render_restrictions
from certkit.errors import InputError
from certkit.jdk.pkix import verify_chain
from certkit.patterns.language import PatternError, parse_pattern
from tests.conftest import assert_one_line_error
from tests.restrictions_support import (
    NOW,
    PythonTlsServer,
    make_ca,
    make_leaf,
    openssl_server,
    pem,
    write_pem,
)

# ----------------------------------------------------------------------------- loading


def _load(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return load_restrictions(path)


@pytest.mark.parametrize("name, text", [
    ("flat.yml", 'trust.subject_name:\n  - "a.*"\n  - "b"\n'),
    ("nested.yaml", 'trust:\n  subject_name: ["a.*", "b"]\n'),
    ("flat.json", '{"trust.subject_name": ["a.*", "b"]}'),
    ("nested.json", '{"trust": {"subject_name": ["a.*", "b"]}}'),
])
def test_flat_and_nested_forms(tmp_path, name, text):
    assert _load(tmp_path, name, text).patterns == ("a.*", "b")


def test_single_string_and_scalars_kept_as_written(tmp_path):
    assert _load(tmp_path, "one.yml", "trust.subject_name: node1\n").patterns == ("node1",)
    assert _load(tmp_path, "s.yml", "trust.subject_name: [123, yes, 1.50, ~x]\n").patterns == ("123", "yes", "1.50", "~x")
    assert _load(tmp_path, "n.json", '{"trust.subject_name": [123, 1.50]}').patterns == ("123", "1.50")


def test_other_keys_are_ignored_but_reported(tmp_path):
    loaded = _load(tmp_path, "t.yml", 'trust.subject_name: ["a"]\ntrust.other: 1\nx:\n  y: [1, 2]\n')
    assert loaded.patterns == ("a",) and loaded.ignored_keys == ("trust.other", "x.y")


def test_missing_key_and_empty_list_reject_everything(tmp_path):
    assert _load(tmp_path, "a.yml", "other: 1\n").has_subject_name is False
    empty = _load(tmp_path, "b.yml", "trust.subject_name: []\n")
    assert empty.patterns == () and empty.has_subject_name
    assert _load(tmp_path, "c.yml", "").patterns == ()


@pytest.mark.parametrize("name, text, fragment", [
    ("trust.txt", "trust.subject_name: [a]\n", "unable to detect content type from resource name [trust.txt]"),
    ("TRUST.YML", "trust.subject_name: [a]\n", "resource name [TRUST.YML]"),
    ("dup.yml", 'trust.subject_name: [a]\ntrust:\n  subject_name: [b]\n', "duplicate settings key [trust.subject_name]"),
    ("dupkey.yml", "trust.subject_name: [a]\ntrust.subject_name: [b]\n", "duplicate key [trust.subject_name]"),
    ("null.yml", "trust.subject_name:\n", "null-valued setting found for key [trust.subject_name]"),
    ("alias.yml", "trust.subject_name:\n  - *.node.x.cluster.1.account\n", "unquoted value starting with '*' is a YAML alias"),
    ("map.yml", "trust.subject_name:\n  - a: b\n", "only accepts lists of values"),
    ("list.yml", "- a\n- b\n", "must be a map"),
    ("bad.json", '{"trust.subject_name": ["a",]}', "invalid JSON"),
    ("dup.json", '{"a": 1, "a": 2}', "duplicate key [a]"),
    ("regex.yml", 'trust.subject_name: ["/abc"]\n', "invalid pattern [/abc]. patterns starting with '/'"),
])
def test_files_elasticsearch_would_not_load(tmp_path, name, text, fragment):
    with pytest.raises(InputError) as error:
        _load(tmp_path, name, text)
    assert fragment in str(error.value)


_pattern_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from('*?\\"\'#: -\t'),
                        min_size=1, max_size=30)


def _valid(text: str) -> bool:
    try:
        parse_pattern(text)
        return True
    except PatternError:
        return False


@settings(max_examples=150, deadline=None)
@given(st.lists(_pattern_text.filter(_valid), max_size=6), st.booleans())
@pytest.mark.slow  # seconds of work: the full suite runs it
def test_written_files_load_back_unchanged(patterns, as_json):
    """Whatever the characters, every pattern is quoted so that Elasticsearch reads it back as written."""
    data = render_restrictions(patterns, json_format=as_json, header="test")
    assert parse_restrictions(data, "t.json" if as_json else "t.yml").patterns == tuple(patterns)


def test_written_yaml_quotes_every_pattern():
    text = render_restrictions(["*.node.a.cluster.1.account", 'x"y\\z']).decode()
    assert '  - "*.node.a.cluster.1.account"\n' in text
    assert '  - "x\\"y\\\\z"\n' in text


# ----------------------------------------------------------------------------- the docs scenario

DOCS_TRUST = """\
trust.subject_name:
  - "*.node.aaaabbbbaaaabbbb.cluster.1053523734.account"
  - "*.node.xxxxyyyyxxxxyyyy.cluster.1053523734.account"
  - "*.node.*.cluster.83988631.account"
  - "node*.es.example.internal"
"""
P1, P2, P3, P4 = (
    "*.node.aaaabbbbaaaabbbb.cluster.1053523734.account", "*.node.xxxxyyyyxxxxyyyy.cluster.1053523734.account",
    "*.node.*.cluster.83988631.account", "node*.es.example.internal")

# file name -> (otherName CNs, DNS names, admitted?, patterns that match)
EXPECTATIONS = {
    "cloud-a.pem": (["instance-0000000001.node.aaaabbbbaaaabbbb.cluster.1053523734.account"], [], True, [P1]),
    "cloud-x.pem": (["instance-0000000007.node.xxxxyyyyxxxxyyyy.cluster.1053523734.account"], [], True, [P2]),
    "scope-any-cluster.pem": (["instance-0000000003.node.0123456789abcdef.cluster.83988631.account"], [], True, [P3]),
    "own-node1.pem": (["node1.es.example.internal"], ["node1.es.example.internal"], True, [P4]),
    "other-cluster-same-scope.pem": (["instance-1.node.ccccddddccccdddd.cluster.1053523734.account"], [], False, []),
    "same-cluster-other-scope.pem": (["instance-1.node.aaaabbbbaaaabbbb.cluster.99.account"], [], False, []),
    "dns-only.pem": ([], ["node2.es.example.internal"], False, []),
    "subject-cn-only.pem": ([], [], False, []),
    "upper-case.pem": (["NODE3.es.example.internal"], [], False, []),
    # '*' crosses dots: these ARE admitted by Elasticsearch, which is what lint warns about.
    "dot-crossing.pem": (["x.node.y.cluster.1.account.node.zzzz.cluster.83988631.account"], [], True, [P3]),
    "own-prefix-trick.pem": (["node.attacker.es.example.internal"], [], True, [P4]),
    "two-names.pem": (["outsider.example", "node7.es.example.internal"], [], True, [P4]),
}


@pytest.fixture
def docs_scenario(tmp_path):
    trust = tmp_path / "trust.yml"
    trust.write_text(DOCS_TRUST)
    ca, ca_key = make_ca("Scenario CA")
    certs = tmp_path / "certs"
    for file_name, (cns, dns, _, _) in EXPECTATIONS.items():
        write_pem(certs / file_name, make_leaf(file_name.removesuffix(".pem"), cns=cns, dns=dns, issuer=(ca, ca_key)))
    write_pem(tmp_path / "ca.pem", ca)
    return trust, certs, tmp_path / "ca.pem"


CHECK_SCHEMA = {
    "type": "object",
    "required": ["restrictions", "patterns", "fields", "certificates", "summary"],
    "properties": {
        "restrictions": {"type": "string"},
        "patterns": {"type": "array", "items": {"type": "string"}},
        "fields": {"type": "array", "items": {"enum": ["subjectAltName.otherName.commonName", "subjectAltName.dnsName"]}},
        "certificates": {"type": "array", "items": {
            "type": "object",
            "required": ["source", "subject", "names", "admitted", "matched", "chain", "reason"],
            "properties": {
                "source": {"type": "string"},
                "subject": {"type": "string"},
                "names": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
                "admitted": {"type": "boolean"},
                "matched": {"type": "array", "items": {"type": "object", "required": ["name", "pattern"],
                                                       "additionalProperties": False,
                                                       "properties": {"name": {"type": "string"},
                                                                      "pattern": {"type": "string"}}}},
                "chain": {"enum": ["valid", "invalid", "unchecked"]},
                "reason": {"type": ["string", "null"]},
            },
        }},
        "summary": {"type": "object", "required": ["admitted", "rejected"],
                    "properties": {"admitted": {"type": "integer"}, "rejected": {"type": "integer"}}},
    },
}


def test_docs_scenario_json_matches_the_expectation_table(cli, docs_scenario):
    trust, certs, ca = docs_scenario
    result = cli("restrictions", "check", trust, certs, "--json", "--ca", ca)
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    jsonschema.validate(report, CHECK_SCHEMA)
    assert report["patterns"] == [P1, P2, P3, P4]
    by_file = {c["source"].rsplit("/", 1)[1]: c for c in report["certificates"]}
    assert set(by_file) == set(EXPECTATIONS)
    for file_name, (cns, _, admitted, patterns) in EXPECTATIONS.items():
        entry = by_file[file_name]
        assert entry["admitted"] is admitted, file_name
        assert [m["pattern"] for m in entry["matched"]] == patterns, file_name
        assert entry["names"] == {"subjectAltName.otherName.commonName": cns}
        assert entry["chain"] == "valid"
        if admitted:
            assert entry["reason"] is None
        else:
            assert entry["reason"] == (
                f"Certificate for {entry['subject']} with fields [subjectAltName.otherName.commonName] with values "
                f"[{', '.join(cns)}] does not match the trusted names [{P1}, {P2}, {P3}, {P4}]"
            )
    assert report["summary"] == {"admitted": 7, "rejected": 5, "skipped": 0, "expired": 0, "not_yet_valid": 0, "expiring": 0}
    assert "never reads the subject CN" in by_file["subject-cn-only.pem"]["explanation"]


def test_docs_scenario_with_dns_field(cli, docs_scenario):
    trust, certs, _ = docs_scenario
    result = cli("restrictions", "check", trust, certs / "dns-only.pem", "--fields", "dns", "--json")
    assert result.exit_code == 0
    (entry,) = json.loads(result.stdout)["certificates"]
    assert entry["matched"] == [{"name": "node2.es.example.internal", "pattern": P4}]
    assert json.loads(result.stdout)["fields"] == ["subjectAltName.dnsName"]


def test_human_output_lists_rejections_and_a_summary(cli, docs_scenario):
    trust, certs, _ = docs_scenario
    result = cli("restrictions", "check", trust, certs)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert sum(line.startswith("REJECTED") for line in lines) == 5
    assert not any(line.startswith("admitted") for line in lines)
    assert lines[-1] == "12 certificates checked: 7 admitted, 5 rejected"
    assert "does not match the trusted names" in result.stdout
    every = cli("restrictions", "check", trust, certs, "--all")
    assert f'admitted  {certs / "cloud-a.pem"}: instance-0000000001.node.aaaabbbbaaaabbbb.cluster.1053523734.account ' \
           f'matches "{P1}"' in every.stdout


def test_all_admitted_exits_zero(cli, docs_scenario):
    trust, certs, _ = docs_scenario
    result = cli("restrictions", "check", trust, certs / "cloud-a.pem", certs / "own-node1.pem")
    assert result.exit_code == 0
    assert result.stdout.strip() == "2 certificates checked: 2 admitted, 0 rejected"


# ----------------------------------------------------------------------------- chains, against the JDK


def _chain_cases():
    root, root_key = make_ca("Root CA")
    bare_root, bare_key = make_ca("Certutil-style CA", key_usage=False)
    no_sign, no_sign_key = make_ca("No keyCertSign CA", issuer=(root, root_key), key_cert_sign=False)
    intermediate, intermediate_key = make_ca("Intermediate CA", issuer=(root, root_key))
    not_ca, not_ca_key = make_ca("Not a CA", issuer=(root, root_key), ca_flag=False, key_usage=False)
    other_root, _ = make_ca("Root CA")  # same name, other key
    cns = ["n.node.c.cluster.s.account"]
    return {
        "direct": ([make_leaf(cns=cns, issuer=(root, root_key))], [root], True),
        "ca-without-key-usage": ([make_leaf(cns=cns, issuer=(bare_root, bare_key))], [bare_root], True),
        "via-intermediate": ([make_leaf(cns=cns, issuer=(intermediate, intermediate_key)), intermediate], [root], True),
        "intermediate-without-keycertsign": ([make_leaf(cns=cns, issuer=(no_sign, no_sign_key)), no_sign], [root], False),
        "intermediate-not-a-ca": ([make_leaf(cns=cns, issuer=(not_ca, not_ca_key)), not_ca], [root], False),
        "self-signed": ([make_leaf(cns=cns)], [root], False),
        "wrong-key-same-name": ([make_leaf(cns=cns, issuer=(root, root_key))], [other_root], False),
        "expired": ([make_leaf(cns=cns, issuer=(root, root_key), not_before=NOW - dt.timedelta(days=30),
                               not_after=NOW - dt.timedelta(days=1))], [root], False),
        "server-auth-only": ([make_leaf(cns=cns, issuer=(root, root_key), eku=[ExtendedKeyUsageOID.SERVER_AUTH])],
                             [root], False),
    }


@pytest.mark.jdk
def test_chain_verdicts_agree_with_the_jdk(tmp_path, java):
    for label, (chain, anchors, expected_valid) in _chain_cases().items():
        problem = verify_chain(chain[0], chain[1:], anchors)
        assert (problem is None) is expected_valid, (label, problem)
        write_pem(tmp_path / f"{label}-chain.pem", *chain)
        write_pem(tmp_path / f"{label}-cas.pem", *anchors)
        jdk = java("NamesOracle", "trust", str(tmp_path / f"{label}-cas.pem"), str(tmp_path / f"{label}-chain.pem")).stdout
        assert jdk.startswith("valid") is expected_valid, (label, jdk)


def test_self_signed_certificate_with_ca_is_chain_invalid(cli, tmp_path):
    trust = tmp_path / "trust.yml"
    trust.write_text('trust.subject_name: ["*.node.c.cluster.s.account"]\n')
    ca, _ = make_ca()
    write_pem(tmp_path / "ca.pem", ca)
    write_pem(tmp_path / "self.pem", make_leaf("self", cns=["n.node.c.cluster.s.account"]))
    result = cli("restrictions", "check", trust, tmp_path / "self.pem", "--ca", tmp_path / "ca.pem", "--json")
    assert result.exit_code == 1
    (entry,) = json.loads(result.stdout)["certificates"]
    assert entry["chain"] == "invalid" and entry["admitted"] is False
    assert "self-signed and is not one of the --ca certificates" in entry["reason"]
    assert entry["matched"]  # the name alone would have matched
    unchecked = json.loads(cli("restrictions", "check", trust, tmp_path / "self.pem", "--json").stdout)
    assert unchecked["certificates"][0]["chain"] == "unchecked" and unchecked["certificates"][0]["admitted"]


def test_chain_file_leaf_then_issuers(cli, tmp_path):
    """A node's PEM with its chain: the leaf is judged, the CA certificates after it are its chain."""
    root, root_key = make_ca("Root CA")
    intermediate, intermediate_key = make_ca("Intermediate CA", issuer=(root, root_key))
    leaf = make_leaf("n", cns=["n.node.c.cluster.s.account"], issuer=(intermediate, intermediate_key))
    write_pem(tmp_path / "node-chain.pem", leaf, intermediate, root)
    write_pem(tmp_path / "root.pem", root)
    trust = tmp_path / "trust.yml"
    trust.write_text('trust.subject_name: ["n.node.c.cluster.s.account"]\n')
    report = json.loads(cli("restrictions", "check", trust, tmp_path / "node-chain.pem", "--ca",
                            tmp_path / "root.pem", "--json").stdout)
    assert [c["source"] for c in report["certificates"]] == [f"{tmp_path / 'node-chain.pem'}#1"]
    assert report["certificates"][0]["chain"] == "valid"
    assert report["summary"] == {"admitted": 1, "rejected": 0, "skipped": 2, "expired": 0, "not_yet_valid": 0, "expiring": 0}


# ----------------------------------------------------------------------------- live endpoints


def _verdict(cli, trust, source, *extra):
    result = cli("restrictions", "check", trust, source, "--json", *extra)
    (entry,) = json.loads(result.stdout)["certificates"]
    return result.exit_code, {k: entry[k] for k in ("names", "admitted", "matched", "reason", "subject")}


@pytest.mark.parametrize("cn, expected_exit", [("n1.node.aaaabbbbaaaabbbb.cluster.1053523734.account", 0),
                                               ("n1.node.other.cluster.1.account", 1)])
def test_live_python_endpoint_same_verdict_as_file(cli, tmp_path, cn, expected_exit):
    trust = tmp_path / "trust.yml"
    trust.write_text(DOCS_TRUST)
    leaf = make_leaf("live", cns=[cn])
    write_pem(tmp_path / "live.pem", leaf)
    from_file = _verdict(cli, trust, tmp_path / "live.pem")
    with PythonTlsServer(tmp_path, leaf, require_client_cert=True) as server:
        from_endpoint = _verdict(cli, trust, f"tls://127.0.0.1:{server.port}")
    assert from_file == from_endpoint and from_file[0] == expected_exit


@pytest.mark.openssl
def test_live_openssl_endpoint_demanding_client_cert(cli, tmp_path, openssl_bin):
    trust = tmp_path / "trust.yml"
    trust.write_text(DOCS_TRUST)
    leaf = make_leaf("ossl", cns=["n1.node.xxxxyyyyxxxxyyyy.cluster.1053523734.account"])
    write_pem(tmp_path / "ossl.pem", leaf)
    with openssl_server(openssl_bin, tmp_path, leaf) as port:
        from_endpoint = _verdict(cli, trust, f"tls://127.0.0.1:{port}")
    assert from_endpoint == _verdict(cli, trust, tmp_path / "ossl.pem")
    assert from_endpoint[0] == 0


# ----------------------------------------------------------------------------- generate


def test_generate_every_kind(cli, tmp_path):
    out = tmp_path / "trust.yml"
    result = cli("restrictions", "generate", "--cluster", "aaaabbbbaaaabbbb@1053523734", "--scope", "83988631",
                 "--name", "node*.es.example.internal", "--out", out)
    assert result.exit_code == 0, result.stderr
    loaded = load_restrictions(out)
    assert loaded.patterns == (r"/[^.]+\.node\.aaaabbbbaaaabbbb\.cluster\.1053523734\.account/",
                               r"/[^.]+\.node\.[^.]+\.cluster\.83988631\.account/", "node*.es.example.internal")
    cluster, scope = loaded.compiled.patterns[:2]
    assert cluster.matches("i1.node.aaaabbbbaaaabbbb.cluster.1053523734.account")
    assert not cluster.matches("x.y.node.aaaabbbbaaaabbbb.cluster.1053523734.account")
    assert scope.matches("i.node.c.cluster.83988631.account")
    assert not scope.matches("i.node.c.cluster.83988631.account.node.c.cluster.83988631.account")
    assert cli("restrictions", "generate", "--scope", "1", "--out", out).exit_code == 2  # exists, no --force
    assert cli("restrictions", "generate", "--scope", "1", "--out", out, "--force").exit_code == 0


def test_generate_to_stdout_and_json(cli, tmp_path):
    result = cli("restrictions", "generate", "--name", "*.x", "--out", "-")
    assert '  - "*.x"' in result.stdout
    cli("restrictions", "generate", "--name", "*.x", "--out", tmp_path / "t.json")
    assert json.loads((tmp_path / "t.json").read_text()) == {"trust.subject_name": ["*.x"]}


def test_generate_from_instances_admits_exactly_those_nodes(cli, tmp_path):
    """certkit's own pipeline: instances -> issued certificates -> generated file -> check admits them all."""
    from certkit.issue.ca import create_ca
    from certkit.issue.leaf import issue_certificate
    from certkit.plan.instances import load_instances

    instances = tmp_path / "instances.yaml"
    assert cli("instances", "generate", "--cluster-id", "abc123", "--scope-id", "42", "--nodes", "3",
               "--prefix", "node", "--out", instances).exit_code == 0
    authority = create_ca(key_type="ec")
    issued = [issue_certificate(authority, instance, key_type="ec") for instance in load_instances(instances)]
    write_pem(tmp_path / "nodes.pem", *[i.certificate for i in issued])
    outsider = make_leaf("node4", cns=["node4.node.abc123.cluster.42.account"])
    write_pem(tmp_path / "outsider.pem", outsider)
    assert cli("restrictions", "generate", "--from-instances", instances, "--out", tmp_path / "trust.yml").exit_code == 0
    assert load_restrictions(tmp_path / "trust.yml").patterns == tuple(
        f"node{i}.node.abc123.cluster.42.account" for i in (1, 2, 3))
    assert cli("restrictions", "check", tmp_path / "trust.yml", tmp_path / "nodes.pem").exit_code == 0
    assert cli("restrictions", "check", tmp_path / "trust.yml", tmp_path / "outsider.pem").exit_code == 1


@pytest.mark.parametrize("args, fragment", [
    (["--cluster", "nocluster"], "expected CLUSTER_ID@SCOPE_ID"),
    (["--name", "/abc"], "invalid pattern [/abc]"),
    (["--name", "x", "--out", "trust.txt"], "unable to detect content type"),
    ([], "nothing to write"),
    (["--scope", "bad.scope"], "not usable in a node name"),
])
def test_generate_bad_input(cli, tmp_path, monkeypatch, args, fragment):
    monkeypatch.chdir(tmp_path)
    result = cli("restrictions", "generate", *args)
    assert_one_line_error(result, fragment)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- bad input: exit 2, one line


@pytest.fixture
def node_pem(tmp_path):
    return write_pem(tmp_path / "node.pem", make_leaf("n", cns=["n.node.c.cluster.s.account"]))


@pytest.mark.parametrize("file_name, content, fragment", [
    ("missing.yml", None, "does not exist"),
    ("trust.conf", 'trust.subject_name: ["a"]\n', "unable to detect content type"),
    ("invalid.yml", "trust.subject_name: [a\n", "invalid YAML"),
    ("alias.yml", "trust.subject_name:\n  - *.node.x.cluster.1.account\n", "is a YAML alias"),
    ("regex.yml", 'trust.subject_name: ["/abc"]\n', "invalid pattern [/abc]"),
])
def test_check_bad_restrictions(cli, tmp_path, node_pem, file_name, content, fragment):
    path = tmp_path / file_name
    if content is not None:
        path.write_text(content)
    assert_one_line_error(cli("restrictions", "check", path, node_pem), fragment)


def test_check_unknown_field(cli, tmp_path, node_pem):
    (tmp_path / "t.yml").write_text('trust.subject_name: ["a"]\n')
    assert_one_line_error(cli("restrictions", "check", tmp_path / "t.yml", node_pem, "--fields", "subject.cn"),
                          "subject.cn is not a supported x509 field for trust restrictions")


def test_check_bad_sources(cli, tmp_path):
    trust = tmp_path / "t.yml"
    trust.write_text('trust.subject_name: ["a"]\n')
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("nothing")
    assert_one_line_error(cli("restrictions", "check", trust, tmp_path / "nope.pem"), "does not exist")
    assert_one_line_error(cli("restrictions", "check", trust, empty), "no certificates found in the folder")
    good, bad = pem(make_leaf("a")), pem(make_leaf("b")).replace(b"M", b"*", 3)
    (tmp_path / "corrupt.pem").write_bytes(good + bad)
    assert_one_line_error(cli("restrictions", "check", trust, tmp_path / "corrupt.pem"), "certificate block 2")
    ca, _ = make_ca()
    write_pem(tmp_path / "only-ca.pem", ca)
    assert_one_line_error(cli("restrictions", "check", trust, tmp_path / "only-ca.pem"), "no node certificate")


def test_zip_with_traversal_entry_is_read_never_extracted(cli, tmp_path):
    import io
    import zipfile

    trust = tmp_path / "t.yml"
    trust.write_text('trust.subject_name: ["n.node.c.cluster.s.account"]\n')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../escaped.crt", pem(make_leaf("n", cns=["n.node.c.cluster.s.account"])))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "b.zip").write_bytes(buffer.getvalue())
    before = sorted(p for p in tmp_path.parent.rglob("escaped.crt"))
    result = cli("restrictions", "check", trust, tmp_path / "in" / "b.zip")
    assert result.exit_code == 0
    assert "would escape the folder" in result.stderr
    assert sorted(p for p in tmp_path.parent.rglob("escaped.crt")) == before == []


@pytest.mark.slow  # seconds of work: the full suite runs it
def test_process_exit_codes(tmp_path, certkit_process, docs_scenario):
    trust, certs, _ = docs_scenario
    assert certkit_process("restrictions", "check", trust, certs / "cloud-a.pem").exit_code == 0
    assert certkit_process("restrictions", "check", trust, certs / "dns-only.pem").exit_code == 1
    assert_one_line_error(certkit_process("restrictions", "check", tmp_path / "x.yml", certs), "does not exist")


@pytest.mark.parametrize("with_libyaml", [True, False], ids=["libyaml", "pure-python"])
def test_trust_files_read_the_same_without_libyaml(monkeypatch, with_libyaml):
    """Scalars kept as written, duplicate keys refused and the unquoted '*' explained,
    whichever composer PyYAML offers."""
    import yaml

    if not with_libyaml:
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("this PyYAML has no libyaml")
    restrictions = parse_restrictions(b'trust:\n  subject_name:\n    - "*.a"\n    - yes\n    - 0x10\n', "t.yml")
    assert restrictions.patterns == ("*.a", "yes", "0x10")
    with pytest.raises(InputError, match="duplicate key"):
        parse_restrictions(b'trust.subject_name: "a"\ntrust.subject_name: "b"\n', "t.yml")
    with pytest.raises(InputError, match="alias"):
        parse_restrictions(b"trust.subject_name:\n  - *.node.x.cluster.1.account\n", "t.yml")
