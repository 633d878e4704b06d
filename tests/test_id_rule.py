"""One rule for ids, from certkit.plan.naming, wherever an id is taken: a scope Elastic Cloud
cannot trust by scope is warned about when planning (instances generate/check, cert, csr,
restrictions generate), with what it means, and refused where the result could never work
(cloud trust: the API refuses it); an id that cannot be part of a node name is refused
everywhere."""

from __future__ import annotations

import json

import pytest

from certkit.plan import cloud_scope_warning
from tests.conftest import assert_one_line_error
from tests.wiring_support import make_ca, pem

CLOUD_REFUSES = ["MyScope", "my-scope", "s" * 33]


def warnings_of(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("warning: ")]


@pytest.fixture
def ca_file(tmp_path):
    path = tmp_path / "ca.pem"
    path.write_bytes(pem(make_ca("Id rule CA")[0]))
    return path


@pytest.fixture
def plan(cli, tmp_path):
    def make(scope_id: str):
        path = tmp_path / f"instances-{len(scope_id)}-{scope_id[:3]}.yaml"
        result = cli("instances", "generate", "--cluster-id", "c1", "--scope-id", scope_id, "--nodes", "3",
                     "--out", path)
        assert result.exit_code == 0, result.stderr
        return path, result

    return make


@pytest.mark.parametrize("scope_id", CLOUD_REFUSES)
def test_planning_warns_once_with_the_rules_words(cli, plan, tmp_path, scope_id):
    expected = cloud_scope_warning(scope_id)
    assert expected is not None and "only by listing each node name" in expected
    path, generated = plan(scope_id)
    checked = cli("instances", "check", path)
    issued = cli("cert", "--self-signed", "--key-type", "ec", "--in", path, "--out", tmp_path / "certs",
                 env={"CERTKIT_PASS": ""})
    requested = cli("csr", "--in", path, "--key-type", "ec", "--out", tmp_path / "csrs")
    single = cli("cert", "--self-signed", "--key-type", "ec", "--name", "n1",
                 "--cn", f"n1.node.c1.cluster.{scope_id}.account", "--out", tmp_path / "single",
                 env={"CERTKIT_PASS": ""})
    for result in (generated, checked, issued, requested, single):
        assert result.exit_code == 0, result.stderr
        matching = [line for line in warnings_of(result) if expected in line]
        assert len(matching) == 1, result.stderr  # one per scope, not one per node


@pytest.mark.parametrize("scope_id", CLOUD_REFUSES)
def test_trust_patterns_for_such_a_scope_say_no_cloud_node_carries_it(cli, plan, scope_id):
    expected = cloud_scope_warning(scope_id, trusting_cloud_nodes=True)
    assert expected is not None and "no Elastic Cloud node carries" in expected
    for args in (["--scope", scope_id], ["--cluster", f"c1@{scope_id}"],
                 ["--scope", scope_id, "--cluster", f"c1@{scope_id}"]):
        result = cli("restrictions", "generate", *args, "--out", "-")
        assert result.exit_code == 0, result.stderr
        assert warnings_of(result) == [f"warning: {expected}"]
    path, _ = plan(scope_id)
    from_plan = cli("restrictions", "generate", "--from-instances", path, "--out", "-")
    assert from_plan.exit_code == 0
    assert [line for line in warnings_of(from_plan) if cloud_scope_warning(scope_id) in line]


@pytest.mark.parametrize("scope_id", CLOUD_REFUSES)
def test_cloud_refuses_it_as_a_scope_and_as_an_account(cli, ca_file, scope_id):
    assert_one_line_error(cli("cloud", "trust", "--ca", ca_file, "--name", "n", "--scope-id", scope_id, "--trust-all"),
                          f"scope id {scope_id!r}")
    assert_one_line_error(cli("cloud", "trust", "--ca", ca_file, "--name", "n", "--node-name", "a.example",
                              "--payload", "--account", scope_id, "--trust-all"), f"account id {scope_id!r}")


def test_a_planned_scope_cloud_cannot_trust_is_still_trusted_by_name(cli, plan, ca_file):
    """The warning's way out works: the nodes listed by name make a valid direct trust."""
    path, _ = plan("MyScope")
    result = cli("cloud", "trust", "--ca", ca_file, "--name", "n", "--instances", path)
    assert result.exit_code == 0, result.stderr
    names = json.loads(result.stdout)["additional_node_names"]
    assert names == [f"node{i}.node.c1.cluster.MyScope.account" for i in (1, 2, 3)]


@pytest.mark.parametrize("bad", ["a.b", "s*", "", "-s"])
def test_an_id_that_cannot_be_part_of_a_node_name_is_refused_everywhere(cli, ca_file, bad):
    assert_one_line_error(cli("instances", "generate", "--cluster-id", "c1", "--scope-id", bad, "--node", "n",
                              "--out", "-"), "scope id")
    assert_one_line_error(cli("instances", "generate", "--cluster-id", bad, "--scope-id", "s1", "--node", "n",
                              "--out", "-"), "cluster id")
    if bad:  # an empty spec part is a usage error of its own
        assert_one_line_error(cli("restrictions", "generate", "--cluster", f"c1@{bad}", "--out", "-"), "scope id")
        assert_one_line_error(cli("restrictions", "generate", "--cluster", f"{bad}@s1", "--out", "-"), "cluster id")
    assert_one_line_error(cli("restrictions", "generate", "--scope", bad, "--out", "-"), "scope id")
    assert_one_line_error(cli("cloud", "trust", "--ca", ca_file, "--name", "n", "--scope-id", "s1",
                              "--trust-allowlist", bad), "cluster id")
    assert_one_line_error(cli("wire", "api-key", "--name", "k", "--search", "logs", "--for-cluster", bad),
                          "cluster id")


def test_a_scope_cloud_accepts_draws_no_warning(cli, plan, tmp_path, ca_file):
    path, generated = plan("83988631")
    assert warnings_of(generated) == []
    assert cli("restrictions", "generate", "--scope", "83988631", "--out", "-").stderr == ""
    assert cli("cloud", "trust", "--ca", ca_file, "--name", "n", "--scope-id", "83988631", "--trust-all").exit_code == 0
