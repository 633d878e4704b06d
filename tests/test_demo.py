"""certkit demo: a fresh folder with a CA, an instances file and a bundle that verify."""

from __future__ import annotations

import json

import pytest

from certkit.plan.instances import load_instances
from tests.conftest import assert_one_line_error, run_certkit

pytestmark = [pytest.mark.openssl]


@pytest.mark.slow
def test_demo_makes_a_working_setup_and_says_what_next(tmp_path, openssl):
    result = run_certkit("demo", "--dir", "demo", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    demo = tmp_path / "demo"
    lines = result.stdout.splitlines()
    steps = ["1.", "2.", "3.", "4.", "5.", "6."]
    assert [line.split()[0] for line in lines if line[:2] in steps] == steps
    # The audit step: the three nodes admitted, the outsider (same CA, other cluster) rejected
    # in Elasticsearch's words, in the report format restrictions check prints (the reason
    # on the line after the verdict).
    assert sum(line.strip().startswith("admitted") for line in lines) == 3
    rejected = [index for index, line in enumerate(lines) if line.strip().startswith("REJECTED")]
    assert len(rejected) == 1 and "outsider.crt" in lines[rejected[0]]
    assert "does not match the trusted names" in lines[rejected[0] + 1]
    assert "4 certificates checked: 3 admitted, 1 rejected" in result.stdout
    assert "next:" in result.stdout and "certkit inspect demo/certificate-bundle/es01/es01.p12" in result.stdout
    instances = load_instances(demo / "instances.yaml")
    assert [i.name for i in instances] == ["es01", "es02", "es03"]
    assert all(i.cn[0].startswith(f"{i.name}.node.") and i.cn[0].endswith(".account") for i in instances)
    for node in ("es01", "es02", "es03"):
        pem = openssl("pkcs12", "-in", demo / "certificate-bundle" / node / f"{node}.p12", "-clcerts", "-nokeys",
                      "-passin", "pass:").stdout
        (tmp_path / f"{node}.crt").write_bytes(pem)
        openssl("verify", "-CAfile", demo / "ca" / "ca.crt", tmp_path / f"{node}.crt")
    assert (demo / "ca" / "ca.key").stat().st_mode & 0o077 == 0
    # The next commands it prints work as printed, with the verdicts the demo showed.
    check = run_certkit("restrictions", "check", "demo/trust.yml", "demo/certificate-bundle", "demo/outsider.crt",
                        "--ca", "demo/ca/ca.crt", "--json", cwd=tmp_path)
    assert check.exit_code == 1, check.stderr
    verdicts = {c["source"].split("/")[-1]: c["admitted"] for c in json.loads(check.stdout)["certificates"]}
    assert verdicts == {"es01.p12#1": True, "es02.p12#1": True, "es03.p12#1": True, "outsider.crt": False}
    # The demo's report is the one restrictions check --all prints, line for line.
    human = run_certkit("restrictions", "check", "demo/trust.yml", "demo/certificate-bundle", "demo/outsider.crt",
                        "--ca", "demo/ca/ca.crt", "--all", cwd=tmp_path)
    audit_step = lines.index(next(line for line in lines if line.startswith("6.")))
    assert lines[audit_step + 1:audit_step + 1 + len(human.stdout.splitlines())] == human.stdout.splitlines()
    lint = run_certkit("restrictions", "lint", "demo/trust.yml", "--strict", cwd=tmp_path)
    assert lint.exit_code == 0, lint.stdout + lint.stderr


def test_demo_refuses_a_non_empty_folder_without_force(cli, tmp_path):
    (tmp_path / "mine.txt").write_text("keep")
    assert_one_line_error(cli("demo", "--dir", tmp_path), "not empty")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]
    result = cli("demo", "--dir", tmp_path, "--force")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "mine.txt").read_text() == "keep"  # --force replaces only the demo's own files
    assert cli("demo", "--dir", tmp_path, "--force").exit_code == 0
