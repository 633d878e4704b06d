"""certkit man: the manual page, generated from the commands themselves.

The page is built from the same click command tree that ``--help`` prints, so it cannot
drift from the options: every command path with its usage, description and options
(metavar, help, default, environment variable), in roff's ``man`` macros. ``certkit man |
man -l -`` reads it; ``certkit man --out certkit.1`` installs it (e.g. under
``/usr/local/share/man/man1``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import typer

MAN_HELP = """\
Print certkit's manual page (roff, section 1), generated from the commands' own help: read
it with 'certkit man | man -l -', or write it with --out certkit.1 and install it in a
man1 folder.
"""


def register(app: typer.Typer) -> None:
    """Add ``certkit man`` to the root app."""
    app.command("man", help=MAN_HELP)(man)


def man(
    out: Optional[Path] = typer.Option(None, "--out", metavar="FILE", help="Write the page to FILE instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Replace FILE if it exists."),
) -> None:
    from certkit import __version__
    from certkit.cli import build_app

    root = typer.main.get_command(build_app())
    page = render_page(root, __version__, dt.date.today())
    if out is None:
        typer.echo(page, nl=False)
        return
    from certkit.io.outputs import ensure_absent, write_file

    ensure_absent(out, force)
    write_file(out, page.encode("utf-8"), force=force)
    typer.echo(f"wrote {out}", err=True)


def _escape(text: str) -> str:
    """roff text: backslashes doubled, hyphens as minus signs, no line starting with a control character."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    lines = []
    for line in text.splitlines():
        lines.append("\\&" + line if line.startswith((".", "'")) else line)
    return "\n".join(lines)


def _paragraphs(text: str) -> str:
    """Help text (paragraphs separated by blank lines) as roff paragraphs, refilled by man."""
    blocks = [" ".join(block.split()) for block in text.strip().split("\n\n") if block.strip()]
    return "\n.PP\n".join(_escape(block) for block in blocks)


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command below ``command`` (groups first, then their subcommands), hidden ones left out."""
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        yield path, command
        return
    if path:
        yield path, command
    for name in command.list_commands(None) if hasattr(command, "list_commands") else sorted(subcommands):
        child = subcommands[name]
        if not getattr(child, "hidden", False):
            yield from _commands(child, (*path, name))


def _option_entry(parameter: Any) -> str | None:
    if getattr(parameter, "hidden", False):
        return None
    if parameter.param_type_name == "argument":
        metavar = parameter.metavar or parameter.name.upper()
        return f".TP\n.I {_escape(metavar)}\n{_escape(getattr(parameter, 'help', None) or '')}"
    names = ", ".join(parameter.opts + list(parameter.secondary_opts))
    metavar = "" if parameter.is_flag else f" {parameter.metavar or parameter.type.name.upper()}"
    parts = [getattr(parameter, "help", None) or ""]
    if parameter.envvar:
        envvars = [parameter.envvar] if isinstance(parameter.envvar, str) else list(parameter.envvar)
        parts.append(f"Environment: {', '.join('$' + e for e in envvars)}.")
    if parameter.show_default and parameter.default not in (None, False, (), []):
        parts.append(f"Default: {parameter.default}.")
    return f".TP\n.B {_escape(names)}{_escape(metavar)}\n{_escape(' '.join(p for p in parts if p))}"


def render_page(root: Any, version: str, date: dt.date) -> str:
    """The whole manual page for the click command ``root``."""
    lines = [
        f'.TH CERTKIT 1 "{date:%Y-%m-%d}" "certkit {version}" "User Commands"',
        ".SH NAME",
        "certkit \\- certificates and trust restrictions for Elasticsearch clusters across a security boundary",
        ".SH SYNOPSIS",
        ".B certkit",
        "[\\fB\\-\\-version\\fR] [\\fB\\-\\-help\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]...",
        ".SH DESCRIPTION",
        _paragraphs(root.help or ""),
        ".PP",
        "Exit status: 0 all good; 1 a check ran and found violations; 2 bad usage or bad input "
        "(one \\fBerror:\\fR line on standard error, maybe one \\fBhint:\\fR line); 130 interrupted "
        "(nothing written).",
        ".SH OPTIONS",
        *(entry for entry in map(_option_entry, root.params) if entry),
        ".TP\n.B \\-h, \\-\\-help\nShow the help of certkit or of any command (\\fBcertkit\\fR \\fICOMMAND\\fR "
        "\\fB\\-\\-help\\fR) and exit.",
        ".SH COMMANDS",
    ]
    for path, command in _commands(root):
        if getattr(command, "commands", None):
            continue  # a group: its subcommands follow, each with its own usage
        usage = " ".join(command.collect_usage_pieces(typer.Context(command)))
        lines += [f".SS certkit {_escape(' '.join(path))}",
                  f".B certkit {_escape(' '.join(path))}", _escape(usage), ".PP", _paragraphs(command.help or "")]
        entries = [entry for entry in map(_option_entry, command.params) if entry]
        if entries:
            lines += [".PP", "Arguments and options:", ".RS", *entries, ".RE"]
    lines += [
        ".SH SHELL COMPLETION",
        "\\fBcertkit \\-\\-install\\-completion\\fR adds completion of commands, options and files to the "
        "current shell's start-up file (bash, zsh, fish or PowerShell); \\fBcertkit \\-\\-show\\-completion\\fR "
        "prints the script instead, e.g. to put it in \\fI/etc/bash_completion.d/certkit\\fR.",
        ".SH ENVIRONMENT",
        ".TP\n.B CERTKIT_PASS, CERTKIT_CA_PASS\nPasswords of keystores and of the CA, when no \\fB\\-\\-pass\\-file\\fR "
        "or \\fB\\-\\-ca\\-pass\\-file\\fR is given.",
        ".TP\n.B CERTKIT_ES_API_KEY\nThe Elasticsearch API key for \\fB\\-\\-apply\\fR.",
        ".SH SEE ALSO",
        "\\fBelasticsearch\\-certutil\\fR(1), \\fBopenssl\\fR(1), \\fBkeytool\\fR(1)",
    ]
    return "\n".join(lines) + "\n"
