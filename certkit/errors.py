"""The one error family certkit raises for anything a user can get wrong.

Every error carries a one-line ``message`` and an optional one-line ``hint``; the CLI
prints them as ``error: …`` / ``hint: …`` on stderr and exits with ``exit_code``.
Library callers catch :class:`CertkitError` and get the same explanation.
"""

from __future__ import annotations


class CertkitError(Exception):
    """Base class: bad usage or bad input (exit status 2)."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        # One line each: a multi-line message would break the CLI contract.
        self.message = " ".join(str(message).split("\n")).strip()
        self.hint = " ".join(hint.split("\n")).strip() if hint else None
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class UsageError(CertkitError):
    """The command line itself is wrong (conflicting or missing options)."""


class InputError(CertkitError):
    """An input file or value is malformed, unreadable or unsupported."""


class PasswordError(InputError):
    """A password is missing or wrong."""


class CAError(InputError):
    """The CA cannot be used to sign (not a CA, key mismatch, expired, too weak)."""


class OutputError(CertkitError):
    """An output cannot be written (exists without --force, unsafe path, disk full)."""


class RemoteError(CertkitError):
    """A remote endpoint (TLS server, Elasticsearch) failed or answered with an error."""
