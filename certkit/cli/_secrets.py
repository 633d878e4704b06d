"""Where passwords and API keys come from, in the order docs/cli-contract.md promises.

1. ``--pass-file F`` (first line, trailing newline stripped); a world-readable file is
   accepted with a warning;
2. the environment variable (``CERTKIT_PASS``, ``CERTKIT_CA_PASS``, ``CERTKIT_ES_API_KEY``);
3. a literal ``--pass VALUE`` (certutil's habit: it shows up in ``ps`` and shell history,
   so it is accepted with a warning);
4. an interactive prompt when stdin is a terminal, saying what the secret protects
   ("Password for the new keystore node1.p12 (empty for none): ");
5. otherwise ``None`` (no password).

An empty value (``--pass ''``, ``CERTKIT_PASS=``, an empty file, Enter at the prompt) is
the empty password, everywhere: a keystore with the empty password is what
elasticsearch-certutil writes by default, and what Elasticsearch opens without a
keystore.secure_password. Secrets are never echoed, logged or put in error messages.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from certkit.errors import InputError
from certkit.io import WarnFn, read_secret_file


def _default_warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


@dataclass(frozen=True)
class SecretSpec:
    """How one secret may be supplied on the command line."""

    what: str  # "the keystore password", "the CA password"…
    literal_flag: str  # "--pass"
    file_flag: str  # "--pass-file"
    env_var: str  # "CERTKIT_PASS"


PASS = SecretSpec("the password", "--pass", "--pass-file", "CERTKIT_PASS")
CA_PASS = SecretSpec("the CA password", "--ca-pass", "--ca-pass-file", "CERTKIT_CA_PASS")
ES_API_KEY = SecretSpec("the Elasticsearch API key", "--api-key", "--api-key-file", "CERTKIT_ES_API_KEY")


def resolve_secret(
    spec: SecretSpec,
    *,
    literal: str | None = None,
    file: str | os.PathLike[str] | None = None,
    prompt: bool = True,
    confirm: bool = False,
    warn: WarnFn = _default_warn,
    environ: os._Environ[str] | dict[str, str] | None = None,
    protects: str | None = None,
    empty_means_none: bool = False,
) -> str | None:
    """The secret as text, or ``None`` when none was given and no prompt is possible.

    ``protects`` names what the prompt asks for ("the new keystore node1.p12"); with
    ``empty_means_none`` the prompt says that Enter alone leaves it without a password.
    """
    environ = os.environ if environ is None else environ
    if file is not None:
        return read_secret_file(file, spec.what, warn)
    if spec.env_var in environ:
        return environ[spec.env_var]
    if literal is not None:
        if literal == "":  # the empty password: nothing to see in ps or the shell history
            return literal
        warn(
            f"{spec.literal_flag} puts {spec.what} on the command line, visible to other users "
            f"and in shell history; prefer {spec.file_flag} or ${spec.env_var}"
        )
        return literal
    if prompt and sys.stdin is not None and sys.stdin.isatty():
        import getpass

        question = prompt_text(spec, protects, empty_means_none)
        value = getpass.getpass(question)
        if confirm and getpass.getpass(f"Repeat {question[0].lower()}{question[1:]}") != value:
            raise InputError(f"the two entries of {spec.what} differ")
        return value
    return None


def prompt_text(spec: SecretSpec, protects: str | None, empty_means_none: bool) -> str:
    """ "Password for the new keystore node1.p12 (empty for none): " or "Enter the CA password: "."""
    from certkit.io.terminal import visible

    if protects:
        what = spec.what.removeprefix("the ")  # "the CA password" -> "CA password for ..."
        question = f"{what[0].upper()}{what[1:]} for {visible(protects)}"
    else:
        question = f"Enter {spec.what}"
    return f"{question}{' (empty for none)' if empty_means_none else ''}: "
