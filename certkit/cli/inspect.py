"""certkit inspect: not built yet (see the open issues)."""

from __future__ import annotations


def register(app) -> None:
    """Add this module's commands to the root typer app."""
