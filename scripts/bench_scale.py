#!/usr/bin/env python3
"""Scale curve: issuance (RSA-2048, EC P-256) and audit time from 10 to 100,000 items.

For each size the table shows the wall time (median of ``--runs``), the cost per item and
the *marginal* cost per item (the extra time divided by the extra items since the previous
size). Cost grows linearly when the marginal cost stays flat: the per-item column falls
only because the fixed start-up (interpreter, imports, compiling 1,000 patterns, starting
the workers) is spread over more items. RSA stops at 1,000 nodes and EC at 10,000 (more
would take minutes and show nothing new); the audit goes on to 100,000 certificates. The
audit's marginal cost falls until about 1,000 certificates: the pattern automaton is built
lazily, so early names also pay for the DFA states later ones reuse. The last line is the
marginal cost of each column, size to size: flat means linear.

    python scripts/bench_scale.py [--runs 2] [--sizes 10 100 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import CERTKIT, audit_inputs, cores, machine_description, median_run  # noqa: E402

RSA_LIMIT = 1000
EC_LIMIT = 10_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10_000, 100_000])
    args = parser.parse_args()
    sizes = sorted(args.sizes)

    work = Path(tempfile.mkdtemp(prefix="certkit-bench-scale-"))
    try:
        subprocess.run(CERTKIT + ["ca", "--pem", "--out", str(work / "ca")], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ca = ["--ca-cert", str(work / "ca" / "ca" / "ca.crt"), "--ca-key", str(work / "ca" / "ca" / "ca.key")]
        out = work / "bundle.zip"

        def fresh() -> None:
            out.unlink(missing_ok=True)

        columns: dict[str, dict[int, float]] = {"RSA-2048 cert --pem": {}, "EC P-256 cert --pem": {},
                                                "audit check (1,000 patterns)": {}}
        for size in sizes:
            instances = work / f"i{size}.yaml"
            if size <= EC_LIMIT:
                subprocess.run(CERTKIT + ["instances", "generate", "--cluster-id", "aaaabbbbaaaabbbb", "--scope-id",
                                          "1053523734", "--nodes", str(size), "--prefix", "node", "--out",
                                          str(instances)],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            cert = CERTKIT + ["cert", *ca, "--in", str(instances), "--pem", "--out", str(out)]
            if size <= RSA_LIMIT:
                columns["RSA-2048 cert --pem"][size] = median_run(cert, args.runs, prepare=fresh).wall
            if size <= EC_LIMIT:
                columns["EC P-256 cert --pem"][size] = median_run(cert + ["--key-type", "ec"], args.runs,
                                                                  prepare=fresh).wall
            inputs = audit_inputs(size, 1000, folder=False)
            check = CERTKIT + ["restrictions", "check", str(inputs.trust), str(inputs.bundle)]
            columns["audit check (1,000 patterns)"][size] = median_run(check, args.runs, expect=(1,)).wall

        print(f"machine: {machine_description()}; certkit jobs: {cores()}; median of {args.runs} runs")
        print("wall s / per item ms / marginal per item ms (extra time over extra items since the previous row)")
        header = f"{'items':>7} | " + " | ".join(f"{name:^32}" for name in columns)
        print(header)
        print("-" * len(header))
        for position, size in enumerate(sizes):
            cells = []
            for figures in columns.values():
                if size not in figures:
                    cells.append(f"{'-':^32}")
                    continue
                wall = figures[size]
                previous = sizes[position - 1] if position else None
                marginal = ((wall - figures[previous]) / (size - previous) * 1e3
                            if previous is not None and previous in figures else None)
                cell = f"{wall:7.2f} s {wall / size * 1e3:8.2f} ms "
                cell += f"{marginal:7.3f} ms" if marginal is not None else f"{'':>10}"
                cells.append(f"{cell:^32}")
            print(f"{size:>7} | " + " | ".join(cells))
        trends = []
        for name, figures in columns.items():
            known = [size for size in sizes if size in figures]
            marginals = [(figures[b] - figures[a]) / (b - a) * 1e3 for a, b in zip(known, known[1:], strict=False)]
            trends.append(f"{name}: " + " -> ".join(f"{m:.3f}" for m in marginals) + " ms")
        print("RESULT scale: marginal cost per item, size to size (flat = linear): " + "; ".join(trends))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
