"""Shared helpers of the benchmark scripts: timing, the machine, and cached inputs.

Not a test module and not part of the package. The inputs (a CA, thousands of node
certificates as one PEM bundle and as a folder of PEM files, a 1,000-pattern trust file)
are generated once and cached under ``$CERTKIT_BENCH_CACHE`` (default: a folder in the
system temp directory), because signing 100,000 certificates takes longer than auditing
them. Every certificate is what ``certkit cert`` issues (certkit.issue.leaf.build_certificate),
only with one shared EC key so that generating the inputs does not take minutes.
"""

from __future__ import annotations

import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: Bump when the generated inputs change shape, so that stale caches are not reused.
FIXTURE_VERSION = 1
CACHE = Path(os.environ.get("CERTKIT_BENCH_CACHE") or Path(tempfile.gettempdir()) / "certkit-bench")
CERTKIT = [sys.executable, "-m", "certkit"]
# Measure certkit as installed, with its modules' bytecode cached (pip compiles it): a
# PYTHONDONTWRITEBYTECODE environment would recompile every module in every child, which
# is ~60 ms of each command's figure that no user pays. The cache lives with the inputs.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ.setdefault("PYTHONPYCACHEPREFIX", str(CACHE / "pycache"))
#: The share of audited certificates no pattern admits (an audit that finds a few strays).
REJECTED_SHARE = 0.10


# ----------------------------------------------------------------------------- timing


@dataclass(frozen=True)
class Run:
    """One finished child process: wall seconds, peak resident memory (MiB), exit status,
    and CPU seconds (user + system, its waited-for workers included: on a shared machine
    the CPU a command spends is steadier than its wall time)."""

    wall: float
    peak_mib: float
    status: int
    cpu: float = 0.0


#: Runs the measured command as its own child and reports its wall time and rusage. Linux
#: counts into a process's peak RSS the memory of the process it was forked from (recorded
#: at exec), so a command started straight from this script, which may hold 100,000
#: certificates, would report the script's peak; forked from this small launcher, the floor
#: is the launcher's few MiB. The clock starts at the fork, so the launcher's own start-up
#: is in no figure.
_MEASURING_LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
with open(sys.argv[1], "w") as report:
    report.write(f"{wall} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)} {usage.ru_utime + usage.ru_stime}")
"""


def run_once(argv: Sequence[str], *, env: dict[str, str] | None = None, cwd: str | Path | None = None,
             stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL) -> Run:
    """Run ``argv`` once; the peak memory is this command's own (see _MEASURING_LAUNCHER),
    its CPU time includes the workers it waited for."""
    with tempfile.TemporaryDirectory(prefix="certkit-bench-run-") as folder:
        report = Path(folder) / "rusage"
        subprocess.run([sys.executable, "-I", "-S", "-c", _MEASURING_LAUNCHER, str(report), *map(str, argv)],
                       stdout=stdout, stderr=subprocess.DEVNULL, stdin=stdin, env=env, cwd=cwd, check=True)
        wall, max_rss_kib, status, cpu = report.read_text().split()
    return Run(float(wall), int(max_rss_kib) / 1024, int(status), float(cpu))


def median_run(argv: Sequence[str], runs: int, *, expect: Sequence[int] = (0,), prepare=None, **kwargs) -> Run:
    """The median wall time of ``runs`` runs (and the largest peak memory seen).

    ``prepare()`` runs before each run, untimed (e.g. removing the previous output).
    An unexpected exit status stops the benchmark: a failing command measures nothing.
    """
    samples: list[Run] = []
    for _ in range(runs):
        if prepare is not None:
            prepare()
        run = run_once(argv, **kwargs)
        if run.status not in expect:
            raise SystemExit(f"benchmark command failed (exit {run.status}): {' '.join(map(str, argv))}")
        samples.append(run)
    return _median(samples)


def _median(samples: Sequence[Run]) -> Run:
    return Run(statistics.median(r.wall for r in samples), max(r.peak_mib for r in samples), samples[0].status,
               statistics.median(r.cpu for r in samples))


def interleaved(commands: dict[str, list[str]], runs: int, expect: dict[str, tuple[int, ...]] | None = None,
                prepare=None) -> dict[str, Run]:
    """Median wall (and max peak memory) of each command, the commands taking turns, so
    that a noisy stretch of the machine hurts every command alike. ``prepare()`` runs
    before each run, untimed."""
    samples: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            if prepare is not None:
                prepare()
            run = run_once(argv)
            if run.status not in (expect or {}).get(name, (0,)):
                raise SystemExit(f"{name} failed (exit {run.status}): {' '.join(map(str, argv))}")
            samples[name].append(run)
    return {name: _median(runs_) for name, runs_ in samples.items()}


def python_snippet(code: str) -> list[str]:
    """argv running ``code`` in a fresh interpreter (baselines pay the same start-up as certkit)."""
    return [sys.executable, "-c", code]


# ----------------------------------------------------------------------------- the machine


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


#: The packages whose releases move the figures (pyproject.toml bounds them).
DEPENDENCIES = ("cryptography", "typer", "rich", "PyYAML", "pyasn1", "pyasn1-modules")


def dependency_versions() -> str:
    """``cryptography 48.0.0, typer 0.28.0, …``: the installed versions the figures were measured with."""
    from importlib import metadata

    versions = []
    for name in DEPENDENCIES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    return ", ".join(versions)


def machine_description() -> str:
    """One line: CPU model, usable cores, Python, cryptography and OpenSSL versions."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import cryptography
    from cryptography.hazmat.backends.openssl.backend import backend

    openssl = backend.openssl_version_text()
    return (f"{model}, {cores()} cores usable, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, cryptography {cryptography.__version__} ({openssl})")


