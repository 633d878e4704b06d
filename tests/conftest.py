"""Shared fixtures: the CLI run in-process and as a real process, and the oracles.

The oracles (openssl, keytool, javac/java) are real programs. When one is missing the
tests that need it are skipped locally, but under CI (``CI`` set) a missing oracle is a
failure: .ci/run installs them, and a silently skipped interop test proves nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
JAVA_SOURCES = TESTS / "java"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):  # noqa: ARG001 - pytest's hook signature
    """Every test that starts a JVM is ``slow``: JVM start-up alone takes about a second.
    The fast tier (``pytest -m "not slow"``) then runs in well under a minute."""
    for item in items:
        if item.get_closest_marker("jdk") is not None:
            item.add_marker(pytest.mark.slow)


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run ``certkit ARGS`` in-process through ``certkit.cli.main`` (fast; same code path)."""
    from certkit.cli import main

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        for key in env or {}:
            monkeypatch.delenv(key, raising=False)
        return Result(code, captured.out, captured.err)

    return run


def run_certkit(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
                input: bytes | None = None, timeout: float = 120) -> Result:
    """Run ``python -m certkit ARGS`` as a separate process, as a pipeline would."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "certkit", *map(str, args)],
        cwd=cwd, env=full_env, input=input, capture_output=True, timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))


@pytest.fixture
def certkit_process():
    return run_certkit


def assert_one_line_error(result: Result, *fragments: str) -> None:
    """The CLI contract for bad input: exit 2, one ``error:`` line, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    others = [line for line in lines if not line.startswith(("error: ", "hint: ", "warning: "))]
    assert not others, result.stderr
    for fragment in fragments:
        assert fragment.lower() in errors[0].lower(), (fragment, errors[0])


def _require(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{program} is required under CI (.ci/run installs it)")
        pytest.skip(f"{program} is not installed")
    return path


@pytest.fixture(scope="session")
def openssl_bin() -> str:
    return _require("openssl")


@pytest.fixture(scope="session")
def openssl(openssl_bin):
    """``openssl(*args, input=None, check=True)`` -> CompletedProcess (bytes)."""

    def run(*args: str, input: bytes | None = None, check: bool = True, cwd: Path | None = None):
        proc = subprocess.run([openssl_bin, *map(str, args)], input=input, capture_output=True, cwd=cwd, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError(f"openssl {' '.join(map(str, args))} failed: {proc.stderr.decode(errors='replace')}")
        return proc

    return run


@pytest.fixture(scope="session")
def keytool():
    keytool_bin = _require("keytool")

    def run(*args: str, check: bool = True, input: bytes | None = None):
        proc = subprocess.run([keytool_bin, *map(str, args)], capture_output=True, input=input, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError(f"keytool {' '.join(map(str, args))} failed: {proc.stdout.decode()} {proc.stderr.decode()}")
        return proc

    return run


@pytest.fixture(scope="session")
def java_classes(tmp_path_factory) -> Path:
    """Every tests/java/*.java compiled once per session into a temporary folder."""
    javac = _require("javac")
    _require("java")
    out = tmp_path_factory.mktemp("java-classes")
    sources = sorted(JAVA_SOURCES.glob("*.java"))
    if not sources:
        pytest.skip("no Java test programs")
    subprocess.run([javac, "-d", str(out), *map(str, sources)], check=True, capture_output=True, timeout=300)
    return out


@pytest.fixture(scope="session")
def java(java_classes):
    """``java(MainClass, *args)`` -> CompletedProcess (text) running a compiled test program."""
    java_bin = shutil.which("java")

    def run(main_class: str, *args: str, check: bool = True, timeout: float = 120):
        proc = subprocess.run(
            [java_bin, "-cp", str(java_classes), main_class, *map(str, args)],
            capture_output=True, text=True, timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"java {main_class} failed ({proc.returncode}): {proc.stdout}\n{proc.stderr}")
        return proc

    return run
