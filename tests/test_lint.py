"""restrictions lint: each warning, its alternative and example, and the exit statuses."""

from __future__ import annotations

import json

import pytest

from certkit.audit.lint import lint_restrictions, one_label_regex
from certkit.audit.trust_file import parse_restrictions
from certkit.jdk.names import DNS_NAME
from certkit.patterns.language import parse_pattern
from tests.conftest import assert_one_line_error


def _codes(text: str, fields=None, name: str = "t.yml") -> dict[str, list]:
    report = lint_restrictions(parse_restrictions(text.encode(), name), *(fields and [fields] or []))
    found: dict[str, list] = {}
    for warning in report.warnings:
        found.setdefault(warning.code, []).append(warning)
    return found


@pytest.mark.parametrize("pattern", ["*", "?*", "/.*/", "/@/", "/~#/"])
def test_admits_everything(pattern):
    (warning,) = _codes(f'trust.subject_name: ["{pattern}"]\n')["admits-everything"]
    assert warning.pattern == pattern


@pytest.mark.parametrize("pattern", ["*.account", "*.cluster.*.account", "*.node.*.cluster.*.account"])
def test_admits_every_cloud_scope(pattern):
    (warning,) = _codes(f'trust.subject_name: ["{pattern}"]\n')["admits-every-cloud-scope"]
    assert parse_pattern(pattern).matches(warning.example)
    assert "<scope_id>" in warning.suggestion


def test_star_crossing_dots_with_example_and_tighter_regex():
    found = _codes('trust.subject_name: ["*.node.*.cluster.83988631.account"]\n')
    (warning,) = found["star-crosses-dots"]
    pattern = parse_pattern("*.node.*.cluster.83988631.account")
    tight = parse_pattern(one_label_regex(pattern.text))
    assert pattern.matches(warning.example) and not tight.matches(warning.example)
    assert warning.suggestion.endswith(r"/[^.]+\.node\.[^.]+\.cluster\.83988631\.account/")
    assert tight.matches("instance-1.node.abc.cluster.83988631.account")
    assert "admits-every-cloud-scope" not in found


def test_subsumed_duplicate_equivalent_and_empty():
    found = _codes('trust.subject_name: ["node*.example.internal", "node1.example.internal", '
                   '"node*.example.internal", "/node.*\\\\.example\\\\.internal/", "/#/"]\n')
    assert [w.pattern for w in found["subsumed"]] == ["node1.example.internal"]
    assert [w.pattern for w in found["duplicate"]] == ["node*.example.internal"]
    assert [w.pattern for w in found["equivalent"]] == ["/node.*\\.example\\.internal/"]
    assert [w.pattern for w in found["matches-nothing"]] == ["/#/"]


def test_a_broad_pattern_still_makes_a_narrower_one_redundant():
    # '*.account' is flagged as broad; the narrower Cloud pattern beside it adds nothing,
    # and the user who keeps the broad one should hear that too.
    found = _codes('trust.subject_name: ["*.node.*.cluster.83988631.account", "*.account"]\n')
    assert [w.pattern for w in found["admits-every-cloud-scope"]] == ["*.account"]
    (redundant,) = found["subsumed"]
    assert redundant.pattern == "*.node.*.cluster.83988631.account" and "'*.account'" in redundant.message


def test_empty_list_missing_key_and_ignored_keys():
    assert "empty-list" in _codes("trust.subject_name: []\n")
    found = _codes("trust.subject_names: [a]\ntrust.other: 1\n")
    assert "no-subject-name" in found
    assert [w.message for w in found["ignored-key"]][0].startswith("Elasticsearch ignores the key 'trust.subject_names'")
    assert "trust.subject_name" in found["ignored-key"][0].suggestion


def test_field_mismatches():
    assert "dns-looking-pattern" in _codes('trust.subject_name: ["node*.example.internal"]\n')
    assert "dns-looking-pattern" not in _codes('trust.subject_name: ["node*.example.internal"]\n', (DNS_NAME,))
    assert "othername-looking-pattern" in _codes('trust.subject_name: ["*.node.c1.cluster.s1.account"]\n', (DNS_NAME,))


def test_clean_file_has_no_warnings(cli, tmp_path):
    out = tmp_path / "trust.yml"
    assert cli("restrictions", "generate", "--cluster", "c1@s1", "--scope", "s2", "--out", out).exit_code == 0
    result = cli("restrictions", "lint", out, "--strict")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.strip().endswith("2 patterns, 0 warnings")


def test_cli_exit_statuses_and_json(cli, tmp_path):
    trust = tmp_path / "trust.yml"
    trust.write_text('trust.subject_name: ["*"]\n')
    assert cli("restrictions", "lint", trust).exit_code == 0
    assert cli("restrictions", "lint", trust, "--strict").exit_code == 1
    report = json.loads(cli("restrictions", "lint", trust, "--json").stdout)
    assert report["loads"] is True and report["summary"] == {"patterns": 1, "warnings": 1}
    assert report["warnings"][0]["code"] == "admits-everything"
    assert set(report["warnings"][0]) == {"code", "message", "pattern", "suggestion", "example"}


@pytest.mark.parametrize("name, text, fragment", [
    ("trust.txt", 'trust.subject_name: ["a"]\n', "unable to detect content type"),
    ("trust.yml", "trust.subject_name:\n  - *.x\n", "YAML alias"),
    ("trust.yml", 'trust.subject_name: ["/abc"]\n', "invalid pattern [/abc]"),
])
def test_file_that_would_not_load_exits_2(cli, tmp_path, name, text, fragment):
    path = tmp_path / name
    path.write_text(text)
    assert_one_line_error(cli("restrictions", "lint", path), fragment)
    result = cli("restrictions", "lint", path, "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["loads"] is False
