#!/usr/bin/env python3
"""Benchmark: cost per name of PatternSet with 10 vs 1,000 Cloud-style patterns.

Compares against the obvious alternative measured in the same run: one Python ``re``
alternation of the same wildcards (``fullmatch``, DOTALL). Prints medians of several
passes in ns/name; the last line is the ratio certkit / re-alternation at 1,000
patterns (lower is better; below 1 means certkit is faster).

Usage: python scripts/bench_patterns.py [--names N] [--repeats R]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from collections.abc import Callable, Sequence

from certkit.patterns import PatternSet


def cloud_patterns(count: int, rng: random.Random) -> list[str]:
    """Trust patterns as Elastic Cloud users write them (REFERENCE.md 4)."""
    patterns = []
    for i in range(count):
        cluster = "".join(rng.choice("0123456789abcdef") for _ in range(16))
        scope = rng.randint(10**8, 10**10)
        if i % 10 == 9:
            patterns.append(f"*.node.*.cluster.{scope}.account")  # a whole scope
        else:
            patterns.append(f"*.node.{cluster}.cluster.{scope}.account")
    return patterns


def cloud_names(patterns: Sequence[str], count: int, rng: random.Random) -> list[str]:
    """Half admitted node names (one per random pattern), half outsiders."""
    names = []
    for i in range(count):
        node = "".join(rng.choice("0123456789abcdef") for _ in range(32))
        if i % 2 == 0:
            pattern = rng.choice(patterns).replace("*.node.*", "*.node.0123456789abcdef")
            names.append(node + pattern[1:])
        else:
            cluster = "".join(rng.choice("0123456789abcdef") for _ in range(16))
            names.append(f"{node}.node.{cluster}.cluster.{rng.randint(10**8, 10**10)}.account")
    return names


def wildcard_to_re(pattern: str) -> str:
    return "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)


def ns_per_name(check: Callable[[str], object], names: Sequence[str], repeats: int) -> float:
    for name in names:  # warm-up: builds certkit's lazy DFA states, re's caches
        check(name)
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for name in names:
            check(name)
        timings.append((time.perf_counter() - start) / len(names) * 1e9)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(20240601)
    results: dict[tuple[str, int], float] = {}
    for count in (10, 1000):
        patterns = cloud_patterns(count, rng)
        names = cloud_names(patterns, args.names, rng)
        start = time.perf_counter()
        pattern_set = PatternSet(patterns)
        compile_ms = (time.perf_counter() - start) * 1e3
        results[("certkit", count)] = ns_per_name(pattern_set.admits, names, args.repeats)
        alternation = re.compile("|".join(f"(?:{wildcard_to_re(p)})" for p in patterns), re.DOTALL)
        # re is slow at 1,000 patterns: a tenth of the names keeps the run short.
        re_names = names[: max(len(names) // 10, 1000)]
        results[("re", count)] = ns_per_name(alternation.fullmatch, re_names, args.repeats)
        admitted = sum(map(pattern_set.admits, names))
        print(
            f"{count:>5} patterns: certkit {results[('certkit', count)]:>9.0f} ns/name "
            f"(compile {compile_ms:.0f} ms, {admitted}/{len(names)} admitted)   "
            f"re alternation {results[('re', count)]:>9.0f} ns/name"
        )
    scaling = results[("certkit", 1000)] / results[("certkit", 10)]
    print(f"certkit cost per name, 1,000 vs 10 patterns: {scaling:.2f}x")
    ratio = results[("certkit", 1000)] / results[("re", 1000)]
    print(f"ratio certkit / re-alternation at 1,000 patterns: {ratio:.3f}")


if __name__ == "__main__":
    main()
