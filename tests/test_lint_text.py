"""restrictions lint on the Elastic guide's trust file: every unquoted '*' alias line is
reported in one run (line number and quoted fix) and the <CLUSTER_FQDN> placeholder is a
finding; the fixes, applied, give a file that loads with exactly the meant patterns."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from certkit.audit import load_restrictions
from tests.conftest import assert_one_line_error
from tests.wiring_support import REFERENCE_COPY

GUIDE_PATTERNS = [
    "*.node.aaaabbbbaaaabbbb.cluster.1053523734.account",
    "*.node.xxxxyyyyxxxxyyyy.cluster.1053523734.account",
    "*.node.*.cluster.83988631.account",
    "node*.<CLUSTER_FQDN>",
]
# The file as the guide prints it: four unquoted values, three of them aliases to YAML.
GUIDE_FILE = "trust.subject_name:\n" + "".join(f"  - {p}\n" for p in GUIDE_PATTERNS)


def test_the_guide_shows_these_patterns_unquoted():
    guide = (REFERENCE_COPY / "elastic-docs-connect-cloud-to-self-managed.txt").read_text()
    assert "trust.subject_name: " + " ".join(f"- {p}" for p in GUIDE_PATTERNS) in guide


def lint(cli, tmp_path, text: str, *args: str, name: str = "trust.yml"):
    path = tmp_path / name
    path.write_text(text)
    return path, cli("restrictions", "lint", path, *args)


def findings(stdout: str, code: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(f"warning: [{code}] ")]


def test_every_alias_line_of_the_guide_file_in_one_run(cli, tmp_path):
    path, result = lint(cli, tmp_path, GUIDE_FILE)
    assert_one_line_error(result, "does not load", "(2, 3, 4)", "YAML alias")
    aliases = findings(result.stdout, "unquoted-alias")
    assert len(aliases) == 3
    for line_number, (finding, pattern) in enumerate(zip(aliases, GUIDE_PATTERNS, strict=False), start=2):
        assert f"line {line_number} " in finding
        assert finding.endswith(f"quote it: - {json.dumps(pattern)}")
    (placeholder,) = findings(result.stdout, "placeholder")
    assert "'node*.<CLUSTER_FQDN>'" in placeholder and "replace <CLUSTER_FQDN>" in placeholder


def test_applying_the_fixes_gives_the_meant_patterns(cli, tmp_path):
    path, result = lint(cli, tmp_path, GUIDE_FILE)
    lines = GUIDE_FILE.splitlines()
    for finding in findings(result.stdout, "unquoted-alias"):
        number = int(re.search(r"line (\d+) ", finding).group(1))
        fixed = finding.rsplit("quote it: ", 1)[1]
        lines[number - 1] = lines[number - 1][: len(lines[number - 1]) - len(lines[number - 1].lstrip())] + fixed
    path.write_text("\n".join(lines) + "\n")
    assert yaml.safe_load(path.read_text())["trust.subject_name"] == GUIDE_PATTERNS
    assert list(load_restrictions(path).patterns) == GUIDE_PATTERNS
    again = cli("restrictions", "lint", path)
    assert again.exit_code == 0
    assert not findings(again.stdout, "unquoted-alias") and len(findings(again.stdout, "placeholder")) == 1


def test_json_lists_the_alias_findings_of_a_file_that_does_not_load(cli, tmp_path):
    _, result = lint(cli, tmp_path, GUIDE_FILE, "--json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["loads"] is False and "(2, 3, 4)" in report["error"]
    codes = [w["code"] for w in report["warnings"]]
    assert codes.count("unquoted-alias") == 3 and "placeholder" in codes
    assert [w["pattern"] for w in report["warnings"] if w["code"] == "unquoted-alias"] == GUIDE_PATTERNS[:3]


def test_aliases_in_flow_lists_with_comments_and_valid_alias_names(cli, tmp_path):
    text = ('trust.subject_name: [*.a.example, "ok.example", *b.example]\n'
            "# a comment\n")
    _, result = lint(cli, tmp_path, text)
    assert_one_line_error(result, "(1)")
    (finding,) = findings(result.stdout, "unquoted-alias")
    assert finding.endswith('quote it: trust.subject_name: ["*.a.example", "ok.example", "*b.example"]')
    text = "trust.subject_name:\n  - *abc   # a valid alias name, still a pattern meant\n  - *.x.example\n"
    _, result = lint(cli, tmp_path, text)
    assert_one_line_error(result, "(2, 3)")
    first, second = findings(result.stdout, "unquoted-alias")
    assert first.endswith('quote it: - "*abc"   # a valid alias name, still a pattern meant')
    assert second.endswith('quote it: - "*.x.example"')


def test_many_alias_lines_all_reported(cli, tmp_path):
    patterns = [f"*.node.c{index}.cluster.s1.account" for index in range(40)]
    _, result = lint(cli, tmp_path, "trust.subject_name:\n" + "".join(f"  - {p}\n" for p in patterns))
    assert result.exit_code == 2
    assert len(findings(result.stdout, "unquoted-alias")) == 40


@pytest.mark.parametrize(("pattern", "flagged"), [
    ("node*.<CLUSTER_FQDN>", True),
    ("*.node.<cluster_id>.cluster.<scope_id>.account", True),
    ("node1.<cluster fqdn>", True),
    ("/node<1-10>\\.example/", False),  # Lucene's numeric interval, not a placeholder
    ("node*.example.internal", False),
])
def test_placeholders_in_a_file_that_loads(cli, tmp_path, pattern, flagged):
    _, result = lint(cli, tmp_path, f"trust.subject_name: [{json.dumps(pattern)}]\n")
    assert result.exit_code == 0, result.stderr
    assert bool(findings(result.stdout, "placeholder")) is flagged


def test_other_load_errors_are_reported_as_before(cli, tmp_path):
    _, result = lint(cli, tmp_path, 'trust.subject_name: ["/abc"]\n')
    assert_one_line_error(result, "invalid pattern [/abc]")
    assert not findings(result.stdout, "unquoted-alias")


def test_finding_aliases_stops_early_in_deep_nesting():
    """'[[[[...' as deep as the text allows costs what a few levels cost: the scan stops at
    the depth certkit refuses (libyaml's scanner slows down with every open level)."""
    from certkit.io import unquoted_aliases
    from tests.work_support import python_calls

    def calls(depth: int) -> int:
        text = "trust.subject_name: " + "[" * depth + "*.x" + "]" * depth + "\n"
        return python_calls(lambda: unquoted_aliases(text))

    assert calls(100_000) < 2 * calls(200)
