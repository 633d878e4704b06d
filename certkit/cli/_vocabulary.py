"""One flag vocabulary for every command (docs/cli.md), and help that reads well at any width.

Every certkit command is a :class:`VocabularyCommand` (``build_app`` gives the class to the
commands that name none; :class:`certkit.cli._sources.SourcesCommand` derives from it):

- Old spellings of renamed flags (``--instances``, ``--from-instances``, ``--scope``) are
  rewritten to the current flag before click parses, so they keep working while help,
  completion and click's suggestions know only the current one.
- elasticsearch-certutil's single-dash spelling (``-in``, ``-out``, ``-pass``, ``-days`` …;
  certutil's option parser takes both) is read as the double-dash option of the same
  name. certkit has no short options besides ``-h``, so ``-in`` cannot be a cluster of
  short flags; a single-dash word that names no option is one ``error:`` line that
  suggests the double-dash option. Option values (``--pass -in``) and everything after
  ``--`` (a file literally named ``-in``) are left alone.
- Help is rendered by click's plain formatter (never rich's panels, which cut option
  names with an ellipsis), with paragraphs wrapped by :class:`ReadableHelpFormatter`: no
  break inside a word or after a hyphen (``--ca-`` / ``cert``), a word too long for the
  column overflows it instead of being cut.
"""

from __future__ import annotations

import difflib
import textwrap
from collections.abc import Sequence

import typer.core
from typer._click.core import Command, Context
from typer._click.exceptions import NoSuchOption
from typer._click.formatting import HelpFormatter

#: Old spelling -> current flag. Applied only on a command that has the current flag and
#: not the old one (``cloud trust --instances`` and ``restrictions generate
#: --from-instances`` are ``--in``; ``restrictions generate --scope`` is ``--scope-id``).
RENAMED_FLAGS = {
    "--instances": "--in",
    "--from-instances": "--in",
    "--scope": "--scope-id",
}


def _long_options(command: Command, ctx: Context) -> dict[str, int]:
    """Every visible-or-hidden long option of ``command`` -> how many values it takes."""
    values: dict[str, int] = {}
    for param in command.get_params(ctx):
        if param.param_type_name != "option":
            continue
        takes = 0 if (getattr(param, "is_flag", False) or getattr(param, "count", False)) else max(param.nargs, 1)
        for name in (*param.opts, *param.secondary_opts):
            if name.startswith("--"):
                values[name] = takes
    return values


def _short_options(command: Command, ctx: Context) -> set[str]:
    return {name for param in command.get_params(ctx) for name in (*param.opts, *param.secondary_opts)
            if len(name) == 2 and name.startswith("-") and name != "--"}


def rewrite_arguments(command: Command, ctx: Context, args: Sequence[str]) -> list[str]:
    """``args`` with old flag spellings and certutil's single-dash names as current flags."""
    long_options = _long_options(command, ctx)
    short_options = _short_options(command, ctx)
    rewritten: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            rewritten.extend(args[index - 1:])
            break
        name, equals, value = arg.partition("=")
        flag = _current_flag(name, long_options, short_options, ctx)
        if flag is None:
            rewritten.append(arg)
            continue
        rewritten.append(flag + equals + value)
        if not equals:  # the option's values follow as they are, even one like "-in"
            takes = long_options[flag]
            rewritten.extend(args[index:index + takes])
            index += takes
    return rewritten


def _current_flag(name: str, long_options: dict[str, int], short_options: set[str], ctx: Context) -> str | None:
    """The option ``name`` stands for, or ``None`` when it is no option name (a value, a file)."""
    if name in long_options:
        return name
    renamed = RENAMED_FLAGS.get(name)
    if renamed in long_options:
        return renamed
    if len(name) > 2 and name[0] == "-" and name[1].isalpha() and name[:2] not in short_options:
        double = "-" + name
        if double in long_options:
            return double
        renamed = RENAMED_FLAGS.get(double)
        if renamed in long_options:
            return renamed
        if ctx.resilient_parsing:  # shell completion of a half-typed word: click decides
            return None
        close = difflib.get_close_matches(double, list(long_options), n=1, cutoff=0.7)
        suggestion = f"; did you mean {close[0]}?" if close else " (certkit's options take two dashes)"
        raise NoSuchOption(name, message=f"No such option: {name}{suggestion}", ctx=ctx)
    return None


