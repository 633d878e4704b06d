"""One flag vocabulary (docs/cli.md): the current names work, the old spellings still work
but are not shown, and elasticsearch-certutil's single-dash names are understood."""

from __future__ import annotations

import json
import re

import pytest

from tests.cli_support import all_commands, visible_options
from tests.conftest import assert_one_line_error
from tests.hostile_support import CLUSTER_ID, SCOPE_ID, make_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return make_workspace(tmp_path_factory.mktemp("vocabulary"))


def _shows_flag(help_text: str, flag: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", help_text) is not None


# (command, old spelling, current flag): each must give the same result, and help shows only the current one.
RENAMED = [
    (("cloud", "trust"), "--instances", "--in"),
    (("restrictions", "generate"), "--from-instances", "--in"),
    (("restrictions", "generate"), "--scope", "--scope-id"),
    (("restrictions", "generate"), "--cluster", "--cluster-id"),
    (("wire", "remote"), "--format json", "--json"),
    (("wire", "api-key"), "--format json", "--json"),
]


@pytest.mark.parametrize(("command", "old", "new"), RENAMED, ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_help_shows_only_the_current_flag(cli, command, old, new):
    result = cli(*command, "--help")
    assert result.exit_code == 0
    assert _shows_flag(result.stdout, new), result.stdout
    old_flag, _, old_value = old.partition(" ")
    if old_value:  # `--format json` stays for other renderings: json is no longer offered there
        assert not re.search(rf"{old_flag} \S*{old_value}", result.stdout), result.stdout
    else:
        assert not _shows_flag(result.stdout, old_flag), result.stdout


def test_cloud_trust_in_and_instances_are_the_same(cli, ws):
    base = ("cloud", "trust", "--ca", ws.ca_crt, "--name", "self-managed")
    new = cli(*base, "--in", ws.instances)
    old = cli(*base, "--instances", ws.instances)
    assert new.exit_code == old.exit_code == 0, (new.stderr, old.stderr)
    assert json.loads(new.stdout)["name"] == "self-managed"
    assert new.stdout == old.stdout


def test_restrictions_generate_old_and_new_spellings_write_the_same_file(cli, ws):
    new = cli("restrictions", "generate", "--cluster-id", CLUSTER_ID, "--scope-id", SCOPE_ID,
              "--in", ws.instances, "--out", "-")
    old = cli("restrictions", "generate", "--cluster", f"{CLUSTER_ID}@{SCOPE_ID}",
              "--from-instances", ws.instances, "--out", "-")
    assert new.exit_code == old.exit_code == 0, (new.stderr, old.stderr)
    assert new.stdout == old.stdout
    assert f"cluster\\\\.{SCOPE_ID}\\\\.account" in new.stdout
    assert "node1.node.abc.cluster.123.account" in new.stdout

    scope_new = cli("restrictions", "generate", "--scope-id", SCOPE_ID, "--out", "-")
    scope_old = cli("restrictions", "generate", "--scope", SCOPE_ID, "--out", "-")
    assert scope_new.exit_code == scope_old.exit_code == 0
    assert scope_new.stdout == scope_old.stdout
    assert "every node of every cluster of scope 123" in scope_new.stdout


def test_cluster_id_needs_exactly_one_scope_id(cli):
    assert_one_line_error(cli("restrictions", "generate", "--cluster-id", CLUSTER_ID, "--out", "-"),
                          "--cluster-id needs exactly one --scope-id")
    assert_one_line_error(cli("restrictions", "generate", "--cluster-id", CLUSTER_ID, "--scope-id", "1",
                              "--scope-id", "2", "--out", "-"), "--cluster-id needs exactly one --scope-id")


@pytest.mark.parametrize("command", [("wire", "remote", "--alias", "dc1", "--address", "dc1.example:9443"),
                                     ("wire", "api-key", "--name", "k", "--search", "logs-*")],
                         ids=["remote", "api-key"])
def test_json_and_format_json_and_the_default_print_the_same_body(cli, command):
    outputs = {cli(*command, *extra).stdout for extra in ((), ("--json",), ("--format", "json"))}
    assert len(outputs) == 1
    json.loads(outputs.pop())
    assert_one_line_error(cli(*command, "--json", "--format", "curl"), "choose one")


def test_certutil_single_dash_names_are_the_double_dash_options(cli, ws, tmp_path):
    dashed = cli("cert", "-self-signed", "-in", ws.instances, "-out", tmp_path / "one.zip", "-days", "30",
                 "--key-type", "ec", "-keysize", "256", "--dry-run", "--json")
    doubled = cli("cert", "--self-signed", "--in", ws.instances, "--out", tmp_path / "one.zip", "--days", "30",
                  "--key-type", "ec", "--keysize", "256", "--dry-run", "--json")
    assert dashed.exit_code == doubled.exit_code == 0, dashed.stderr
    plan, expected = json.loads(dashed.stdout), json.loads(doubled.stdout)
    assert [c["subject"] for c in plan["certificates"]] == [c["subject"] for c in expected["certificates"]]
    assert plan["out"] == str(tmp_path / "one.zip")

    named = cli("cert", "--self-signed", "-name", "node9", "-dns", "node9.example", "-ip", "10.0.0.9",
                "--out", tmp_path / "two.zip", "--dry-run", "--json")
    assert named.exit_code == 0, named.stderr
    names = json.loads(named.stdout)["certificates"][0]["names"]
    assert names["dnsName"] == ["node9.example"] and names["ipAddress"] == ["10.0.0.9"]


def test_certutil_equals_form_and_old_spelling_with_single_dash(cli, ws):
    result = cli("cloud", "trust", "--ca", ws.ca_crt, "--name", "n", f"-in={ws.instances}")
    assert result.exit_code == 0, result.stderr
    assert cli("cloud", "trust", "--ca", ws.ca_crt, "--name", "n", "-instances", ws.instances).stdout == result.stdout


def test_unknown_single_dash_word_suggests_the_double_dash_option(cli):
    assert_one_line_error(cli("cert", "-nme", "node1"), "no such option: -nme", "did you mean --name")
    assert_one_line_error(cli("instances", "check", "-zzz"), "no such option: -zzz", "two dashes")


def test_values_and_files_after_double_dash_that_look_like_certutil_flags_stay_as_they_are(cli, ws, tmp_path,
                                                                                          monkeypatch):
    # A pattern that reads "-in" is the value of --name, not the --in option.
    result = cli("restrictions", "generate", "--name", "-in", "--out", "-")
    assert result.exit_code == 0, result.stderr
    assert '- "-in"' in result.stdout
    # A file literally named -in after -- is a SOURCE.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-in").write_bytes(ws.node_crt.read_bytes())
    shown = cli("inspect", "--json", "--", "-in")
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)[0]["source"] == "-in"


def test_every_certutil_flag_name_is_spelled_as_certutil_does():
    # certutil's names, where a certkit command has the same meaning, and the old spellings are gone.
    options_of = {" ".join(path): {o for p in visible_options(cmd) for o in p.opts} for path, cmd in all_commands()}
    assert {"--in", "--out", "--name", "--dns", "--ip", "--keysize", "--days", "--pass", "--ca"} <= options_of["cert"]
    assert {"--in", "--out", "--name", "--dns", "--ip", "--keysize"} <= options_of["csr"]
    assert {"--in", "--ca", "--out"} <= options_of["cloud trust"]
    assert {"--in", "--cluster-id", "--scope-id", "--out"} <= options_of["restrictions generate"]
    stale = {"--instances", "--from-instances", "--scope", "--cluster"}
    for command, options in options_of.items():
        assert not options & stale, (command, options & stale)


def test_shell_completion_survives_a_single_dash_word_and_offers_only_current_names():
    from tests.conftest import run_certkit

    after_typo = run_certkit(env={"_CERTKIT_COMPLETE": "complete_bash", "COMP_WORDS": "certkit cert -nme x --ca",
                                  "COMP_CWORD": "4"})
    assert after_typo.exit_code == 0 and "Traceback" not in after_typo.stderr, after_typo.stderr
    assert "--ca-cert" in after_typo.stdout.split()
    old_prefix = run_certkit(env={"_CERTKIT_COMPLETE": "complete_bash", "COMP_WORDS": "certkit cloud trust --inst",
                                  "COMP_CWORD": "3"})
    assert old_prefix.exit_code == 0 and old_prefix.stdout.split() == []