# ----------------------------------------------------------------------------- inputs


def _hex(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


@dataclass(frozen=True)
class AuditInputs:
    """A trust file and the same certificates as one PEM bundle and as a folder of files."""

    trust: Path
    bundle: Path
    folder: Path
    count: int
    rejected: int
    ca_pem: Path


def audit_inputs(count: int, patterns: int = 1000, *, folder: bool = True) -> AuditInputs:
    """Cached inputs for an audit of ``count`` certificates against ``patterns`` patterns.

    Patterns are Elastic Cloud ones (nine in ten admit one cluster's nodes, one in ten a
    whole scope). Each certificate carries a node name as an otherName SAN and a DNS
    name; 90% of them belong to a trusted cluster, 10% to clusters nobody trusts.
    """
    root = CACHE / f"audit-v{FIXTURE_VERSION}-{count}-{patterns}"
    done = root / ".complete"
    inputs = AuditInputs(root / "trust.yml", root / "bundle.pem", root / "certs", count,
                         round(count * REJECTED_SHARE), root / "ca.pem")
    if done.exists() and (inputs.folder.exists() or not folder):
        return inputs
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    print(f"(generating {count:,} certificates and {patterns:,} patterns in {root}; cached for later runs)",
          file=sys.stderr, flush=True)
    from cryptography.hazmat.primitives.serialization import Encoding

    from certkit.audit.trust_file import render_restrictions
    from certkit.issue.ca import create_ca, generate_private_key
    from certkit.issue.leaf import Validity, build_certificate
    from certkit.model import Instance

    rng = random.Random(20261128)
    clusters: list[tuple[str, str]] = []
    texts: list[str] = []
    for index in range(patterns):
        scope = str(rng.randint(10**8, 10**10))
        if index % 10 == 9:
            texts.append(f"*.node.*.cluster.{scope}.account")
            clusters.append((_hex(rng, 16), scope))
        else:
            cluster = _hex(rng, 16)
            texts.append(f"*.node.{cluster}.cluster.{scope}.account")
            clusters.append((cluster, scope))
    inputs.trust.write_bytes(render_restrictions(texts))

    ca = create_ca("CN=certkit bench CA", key_type="ec")
    inputs.ca_pem.write_bytes(ca.certificate.public_bytes(Encoding.PEM))
    key = generate_private_key("ec")
    validity = Validity.starting_now(365)
    rejected_every = round(1 / REJECTED_SHARE)
    with open(inputs.bundle, "wb") as bundle:
        for index in range(count):
            node = f"node{index:06d}"
            if index % rejected_every == rejected_every - 1:
                cluster, scope = _hex(rng, 16), str(rng.randint(10**8, 10**10))
            else:
                cluster, scope = rng.choice(clusters)
            name = f"{node}.node.{cluster}.cluster.{scope}.account"
            instance = Instance(node, node, dns=(f"{node}.es.example.internal",), cn=(name,))
            pem = build_certificate(instance, key, validity, ca).public_bytes(Encoding.PEM)
            bundle.write(pem)
            if folder:
                path = inputs.folder / f"{index // 1000:03d}" / f"{node}.crt"
                if index % 1000 == 0:
                    path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(pem)
    done.touch()
    return inputs


def ratio_line(label: str, ratio: float, target: float, *, below: bool = True) -> str:
    """``label 1.73x (target <= 2.0x) OK`` (``below=False``: the ratio must reach the target)."""
    ok = ratio <= target if below else ratio >= target
    sign = "<=" if below else ">="
    return f"{label} {ratio:.2f}x (target {sign} {target}x) {'OK' if ok else 'MISSED'}"
