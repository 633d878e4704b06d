"""Reading what a process writes to a pseudo-terminal, for the tests that give certkit one."""

from __future__ import annotations

import os
import select
from collections.abc import Callable


def read_until_closed(terminal: int, on_output: Callable[[bytes], None] | None = None) -> bytes:
    """Everything written to the pty ``terminal`` until the process closes it; ``on_output``
    sees the whole output so far after each read (to answer a prompt)."""
    seen = bytearray()
    while True:
        ready, _, _ = select.select([terminal], [], [], 300)  # a hang guard, not a time bound on certkit
        if not ready:
            break
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the process closed its side
            break
        if not chunk:
            break
        seen += chunk
        if on_output is not None:
            on_output(bytes(seen))
    return bytes(seen)
