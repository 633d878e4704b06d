#!/usr/bin/env python3
"""Hostile inputs are refused in about the time a run takes to start: wall-clock figures.

The tests prove that hostile inputs are refused with one line and bounded memory and
work (tests/test_hostile_inputs.py, tests/test_patterns_hostile.py), but they measure no
seconds, so that a loaded machine cannot fail them. This script times the same cases as
real processes, against a baseline measured in the same run (``certkit --version``, and
refusing a missing file: what any refusal costs), and prints each ratio.

    python scripts/bench_hostile.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import CERTKIT, interleaved, ratio_line  # noqa: E402

#: A refusal may cost at most this many times the baseline refusal (a missing file).
TARGET_RATIO = 3.0
#: `--timeout 1` against a silent TLS server: the run lasts the timeout plus a start-up.
TIMEOUT_TARGET_SECONDS = 1.0


def _silent_server() -> tuple[socket.socket, int]:
    """Accepts connections on 127.0.0.1 and never answers; closed by the caller."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            held.append(connection)

    threading.Thread(target=serve, daemon=True).start()
    return listener, listener.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="certkit-bench-hostile-"))
    huge = work / "huge.pem"
    with open(huge, "wb") as out:
        out.write(b"-----BEGIN CERTIFICATE-----\n")
    os.truncate(huge, 200 * 2**20)  # 200 MB that cost no disk
    (work / "long-regex.yml").write_text('trust.subject_name: "/' + "a" * 20_000 + '/"\n')
    (work / "complex.yml").write_text('trust.subject_name: "/(a|b)*a(a|b){40}/"\n')
    listener, port = _silent_server()
    try:
        commands = {
            "version": [*CERTKIT, "--version"],
            "missing file": [*CERTKIT, "inspect", str(work / "missing.pem")],
            "200 MB PEM": [*CERTKIT, "inspect", str(huge)],
            "/dev/zero instances": [*CERTKIT, "instances", "check", "/dev/zero"],
            "20 KB regex literal": [*CERTKIT, "restrictions", "lint", str(work / "long-regex.yml")],
            "too complex regex": [*CERTKIT, "restrictions", "lint", str(work / "complex.yml")],
            "silent tls --timeout 1": [*CERTKIT, "inspect", f"tls://127.0.0.1:{port}", "--timeout", "1"],
        }
        runs = interleaved(commands, args.runs, expect={name: (0, 1, 2) for name in commands})
    finally:
        listener.close()
    baseline = runs["missing file"].wall
    print(f"baseline: certkit --version {runs['version'].wall:.3f} s, refusing a missing file {baseline:.3f} s")
    results = []
    for name, run in runs.items():
        if name in ("version", "missing file"):
            continue
        if name.startswith("silent tls"):
            line = ratio_line(f"{name} (seconds over the timeout, vs the baseline refusal)",
                              max(run.wall - TIMEOUT_TARGET_SECONDS, 0) / baseline, TARGET_RATIO)
        else:
            line = ratio_line(f"{name} vs a missing file", run.wall / baseline, TARGET_RATIO)
        print(f"{line}  ({run.wall:.3f} s, peak {run.peak_mib:.0f} MiB)")
        results.append(line)
    print("RESULT hostile: " + "; ".join(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
