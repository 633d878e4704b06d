"""certkit wire yml: YAML that parses back to exactly the intended settings, paths as the
node sees them, every refusal one line with nothing written."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.conftest import assert_one_line_error
from tests.wiring_support import key_pem, make_ca, pem


def parsed(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_certificate_model_parses_back_to_the_intended_keys(cli):
    settings = parsed(cli("wire", "yml", "--ca", "certs/ca.crt", "--ca", "certs/cloud-ca.crt",
                          "--restrictions", "trust.yml", "--fields", "dns", "--verification-mode", "certificate"))
    assert settings == {
        "xpack.security.transport.ssl.certificate_authorities": ["certs/ca.crt", "certs/cloud-ca.crt"],
        "xpack.security.transport.ssl.trust_restrictions.path": "trust.yml",
        "xpack.security.transport.ssl.trust_restrictions.x509_fields": ["subjectAltName.dnsName"],
        "xpack.security.transport.ssl.verification_mode": "certificate",
    }


def test_default_fields_are_not_written(cli):
    for fields in ([], ["--fields", "othername"], ["--fields", "SUBJECTALTNAME.OTHERNAME.COMMONNAME"]):
        settings = parsed(cli("wire", "yml", "--ca", "ca.crt", "--restrictions", "trust.yml", *fields))
        assert "xpack.security.transport.ssl.trust_restrictions.x509_fields" not in settings


@pytest.mark.parametrize("path", ["*ca.crt", "&anchor.crt", "!tag.crt", "yes", "1e3", "null", "a: b.crt",
                                  "#hash.crt", "with space.crt", 'quote".crt', "back\\slash.crt", "ünï.crt",
                                  "- dash.crt", "[x].crt", "{y}.crt", "%percent.crt", "@at.crt", "`tick.crt"])
def test_awkward_paths_stay_strings(cli, path):
    """A path that YAML would read as an alias, tag, number, bool or mapping is quoted."""
    settings = parsed(cli("wire", "yml", "--ca", path, "--restrictions", "trust.yml"))
    assert settings["xpack.security.transport.ssl.certificate_authorities"] == [path]


def test_api_key_model_parses_back(cli):
    settings = parsed(cli("wire", "yml", "--model", "api-key", "--server-cert", "certs/rcs.crt",
                          "--server-key", "certs/rcs.key", "--ca", "certs/remote-ca.crt"))
    assert settings == {
        "remote_cluster_server.enabled": True,
        "remote_cluster.port": 9443,
        "xpack.security.remote_cluster_server.ssl.enabled": True,
        "xpack.security.remote_cluster_server.ssl.certificate": "certs/rcs.crt",
        "xpack.security.remote_cluster_server.ssl.key": "certs/rcs.key",
        "xpack.security.remote_cluster_client.ssl.enabled": True,
        "xpack.security.remote_cluster_client.ssl.certificate_authorities": ["certs/remote-ca.crt"],
    }


def test_json_equals_the_yaml(cli):
    args = ["wire", "yml", "--model", "api-key", "--server-keystore", "rcs.p12", "--alias", "a",
            "--signing-cert", "s.crt", "--signing-key", "s.key", "--signing-ca", "sca.crt"]
    as_yaml = parsed(cli(*args))
    as_json = json.loads(cli(*args, "--json").stdout)
    assert as_yaml == as_json
    assert as_json["cluster.remote.a.signing.certificate"] == "s.crt"


def test_no_restrictions_is_a_warning(cli):
    result = cli("wire", "yml", "--ca", "ca.crt")
    assert result.exit_code == 0
    assert "no --restrictions" in result.stderr
    assert list(yaml.safe_load(result.stdout)) == ["xpack.security.transport.ssl.certificate_authorities"]


def test_dot_dot_is_a_warning(cli):
    result = cli("wire", "yml", "--ca", "../outside/ca.crt", "--restrictions", "trust.yml")
    assert result.exit_code == 0
    assert "config folder" in result.stderr


def test_out_file(cli, tmp_path):
    out = tmp_path / "snippet.yml"
    result = cli("wire", "yml", "--ca", "ca.crt", "--restrictions", "trust.yml", "--out", out)
    assert result.exit_code == 0 and result.stdout == ""
    assert yaml.safe_load(out.read_text())["xpack.security.transport.ssl.trust_restrictions.path"] == "trust.yml"
    assert_one_line_error(cli("wire", "yml", "--ca", "ca.crt", "--out", out), "already exists")


# --------------------------------------------------------------------------- --config-dir checks


@pytest.fixture
def config_dir(tmp_path):
    config = tmp_path / "config"
    (config / "certs").mkdir(parents=True)
    ca, key = make_ca()
    (config / "certs" / "ca.crt").write_bytes(pem(ca))
    (config / "certs" / "ca.key").write_bytes(key_pem(key))
    (config / "trust.yml").write_text('trust.subject_name:\n  - "*.node.abc.cluster.s1.account"\n')
    (config / "nested.yml").write_text('trust:\n  subject_name: "node1.example"\n')
    (config / "other.yml").write_text("cluster.name: x\n")
    return config


def test_config_dir_checks_and_relativises(cli, config_dir):
    settings = parsed(cli("wire", "yml", "--config-dir", config_dir, "--ca", str(config_dir / "certs" / "ca.crt"),
                          "--restrictions", "nested.yml"))
    assert settings["xpack.security.transport.ssl.certificate_authorities"] == ["certs/ca.crt"]
    assert settings["xpack.security.transport.ssl.trust_restrictions.path"] == "nested.yml"


@pytest.mark.parametrize(("args", "fragment"), [
    (["--ca", "certs/missing.crt", "--restrictions", "trust.yml"], "not a file in"),
    (["--ca", "certs/ca.key", "--restrictions", "trust.yml"], "not a PEM certificate"),
    (["--ca", "certs/ca.crt", "--restrictions", "other.yml"], "no trust.subject_name"),
])
def test_config_dir_refusals(cli, config_dir, args, fragment):
    assert_one_line_error(cli("wire", "yml", "--config-dir", config_dir, *args), fragment)


def test_config_dir_outside_is_a_warning(cli, config_dir, tmp_path):
    outside = tmp_path / "outside.crt"
    outside.write_bytes((config_dir / "certs" / "ca.crt").read_bytes())
    result = cli("wire", "yml", "--config-dir", config_dir, "--ca", str(outside), "--restrictions", "trust.yml")
    assert result.exit_code == 0
    assert "outside" in result.stderr and "config folder" in result.stderr
    assert parsed(result)["xpack.security.transport.ssl.certificate_authorities"] == [str(outside)]


def test_config_dir_must_be_a_folder(cli, tmp_path):
    assert_one_line_error(cli("wire", "yml", "--config-dir", tmp_path / "nope", "--ca", "ca.crt"), "not a folder")


# --------------------------------------------------------------------------- refusals


REFUSED = [
    ([], "name the CA certificates"),
    (["--ca", "ca.crt", "--restrictions", "trust.txt"], "must end in .yml, .yaml or .json"),
    (["--ca", "ca.crt", "--restrictions", "trust.yml", "--fields", "subjectAltName.ipAddress"],
     "not a supported x509 field"),
    (["--ca", "ca.crt", "--fields", "dns"], "--fields only matters with --restrictions"),
    (["--ca", "ca.crt", "--verification-mode", "none"], "choose certificate or full"),
    (["--ca", "ca.crt", "--server-cert", "x.crt"], "belong to --model api-key"),
    (["--ca", "ca.crt", "--port", "9444"], "belong to --model api-key"),
    (["--ca", "", "--restrictions", "trust.yml"], "is empty"),
    (["--model", "api-key", "--restrictions", "trust.yml", "--ca", "x"], "belong to the certificate model"),
    (["--model", "api-key"], "nothing to configure"),
    (["--model", "api-key", "--server-cert", "a.crt"], "go together"),
    (["--model", "api-key", "--server-keystore", "a.p12", "--server-key", "a.key"], "not both"),
    (["--model", "api-key", "--server-keystore", "a.p12", "--port", "70000"], "between 1 and 65535"),
    (["--model", "api-key", "--ca", "r.crt", "--port", "9444"], "--port is the remote cluster server's port"),
    (["--model", "api-key", "--signing-cert", "s.crt", "--signing-key", "s.key"], "add --alias"),
    (["--model", "api-key", "--alias", "a", "--ca", "r.crt"], "add --signing-cert"),
    (["--model", "api-key", "--alias", "bad.alias", "--signing-cert", "s", "--signing-key", "k"], "'.'"),
    (["--model", "tls", "--ca", "x"], "choose certificate or api-key"),
]


@pytest.mark.parametrize(("args", "fragment"), REFUSED, ids=[" ".join(a) or "nothing" for a, _ in REFUSED])
def test_refused_with_one_line_and_nothing_written(cli, tmp_path, args, fragment):
    out = tmp_path / "snippet.yml"
    result = cli("wire", "yml", *args, "--out", out)
    assert_one_line_error(result, fragment)
    assert result.stdout == ""
    assert not out.exists()


# --------------------------------------------------------------------------- node identity layouts


LOADER_REFUSALS = [
    (["--keystore", "n.p12", "--ca", "ca.crt", "--truststore", "t.p12"],
     "cannot specify both [xpack.security.transport.ssl.certificate_authorities] and "
     "[xpack.security.transport.ssl.truststore.path]"),
    (["--keystore", "n.p12", "--cert", "n.crt", "--key", "n.key", "--ca", "ca.crt"],
     "cannot specify both [xpack.security.transport.ssl.certificate] and [xpack.security.transport.ssl.keystore.path]"),
    (["--cert", "n.crt", "--ca", "ca.crt"],
     "cannot specify [xpack.security.transport.ssl.certificate] without also setting [xpack.security.transport.ssl.key]"),
    (["--ca", "ca.crt", "--truststore", "t.p12"], "cannot specify both [xpack.security.transport.ssl.certificate_authorities]"),
    (["--model", "api-key", "--keystore", "n.p12", "--ca", "r.crt"], "--keystore belong to the certificate model"),
    (["--model", "api-key", "--bundle", ".", "--ca", "r.crt"], "--bundle belong to the certificate model"),
    (["--keystore", "n.p12", "--ca", "ca.crt", "--truststore-ca", "ca.crt"], "add --truststore PATH"),
]


@pytest.mark.parametrize(("args", "fragment"), LOADER_REFUSALS, ids=[" ".join(a) for a, _ in LOADER_REFUSALS])
def test_combinations_elasticsearch_refuses_are_refused_in_its_words(cli, tmp_path, args, fragment):
    out = tmp_path / "snippet.yml"
    result = cli("wire", "yml", "--restrictions", "trust.yml", *args, "--out", out)
    assert_one_line_error(result, fragment)
    assert not out.exists()


def test_a_node_identity_makes_a_whole_context_with_certificate_verification(cli):
    result = cli("wire", "yml", "--cert", "certs/n.crt", "--key", "certs/n.key", "--ca", "certs/ca.crt",
                 "--restrictions", "trust.yml")
    assert parsed(result) == {
        "xpack.security.transport.ssl.enabled": True,
        "xpack.security.transport.ssl.verification_mode": "certificate",
        "xpack.security.transport.ssl.certificate": "certs/n.crt",
        "xpack.security.transport.ssl.key": "certs/n.key",
        "xpack.security.transport.ssl.certificate_authorities": ["certs/ca.crt"],
        "xpack.security.transport.ssl.trust_restrictions.path": "trust.yml",
    }
    # without the file at hand the key may be encrypted: its passphrase is listed, never written
    assert "bin/elasticsearch-keystore add xpack.security.transport.ssl.secure_key_passphrase" in result.stdout
    assert "full" == parsed(cli("wire", "yml", "--keystore", "n.p12", "--ca", "ca.crt", "--restrictions", "trust.yml",
                                "--verification-mode", "full"))["xpack.security.transport.ssl.verification_mode"]


def test_written_truststore_holds_both_cas_and_needs_no_password(cli, config_dir, tmp_path):
    from certkit.keystores import load_pkcs12

    remote, _key = make_ca("Remote CA")
    (tmp_path / "remote-ca.crt").write_bytes(pem(remote))
    result = cli("wire", "yml", "--config-dir", config_dir, "--restrictions", "trust.yml",
                 "--cert", "certs/ca.crt", "--key", "certs/ca.key", "--truststore", "certs/truststore.p12",
                 "--truststore-ca", config_dir / "certs" / "ca.crt", "--truststore-ca", tmp_path / "remote-ca.crt")
    settings = parsed(result)
    assert settings["xpack.security.transport.ssl.truststore.path"] == "certs/truststore.p12"
    assert "xpack.security.transport.ssl.certificate_authorities" not in settings
    assert "truststore.secure_password" not in result.stdout
    # the key is unencrypted (the config folder says so): no passphrase either
    assert "elasticsearch-keystore add" not in result.stdout
    loaded = load_pkcs12((config_dir / "certs" / "truststore.p12").read_bytes(), "", source="truststore.p12")
    assert sorted(item.certificate.subject.rfc4514_string() for item in loaded.trusted) == ["CN=Remote CA", "CN=Test CA"]
    assert sorted((entry.alias, entry.kind) for entry in loaded.jdk_entries or ()) == [
        ("ca", "trustedCertEntry"), ("ca-2", "trustedCertEntry")]
    # a second run does not overwrite it without --force
    again = cli("wire", "yml", "--config-dir", config_dir, "--restrictions", "trust.yml",
                "--cert", "certs/ca.crt", "--key", "certs/ca.key", "--truststore", "certs/truststore.p12",
                "--truststore-ca", tmp_path / "remote-ca.crt")
    assert_one_line_error(again, "already exists")


@pytest.mark.parametrize("password", [None, "node-pass"])
def test_bundle_gives_each_node_its_own_settings(cli, tmp_path, password):
    (tmp_path / "i.yml").write_text('instances:\n  - name: "es01"\n  - name: "es02"\n')
    assert cli("ca", "--pem", "--out", tmp_path / "ca").exit_code == 0
    env = {"CERTKIT_PASS": password} if password is not None else {}
    issued = cli("cert", "--ca-cert", tmp_path / "ca" / "ca" / "ca.crt", "--ca-key", tmp_path / "ca" / "ca" / "ca.key",
                 "--in", tmp_path / "i.yml", "--key-type", "ec", "--out", tmp_path / "bundle", env=env)
    assert issued.exit_code == 0, issued.stderr
    result = cli("wire", "yml", "--bundle", tmp_path / "bundle", "--ca", "certs/ca.crt", "--ca", "certs/remote-ca.crt",
                 "--restrictions", "trust.yml")
    assert result.exit_code == 0, result.stderr
    documents = list(yaml.safe_load_all(result.stdout))
    assert [doc["xpack.security.transport.ssl.keystore.path"] for doc in documents] == ["certs/es01.p12",
                                                                                         "certs/es02.p12"]
    assert all(doc["xpack.security.transport.ssl.verification_mode"] == "certificate" for doc in documents)
    assert f"copy {tmp_path / 'bundle' / 'es01' / 'es01.p12'} to config/certs/es01.p12" in result.stdout
    listed = result.stdout.count("elasticsearch-keystore add xpack.security.transport.ssl.keystore.secure_password")
    # a keystore written with the empty password opens with Elasticsearch's default: nothing to add
    assert listed == (0 if not password else 2)
    as_json = json.loads(cli("wire", "yml", "--bundle", tmp_path / "bundle", "--ca", "certs/ca.crt",
                             "--restrictions", "trust.yml", "--json").stdout)
    assert sorted(as_json) == ["es01", "es02"]
    assert_one_line_error(cli("wire", "yml", "--bundle", tmp_path / "bundle", "--keystore", "x.p12", "--ca", "c"),
                          "--bundle gives each node its own identity")
