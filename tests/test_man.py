"""certkit man: a manual page generated from the commands, so it lists what --help lists."""

from __future__ import annotations

import os
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


def test_the_page_has_the_root_options_and_says_how_to_complete(cli):
    page = cli("man").stdout
    root = typer.main.get_command(build_app())
    options = [p for p in root.params if p.param_type_name == "option" and not p.hidden]
    assert {"--install-completion", "--show-completion", "--version"} <= {p.opts[0] for p in options}
    options_section = page.split(".SH OPTIONS\n", 1)[1].split(".SH COMMANDS\n", 1)[0]
    for parameter in options:
        assert f".B {parameter.opts[0]}".replace("-", "\\-") in options_section, parameter.opts
    assert ".SH SHELL COMPLETION\n" in page


def _man_renderer() -> list[str] | None:
    """``man -l`` (the page as users read it), else groff's man macros; None: neither installed."""
    if shutil.which("man"):
        return ["man", "--warnings", "-l"]
    if shutil.which("groff"):
        return ["groff", "-man", "-Tutf8", "-ww"]
    return None


@pytest.mark.skipif(_man_renderer() is None, reason="needs man (man-db) or groff to render the page")
def test_man_renders_every_command_and_option(cli, tmp_path):
    page = tmp_path / "certkit.1"
    assert cli("man", "--out", page).exit_code == 0
    rendered = subprocess.run([*_man_renderer(), str(page)], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat"})
    assert rendered.returncode == 0 and rendered.stderr == "", rendered.stderr
    # Overstrike bold (groff without a pager's help), then man's hyphenation across lines.
    text = re.sub(".\x08", "", rendered.stdout)
    flat = " ".join(re.sub("\u2010\n\\s*", "", text).split())
    root = typer.main.get_command(build_app())
    for path, command in _leaf_commands(root):
        assert f"certkit {' '.join(path)} [OPTIONS]" in flat, path  # its usage line
        for parameter in command.params:
            if parameter.param_type_name == "option" and not parameter.hidden:
                assert parameter.opts[0] in flat, (path, parameter.opts)
    assert "--install-completion" in flat and "--report FILE.html" in flat
