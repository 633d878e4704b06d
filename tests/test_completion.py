"""Shell completion (issue 16): typer's --show-completion prints a script, and the script's
completion call answers with certkit's own commands and options.

Run as real processes: completion is what a shell runs, with the environment variables
the printed script sets.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

import pytest


def _complete(words: str, cword: int) -> list[str]:
    """What the bash script's completion function gets back for ``COMP_WORDS``/``COMP_CWORD``."""
    env = {**os.environ, "_CERTKIT_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    done = subprocess.run([sys.executable, "-m", "certkit"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout.split()


def test_show_completion_prints_the_bash_script():
    # typer detects the shell from the parent process, as a user's shell would be: run
    # certkit from a real bash, whatever shell started the test run (sh says "not supported").
    # The "; exit $?" keeps bash as the parent (a lone command would be exec'd in its place).
    done = subprocess.run(["bash", "-c", f"{shlex.quote(sys.executable)} -m certkit --show-completion; exit $?"],
                          env={**os.environ, "SHELL": "/bin/bash"}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "_CERTKIT_COMPLETE=complete_bash" in done.stdout
    assert "complete -o default -F _certkit_completion certkit" in done.stdout


@pytest.mark.parametrize("words, cword, expected", [
    ("certkit restr", 1, "restrictions"),
    ("certkit restrictions ch", 2, "check"),
    ("certkit restrictions check --rep", 3, "--report"),
    ("certkit --install", 1, "--install-completion"),
])
def test_the_completion_call_answers_with_certkit_words(words, cword, expected):
    assert expected in _complete(words, cword)
