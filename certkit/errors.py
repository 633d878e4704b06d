"""The one error family certkit raises for anything a user can get wrong.

Every error carries a one-line ``message`` and an optional one-line ``hint``; the CLI
prints them as ``error: …`` / ``hint: …`` on stderr and exits with ``exit_code``.
Library callers catch :class:`CertkitError` and get the same explanation.

An error names the input at fault by the library's own parameter name, never by a
command-line flag: a message is written with :func:`param` references
(``f"{param('days')} must be positive"``), ``str(error)`` reads ``days must be positive``,
and the CLI renders the same error with its flag (``--days must be positive``) through
:meth:`CertkitError.explain`. ``error.parameter`` is the first parameter the message names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# A parameter reference inside a message: NUL cannot occur in a path or a command-line
# argument, so a value quoted into a message cannot pass for one.
_PARAMETER = re.compile("\x00([a-z][a-z0-9_]*)\x00")


def param(name: str) -> str:
    """A reference to the library parameter ``name`` in an error message or hint."""
    if not re.fullmatch("[a-z][a-z0-9_]*", name):
        raise ValueError(f"not a parameter name: {name!r}")
    return f"\x00{name}\x00"


def _one_line(text: str) -> str:
    # One line each: a multi-line message would break the CLI contract.
    return " ".join(str(text).split("\n")).strip()


def _as_is(name: str) -> str:
    return name


def name_parameters(template: str, name_of: Callable[[str], str] = _as_is) -> str:
    """``template`` with each :func:`param` reference named by ``name_of`` (default: as is)."""
    return _PARAMETER.sub(lambda match: name_of(match.group(1)), template)


def _restore(cls: type[CertkitError], template: str, hint_template: str | None,
             state: dict[str, Any]) -> CertkitError:
    """Unpickle any CertkitError without calling its (subclass-specific) ``__init__``."""
    error = cls.__new__(cls)
    CertkitError.__init__(error, template, hint_template)
    error.__dict__.update(state)
    return error


class CertkitError(Exception):
    """Base class: bad usage or bad input (exit status 2)."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.template = _one_line(message)
        self.hint_template = _one_line(hint) if hint else None
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return name_parameters(self.template)

    @property
    def hint(self) -> str | None:
        return None if self.hint_template is None else name_parameters(self.hint_template)

    @property
    def parameters(self) -> tuple[str, ...]:
        """The library parameters the message and hint name, in order, each once."""
        found = _PARAMETER.findall(self.template + " " + (self.hint_template or ""))
        return tuple(dict.fromkeys(found))

    @property
    def parameter(self) -> str | None:
        """The parameter at fault: the first one the message names (``None``: an input's content)."""
        return next(iter(self.parameters), None)

    def explain(self, name_of: Callable[[str], str]) -> tuple[str, str | None]:
        """The message and hint with each parameter named by ``name_of`` (the CLI: its flag)."""
        hint = None if self.hint_template is None else name_parameters(self.hint_template, name_of)
        return name_parameters(self.template, name_of), hint

    def within(self, where: str) -> CertkitError:
        """The same error, of the same class and state, placed in ``where`` (``"file:3: …"``)."""
        return _restore(type(self), f"{where}: {self.template}", self.hint_template, self._state())

    def _state(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("template", "hint_template")}

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take other constructor arguments (PatternError's pattern and reason):
        # rebuild from the templates and the instance state, whatever __init__ looks like.
        return (_restore, (type(self), self.template, self.hint_template, self._state()))


class UsageError(CertkitError):
    """The command line itself is wrong (conflicting or missing options)."""


class InputError(CertkitError):
    """An input file or value is malformed, unreadable or unsupported."""


class PasswordError(InputError):
    """A password is missing or wrong."""


class CAError(InputError):
    """The CA cannot be used to sign (not a CA, key mismatch, expired, too weak)."""


class OutputError(CertkitError):
    """An output cannot be written (exists and replacing it was not asked for, unsafe path, disk full)."""


class RemoteError(CertkitError):
    """A remote endpoint (TLS server, Elasticsearch) failed or answered with an error."""
