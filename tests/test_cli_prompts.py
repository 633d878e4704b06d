"""Password prompts say what they protect and that empty means none; ca, cert and convert
share the empty-password rule (issue 16). Prompts run on a real pseudo-terminal."""

from __future__ import annotations

import os
import pty
import sys
from pathlib import Path

import pytest

from tests.conftest import assert_one_line_error, run_certkit
from tests.hostile_support import make_workspace
from tests.terminal_support import read_until_closed

pytestmark = [pytest.mark.skipif(not hasattr(pty, "fork"), reason="needs a pseudo-terminal"), pytest.mark.openssl]


def run_on_terminal(args: list, answers: list[tuple[str, str]], cwd: Path) -> tuple[int, str]:
    """Run certkit with a pty as its controlling terminal; answer each (prompt, answer) in order."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: certkit, with the pty as stdin/stdout/stderr and /dev/tty
        os.chdir(cwd)
        os.execvpe(sys.executable, [sys.executable, "-m", "certkit", *map(str, args)], dict(os.environ, COLUMNS="200"))
    pending = list(answers)
    answered_up_to = 0  # getpass does not echo: a prompt counts only once, after the last answer

    def answer(seen: bytes) -> None:
        nonlocal answered_up_to
        if pending and pending[0][0].encode() in seen[answered_up_to:]:
            os.write(terminal, pending.pop(0)[1].encode() + b"\n")
            answered_up_to = len(seen)

    seen = read_until_closed(terminal, answer)
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    assert not pending, (pending, seen)
    return os.waitstatus_to_exitcode(status), seen.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return make_workspace(tmp_path_factory.mktemp("prompts"))


def test_ca_prompt_says_what_it_protects_and_empty_is_none(tmp_path, openssl):
    target = tmp_path / "elastic-stack-ca.p12"
    question = f"Password for the new CA keystore {target} (empty for none): "
    status, text = run_on_terminal(
        ["ca", "--key-type", "ec", "--out", target],
        [(question, ""), (f"Repeat password for the new CA keystore {target} (empty for none): ", "")], tmp_path)
    assert status == 0, text
    assert f"note: the CA keystore {target} has an empty password" in text
    # The empty answer is the empty password: openssl opens it with none.
    listed = openssl("pkcs12", "-in", target, "-passin", "pass:", "-nokeys").stdout
    assert b"BEGIN CERTIFICATE" in listed


def test_cert_prompt_names_the_keystore(tmp_path, ws, openssl):
    target = tmp_path / "node1.p12"
    status, text = run_on_terminal(
        ["cert", "--ca", ws.ca_p12, "--name", "node1", "--key-type", "ec", "--out", target],
        [(f"Password for the new keystore {target} (empty for none): ", "s3cret"),
         (f"Repeat password for the new keystore {target} (empty for none): ", "s3cret")], tmp_path)
    assert status == 0, text
    assert b"BEGIN CERTIFICATE" in openssl("pkcs12", "-in", target, "-passin", "pass:s3cret", "-nokeys").stdout


def test_convert_without_a_terminal_says_how_to_give_the_empty_password(tmp_path, ws, openssl):
    target = tmp_path / "node1.p12"
    refused = run_certkit("convert", ws.node_crt, "--key", ws.node_key, "--out", target)
    assert_one_line_error(refused, "needs a password", "no terminal")
    hint = next(line for line in refused.stderr.splitlines() if line.startswith("hint: "))
    assert "--pass ''" in hint and "CERTKIT_PASS=''" in hint
    assert not target.exists()
    # Both ways the hint gives work, without a warning about a password on the command line.
    by_flag = run_certkit("convert", ws.node_crt, "--key", ws.node_key, "--out", target, "--pass", "")
    assert by_flag.exit_code == 0, by_flag.stderr
    assert "warning" not in by_flag.stderr
    by_env = run_certkit("convert", ws.node_crt, "--key", ws.node_key, "--out", tmp_path / "env.p12",
                         env={"CERTKIT_PASS": ""})
    assert by_env.exit_code == 0, by_env.stderr
    for keystore in (target, tmp_path / "env.p12"):
        assert b"BEGIN CERTIFICATE" in openssl("pkcs12", "-in", keystore, "-passin", "pass:", "-nokeys").stdout


@pytest.mark.parametrize("command", [["ca"], ["cert"], ["convert"]])
def test_the_empty_password_rule_is_in_the_help(cli, command):
    text = " ".join(cli(*command, "--help").stdout.split())
    assert "Empty (--pass '', CERTKIT_PASS='', Enter at the prompt) means no password" in text
    assert "With no password and no terminal" in text


# ---------------------------------------------------------------------------- wrong-kind hints
# (here beside the prompts: the same workspace, the same `cert` CA options)


def _hint(result) -> str:
    return next(line for line in result.stderr.splitlines() if line.startswith("hint: "))


@pytest.mark.parametrize("der", [False, True], ids=["pem", "der"])
def test_cert_ca_given_a_certificate_points_to_ca_cert_and_ca_key(cli, ws, tmp_path, openssl, der):
    certificate = ws.ca_crt
    if der:
        certificate = tmp_path / "ca.der"
        openssl("x509", "-in", ws.ca_crt, "-outform", "DER", "-out", certificate)
    result = cli("cert", "--ca", certificate, "--name", "n1", "--out", tmp_path / "out.zip")
    assert_one_line_error(result, "is a certificate, not a PKCS#12 keystore")
    assert _hint(result) == f"hint: for a CA kept as PEM files: --ca-cert {certificate} --ca-key CA.key"
    assert not (tmp_path / "out.zip").exists()


def test_cert_ca_given_a_key_points_to_ca_key(cli, ws, tmp_path):
    result = cli("cert", "--ca", ws.ca_key, "--name", "n1", "--out", tmp_path / "out.zip")
    assert_one_line_error(result, "is a private key, not a PKCS#12 keystore")
    assert _hint(result) == f"hint: for a CA kept as PEM files: --ca-cert CA.crt --ca-key {ws.ca_key}"


@pytest.mark.parametrize("flag", ["--ca-cert", "--ca-key"])
def test_cert_ca_cert_or_key_given_a_pkcs12_says_it_is_one_for_ca(cli, ws, tmp_path, flag):
    halves = {"--ca-cert": ws.ca_crt, "--ca-key": ws.ca_key, flag: ws.ca_p12}
    result = cli("cert", "--ca-cert", halves["--ca-cert"], "--ca-key", halves["--ca-key"], "--name", "n1",
                 "--out", tmp_path / "out.zip")
    assert_one_line_error(result, f"{ws.ca_p12} is a PKCS#12 keystore", "a CA keystore goes to --ca")
    assert _hint(result) == f"hint: use --ca {ws.ca_p12} alone, without --ca-cert and --ca-key"
    # and the hint is right: the same keystore given to --ca signs
    signed = cli("cert", "--ca", ws.ca_p12, "--name", "n1", "--key-type", "ec", "--out", tmp_path / "signed.zip")
    assert signed.exit_code == 0, signed.stderr
