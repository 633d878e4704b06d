#!/usr/bin/env python3
"""Audit benchmark: ``certkit restrictions check`` against merely loading the certificates.

Targets (issue 15, tightened from issue 6), 100,000 certificates and 1,000 patterns, each as one PEM bundle and as
a folder of PEM files:

* default output (rejected certificates + summary): wall <= 1.3x the time of loading the
  same certificates with cryptography (a fresh ``python`` that reads the bundle and calls
  ``x509.load_pem_x509_certificates``; for the folder, reads every file and calls
  ``load_pem_x509_certificate``), measured in the same run;
* ``--json``: <= 1.8x;
* per certificate at least 50x faster than an ``openssl x509 -noout -ext subjectAltName``
  loop (measured on 500 of the files);
* peak memory (resident set of the certkit process and its workers, each) <= 300 MB.

Every figure is the median of ``--runs`` runs; the baselines run interleaved with certkit
so that a noisy machine hurts both alike. The inputs are certificates ``certkit cert``
issues (scripts/bench_common.py), 10% of them rejected. The last line lists every ratio
against its target.

    python scripts/bench_audit.py [--count 100000] [--patterns 1000] [--runs 3] [--jobs N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import CERTKIT, audit_inputs, cores, interleaved, machine_description, python_snippet, ratio_line  # noqa: E402

# Issue 15 (issue 6 asked for 2.0x and 3.0x): certkit reads only what Elasticsearch reads,
# with its own DER walk, so it can approach the floor of parsing every certificate.
DEFAULT_TARGET, JSON_TARGET = 1.3, 1.8

LOAD_BUNDLE = """
import sys
from cryptography import x509
with open(sys.argv[1], "rb") as f:
    certificates = x509.load_pem_x509_certificates(f.read())
assert len(certificates) == int(sys.argv[2])
"""
LOAD_FOLDER = """
import os, sys
from cryptography import x509
count = 0
for directory, subdirectories, files in os.walk(sys.argv[1]):
    subdirectories.sort()
    for name in sorted(files):
        with open(os.path.join(directory, name), "rb") as f:
            x509.load_pem_x509_certificate(f.read())
        count += 1
assert count == int(sys.argv[2])
"""


def openssl_per_certificate(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", str(path)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - start) / len(files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--patterns", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None, help="certkit --jobs (default: certkit's own, every core)")
    parser.add_argument("--openssl", type=int, default=500, help="certificates in the openssl loop")
    parser.add_argument("--no-folder", action="store_true", help="skip the folder-of-files measurements")
    args = parser.parse_args()

    inputs = audit_inputs(args.count, args.patterns, folder=not args.no_folder)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    check = CERTKIT + ["restrictions", "check", str(inputs.trust)] + jobs
    print(f"machine: {machine_description()}")
    print(f"inputs: {args.count:,} certificates ({inputs.rejected:,} rejected), {args.patterns:,} patterns; "
          f"certkit jobs: {args.jobs or cores()}; median of {args.runs} runs")

    layouts = [("bundle", inputs.bundle, LOAD_BUNDLE)]
    if not args.no_folder:
        layouts.append(("folder", inputs.folder, LOAD_FOLDER))
    results: list[str] = []
    peak = 0.0
    per_certificate = None
    for layout, path, loader in layouts:
        figures = interleaved({
            "baseline": python_snippet(loader) + [str(path), str(args.count)],
            "default": check + [str(path)],
            "json": check + ["--json", str(path)],
        }, args.runs, expect={"default": (1,), "json": (1,)})
        base = figures["baseline"].wall
        print(f"{layout}: cryptography load {base:.2f} s; check {figures['default'].wall:.2f} s "
              f"({figures['default'].wall / base:.2f}x, peak {figures['default'].peak_mib:.0f} MiB); "
              f"check --json {figures['json'].wall:.2f} s ({figures['json'].wall / base:.2f}x, "
              f"peak {figures['json'].peak_mib:.0f} MiB)")
        cpu = figures["baseline"].cpu
        print(f"{layout} CPU seconds (all processes; steadier than wall on a shared machine): cryptography load "
              f"{cpu:.2f}; check {figures['default'].cpu:.2f} ({figures['default'].cpu / cpu:.2f}x); "
              f"check --json {figures['json'].cpu:.2f} ({figures['json'].cpu / cpu:.2f}x)")
        results.append(ratio_line(f"{layout} default", figures["default"].wall / base, DEFAULT_TARGET))
        results.append(ratio_line(f"{layout} --json", figures["json"].wall / base, JSON_TARGET))
        peak = max(peak, figures["default"].peak_mib, figures["json"].peak_mib)
        if layout == "bundle":
            per_certificate = figures["default"].wall / args.count

    sample = sorted(inputs.folder.rglob("*.crt"))[: args.openssl] if inputs.folder.exists() else []
    if sample and per_certificate:
        openssl = openssl_per_certificate(sample)
        speedup = openssl / per_certificate
        print(f"openssl x509 -noout -ext subjectAltName loop: {openssl * 1e3:.2f} ms per certificate "
              f"({len(sample)} files); certkit (bundle, default): {per_certificate * 1e6:.1f} µs per certificate "
              f"= {speedup:.0f}x faster")
        results.append(ratio_line("vs openssl loop", speedup, 50, below=False))
    print(f"peak memory of one certkit process: {peak:.0f} MiB (target <= 300 MiB)"
          f" {'OK' if peak <= 300 else 'MISSED'}")
    print("RESULT audit: " + "; ".join(results) + f"; peak {peak:.0f} MiB (<= 300) {'OK' if peak <= 300 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
