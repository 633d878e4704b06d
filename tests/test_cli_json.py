"""`--json` on every command that reports or emits a document (issue 16): the same flag, the
same meaning everywhere: exactly one JSON document on stdout, nothing else."""

from __future__ import annotations

import json

import pytest

from tests.cli_support import all_commands
from tests.hostile_support import make_workspace

# Commands whose output is no report or document to render as JSON, and why.
NO_JSON = {
    ("man",): "prints a roff manual page",
}


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return make_workspace(tmp_path_factory.mktemp("json"))


def _signed_csr_bundle(tmp_path, ws, cli, openssl) -> list[str]:
    """certkit csr's folder, its requests signed by the workspace CA with openssl: bundle's inputs."""
    kept = tmp_path / "kept"
    assert cli("csr", "--name", "node7", "--key-type", "ec", "--out", kept).exit_code == 0
    signed = tmp_path / "node7.crt"
    openssl("x509", "-req", "-in", kept / "node7" / "node7.csr", "-CA", ws.ca_crt, "-CAkey", ws.ca_key,
            "-CAcreateserial", "-days", "30", "-out", signed, "-copy_extensions", "copy")
    return ["--keys", str(kept), "--certs", str(signed), "--ca", str(ws.ca_crt)]


def _issued_plan(tmp_path, ws, cli) -> list:
    """The workspace plan issued as a PEM bundle, and the other side trusting the same CA: preflight's inputs."""
    bundle = tmp_path / "issued"
    result = cli("cert", "--ca-cert", ws.ca_crt, "--ca-key", ws.ca_key, "--in", ws.instances, "--pem",
                 "--key-type", "ec", "--out", bundle)
    assert result.exit_code == 0, result.stderr
    return ["--in", ws.instances, "--bundle", bundle, "--ca", ws.ca_crt, "--restrictions", ws.trust,
            "--remote-ca", ws.ca_crt]


def _arguments(path: tuple[str, ...], ws, tmp_path, cli, openssl) -> list:
    """A real invocation of each command, --json left out."""
    secret = tmp_path / "pass.txt"
    secret.write_text("changeit\n")
    secret.chmod(0o600)
    return {
        ("demo",): ["--dir", tmp_path / "demo"],
        ("ca",): ["--out", tmp_path / "ca.p12", "--key-type", "ec", "--keysize", "256"],
        ("cert",): ["--self-signed", "--name", "n1", "--key-type", "ec", "--out", tmp_path / "bundle.zip"],
        ("csr",): ["--name", "n1", "--key-type", "ec", "--out", tmp_path / "csr.zip"],
        ("bundle",): lambda: [*_signed_csr_bundle(tmp_path, ws, cli, openssl), "--out", tmp_path / "signed.zip",
                              "--pass-file", secret],
        ("convert",): [ws.ca_p12, "--nokeys", "--out", tmp_path / "ca.crt.pem"],
        ("inspect",): [ws.node_crt],
        ("instances", "generate"): ["--cluster-id", "abc", "--scope-id", "123", "--nodes", "2",
                                    "--out", tmp_path / "instances.yml"],
        ("instances", "check"): [ws.instances],
        ("restrictions", "generate"): ["--scope-id", "123", "--out", tmp_path / "trust.yml"],
        ("restrictions", "check"): [ws.trust, ws.node_crt],
        ("restrictions", "lint"): [ws.trust],
        ("cloud", "trust"): ["--ca", ws.ca_crt, "--name", "self-managed", "--in", ws.instances],
        ("wire", "yml"): ["--ca", "certs/ca.crt", "--restrictions", "trust.yml"],
        ("wire", "remote"): ["--alias", "dc1", "--address", "dc1.example:9443"],
        ("wire", "api-key"): ["--name", "key", "--search", "logs-*"],
        ("wire", "keystore"): ["--alias", "dc1"],
        ("preflight",): lambda: _issued_plan(tmp_path, ws, cli),
    }.get(path)


COMMANDS = [(path, command) for path, command in all_commands() if path not in NO_JSON]


def test_every_command_but_the_listed_ones_has_json():
    for path, command in all_commands():
        has_json = any("--json" in p.opts for p in command.params)
        assert has_json == (path not in NO_JSON), (path, NO_JSON.get(path))
        if has_json:
            help_text = next(p.help for p in command.params if "--json" in p.opts)
            assert "JSON" in help_text, path


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_json_prints_exactly_one_document(cli, ws, tmp_path, openssl, path, command, request):
    if path == ("demo",):
        request.applymarker(pytest.mark.slow)
    arguments = _arguments(path, ws, tmp_path, cli, openssl)
    assert arguments is not None, f"add a real invocation of {' '.join(path)} to this test"
    if callable(arguments):
        arguments = arguments()
    result = cli(*path, *arguments, "--json")
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    document = json.loads(result.stdout)  # one document: json.loads refuses anything after it
    assert isinstance(document, (dict, list)) and document, result.stdout
    assert result.stdout.strip().startswith(("{", "["))


def test_convert_json_describes_the_keystore_it_built(cli, ws, tmp_path):
    secret = tmp_path / "pass.txt"
    secret.write_text("changeit\n")
    secret.chmod(0o600)
    result = cli("convert", ws.node_crt, "--key", ws.node_key, "--ca", ws.ca_crt, "--out", tmp_path / "node1.p12",
                 "--pass-file", secret, "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["direction"] == "pem-to-pkcs12" and document["out"] == str(tmp_path / "node1.p12")
    assert document["trusted"] == [{"alias": "ca", "subject": "CN=Hostile Test CA"}]
    assert (tmp_path / "node1.p12").exists()


def test_json_and_a_document_on_stdout_exclude_each_other(cli, ws):
    from tests.conftest import assert_one_line_error

    assert_one_line_error(cli("convert", ws.ca_p12, "--nokeys", "--out", "-", "--json"), "choose one")
    assert_one_line_error(cli("restrictions", "generate", "--scope-id", "1", "--out", "-", "--json"), "choose one")
    assert_one_line_error(cli("instances", "generate", "--cluster-id", "a", "--scope-id", "1", "--node", "n",
                              "--out", "-", "--json"), "choose one")
