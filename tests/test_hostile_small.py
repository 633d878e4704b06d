"""The small ones of issue 13 (point 7): each a file or a command line a careless
environment produces, each answered as Elasticsearch, OpenSSL or the shell would expect."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import assert_one_line_error, run_certkit
from tests.hostile_support import make_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return make_workspace(tmp_path_factory.mktemp("small-ws"))


# ----------------------------------------------------------------------------- YAML


PATTERNS = [f"/[a-z]+\\.node\\.[{i % 10}]+\\.cluster\\.123\\.account/" for i in range(400)]


@pytest.mark.parametrize("layout", ["long_comment", "long_trailing_comment", "many_brackets", "flow_list"])
def test_a_trust_file_elasticsearch_loads_is_not_invalid_yaml(cli, tmp_path, layout):
    """A 600-character comment line, or 400 patterns with 800 brackets, made certkit's
    libyaml guard (against C-stack overflows on deep nesting) answer "invalid YAML"."""
    quoted = [f'"{p}"'.replace("\\", "\\\\") for p in PATTERNS]
    text = {
        "long_comment": "# " + "x" * 600 + "\ntrust.subject_name:\n" + "".join(f"  - {q}\n" for q in quoted[:3]),
        "long_trailing_comment": "trust.subject_name:\n" + f"  - {quoted[0]}  # " + "y" * 600 + "\n",
        "many_brackets": "trust.subject_name:\n" + "".join(f"  - {q}\n" for q in quoted),
        "flow_list": "trust.subject_name: [" + ", ".join(quoted) + "]\n",
    }[layout]
    path = tmp_path / "trust.yml"
    path.write_text(text)
    from certkit.audit.trust_file import load_restrictions

    expected = {"long_comment": PATTERNS[:3], "long_trailing_comment": PATTERNS[:1]}.get(layout, PATTERNS)
    assert list(load_restrictions(path).patterns) == expected
    result = cli("restrictions", "lint", path)
    assert result.exit_code == 0, result.stderr
    assert f"loads as Elasticsearch would: {len(expected)} pattern" in result.stdout


def test_deep_nesting_is_still_refused_without_a_crash(cli, tmp_path):
    path = tmp_path / "trust.yml"
    path.write_text("trust.subject_name: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert_one_line_error(cli("restrictions", "lint", path), "trust.yml", "nest")


# ----------------------------------------------------------------------------- a file named --help


def test_a_file_named_help_among_globbed_sources_is_checked(ws, outsider_pem, tmp_path):
    certs = tmp_path / "certs"
    certs.mkdir()
    (certs / "--help").write_bytes(outsider_pem)  # a rejected certificate, under an unlucky name
    (certs / "node1.crt").write_bytes(ws.node_crt.read_bytes())
    # The shell expands the glob: `certkit restrictions check ../trust.yml *` ("--help" sorts first).
    process = subprocess.run(f"{sys.executable} -m certkit restrictions check {ws.trust} *", shell=True, cwd=certs,
                             capture_output=True, text=True, timeout=300)
    assert process.returncode == 1, (process.stdout, process.stderr)
    assert "REJECTED  ./--help" in process.stdout
    assert process.stdout.splitlines()[-1] == "2 certificates checked: 1 admitted, 1 rejected"


def test_double_dash_makes_every_name_a_source(ws, outsider_pem, tmp_path):
    (tmp_path / "--all").write_bytes(outsider_pem)
    result = run_certkit("restrictions", "check", ws.trust, "--", "--all", ws.node_crt, cwd=tmp_path)
    assert result.exit_code == 1, result.stderr
    assert "REJECTED  --all" in result.stdout and "admitted  " not in result.stdout  # --all was a file


def test_help_still_shows_help_when_no_such_file_exists(tmp_path):
    result = run_certkit("restrictions", "check", "trust.yml", "--help", cwd=tmp_path)
    assert result.exit_code == 0 and "Usage" in result.stdout


@pytest.fixture(scope="module")
def outsider_pem(tmp_path_factory) -> bytes:
    from certkit.issue.ca import certificate_pem, create_ca
    from certkit.issue.leaf import issue_certificate
    from certkit.plan.instances import make_instance

    ca = create_ca("CN=Outsider CA", key_type="ec", curve="P-256")
    return certificate_pem(issue_certificate(ca, make_instance("intruder", cn=["intruder.example"]),
                                             key_type="ec").certificate)


# ----------------------------------------------------------------------------- PEM text


def test_a_begin_line_quoted_mid_line_is_text_as_openssl_reads_it(cli, ws, openssl, tmp_path):
    pem = ws.node_crt.read_bytes()
    path = tmp_path / "notes-and-certs.pem"
    path.write_bytes(b"the file starts -----BEGIN CERTIFICATE----- here, quoted\n" + pem
                     + b"note: -----BEGIN CERTIFICATE-----MIIB\nnot base64 -----END CERTIFICATE-----\n" + pem)
    found = openssl("storeutl", "-noout", "-certs", str(path)).stdout.decode()
    assert "Total found: 2" in found  # OpenSSL's reading: two certificates, the rest is text
    result = cli("restrictions", "check", ws.trust, path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "2 certificates checked: 2 admitted, 0 rejected"


# ----------------------------------------------------------------------------- /proc


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
@pytest.mark.parametrize("out", ["/proc/self/x.p12", "/proc/self/bundle"])
def test_an_output_in_proc_says_what_is_wrong(cli, ws, out):
    args = ["ca", "--out", out] if out.endswith(".p12") else ["cert", "--ca", ws.ca_p12, "--name", "es01", "--pem",
                                                                "--out", out]
    result = cli(*args)
    assert_one_line_error(result, out, "does not allow new files")
    assert "does not exist" not in result.stderr


# ----------------------------------------------------------------------------- core dumps


PROBE = """
import ctypes, resource, sys
from certkit.cli import main
code = main(sys.argv[1:])
dumpable = ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE
print(resource.getrlimit(resource.RLIMIT_CORE)[0], dumpable, code)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
@pytest.mark.parametrize(("command", "guarded"), [
    (["ca", "--out", "ca.p12"], True),
    (["cert", "--ca", "{ca_p12}", "--name", "es01", "--out", "es01.p12"], True),
    (["inspect", "{ca_p12}"], True),
    (["instances", "check", "{instances}"], False),
])
def test_no_core_dump_while_keys_or_passwords_are_in_memory(ws, tmp_path, command, guarded):
    args = [part.format(ca_p12=ws.ca_p12, instances=ws.instances) for part in command]
    process = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=tmp_path, capture_output=True, text=True,
                             timeout=300)
    core_limit, dumpable, code = process.stdout.split()[-3:]
    assert code == "0", process.stderr
    if guarded:
        assert (core_limit, dumpable) == ("0", "0")
    else:
        assert dumpable == "1"
