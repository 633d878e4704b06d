"""The ``certkit`` command line: thin typer apps over the library.

``main(args=None)`` is the entry point (console script and ``python -m certkit``). It
answers ``--version`` before importing typer, turns every :class:`CertkitError` into one
``error: …`` line (plus an optional ``hint: …``) with exit status 2, and makes SIGTERM
unwind like Ctrl-C so that temporary outputs are cleaned up.

Each command group lives in its own module with a ``register(app)`` function; modules
import cryptography, yaml and rich inside the command bodies only.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, cast

from certkit import __version__

# Command modules, in the order they appear in ``certkit --help`` (the pipeline's order).
COMMAND_MODULES = (
    "demo",
    "instances",
    "issue",
    "csr",
    "convert",
    "inspect",
    "restrictions",
    "cloud",
    "wire",
    "preflight",
    "man",
)


# The top-level command names each module registers: `certkit COMMAND …` builds only the
# module it needs (typer turns every registered command into click objects before it runs
# one; building all of them is a third of `certkit COMMAND --help`). tests/test_startup_imports.py
# checks this table against what the modules register.
COMMAND_MODULE_OF = {
    "demo": "demo",
    "instances": "instances",
    "ca": "issue",
    "cert": "issue",
    "csr": "csr",
    "bundle": "csr",
    "convert": "convert",
    "inspect": "inspect",
    "restrictions": "restrictions",
    "cloud": "cloud",
    "wire": "wire",
    "preflight": "preflight",
    "man": "man",
}


EXIT_INTERRUPTED = 130


def build_app(argv: Sequence[str] | None = None):  # -> typer.Typer (typer imported lazily)
    """The root typer app; with ``argv`` naming a command, only that command's module is registered."""
    import importlib

    import typer

    app = typer.Typer(
        name="certkit",
        help=(
            "Certificates and trust restrictions for Elasticsearch clusters that trust each "
            "other across a security boundary: plan node names, issue node certificates from "
            "your CA, convert keystores, audit trust_restrictions files, emit the wiring."
        ),
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(False, "--version", help="Print the version and exit."),
    ) -> None:
        if version:  # reached only when main() was bypassed (e.g. CliRunner)
            print(f"certkit {__version__}")
            raise typer.Exit(0)

    wanted = COMMAND_MODULE_OF.get(argv[0]) if argv else None
    for module_name in (wanted,) if wanted else COMMAND_MODULES:
        module = importlib.import_module(f"certkit.cli.{module_name}")
        module.register(app)
    from certkit.cli._vocabulary import ReadableGroup, apply_to

    app.info.cls = ReadableGroup
    apply_to(app)
    return app


def _raise_keyboard_interrupt(signum, frame):  # noqa: ARG001 - signal handler signature
    raise KeyboardInterrupt


def _interrupt_again(unraisable: Any, previous: Any) -> None:
    """``sys.unraisablehook``: an interrupt CPython swallowed is delivered again.

    A signal handler runs at the next bytecode of the main thread, wherever that is: in a
    weakref callback (importlib's module locks have one, so every import is a window), a
    finalizer or an at-fork callback, CPython prints its KeyboardInterrupt as "Exception
    ignored" (a traceback through certkit) and the run carries on, to write its output.
    The interrupt is delivered again a millisecond later, from SIGALRM, by the SIGINT
    handler in place then: once this hook and the C code that called it have returned, in
    the code the callback interrupted. (While a pool runs, SIGINT's handler only takes
    note and the parent raises at a safe point, certkit._workers.) Running the handler
    here would not do: signal.raise_signal and _thread.interrupt_main run it before they
    return, inside this hook, where the KeyboardInterrupt would be dropped again.
    """
    if not isinstance(unraisable.exc_value, KeyboardInterrupt):
        previous(unraisable)
        return
    import signal

    _redelivering[0] = True
    signal.signal(signal.SIGALRM, _deliver_interrupt)
    signal.setitimer(signal.ITIMER_REAL, _REDELIVERY_SECONDS)
    _redelivering[0] = False  # the last step: no bytecode after it checks for signals


#: How long after a swallowed interrupt it is delivered again (see _interrupt_again).
_REDELIVERY_SECONDS = 0.001
_redelivering = [False]


