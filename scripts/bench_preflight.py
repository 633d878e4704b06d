#!/usr/bin/env python3
"""Preflight benchmark: ``certkit preflight`` on a 100-node cluster (target: a few seconds).

Issues the cluster once with ``certkit ca --pem`` and ``certkit cert --pem --key-type ec``
(cached under ``$CERTKIT_BENCH_CACHE``), makes a Cloud-style remote side (a CA, one node,
the trust JSON ``certkit cloud trust --payload`` writes), then times the whole command, a
fresh process each run, median of ``--runs``, against a baseline measured in the same run:
``certkit restrictions check`` of the same node certificates (one of the dozen things
preflight checks, each node read once). The last line is ``RESULT preflight: ...``.

    python scripts/bench_preflight.py [--nodes 100] [--runs 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import CACHE, CERTKIT, machine_description, median_run  # noqa: E402

TARGET_SECONDS = 5.0
SCOPE, CLUSTER = "1053523734", "aaaabbbbaaaabbbb"


def _inputs(nodes: int) -> Path:
    folder = CACHE / f"preflight-{nodes}"
    if (folder / "cloud-trust.json").is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["instances:"]
    for index in range(1, nodes + 1):
        lines += [f'  - name: "es{index:03d}"', f'    cn: ["es{index:03d}.node.{CLUSTER}.cluster.{SCOPE}.account"]',
                  f'    dns: ["es{index:03d}.example.internal"]']
    (folder / "instances.yml").write_text("\n".join(lines) + "\n")
    (folder / "trust.yml").write_text(f'trust.subject_name:\n  - "*.node.{CLUSTER}.cluster.{SCOPE}.account"\n'
                                      '  - "*.node.ccccddddccccdddd.cluster.83988631.account"\n')
    run = lambda *args: subprocess.run([*CERTKIT, *map(str, args)], check=True, capture_output=True)  # noqa: E731
    run("ca", "--pem", "--out", folder / "ca")
    run("ca", "--pem", "--dn", "CN=Cloud CA", "--out", folder / "cloud")
    run("cert", "--ca-cert", folder / "ca/ca/ca.crt", "--ca-key", folder / "ca/ca/ca.key", "--in",
        folder / "instances.yml", "--pem", "--key-type", "ec", "--out", folder / "bundle")
    run("cert", "--ca-cert", folder / "cloud/ca/ca.crt", "--ca-key", folder / "cloud/ca/ca.key", "--name",
        "instance-0000000001", "--cn", "instance-0000000001.node.ccccddddccccdddd.cluster.83988631.account",
        "--pem", "--key-type", "ec", "--out", folder / "cloud-node")
    run("cloud", "trust", "--ca", folder / "ca/ca/ca.crt", "--name", "dc1", "--scope-id", SCOPE,
        "--trust-allowlist", CLUSTER, "--payload", "--out", folder / "cloud-trust.json")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    folder = _inputs(options.nodes)
    argv = [*CERTKIT, "preflight", "--in", str(folder / "instances.yml"), "--bundle", str(folder / "bundle"),
            "--ca", str(folder / "cloud/ca/ca.crt"), "--restrictions", str(folder / "trust.yml"),
            "--remote-ca", str(folder / "cloud/ca/ca.crt"), "--cloud-trust", str(folder / "cloud-trust.json"),
            "--remote-cert", str(folder / "cloud-node/instance-0000000001/instance-0000000001.crt")]
    baseline_argv = [*CERTKIT, "restrictions", "check", str(folder / "trust.yml"), str(folder / "bundle"),
                     "--ca", str(folder / "ca/ca/ca.crt")]
    print(machine_description())
    baseline = median_run(baseline_argv, options.runs)  # every node admitted: exit 0
    result = median_run(argv, options.runs)
    ratio = result.wall / baseline.wall
    verdict = "ok" if result.wall <= TARGET_SECONDS else "over"
    print(f"baseline, restrictions check of the {options.nodes} nodes: {baseline.wall:.2f} s wall")
    print(f"preflight, {options.nodes} nodes: {result.wall:.2f} s wall ({ratio:.1f}x the audit alone), "
          f"{result.peak_mib:.0f} MiB peak")
    print(f"RESULT preflight: {options.nodes} nodes {result.wall:.2f} s, {ratio:.1f}x restrictions check "
          f"(target <= {TARGET_SECONDS:.0f} s: {verdict})")


if __name__ == "__main__":
    main()
