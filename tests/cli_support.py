"""Every certkit command as click sees it, for the tests that walk the whole command line."""

from __future__ import annotations

from collections.abc import Iterator


def all_commands() -> Iterator[tuple[tuple[str, ...], object]]:
    """(path, click command) of every leaf command, e.g. (("restrictions", "check"), <Command>)."""
    import typer

    from certkit.cli import build_app

    def walk(command, path: tuple[str, ...]):
        children = getattr(command, "commands", None)
        if children is None:
            yield path, command
            return
        for name, child in children.items():
            yield from walk(child, (*path, name))

    yield from walk(typer.main.get_command(build_app([])), ())


def visible_options(command) -> list:
    """The options a command's --help lists (the hidden old spellings are not among them)."""
    return [p for p in command.params if p.param_type_name == "option" and not getattr(p, "hidden", False)]
