"""What every command shares: rendering warnings and JSON, and the exit-status contract.

Kept free of heavy imports: rich is imported only when something is actually rendered.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from certkit.model import Finding

# Exit statuses of docs/cli-contract.md.
EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2


def warn(message: str) -> None:
    from certkit.io.terminal import visible

    print(f"warning: {visible(message)}", file=sys.stderr)


def warn_all(findings: Iterable[Finding]) -> None:
    from certkit.cli._parameters import flag_for

    for finding in findings:
        message = finding.explain(flag_for)
        warn(f"{finding.where}: {message}" if finding.where else message)


def info(message: str) -> None:
    """Human progress lines go to stderr so stdout stays clean for data (``--out -``, --json)."""
    from certkit.io.terminal import visible

    print(visible(message), file=sys.stderr)


def emit_json(document: Any) -> None:
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def is_terminal(stream: Any = None) -> bool:
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


#: The password rule (certkit.cli._secrets applies it) of the commands that write a
#: keystore, for their help; each adds what it does with no password and no terminal.
KEYSTORE_PASSWORD_HELP = (
    "Keystore password: --pass-file FILE, $CERTKIT_PASS or --pass VALUE, else asked on a terminal. Empty "
    "(--pass '', CERTKIT_PASS='', Enter at the prompt) means no password, as elasticsearch-certutil writes "
    "by default and Elasticsearch opens without keystore.secure_password."
)

#: ``--es-version``'s help, shared by every command that judges (restrictions check and
#: lint, inspect): the Elasticsearch release line whose bundled JDK and Lucene decide.
ES_VERSION_HELP = ("The Elasticsearch release line the verdicts are for (MAJOR.MINOR, e.g. 7.17, 8.19, 9.1): "
                   "its bundled JDK and Lucene decide how names are read and patterns compiled. "
                   "Default: the newest line certkit knows.")


def es_target_option(version: str | None):  # -> certkit.targets.EsTarget
    """``--es-version``'s value as a target (certkit.targets imports nothing heavy)."""
    from certkit.targets import es_target

    return es_target(version)


#: The commands that hold private keys, passwords or API keys in memory.
SECRET_COMMANDS = frozenset({"ca", "cert", "convert", "demo", "inspect", "preflight", "restrictions", "wire"})


def forbid_core_dumps(argv: list[str]) -> None:
    """No core dump of a process that may hold keys or passwords (``argv``: the command line).

    A crash (or ``kill -QUIT``, ``gcore`` by the same user) would otherwise write this
    process's memory, with whatever key or password it holds, to a file. RLIMIT_CORE 0
    stops the dump (workers inherit it); PR_SET_DUMPABLE 0 (Linux) also stops the same
    user's debuggers from attaching and from reading /proc/PID/mem. Best effort: a system
    without either keeps running.
    """
    if not argv or argv[0] not in SECRET_COMMANDS:
        return
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_dumpable = 4
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_dumpable, 0, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def parse_validation_time(text: str | None):  # -> datetime.datetime | None
    """``--at TIME``: an ISO 8601 instant (``2027-01-15T00:00:00Z``; a date alone is midnight UTC,
    a time without offset is UTC). None stays None (now). Here, not beside the chain checks
    that use it: a command that parses ``--at`` need not import them."""
    if text is None:
        return None
    import datetime as dt

    from certkit.errors import InputError, param

    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{param('at')} {text!r} is not an ISO 8601 time",
                         hint=f"e.g. {param('at')} 2027-01-15T00:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