class ReadableHelpFormatter(HelpFormatter):
    """click's layout, with paragraphs wrapped between words only (see the module docstring)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        prefix = "Usage: " if prefix is None else prefix
        usage_prefix = f"{prefix:>{self.current_indent}}{prog} "
        indent = " " * min(len(usage_prefix), max(self.width // 2, 4))
        self.write(fill_words(args, self.width - self.current_indent, usage_prefix, indent))
        self.write("\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(fill_paragraphs(text, self.width, indent))
        self.write("\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        widest = max((len(first) for first, _ in rows), default=0)
        first_col = min(widest, col_max) + col_spacing
        text_width = max(self.width - first_col - 2, 20)
        hanging = " " * (first_col + self.current_indent)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - len(first)))
            else:
                self.write("\n" + hanging)
            lines = fill_paragraphs(second, text_width, "").splitlines() or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{hanging}{line}\n" if line else "\n")


def fill_words(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """One paragraph filled to ``width``, broken only at spaces."""
    return textwrap.fill(" ".join(text.split()), max(width, 20), initial_indent=initial_indent,
                         subsequent_indent=subsequent_indent, break_long_words=False, break_on_hyphens=False)


def fill_paragraphs(text: str, width: int, indent: str) -> str:
    """Paragraphs (separated by blank lines) filled to ``width``; a paragraph whose first line
    is click's ``\\b`` keeps its lines as written. Hard-wrapped source lines are rejoined."""
    paragraphs = [block for block in textwrap.dedent(text.expandtabs()).split("\n\n") if block.strip()]
    rendered = []
    for block in paragraphs:
        lines = block.strip("\n").splitlines()
        if lines[0].strip() == "\b":
            rendered.append("\n".join(indent + line for line in lines[1:]))
            continue
        extra = " " * (len(lines[0]) - len(lines[0].lstrip()))
        rendered.append(fill_words(block, width, indent + extra, indent + extra))
    return "\n\n".join(rendered)


class ReadableContext(Context):
    formatter_class = ReadableHelpFormatter


class VocabularyCommand(typer.core.TyperCommand):
    """A command that reads the flag vocabulary's old and certutil spellings (module docstring)."""

    context_class = ReadableContext

    def __init__(self, *args, **kwargs) -> None:
        kwargs["rich_markup_mode"] = None  # click's formatter: rich panels truncate names with "…"
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, rewrite_arguments(self, ctx, args))

    def get_short_help_str(self, limit: int = 45) -> str:  # noqa: ARG002 - click's signature
        return first_sentence(self.short_help or self.help or "")


class ReadableGroup(typer.core.TyperGroup):
    """A command group whose help is wrapped as the commands' is."""

    context_class = ReadableContext

    def __init__(self, *args, **kwargs) -> None:
        kwargs["rich_markup_mode"] = None
        super().__init__(*args, **kwargs)

    def get_short_help_str(self, limit: int = 45) -> str:  # noqa: ARG002 - click's signature
        return first_sentence(self.short_help or self.help or "")


def first_sentence(text: str) -> str:
    """A command's line in its group's list: its help's first sentence, whole (click cuts it
    at 45 characters with "...")."""
    paragraph = " ".join(text.strip().split("\n\n")[0].split())
    end = paragraph.find(". ")
    return paragraph if end < 0 else paragraph[:end + 1]


def apply_to(app: typer.Typer) -> None:
    """Make every command of ``app`` (and of its groups) a vocabulary command with readable help."""
    for command in app.registered_commands:
        if command.cls in (None, typer.core.TyperCommand):  # typer's default: no class of its own
            command.cls = VocabularyCommand
    for group in app.registered_groups:
        group.cls = ReadableGroup
        if group.typer_instance is not None:
            apply_to(group.typer_instance)
