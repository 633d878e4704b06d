"""certkit cloud trust --payload: account and external entries, the warning that a payload
replaces the whole trust object, --merge keeping what exists, and a PKCS#12 hint that works.

Every payload is validated against the Cloud API definitions (tests/data/reference)."""

from __future__ import annotations

import json
import shlex

import pytest

from tests.conftest import assert_one_line_error
from tests.wiring_support import assert_valid, make_ca, pem

# The account id of the Elastic guide's example (tests/data/reference/elastic-docs-...txt).
GUIDE_ACCOUNT = "ec38dd0aa45f4a69909ca5c81c27138a"
DIRECT = ("--name", "Self-managed", "--scope-id", "s1", "--trust-all")


@pytest.fixture
def ca_file(tmp_path):
    certificate, _ = make_ca("Self-managed CA")
    path = tmp_path / "ca.crt"
    path.write_bytes(pem(certificate))
    return path


def payload(cli, ca_file, *args):
    result = cli("cloud", "trust", "--ca", ca_file, *DIRECT, "--payload", *args)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(document) == ["trust"]
    assert_valid(document["trust"], "ElasticsearchClusterTrustSettings")
    return document["trust"], result.stderr


def test_the_guides_account_entry_is_written_with_trust_all(cli, ca_file):
    trust, _ = payload(cli, ca_file, "--account", GUIDE_ACCOUNT, "--trust-all")
    assert trust["accounts"] == [{"account_id": GUIDE_ACCOUNT, "trust_all": True}]
    assert trust["external"] == []
    # The --trust-all after --scope-id is the direct entry's, the one after --account the account's.
    assert trust["direct"][0]["trust_all"] is True and trust["direct"][0]["scope_id"] == "s1"


def test_each_trust_all_and_allowlist_belongs_to_the_entry_it_follows(cli, ca_file):
    trust, _ = payload(cli, ca_file, "--account", "111", "--allowlist", "c1", "--allowlist", "c2",
                       "--account", "222", "--trust-all",
                       "--external", "ece-env-1", "--allowlist", "c3", "--external", "ece-env-2", "--trust-all")
    assert trust["accounts"] == [
        {"account_id": "111", "trust_all": False, "trust_allowlist": ["c1", "c2"]},
        {"account_id": "222", "trust_all": True},
    ]
    assert trust["external"] == [
        {"trust_relationship_id": "ece-env-1", "trust_all": False, "trust_allowlist": ["c3"]},
        {"trust_relationship_id": "ece-env-2", "trust_all": True},
    ]


def test_the_direct_trust_all_may_come_after_the_accounts(cli, ca_file):
    result = cli("cloud", "trust", "--ca", ca_file, "--name", "n", "--payload", "--account", "111", "--trust-all",
                 "--scope-id", "s1", "--trust-all")
    assert result.exit_code == 0, result.stderr
    trust = json.loads(result.stdout)["trust"]
    assert_valid(trust, "ElasticsearchClusterTrustSettings")
    assert trust["accounts"] == [{"account_id": "111", "trust_all": True}]
    assert trust["direct"][0]["trust_all"] is True


