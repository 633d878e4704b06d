"""The command-line contract every command shares (CLI.md, "Global")."""

from __future__ import annotations

import certkit
from tests.conftest import assert_one_line_error, run_certkit


def test_version_as_process():
    result = run_certkit("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"certkit {certkit.__version__}"


def test_help_lists_the_pipeline(cli):
    result = cli("--help")
    assert result.exit_code == 0
    assert "Usage" in result.stdout


def test_unknown_command_is_one_line_exit_2():
    result = run_certkit("no-such-command")
    assert_one_line_error(result, "no such command")
    assert result.stdout == ""
