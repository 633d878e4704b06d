#!/usr/bin/env python3
r"""Benchmark: cost per name of PatternSet with 10 vs 1,000 Cloud-style patterns.

Two forms of the same trust file: wildcards (``*.node.<id>.cluster.<scope>.account``,
answered from certkit's dict indexes) and the regular expressions lint suggests
(``/[^.]+\.node\.<id>\.cluster\.<scope>\.account/``, answered by the lazy automaton).
Compares against the obvious alternative measured in the same run: one Python ``re``
alternation of the same wildcards (``fullmatch``, DOTALL). Prints medians of several
passes in ns/name (after a warm-up pass); the last line gives, for each form, the cost
per name at 1,000 patterns over the cost at 10 (about 1 is the target: the cost must not
grow with the number of patterns) and how much slower the ``re`` alternation is.

``--hostile`` instead times the hostile inputs of the hardening issue (a 20 KB and a
300 KB regex literal, ``/a*a*...a*/`` with 5,000 terms, ``/(a?){3000}a{3000}/``, lint of
5,000 Cloud wildcards and of 100,000 literal names), each as a ratio to a baseline
measured in the same run (the same input at a tenth of the size): about 10 is linear.

Usage: python scripts/bench_patterns.py [--names N] [--repeats R] [--hostile]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from collections.abc import Callable, Sequence

from certkit.patterns import PatternError, PatternSet, parse_pattern


def cloud_patterns(count: int, rng: random.Random) -> list[str]:
    """Trust patterns as Elastic Cloud users write them (docs/reference.md §4)."""
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


def as_regex(pattern: str) -> str:
    """The /…/ form lint suggests: each `*` of a Cloud pattern stands for one label."""
    return "/" + re.sub(r"\\\*", "[^.]+", re.escape(pattern)).replace("\\-", "-") + "/"


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    try:
        fn()
    except PatternError:
        pass  # refused: the time to refuse is what is measured
    return time.perf_counter() - start


def _lint(patterns: Sequence[str]) -> None:
    import json

    from certkit.audit.lint import lint_restrictions
    from certkit.audit.trust_file import parse_restrictions

    lint_restrictions(parse_restrictions(json.dumps({"trust.subject_name": list(patterns)}).encode(), "t.json"))


def hostile() -> None:
    """Each hostile input against the same input a tenth of the size, in the same run."""
    cases: list[tuple[str, Callable[[int], Callable[[], object]], int]] = [
        ("regex literal (chars)", lambda n: lambda: parse_pattern(f"/{n}:" + "ab" * (n // 2) + "/"), 300_000),
        ("a* terms", lambda n: lambda: parse_pattern(f"/{n}:" + "a*" * n + "/"), 5_000),
        ("(a?){n}a{n}", lambda n: lambda: parse_pattern(f"/(a?){{{n}}}a{{{n}}}/"), 3_000),
        ("lint: Cloud wildcards", lambda n: lambda: _lint(
            [f"*.node.{i:016x}.cluster.{i * 7919 % 100_000}.account" for i in range(n)]), 5_000),
        ("lint: literal names", lambda n: lambda: _lint([f"node{i}.c{i % 97}.example" for i in range(n)]), 100_000),
    ]
    for label, make, size in cases:
        small, large = _seconds(make(size // 10)), _seconds(make(size))
        print(f"{label:<24} n={size:>7}: {large:8.2f} s; n/10: {small:6.2f} s; ratio {large / max(small, 1e-6):5.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--hostile", action="store_true", help="time the hostile inputs instead")
    args = parser.parse_args()
    if args.hostile:
        hostile()
        return
    rng = random.Random(20240601)
    results: dict[tuple[str, int], float] = {}
    for count in (10, 1000):
        patterns = cloud_patterns(count, rng)
        names = cloud_names(patterns, args.names, rng)
        for form, texts in (("wildcards", patterns), ("regexes", [as_regex(p) for p in patterns])):
            start = time.perf_counter()
            pattern_set = PatternSet(texts)
            compile_ms = (time.perf_counter() - start) * 1e3
            results[(form, count)] = ns_per_name(pattern_set.admits, names, args.repeats)
            admitted = sum(map(pattern_set.admits, names))
            print(f"{count:>5} {form:<9}: certkit {results[(form, count)]:>7.0f} ns/name "
                  f"(compile {compile_ms:.0f} ms, {admitted}/{len(names)} admitted)")
        alternation = re.compile("|".join(f"(?:{wildcard_to_re(p)})" for p in patterns), re.DOTALL)
        # re is slow at 1,000 patterns: a tenth of the names keeps the run short.
        re_names = names[: max(len(names) // 10, 1000)]
        results[("re", count)] = ns_per_name(alternation.fullmatch, re_names, args.repeats)
        print(f"{count:>5} wildcards as one re alternation: {results[('re', count)]:>9.0f} ns/name")
    growth = {form: results[(form, 1000)] / results[(form, 10)] for form in ("wildcards", "regexes")}
    verdict = "OK" if max(growth.values()) <= 1.5 else "GROWS"
    slower = results[("re", 1000)] / results[("wildcards", 1000)]
    print(f"RESULT patterns: cost per name, 1,000 vs 10 patterns: wildcards {growth['wildcards']:.2f}x, "
          f"regular expressions {growth['regexes']:.2f}x (about 1: {verdict}); "
          f"a 1,000-pattern re alternation is {slower:.0f}x slower than certkit")


if __name__ == "__main__":
    main()
