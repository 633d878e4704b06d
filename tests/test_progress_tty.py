"""Long commands show a rich progress bar when stderr is a terminal, and nothing when piped.

The terminal is a real pseudo-terminal (``pty``); the command runs as a real process.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.restrictions_support import make_leaf, pem
from tests.terminal_support import read_until_closed

pytestmark = pytest.mark.skipif(not hasattr(pty, "openpty"), reason="needs a pseudo-terminal")


def run_with_terminal_stderr(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Run certkit with stderr on a pty (stdout piped); returns (status, stdout, terminal text)."""
    primary, secondary = pty.openpty()
    env = dict(os.environ, COLUMNS="100", TERM="xterm-256color")
    env.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-m", "certkit", *args], cwd=cwd, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=secondary)
    os.close(secondary)
    terminal = read_until_closed(primary)
    with process.stdout:
        stdout = process.stdout.read().decode()
    status = process.wait(timeout=300)
    os.close(primary)
    return status, stdout, terminal.decode("utf-8", "replace")


def run_piped(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "certkit", *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture
def audit_inputs(tmp_path: Path) -> tuple[Path, Path]:
    trust = tmp_path / "trust.yml"
    trust.write_text('trust.subject_name:\n  - "*.node.good.cluster.1.account"\n')
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(pem(*[make_leaf(f"n{i}", cns=[f"n{i}.node.{'good' if i % 4 else 'bad'}.cluster.1.account"])
                             for i in range(40)]))
    return trust, bundle


def test_check_shows_a_progress_bar_on_a_terminal(tmp_path, audit_inputs):
    trust, bundle = audit_inputs
    status, stdout, terminal = run_with_terminal_stderr("restrictions", "check", str(trust), str(bundle), cwd=tmp_path)
    assert status == 1
    assert "checking" in terminal and "40 certificates" in terminal
    assert "\x1b[" in terminal  # rich drew (and then erased) the bar
    assert stdout.endswith("40 certificates checked: 30 admitted, 10 rejected\n")
    assert "\x1b[" not in stdout  # the report itself stays plain text


def test_check_is_quiet_when_piped(tmp_path, audit_inputs):
    trust, bundle = audit_inputs
    result = run_piped("restrictions", "check", str(trust), str(bundle), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ""
    assert "\x1b[" not in result.stdout


def test_cert_shows_a_progress_bar_on_a_terminal_and_is_quiet_when_piped(tmp_path):
    status, stdout, terminal = run_with_terminal_stderr(
        "instances", "generate", "--cluster-id", "aaaabbbbaaaabbbb", "--scope-id", "1053523734",
        "--nodes", "6", "--prefix", "node", "--out", "instances.yaml", cwd=tmp_path)
    assert status == 0, terminal
    status, stdout, terminal = run_with_terminal_stderr(
        "cert", "--self-signed", "--in", "instances.yaml", "--key-type", "ec", "--pem", "--out", "tty-bundle",
        cwd=tmp_path)
    assert status == 0, terminal
    assert "issuing" in terminal and "\x1b[" in terminal
    piped = run_piped("cert", "--self-signed", "--in", "instances.yaml", "--key-type", "ec", "--pem",
                      "--out", "piped-bundle", cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert "issuing" not in piped.stderr and "\x1b[" not in piped.stderr