def _deliver_interrupt(signum, frame):  # noqa: ARG001 - signal handler signature
    """SIGALRM: the swallowed interrupt, through SIGINT's handler (see _interrupt_again)."""
    import signal

    if _redelivering[0]:  # the alarm came while the hook itself ran: once more, later
        signal.setitimer(signal.ITIMER_REAL, _REDELIVERY_SECONDS)
        return
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)


def main(args: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if args is None else args)
    if argv == ["--version"]:
        print(f"certkit {__version__}")
        return 0

    import signal

    try:
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    except ValueError:  # not the main thread (e.g. called from a test thread): no signals here
        return _run(argv)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: _interrupt_again(unraisable, previous_hook)
    try:
        return _run(argv)
    finally:
        sys.unraisablehook = previous_hook
        if signal.getsignal(signal.SIGALRM) is _deliver_interrupt:
            # A redelivery still pending once the command has finished (its output, if
            # any, complete) must not fire after main returns, in CPython's shutdown.
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)


def _run(argv: list[str]) -> int:
    """:func:`main` once its interrupts are in place."""
    try:
        import typer

        from certkit.cli._common import forbid_core_dumps
        from certkit.errors import CertkitError
    except KeyboardInterrupt:  # Ctrl-C / SIGTERM while the modules load: nothing written yet
        _print_error("interrupted; nothing was written")
        return EXIT_INTERRUPTED

    import warnings

    restore_warnings = warnings.catch_warnings()  # the filters and showwarning, as they were
    restore_warnings.__enter__()
    warnings.showwarning = _show_warning_as_one_line
    # Every certificate cryptography warns about gets its own line (the default shows a
    # warning once per code location, i.e. for the first file only); _show_warning_as_one_line
    # drops the repeats.
    warnings.simplefilter("always", UserWarning)
    _SHOWN_WARNINGS.clear()
    try:
        forbid_core_dumps(argv)
        app = build_app(argv)
        result = app(args=argv, prog_name="certkit", standalone_mode=False)
        if result == EXIT_INTERRUPTED:
            # typer turns Ctrl-C / SIGTERM inside a command into a silent return of 130 (no
            # command returns 130 itself); the user still deserves to hear that the run
            # stopped, and outputs.py guarantees it left nothing behind.
            _print_error("interrupted; nothing was written")
        return result if isinstance(result, int) else 0
    except CertkitError as exc:
        from certkit.cli._parameters import explain

        _print_error(*explain(exc))
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        _print_error("aborted")
        return EXIT_INTERRUPTED
    except typer.TyperException as exc:  # click's usage errors (typer vendors click)
        if type(exc).__name__ == "NoArgsIsHelpError" and getattr(exc, "ctx", None) is not None:
            print(cast(Any, exc).ctx.get_help())
            return 2
        _print_error(exc.format_message(), _usage_hint(exc))
        return getattr(exc, "exit_code", 2)
    except KeyboardInterrupt:
        _print_error("interrupted; nothing was written")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    finally:
        restore_warnings.__exit__(None, None, None)


#: The library warnings already shown, with and without the input they are about.
_SHOWN_WARNINGS: set[str] = set()


def _show_warning_as_one_line(message, category, filename, lineno, file=None, line=None):  # noqa: ARG001
    """Library warnings (e.g. cryptography's about a negative serial number) as the contract's
    ``warning: …`` lines naming the input, not Python's two-line ``file:line: Category`` form.

    cryptography warns when it parses such a certificate and again each time its serial
    number is read; the reads after the parse (no input being parsed) repeat a warning
    already shown with the file's name, and are dropped.
    """
    from certkit.io import input_being_parsed
    from certkit.io.terminal import visible

    text = " ".join(str(message).split())
    source = input_being_parsed()
    if source is None and text in _SHOWN_WARNINGS:
        return
    shown = f"{source}: {text}" if source else text
    if shown in _SHOWN_WARNINGS:
        return
    _SHOWN_WARNINGS.update((text, shown))
    print(f"warning: {visible(shown)}", file=sys.stderr)


def _usage_hint(exc) -> str | None:
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        return f"see '{ctx.command_path} --help'"
    return None


def _print_error(message: str, hint: str | None = None) -> None:
    from certkit.io.terminal import visible

    print(f"error: {visible(' '.join(str(message).split()))}", file=sys.stderr)
    if hint:
        print(f"hint: {visible(' '.join(hint.split()))}", file=sys.stderr)
