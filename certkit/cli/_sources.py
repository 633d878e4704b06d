"""Command-line options shared by the commands that read SOURCE arguments (inspect, check)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from certkit.cli._vocabulary import VocabularyCommand

PASS_FILE = typer.Option(None, "--pass-file", metavar="FILE",
                         help="Password of PKCS#12 sources (first line of FILE); also $CERTKIT_PASS.")
PASS_LITERAL = typer.Option(None, "--pass", metavar="PASSWORD",
                            help="Password of PKCS#12 sources on the command line (visible to others; warned).")
CLIENT_CERT = typer.Option(None, "--client-cert", metavar="CERT.pem",
                           help="Client certificate (PEM) to present to tls:// sources that ask for one.")
CLIENT_KEY = typer.Option(None, "--client-key", metavar="KEY.pem",
                          help="Private key of --client-cert (PEM, unencrypted or with --pass).")
TIMEOUT = typer.Option(10.0, "--timeout", metavar="SECONDS", help="Connect and handshake timeout for tls:// sources.")

SOURCES_HELP = (
    "SOURCE: a PEM file (one or many certificates), a DER file, a PKCS#12 file, a folder (read "
    "recursively), a zip bundle (read in memory, never extracted), or tls://HOST:PORT (the "
    "certificate a live server presents; nothing is verified). Every argument after -- is a "
    "SOURCE, even one that starts with '-'."
)


class SourcesCommand(VocabularyCommand):
    """A command whose SOURCEs may be files named like its help option.

    ``certkit restrictions check trust.yml *`` in a folder holding a file named
    ``--help`` expands to ``check trust.yml --help a.crt ...``: click shows the help and
    exits 0, and nothing is checked. After the first argument, a help option name that
    is an existing file is read as that file (``./--help``). ``--`` ends the options for
    every other name that starts with '-'.
    """

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        help_names = set(self.get_help_option_names(ctx))
        rewritten: list[str] = []
        for index, arg in enumerate(args):
            if arg == "--":
                rewritten.extend(args[index:])
                break
            if arg in help_names and index > 0 and os.path.lexists(arg):
                arg = os.path.join(".", arg)
            rewritten.append(arg)
        return super().parse_args(ctx, rewritten)


def source_options(pass_file: Optional[Path], pass_literal: Optional[str], client_cert: Optional[Path],
                   client_key: Optional[Path], timeout: float) -> dict:
    """Keyword arguments for certkit.io.sources.iter_certificates from the shared options."""
    from certkit.cli._common import warn
    from certkit.cli._secrets import PASS, resolve_secret
    from certkit.io import TlsOptions

    cache: dict[str, str | None] = {}

    def password() -> str | None:
        if "value" not in cache:
            cache["value"] = resolve_secret(PASS, literal=pass_literal, file=pass_file, prompt=True, warn=warn,
                                            protects="the PKCS#12 sources")
        return cache["value"]

    tls = TlsOptions(
        client_cert=str(client_cert) if client_cert else None,
        client_key=str(client_key) if client_key else None,
        client_key_password=(lambda: password() or "") if client_key else None,  # type: ignore[arg-type]
        timeout=timeout,
    )
    return {"password": password, "tls": tls, "on_note": NOTES}


class _Notes:
    """Prints source notes on stderr, except the PEM files without a certificate (a certutil
    PEM bundle's .key files): those are counted and told once, in the summary
    (:meth:`take_summary`, or :meth:`flush` as one warning). After a few other "skipped"
    notes, only counts them."""

    SHOWN = 5
    _WITHOUT_CERTIFICATE = ": skipped (no certificate in PEM file"

    def __init__(self) -> None:
        self.skipped = 0
        self.without_certificate: list[str] = []

    def __call__(self, message: str) -> None:
        import sys

        if self._WITHOUT_CERTIFICATE in message:
            self.without_certificate.append(message)
            return
        if ": skipped (" in message:
            self.skipped += 1
            if self.skipped > self.SHOWN:
                return
        from certkit.io.terminal import visible

        print(f"warning: {visible(message)}", file=sys.stderr)

    NAMED = 3  # the files a summary names; the others are counted

    def take_summary(self) -> str | None:
        """"2 PEM files without a certificate skipped (they hold: PRIVATE KEY): a.key, b.key", once; then forgotten."""
        import re

        from certkit.io.terminal import visible

        count = len(self.without_certificate)
        if not count:
            return None
        held = dict.fromkeys(label.strip() for message in self.without_certificate
                             for found in re.findall(r"it holds ([^)]*)\)", message) for label in found.split(","))
        names = [message.split(self._WITHOUT_CERTIFICATE)[0] for message in self.without_certificate[:self.NAMED]]
        if count > self.NAMED:
            names.append(f"… ({count - self.NAMED} more)")
        self.without_certificate = []
        holds = f" (they hold: {visible(', '.join(held))})" if held else ""
        return f"{count} PEM file{'s' if count != 1 else ''} without a certificate skipped{holds}: {visible(', '.join(names))}"

    def flush(self) -> None:
        import sys

        if self.skipped > self.SHOWN:
            print(f"warning: … and {self.skipped - self.SHOWN} more files without certificates skipped", file=sys.stderr)
        self.skipped = 0
        summary = self.take_summary()
        if summary:
            print(f"warning: {summary}", file=sys.stderr)


NOTES = _Notes()
