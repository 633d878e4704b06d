"""Secrets never leak (issue 7): a distinctive password and API key, used by every
command that takes one, never appear in stdout, stderr (warnings and errors included),
--dry-run plans, JSON, the files written, or any process's command line. Literal
``--pass`` / ``--ca-pass`` values are accepted with a warning; secret files that other
users can read are warned about.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Result, assert_one_line_error
from tests.hostile_support import CANARY, MisbehavingServer, Workspace, make_workspace

WRONG = CANARY + "-wrong"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Workspace:
    return make_workspace(tmp_path_factory.mktemp("secrets-workspace"))


def _secret_file(path: Path, value: str, mode: int = 0o600) -> Path:
    path.write_text(value + "\n")
    path.chmod(mode)
    return path


def _assert_no_canary(results: list[Result], folder: Path) -> None:
    for result in results:
        assert CANARY not in result.stdout, result.stdout
        assert CANARY not in result.stderr, result.stderr
    for path in folder.rglob("*"):
        if path.is_file() and path.name not in ("pw", "api-key", "wrong-pw"):
            assert CANARY.encode() not in path.read_bytes(), f"{path} holds the secret in clear"


@pytest.mark.slow  # seconds of work: the full suite runs it
def test_no_command_shows_or_writes_a_password_or_api_key(cli, workspace, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pw = _secret_file(tmp_path / "pw", CANARY)
    wrong = _secret_file(tmp_path / "wrong-pw", WRONG)
    api_key = _secret_file(tmp_path / "api-key", CANARY)
    results: list[Result] = []

    def run(*args: str, expect: int | None = 0, env: dict[str, str] | None = None) -> Result:
        result = cli(*args, env=env)
        if expect is not None:
            assert result.exit_code == expect, (args, result.stderr)
        results.append(result)
        return result

    # A CA whose key is encrypted with the canary; node bundles whose keys/keystores are too.
    run("ca", "--pem", "--key-type", "ec", "--out", "ca", "--pass-file", pw, "--json")
    ca = ("--ca-cert", "ca/ca/ca.crt", "--ca-key", "ca/ca/ca.key")
    node = ("--name", "node1", "--key-type", "ec")
    run("cert", *ca, "--ca-pass-file", pw, *node, "--pass-file", pw, "--dry-run")
    run("cert", *ca, "--ca-pass-file", pw, *node, "--pass-file", pw, "--dry-run", "--json")
    run("cert", *ca, "--ca-pass-file", pw, *node, "--pass-file", pw, "--out", "bundle.zip", "--json")
    run("cert", *ca, *node, "--pem", "--out", "pem-bundle", env={"CERTKIT_CA_PASS": CANARY, "CERTKIT_PASS": CANARY})
    run("cert", *ca, *node, "--out", "node1.p12", "--pass-file", pw, env={"CERTKIT_CA_PASS": CANARY})
    wrong_ca = run("cert", *ca, "--ca-pass-file", wrong, *node, "--out", "never.zip", expect=2)
    assert_one_line_error(wrong_ca, "wrong password")
    # Reading keystores protected by the canary: inspect, convert, restrictions check.
    run("inspect", "--json", "node1.p12", "--pass-file", pw)
    run("inspect", "node1.p12", env={"CERTKIT_PASS": CANARY})
    assert_one_line_error(run("inspect", "node1.p12", "--pass-file", wrong, expect=2), "password")
    run("restrictions", "check", workspace.trust, "node1.p12", "--pass-file", pw, "--json", expect=None)
    run("convert", "node1.p12", "--pass-file", pw, "--out", "node1.pem")
    assert_one_line_error(run("convert", "node1.p12", "--pass-file", wrong, "--out", "x.pem", expect=2), "password")
    run("convert", workspace.node_crt, "--key", workspace.node_key, "--pass-file", pw, "--out", "again.p12")
    # The API key: a request that is never answered, the printed forms, the keystore steps.
    with MisbehavingServer() as server:
        run("wire", "remote", "--alias", "a", "--address", "h:9443", "--apply", "--es-url",
            f"https://127.0.0.1:{server.port}", "--api-key-file", api_key, "--timeout", "1", expect=2)
    run("wire", "remote", "--alias", "a", "--address", "h:9443", "--apply", "--es-url", "https://127.0.0.1:9",
        "--timeout", "1", expect=2, env={"CERTKIT_ES_API_KEY": CANARY})
    for fmt in ("json", "console", "curl"):
        run("wire", "api-key", "--name", "k", "--search", "logs-*", "--format", fmt,
            *(("--es-url", "https://es:9200") if fmt == "curl" else ()), env={"CERTKIT_ES_API_KEY": CANARY})
        run("wire", "remote", "--alias", "a", "--address", "h:9443", "--format", fmt,
            *(("--es-url", "https://es:9200") if fmt == "curl" else ()), env={"CERTKIT_ES_API_KEY": CANARY})
    run("wire", "keystore", "--alias", "a", "--json", env={"CERTKIT_ES_API_KEY": CANARY})
    _assert_no_canary(results, tmp_path)
    assert len(results) >= 20


def test_literal_passwords_warn_and_are_not_echoed(cli, workspace, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = []
    for args, flag in [
        (("ca", "--key-type", "ec", "--out", "ca.p12", "--pass", CANARY), "--pass"),
        (("cert", "--ca", "ca.p12", "--ca-pass", CANARY, "--name", "n", "--key-type", "ec", "--out", "n.p12",
          "--pass", CANARY), "--ca-pass"),
        (("convert", "n.p12", "--pass", CANARY, "--out", "n.pem"), "--pass"),
        (("inspect", "n.p12", "--pass", CANARY), "--pass"),
    ]:
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
        assert any(f"{flag} puts" in line and "command line" in line for line in warnings), result.stderr
        results.append(result)
    _assert_no_canary(results, tmp_path)


@pytest.mark.parametrize("args", [
    ("ca", "--key-type", "ec", "--out", "{out}.p12", "--pass-file", "{pw}"),
    ("convert", "{p12}", "--out", "{out}.pem", "--pass-file", "{pw}"),
    ("inspect", "{p12}", "--pass-file", "{pw}"),
], ids=["ca", "convert", "inspect"])
def test_a_secret_file_others_can_read_is_warned_about(cli, workspace, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    protected = tmp_path / "protected.p12"  # needs its password, so the file is read
    _secret_file(tmp_path / "setup-pw", "hunter2-x")
    assert cli("convert", workspace.node_crt, "--key", workspace.node_key, "--out", protected,
               "--pass-file", tmp_path / "setup-pw").exit_code == 0
    for mode, warned in ((0o644, True), (0o600, False)):
        pw = _secret_file(tmp_path / f"pw-{mode:o}", "hunter2-x", mode=mode)
        result = cli(*(a.format(pw=pw, p12=protected, out=f"out-{mode:o}") for a in args))
        assert result.exit_code == 0, result.stderr
        warning = f"warning: {pw} holds the password and is readable by other users"
        assert (warning in result.stderr) is warned, result.stderr


def _command_lines(pid: int) -> list[tuple[int, bytes]]:
    """The command line of ``pid`` and of every descendant (what ``ps`` shows everyone)."""
    lines, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            lines.append((current, Path(f"/proc/{current}/cmdline").read_bytes()))
            pending += [int(p) for p in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            continue
    return lines


@pytest.mark.slow
def test_process_titles_never_show_the_secret(workspace, tmp_path):
    """While a long issuance runs (workers included), ps shows no password: it came from
    a file and the environment, never argv."""
    from certkit.plan.instances import dump_instances, make_instance

    (tmp_path / "i.yml").write_text(dump_instances([make_instance(f"n{i}") for i in range(120)]))
    pw = _secret_file(tmp_path / "pw", CANARY)
    process = subprocess.Popen(
        [sys.executable, "-m", "certkit", "cert", "--ca", str(workspace.ca_p12), "--in", str(tmp_path / "i.yml"),
         "--key-type", "ec", "--pass-file", str(pw), "--jobs", "2", "--out", str(tmp_path / "b")],
        env={**os.environ, "CERTKIT_ES_API_KEY": CANARY}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen: list[tuple[int, bytes]] = []
    deadline = time.monotonic() + 600  # a hang guard: the run takes a second or two
    while process.poll() is None and time.monotonic() < deadline:
        seen += _command_lines(process.pid)
        time.sleep(0.01)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    assert len({pid for pid, _ in seen}) >= 3, "the workers were never observed"
    assert not [line for _, line in seen if CANARY.encode() in line]
    assert CANARY.encode() not in stdout + stderr
