#!/usr/bin/env python3
"""Run every benchmark and put the figures into docs/performance.md, in one command.

Runs bench_startup, bench_issue, bench_audit, bench_convert, bench_scale, bench_patterns, bench_hostile and
bench_preflight one after
the other (never in parallel: they measure the machine), prints their output as it comes,
and replaces the block between ``<!-- figures:begin -->`` and ``<!-- figures:end -->`` in
docs/performance.md with the machine description, the dependency versions and each script's
output, and the one in README.md with a table of every result against its target (each script's last line,
``RESULT area: item; item; …``). The last line gathers those lines.

    python scripts/bench_all.py [--quick] [--no-write]

``--quick`` uses small sizes and single runs (a smoke test of the scripts, not figures).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import dependency_versions, machine_description  # noqa: E402

SCRIPTS = Path(__file__).resolve().parent
DOC = SCRIPTS.parent / "docs" / "performance.md"
README = SCRIPTS.parent / "README.md"
BEGIN, END = "<!-- figures:begin -->", "<!-- figures:end -->"

FULL = [
    ("startup", ["bench_startup.py", "--runs", "15"]),
    ("issuance", ["bench_issue.py", "--runs", "3"]),
    ("audit", ["bench_audit.py", "--runs", "3"]),
    ("convert", ["bench_convert.py", "--runs", "5"]),
    ("scale", ["bench_scale.py", "--runs", "2"]),
    ("patterns", ["bench_patterns.py"]),
    ("hostile", ["bench_hostile.py", "--runs", "5"]),
    ("preflight", ["bench_preflight.py", "--runs", "3"]),
]
QUICK = [
    ("startup", ["bench_startup.py", "--runs", "3"]),
    ("issuance", ["bench_issue.py", "--runs", "1", "--nodes", "20", "--ec-nodes", "200", "--openssl", "3",
                  "--keygen-samples", "5"]),
    ("audit", ["bench_audit.py", "--runs", "1", "--count", "2000", "--openssl", "20"]),
    ("convert", ["bench_convert.py", "--runs", "1", "--files", "5"]),
    ("scale", ["bench_scale.py", "--runs", "1", "--sizes", "10", "100"]),
    ("patterns", ["bench_patterns.py", "--names", "2000", "--repeats", "2"]),
    ("hostile", ["bench_hostile.py", "--runs", "1"]),
    ("preflight", ["bench_preflight.py", "--runs", "1", "--nodes", "10"]),
]


def run(name: str, argv: list[str]) -> tuple[str, float]:
    print(f"== {name}: python scripts/{' '.join(argv)}", flush=True)
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(SCRIPTS / argv[0]), *argv[1:]], stdout=subprocess.PIPE,
                               text=True)
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    if process.wait() != 0:
        raise SystemExit(f"{argv[0]} failed with exit status {process.returncode}")
    return "".join(lines), time.perf_counter() - start


def replace_block(path: Path, text: str) -> None:
    """Put ``text`` between the figures markers of ``path`` (which must have them)."""
    document = path.read_text(encoding="utf-8")
    head, begin, rest = document.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise SystemExit(f"{path} has no {BEGIN} … {END} block to fill")
    path.write_text(head + BEGIN + "\n" + text + END + tail, encoding="utf-8")


def results_table(result_lines: list[str]) -> str:
    """A Markdown table, one row per ``;``-separated item of every ``RESULT area: …`` line."""
    rows = [f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine_description()} "
            f"with {dependency_versions()} by `python scripts/bench_all.py`:", "", "| Area | Result (ratio to a baseline measured in the same run) |",
            "|---|---|"]
    for line in result_lines:
        area, _, items = line.removeprefix("RESULT ").partition(": ")
        for item in items.split("; "):
            rows.append(f"| {area} | {item.replace('|', '/')} |")
    return "\n".join(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run: checks the scripts work")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = parser.parse_args()

    outputs = []
    for name, argv in QUICK if args.quick else FULL:
        text, seconds = run(name, argv)
        outputs.append((name, argv, text, seconds))
    summary = [text.strip().splitlines()[-1] for _, _, text, _ in outputs]

    if not args.no_write and not args.quick:
        blocks = [f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on: {machine_description()}; "
                  f"{dependency_versions()}.", ""]
        for name, argv, text, seconds in outputs:
            blocks += [f"#### {name} (`python scripts/{' '.join(argv)}`, {seconds:.0f} s)", "", "```",
                       text.rstrip(), "```", ""]
        replace_block(DOC, "\n".join(blocks))
        replace_block(README, results_table(summary))
        print(f"updated {DOC} and {README}")
    print("SUMMARY: " + " | ".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
