"""Reading a secret (a password, an API key) from the file a user keeps it in.

Only the first line counts (a trailing newline is stripped), the file is never read
beyond what a secret can be, and a file other users can read is reported to ``warn``.
Where a secret comes from (file, environment, command line, prompt) is the CLI's
business (:mod:`certkit.cli._secrets`); the library never prompts.

Secrets are never echoed, logged or put in error messages.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from certkit.errors import InputError
from certkit.io.inputs import read_bounded

WarnFn = Callable[[str], None]

MAX_SECRET_FILE_BYTES = 64 * 1024


def read_secret_file(path: str | os.PathLike[str], what: str, warn: WarnFn) -> str:
    """The first line of ``path``, which holds ``what`` ("the CA password")."""
    file_path = Path(path)

    def warn_if_shared(info: os.stat_result) -> None:
        if info.st_mode & (stat.S_IROTH | stat.S_IWOTH):
            warn(f"{file_path} holds {what} and is readable by other users (chmod 600 it)")

    # Never read more than a secret can be: the file may be huge or endless (a device).
    raw = read_bounded(file_path, f"the file for {what}", MAX_SECRET_FILE_BYTES, on_open=warn_if_shared)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"the file for {what} is not UTF-8 text: {file_path}") from None
    lines = text.splitlines()
    return lines[0] if lines else ""
