#!/usr/bin/env python3
"""Start-up cost of the CLI against the interpreter's own, measured in the same run.

Targets (issue 6, tightened by issue 15): ``certkit --version`` at most 2.5x ``python -c
pass``; ``certkit --help`` and ``certkit COMMAND --help`` at most 5x. Medians of several runs, because these
machines are noisy. The last line gives every ratio against its target.

    python scripts/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import ratio_line  # noqa: E402

HELP_TARGET = 5.0  # issue 15: was 8x; rich help (markdown) alone cost 15x
COMMAND_HELP = ["instances", "ca", "cert", "csr", "bundle", "convert", "inspect", "restrictions", "cloud", "wire", "demo", "man"]


def median_wall(argv: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    baseline = median_wall([sys.executable, "-c", "pass"], args.runs)
    certkit = [sys.executable, "-m", "certkit"]
    rows = [("--version", certkit + ["--version"], 2.5), ("--help", certkit + ["--help"], HELP_TARGET)]
    rows += [(f"{name} --help", certkit + [name, "--help"], HELP_TARGET) for name in COMMAND_HELP]

    print(f"baseline python -c pass: {baseline * 1000:.1f} ms (median of {args.runs})")
    ratios: dict[str, float] = {}
    for label, argv, target in rows:
        wall = median_wall(argv, args.runs)
        ratios[label] = wall / baseline
        print(f"certkit {label:<22} {wall * 1000:7.1f} ms  {ratios[label]:5.2f}x  (target <= {target}x)")
    worst_command = max(COMMAND_HELP, key=lambda name: ratios[f"{name} --help"])
    print("RESULT startup: " + "; ".join([
        ratio_line("certkit --version", ratios["--version"], 2.5),
        ratio_line("certkit --help", ratios["--help"], HELP_TARGET),
        ratio_line(f"certkit COMMAND --help (worst: {worst_command})", ratios[f"{worst_command} --help"], HELP_TARGET),
    ]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
