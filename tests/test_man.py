"""certkit man: a manual page generated from the commands, so it lists what --help lists."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import typer

from certkit.cli import build_app


def _leaf_commands(command, path=()):
    children = getattr(command, "commands", None)
    if not children:
        yield path, command
        return
    for name, child in children.items():
        if not getattr(child, "hidden", False):
            yield from _leaf_commands(child, (*path, name))


def test_the_page_has_every_command_and_every_option(cli):
    result = cli("man")
    assert result.exit_code == 0, result.stderr
    page = result.stdout
    assert page.startswith(".TH CERTKIT 1 ")
    root = typer.main.get_command(build_app())
    commands = list(_leaf_commands(root))
    assert len(commands) >= 15
    for path, command in commands:
        assert f".SS certkit {' '.join(path)}\n".replace("-", "\\-") in page, path
        for parameter in command.params:
            if parameter.param_type_name == "option" and not parameter.hidden:
                assert parameter.opts[0].replace("-", "\\-") in page, (path, parameter.opts)


@pytest.mark.skipif(shutil.which("nroff") is None, reason="needs nroff (groff-base)")
def test_nroff_renders_the_page_without_warnings(cli, tmp_path):
    page = tmp_path / "certkit.1"
    result = cli("man", "--out", page)
    assert result.exit_code == 0, result.stderr
    rendered = subprocess.run(["nroff", "-man", "-ww", str(page)], capture_output=True, text=True, timeout=120)
    assert rendered.returncode == 0 and rendered.stderr == "", rendered.stderr
    text = re.sub(".\x08", "", rendered.stdout)  # nroff's overstrike bold
    assert "certkit restrictions check" in text
    assert cli("man", "--out", page).exit_code == 2  # exists: --force to replace it