def test_a_payload_without_merge_warns_that_it_replaces_everything(cli, ca_file):
    _, stderr = payload(cli, ca_file, "--account", "111", "--trust-all")
    warnings = [line for line in stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1
    assert "replaces the deployment's whole trust object" in warnings[0]
    assert "--merge" in warnings[0]


def test_merge_keeps_the_existing_accounts_and_external_and_replaces_by_id(cli, ca_file, tmp_path):
    existing = {"trust": {
        "accounts": [{"account_id": GUIDE_ACCOUNT, "name": "my org", "trust_all": True},
                     {"account_id": "111", "trust_all": True}],
        "external": [{"trust_relationship_id": "ece-env-1", "name": "ECE", "trust_all": True}],
        "direct": [],
    }}
    current = tmp_path / "current.json"
    current.write_text(json.dumps(existing))
    result = cli("cloud", "trust", "--ca", ca_file, *DIRECT, "--merge", current,
                 "--account", "111", "--allowlist", "c1", "--external", "ece-env-2", "--trust-all")
    assert result.exit_code == 0, result.stderr
    trust = json.loads(result.stdout)["trust"]
    assert_valid(trust, "ElasticsearchClusterTrustSettings")
    assert trust["accounts"] == [
        {"account_id": GUIDE_ACCOUNT, "name": "my org", "trust_all": True},  # untouched
        {"account_id": "111", "trust_all": False, "trust_allowlist": ["c1"]},  # replaced in place
    ]
    assert trust["external"] == [
        {"trust_relationship_id": "ece-env-1", "name": "ECE", "trust_all": True},
        {"trust_relationship_id": "ece-env-2", "trust_all": True},
    ]
    assert [d["name"] for d in trust["direct"]] == ["Self-managed"]
    assert "replaces the deployment's whole trust object" not in result.stderr
    assert "replaced account 111" in result.stderr and "added external trust ece-env-2" in result.stderr


def test_merge_without_new_entries_keeps_every_account(cli, ca_file, tmp_path):
    existing = {"accounts": [{"account_id": GUIDE_ACCOUNT, "trust_all": True}], "external": [], "direct": []}
    current = tmp_path / "current.json"
    current.write_text(json.dumps(existing))
    result = cli("cloud", "trust", "--ca", ca_file, *DIRECT, "--merge", current)
    assert result.exit_code == 0, result.stderr
    trust = json.loads(result.stdout)["trust"]
    assert_valid(trust, "ElasticsearchClusterTrustSettings")
    assert trust["accounts"] == existing["accounts"]


REFUSED = [
    (["--payload", "--account", "111"], "trusts no cluster"),
    (["--payload", "--external", "e1"], "trusts no cluster"),
    (["--payload", "--account", "111", "--trust-all", "--allowlist", "c1"], "exclude each other"),
    (["--payload", "--account", "MyOrg", "--trust-all"], "upper-case"),
    (["--payload", "--account", "a" * 33, "--trust-all"], "longer than 32"),
    (["--payload", "--account", "111", "--allowlist", "c1.x"], "no dots"),
    (["--payload", "--external", "has space", "--trust-all"], "white space"),
    (["--payload", "--account", "111", "--trust-all", "--account", "111", "--allowlist", "c1"], "given twice"),
    (["--payload", "--allowlist", "c1"], "--allowlist belongs to"),
    (["--account", "111", "--trust-all"], "add --payload"),
]


@pytest.mark.parametrize(("args", "fragment"), REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_refused_with_one_line_and_nothing_written(cli, ca_file, tmp_path, args, fragment):
    out = tmp_path / "trust.json"
    result = cli("cloud", "trust", "--ca", ca_file, *DIRECT, *args, "--out", out)
    assert_one_line_error(result, fragment)
    assert result.stdout == ""
    assert not out.exists()


# --------------------------------------------------------------------------- the PKCS#12 hint


def _hinted_command(stderr: str) -> list[str]:
    (hint,) = [line for line in stderr.splitlines() if line.startswith("hint: ")]
    quoted = hint.split("'")[1]
    assert quoted.startswith("certkit convert FILE.p12 ")
    return shlex.split(quoted)[1:]


@pytest.fixture
def keystores(cli, tmp_path, openssl):
    """A CA keystore as `certkit ca` writes it (elastic-stack-ca.p12, the key and its certificate)
    and a truststore with the CA certificate alone, made by openssl."""
    ca_keystore = tmp_path / "elastic-stack-ca.p12"
    result = cli("ca", "--out", ca_keystore, env={"CERTKIT_PASS": ""})
    assert result.exit_code == 0, result.stderr
    ca_pem = tmp_path / "reference-ca.pem"
    openssl("pkcs12", "-in", ca_keystore, "-passin", "pass:", "-clcerts", "-nokeys", "-out", ca_pem)
    truststore = tmp_path / "truststore.p12"
    openssl("pkcs12", "-export", "-nokeys", "-in", ca_pem, "-passout", "pass:", "-out", truststore)
    return {"ca": ca_keystore, "truststore": truststore, "pem": ca_pem}


@pytest.mark.parametrize("which", ["ca", "truststore"])
def test_the_pkcs12_hint_is_a_command_that_works(cli, keystores, tmp_path, openssl, which, monkeypatch):
    refused = cli("cloud", "trust", "--ca", keystores[which], *DIRECT)
    assert_one_line_error(refused, "neither a PEM nor a DER")
    command = _hinted_command(refused.stderr)
    monkeypatch.chdir(tmp_path)
    converted = cli(*[str(keystores[which]) if part == "FILE.p12" else part for part in command],
                    env={"CERTKIT_PASS": ""})
    assert converted.exit_code == 0, converted.stderr
    out = tmp_path / command[command.index("--out") + 1]
    entry = json.loads(cli("cloud", "trust", "--ca", out, *DIRECT).stdout)
    assert_valid(entry, "DirectTrustRelationship")
    # The certificate Cloud gets is the CA certificate openssl extracts with the guide's -clcerts.
    fingerprints = {openssl("x509", "-in", path, "-noout", "-fingerprint", "-sha256").stdout
                    for path in (out, keystores["pem"])}
    assert len(fingerprints) == 1
