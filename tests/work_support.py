"""Work measured in operations, not seconds, so that a slow or loaded machine cannot fail a test.

``python_calls(fn)`` counts the Python and built-in function calls ``fn`` makes (a profile
hook, as cProfile counts them). For the same code and inputs the count does not depend on
how fast the machine is or what else runs on it. It is a fair measure of certkit's hot
paths, where the per-step work (a lazily built automaton state, a parser step) is a call.
Wall-clock speed is the business of ``scripts/bench_*.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def python_calls(fn: Callable[[], Any]) -> int:
    """The number of function calls (Python and built-in) made while running ``fn()``."""
    count = 0

    def profile(frame, event, arg):  # noqa: ARG001 - sys.setprofile's signature
        nonlocal count
        if event == "call" or event == "c_call":
            count += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(previous)
    return count
