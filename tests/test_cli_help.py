"""Help that reads well at any width (issue 16): every command's --help at 80 and 60 columns
and through a pipe keeps option names, metavars and environment variable names whole,
wraps between words only, and describes every option."""

from __future__ import annotations

import re

import pytest

from tests.cli_support import all_commands, visible_options
from tests.conftest import run_certkit

COMMANDS = list(all_commands())
ENV_VAR = re.compile(r"\$?CERTKIT_[A-Z_]+")


def _ids(path: tuple[str, ...]) -> str:
    return " ".join(path)


def _unbounded_help(path: tuple[str, ...], command) -> str:
    """The help as click lays it out with no width limit: no line is wrapped at all."""
    ctx = command.make_context(" ".join(("certkit", *path)), [], resilient_parsing=True,
                               terminal_width=100_000, max_content_width=100_000, help_option_names=["-h", "--help"])
    return command.get_help(ctx)


def _metavar_of(option, ctx) -> str | None:
    if option.is_flag:
        return None
    return option.make_metavar(ctx)


@pytest.mark.parametrize("columns", ["80", "60"])
@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[_ids(p) for p, _ in COMMANDS])
def test_help_keeps_every_word_whole(cli, path, command, columns):
    result = cli(*path, "--help", env={"COLUMNS": columns})
    assert result.exit_code == 0, result.stderr
    narrow = result.stdout
    unbounded = _unbounded_help(path, command)
    # Every word of the narrow rendering is a word of the unwrapped one: nothing was cut in
    # the middle (a hyphenated "--ca-" / "cert", "…" in place of the rest of a name).
    words = set(unbounded.split())
    cut = [word for word in narrow.split() if word not in words]
    assert not cut, (cut, narrow)
    ctx = command.make_context(" ".join(path), [], resilient_parsing=True)
    for option in visible_options(command):
        for name in (*option.opts, *option.secondary_opts):
            assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", narrow), (name, narrow)
        metavar = _metavar_of(option, ctx)
        if metavar:
            assert f"{option.opts[0]} {metavar}" in narrow, (option.opts[0], metavar, narrow)
        for variable in ENV_VAR.findall(option.help or ""):
            assert re.search(rf"{re.escape(variable)}(?![A-Z_])", narrow), (variable, narrow)
    assert "…" not in narrow
    assert narrow.count("...") == unbounded.count("...")  # only those written on purpose (SOURCE...)
    # A line wider than the terminal is one word too long for its column (it overflows rather
    # than being cut), or an option's name and metavar: never a paragraph the wrap forgot.
    overlong = [line for line in narrow.splitlines() if len(line) > int(columns)
                and not (len(line.split()) == 1 or (line.lstrip().startswith("-") and len(line.split()) <= 3))]
    assert not overlong, overlong


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[_ids(p) for p, _ in COMMANDS])
def test_every_option_has_help_text(path, command):
    missing = [option.opts[0] for option in visible_options(command) if not (option.help or "").strip()]
    assert not missing, (path, missing)
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    assert all(getattr(argument, "help", None) for argument in arguments), path


def test_hard_wrapped_paragraphs_are_rewrapped_by_the_renderer(cli):
    # CERT_HELP is written with hard line breaks; at 60 columns its lines must be refilled,
    # not kept ragged (a short line followed by one that would have fit after it).
    text = cli("cert", "--help", env={"COLUMNS": "60"}).stdout
    width = 60 - 2  # click keeps a two-column margin
    description = text.split("Options:")[0].splitlines()[2:]
    assert len([line for line in description if line.strip()]) >= 5
    for line, following in zip(description, description[1:], strict=False):
        if line.strip() and following.strip():
            assert len(line) + 1 + len(following.split()[0]) > width, (line, following)


def test_group_help_lists_whole_first_sentences(cli):
    text = cli("cloud", "--help", env={"COLUMNS": "80"}).stdout
    assert "..." not in text.split("Commands:")[1]
    assert "direct trust relationship that makes a deployment trust the nodes of another environment" in " ".join(
        text.split())


def test_help_through_a_pipe_is_whole(tmp_path):
    # No terminal: click falls back to 80 columns; rich's panels (which cut names) are never used.
    result = run_certkit("wire", "remote", "--help", env={"COLUMNS": ""})
    assert result.exit_code == 0
    assert "--socket-connections" in result.stdout
    assert "$CERTKIT_ES_API_KEY" in result.stdout
    assert "╭" not in result.stdout and "…" not in result.stdout
    result = run_certkit("cloud", "trust", "--help")
    assert "generic|ECE|ESS|proxy" in result.stdout
